#include "api/common.h"

#include <cmath>
#include <limits>

#include "base/duration.h"

#include "chat/parameters.h"

namespace hearth::api {

using std::chrono::nanoseconds;

Result<nanoseconds> ParseKeepAlive(const Json& value, std::string_view path) {
  if (value.is_number()) {
    const double secs = value.get<double>();
    if (!std::isfinite(secs) || std::fabs(secs) > 9.0e9) return ValueError(path, "out of range");
    return nanoseconds(static_cast<int64_t>(secs * 1e9));
  }
  if (!value.is_string()) return TypeError(path, "string or number", value);
  const std::string& s = value.get_ref<const std::string&>();
  auto d = hearth::ParseKeepAlive(s);
  if (d.ok()) return d;
  return ValueError(path, "\"" + s + "\" is not a duration (e.g. \"5m\", \"1h\", \"-1\")");
}

namespace {

chat::OptionSetting Setting(std::string_view name, chat::ParameterType type) {
  chat::OptionSetting s;
  s.first = std::string(name);
  s.second.type = type;
  return s;
}

}  // namespace

void AddFloatOption(std::vector<chat::OptionSetting>* out, std::string_view name, double v) {
  auto s = Setting(name, chat::ParameterType::kFloat);
  s.second.f = static_cast<double>(static_cast<float>(v));
  out->push_back(std::move(s));
}

void AddIntOption(std::vector<chat::OptionSetting>* out, std::string_view name, int64_t v) {
  auto s = Setting(name, chat::ParameterType::kInt);
  s.second.i = v;
  out->push_back(std::move(s));
}

void AddStopOption(std::vector<chat::OptionSetting>* out, std::string v) {
  auto s = Setting("stop", chat::ParameterType::kStringList);
  s.second.s = std::move(v);
  out->push_back(std::move(s));
}

Status ParseOptions(const Fields& options, std::vector<chat::OptionSetting>* out) {
  for (auto it = options.json().begin(); it != options.json().end(); ++it) {
    const std::string& name = it.key();
    const Json& v = it.value();
    const chat::ParameterSpec* spec = chat::FindParameter(name);
    if (spec == nullptr || v.is_null()) continue;  // Ollama logs and ignores unknown options
    const std::string path = options.Path(name);
    switch (spec->type) {
      case chat::ParameterType::kInt: {
        if (!v.is_number()) return TypeError(path, "number", v);
        const double d = v.get<double>();
        if (!std::isfinite(d) || std::fabs(d) > 9.0e18) return ValueError(path, "out of range");
        AddIntOption(out, name,
                     v.is_number_float() ? static_cast<int64_t>(std::trunc(d)) : v.get<int64_t>());
        break;
      }
      case chat::ParameterType::kFloat: {
        if (!v.is_number()) return TypeError(path, "number", v);
        const double d = v.get<double>();
        if (!std::isfinite(d) || std::fabs(d) > std::numeric_limits<float>::max()) {
          return ValueError(path, "out of range");
        }
        AddFloatOption(out, name, d);
        break;
      }
      case chat::ParameterType::kBool: {
        if (!v.is_boolean()) return TypeError(path, "boolean", v);
        auto s = Setting(name, chat::ParameterType::kBool);
        s.second.b = v.get<bool>();
        out->push_back(std::move(s));
        break;
      }
      case chat::ParameterType::kStringList: {
        if (!v.is_array()) return TypeError(path, "array of strings", v);
        for (size_t i = 0; i < v.size(); ++i) {
          if (!v[i].is_string()) return TypeError(IndexPath(path, i), "string", v[i]);
          AddStopOption(out, v[i].get<std::string>());
        }
        break;
      }
    }
  }
  return Status::Ok();
}

Status ParseFunctionTools(const Json& tools, std::string_view path, std::vector<chat::Tool>* out) {
  if (!tools.is_array()) return TypeError(path, "array", tools);
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string tpath = IndexPath(path, i);
    HEARTH_ASSIGN_OR_RETURN(Fields tool, Fields::Of(tools[i], tpath));
    std::string type = "function";
    HEARTH_RETURN_IF_ERROR(tool.String("type", &type));
    if (type != "function") {
      return ValueError(tool.Path("type"),
                        "unsupported tool type \"" + type + "\" (only \"function\")");
    }
    const Json* fn_json = tool.Get("function");
    if (fn_json == nullptr) return InvalidArgument("missing field '" + tool.Path("function") + "'");
    HEARTH_ASSIGN_OR_RETURN(Fields fn, Fields::Of(*fn_json, tool.Path("function")));
    chat::Tool t;
    HEARTH_RETURN_IF_ERROR(fn.String("name", &t.name));
    if (t.name.empty()) return InvalidArgument("missing field '" + fn.Path("name") + "'");
    HEARTH_RETURN_IF_ERROR(fn.String("description", &t.description));
    if (const Json* params = fn.Get("parameters")) {
      HEARTH_ASSIGN_OR_RETURN(t.parameters_json, SchemaText(*params, fn.Path("parameters")));
    }
    out->push_back(std::move(t));
  }
  return Status::Ok();
}

Result<std::string> SchemaText(const Json& schema, std::string_view path) {
  if (!schema.is_object()) return TypeError(path, "object", schema);
  return Dump(schema);
}

Status ParseThink(const Json& value, std::string_view path, chat::ThinkSetting* out) {
  if (value.is_null()) return Status::Ok();
  if (value.is_boolean()) {
    out->set = true;
    out->enabled = value.get<bool>();
    out->level.clear();
    return Status::Ok();
  }
  if (!value.is_string()) return TypeError(path, "boolean or string", value);
  const std::string& s = value.get_ref<const std::string&>();
  if (s != "low" && s != "medium" && s != "high" && s != "max") {
    return ValueError(path, "\"" + s +
                                "\" (must be true, false, \"low\", \"medium\", \"high\" or "
                                "\"max\")");
  }
  out->set = true;
  out->enabled = true;
  out->level = s;
  return Status::Ok();
}

OrderedJson ArgumentsObject(const std::string& arguments_json) {
  OrderedJson j = OrderedJson::parse(arguments_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return OrderedJson(arguments_json);
  return j;
}

void FoldChunk(chat::Chunk& acc, chat::Chunk&& chunk) {
  acc.content += chunk.content;
  acc.thinking += chunk.thinking;
  for (auto& c : chunk.tool_calls) acc.tool_calls.push_back(std::move(c));
  for (auto& l : chunk.logprobs) acc.logprobs.push_back(std::move(l));
  if (chunk.done) {
    acc.done = true;
    acc.done_reason = chunk.done_reason;
    acc.error = chunk.error;
    acc.usage = chunk.usage;
    acc.truncated = chunk.truncated;
    acc.original_prompt_tokens = chunk.original_prompt_tokens;
    acc.model = chunk.model;
    acc.context = std::move(chunk.context);
  }
}

}  // namespace hearth::api
