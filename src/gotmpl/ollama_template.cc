#include "gotmpl/ollama_template.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace hearth::gotmpl {
namespace {

using Json = nlohmann::ordered_json;
using Field = TemplateValue::Field;

TemplateValue Any(const Json& j) {
  auto v = TemplateValue::FromJson(j.dump());
  return v.ok() ? *v : TemplateValue();
}

const Json* Get(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

TemplateValue StringList(const Json* j) {
  if (j == nullptr || !j->is_array()) return TemplateValue::NilList();
  std::vector<TemplateValue> out;
  for (const Json& e : *j) {
    if (e.is_string()) out.push_back(TemplateValue::String(e.get<std::string>()));
  }
  return TemplateValue::List(std::move(out));
}

TemplateValue Property(const Json& p, int depth);

// *api.ToolPropertiesMap: insertion-ordered.
TemplateValue PropertiesMap(const Json* j, int depth, bool keep_order) {
  if (j == nullptr || !j->is_object()) return TemplateValue::NilMap();
  TemplateValue::Entries entries;
  for (auto it = j->begin(); it != j->end(); ++it) {
    entries.emplace_back(it.key(), Property(it.value(), depth + 1));
  }
  return TemplateValue::Map(std::move(entries), keep_order);
}

// api.ToolProperty, as Ollama decodes a JSON-schema property (unknown keys are dropped).
TemplateValue Property(const Json& p, int depth) {
  if (depth > 32) return TemplateValue();
  std::vector<TemplateValue> any_of;
  if (const Json* a = Get(p, "anyOf"); a && a->is_array()) {
    for (const Json& e : *a) any_of.push_back(Property(e, depth + 1));
  }
  // PropertyType: a string or a list of strings; marshals back to a string when single.
  std::vector<TemplateValue> types;
  if (const Json* t = Get(p, "type")) {
    if (t->is_string()) types.push_back(TemplateValue::String(t->get<std::string>()));
    if (t->is_array()) {
      for (const Json& e : *t) {
        if (e.is_string()) types.push_back(TemplateValue::String(e.get<std::string>()));
      }
    }
  }
  TemplateValue type = types.empty() ? TemplateValue::NilList() : TemplateValue::List(types);
  if (types.size() == 1) type = type.WithJson(types[0].Json());
  const Json* items = Get(p, "items");
  const Json* desc = Get(p, "description");
  const Json* enm = Get(p, "enum");
  std::vector<Field> f = {
      {"AnyOf", any_of.empty() ? TemplateValue::NilList() : TemplateValue::List(any_of), "anyOf",
       true},
      {"Type", type, "type", true},
      {"Items", items ? Any(*items) : TemplateValue(), "items", true},
      {"Description",
       TemplateValue::String(desc && desc->is_string() ? desc->get<std::string>() : ""),
       "description", true},
      {"Enum", enm && enm->is_array() ? Any(*enm) : TemplateValue::NilList(), "enum", true},
      {"Properties", PropertiesMap(Get(p, "properties"), depth, /*keep_order=*/true), "properties",
       true},
      {"Required", StringList(Get(p, "required")), "required", true},
  };
  return TemplateValue::Record("api.ToolProperty", std::move(f));
}

TemplateValue Str(const std::string& s) { return TemplateValue::String(s); }

std::pair<std::string, std::vector<Message>> Collate(const std::vector<Message>& msgs) {
  std::string system;
  bool any_system = false;
  std::vector<Message> out;
  for (const Message& m : msgs) {
    if (m.role == "system") {
      system += (any_system ? "\n\n" : "") + m.content;
      any_system = true;
    }
    if (!out.empty() && out.back().role == m.role && m.role != "tool") {
      out.back().content += "\n\n" + m.content;
    } else {
      out.push_back(m);
    }
  }
  return {system, out};
}

TemplateValue MessageValue(const Message& m) {
  std::vector<TemplateValue> calls;
  for (size_t i = 0; i < m.tool_calls.size(); ++i) {
    calls.push_back(ToolCallValue(m.tool_calls[i], static_cast<int>(i)));
  }
  std::vector<Field> f = {
      {"Role", Str(m.role)},
      {"Content", Str(m.content)},
      {"Thinking", Str(m.thinking)},
      {"Images", TemplateValue::NilList()},
      {"ToolCalls", calls.empty() ? TemplateValue::NilList() : TemplateValue::List(calls)},
      {"ToolName", Str(m.tool_name)},
      {"ToolCallID", Str(m.tool_call_id)},
  };
  return TemplateValue::Record("template.templateMessage", std::move(f), /*pointer=*/true);
}

void AddThink(TemplateValue::Entries& e, const TemplateInput& in) {
  e.emplace_back("Think", TemplateValue::Bool(in.think));
  e.emplace_back("ThinkLevel", Str(in.think_level));
  e.emplace_back("IsThinkSet", TemplateValue::Bool(in.is_think_set));
}

}  // namespace

TemplateValue ToolValue(const Tool& tool) {
  Json params = Json::parse(tool.parameters_json, nullptr, /*allow_exceptions=*/false);
  if (params.is_discarded() || !params.is_object()) params = Json::object();
  const Json* type = Get(params, "type");
  const Json* defs = Get(params, "$defs");
  const Json* items = Get(params, "items");
  // templateProperties: a Go map (sorted) whose String() is its JSON, "{}" when nil.
  TemplateValue props = PropertiesMap(Get(params, "properties"), 0, /*keep_order=*/false);
  props = props.is_nil_container() ? props.WithPrint("{}") : props.PrintsAsJson();
  std::vector<Field> pf = {
      {"Type", Str(type && type->is_string() ? type->get<std::string>() : ""), "type"},
      {"Defs", defs ? Any(*defs) : TemplateValue(), "$defs", true},
      {"Items", items ? Any(*items) : TemplateValue(), "items", true},
      {"Required", StringList(Get(params, "required")), "required", true},
      {"Properties", props, "properties"},
  };
  std::vector<Field> ff = {
      {"Name", Str(tool.name), "name"},
      {"Description", Str(tool.description), "description"},
      {"Parameters", TemplateValue::Record("template.templateToolFunctionParameters", pf),
       "parameters"},
  };
  std::vector<Field> tf = {
      {"Type", Str("function"), "type"},
      {"Items", TemplateValue(), "items", true},
      {"Function", TemplateValue::Record("template.templateToolFunction", ff), "function"},
  };
  return TemplateValue::Record("template.templateTool", tf).PrintsAsJson();
}

TemplateValue ToolCallValue(const ToolCall& call, int index) {
  TemplateValue args = TemplateValue::Map({});
  if (!call.arguments_json.empty()) {
    auto parsed = TemplateValue::FromJson(call.arguments_json);
    if (parsed.ok() && parsed->kind() == TemplateValue::Kind::kMap) args = *parsed;
  }
  std::vector<Field> ff = {
      {"Index", TemplateValue::Int(index)},
      {"Name", Str(call.name)},
      {"Arguments", args.PrintsAsJson()},
  };
  std::vector<Field> cf = {
      {"ID", Str(call.id)},
      {"Function", TemplateValue::Record("template.templateToolCallFunction", ff)},
  };
  return TemplateValue::Record("template.templateToolCall", cf);
}

Result<OllamaTemplate> OllamaTemplate::Parse(std::string_view source) {
  HEARTH_ASSIGN_OR_RETURN(GoTemplate t, GoTemplate::Parse(source));
  std::vector<std::string> vars = t.Vars();
  auto has = [&](const char* v) { return std::find(vars.begin(), vars.end(), v) != vars.end(); };
  if (!has("messages") && !has("response")) t = t.WithResponseAppended();
  GoTemplate last = t.CutAfterResponse();
  return OllamaTemplate(std::move(t), std::move(last), std::move(vars));
}

std::vector<std::string> OllamaTemplate::Capabilities() const {
  std::vector<std::string> caps;
  auto has = [&](const char* v) { return std::find(vars_.begin(), vars_.end(), v) != vars_.end(); };
  if (has("tools")) caps.push_back("tools");
  if (has("suffix")) caps.push_back("insert");
  auto [open, close] = template_.InferThinkingTags();
  if (!open.empty() && !close.empty()) caps.push_back("thinking");
  return caps;
}

Result<std::string> OllamaTemplate::Execute(const TemplateInput& in,
                                            const ExecOptions& options) const {
  auto [system, messages] = Collate(in.messages);
  if (!in.prompt.empty() && !in.suffix.empty()) {
    TemplateValue::Entries e = {
        {"Prompt", Str(in.prompt)}, {"Suffix", Str(in.suffix)}, {"Response", Str("")}};
    AddThink(e, in);
    return template_.Execute(TemplateValue::Map(std::move(e)), options);
  }
  if (std::find(vars_.begin(), vars_.end(), "messages") != vars_.end()) {
    std::vector<TemplateValue> msgs;
    for (const Message& m : messages) msgs.push_back(MessageValue(m));
    std::vector<TemplateValue> tools;
    for (const Tool& t : in.tools) tools.push_back(ToolValue(t));
    TemplateValue::Entries e = {
        {"System", Str(system)},
        {"Messages", msgs.empty() ? TemplateValue::NilList() : TemplateValue::List(msgs)},
        {"Tools",
         (tools.empty() ? TemplateValue::NilList() : TemplateValue::List(tools)).PrintsAsJson()},
        {"Response", Str("")}};
    AddThink(e, in);
    return template_.Execute(TemplateValue::Map(std::move(e)), options);
  }

  // Legacy templates: one execution per completed turn, then the last turn cut after .Response.
  std::string out, sys, prompt, response;
  auto values = [&]() {
    TemplateValue::Entries e = {
        {"System", Str(sys)}, {"Prompt", Str(prompt)}, {"Response", Str(response)}};
    AddThink(e, in);
    return TemplateValue::Map(std::move(e));
  };
  auto append = [&](const Result<std::string>& r) -> Status {
    if (!r.ok()) return r.status();
    if (out.size() + r->size() > options.limits.max_output_bytes) {
      return ResourceExhausted("template: output exceeds " +
                               std::to_string(options.limits.max_output_bytes) + " bytes");
    }
    out += *r;
    return Status();
  };
  auto turn = [&]() -> Status {
    HEARTH_RETURN_IF_ERROR(append(template_.Execute(values(), options)));
    sys.clear();
    prompt.clear();
    response.clear();
    return Status();
  };
  for (const Message& m : messages) {
    if (m.role == "system") {
      if (!prompt.empty() || !response.empty()) HEARTH_RETURN_IF_ERROR(turn());
      sys = m.content;
    } else if (m.role == "user") {
      if (!response.empty()) HEARTH_RETURN_IF_ERROR(turn());
      prompt = m.content;
    } else if (m.role == "assistant") {
      response = m.content;
    }
  }
  HEARTH_RETURN_IF_ERROR(append(last_turn_.Execute(values(), options)));
  return out;
}

std::vector<Message> ChatMessages(const std::string& model_system,
                                  const std::vector<Message>& model_messages,
                                  const std::vector<Message>& request_messages) {
  std::vector<Message> out;
  const bool prepend =
      !model_system.empty() && (request_messages.empty() || request_messages[0].role != "system");
  if (prepend) out.push_back(Message{"system", model_system});
  out.insert(out.end(), model_messages.begin(), model_messages.end());
  out.insert(out.end(), request_messages.begin(), request_messages.end());
  return out;
}

TemplateInput GenerateInput(const std::string& prompt, const std::string& suffix,
                            const std::string& request_system, const std::string& model_system,
                            const std::vector<Message>& model_messages) {
  TemplateInput in;
  if (!suffix.empty()) {
    in.prompt = prompt;
    in.suffix = suffix;
    return in;
  }
  if (!request_system.empty())
    in.messages.push_back(Message{"system", request_system});
  else if (!model_system.empty())
    in.messages.push_back(Message{"system", model_system});
  in.messages.insert(in.messages.end(), model_messages.begin(), model_messages.end());
  in.messages.push_back(Message{"user", prompt});
  return in;
}

}  // namespace hearth::gotmpl
