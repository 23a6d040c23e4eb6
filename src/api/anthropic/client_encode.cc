// chat::Request -> Anthropic Messages request body (hearth as the client).
#include <algorithm>

#include "api/anthropic/client.h"

namespace hearth::api::anthropic {
namespace {

constexpr char kProvider[] = "anthropic";

int64_t ThinkingBudget(const chat::ThinkSetting& t) {
  if (t.level == "low") return 1024;
  if (t.level == "high") return 16384;
  if (t.level == "max") return 32768;
  return 4096;  // medium, or think: true without a level
}

OrderedJson ImageBlock(const std::string& bytes) {
  return {
      {"type", "image"},
      {"source",
       {{"type", "base64"}, {"media_type", ImageMimeType(bytes)}, {"data", Base64Encode(bytes)}}}};
}

// One wire message being built: role and its blocks.
struct Turn {
  std::string role;
  OrderedJson blocks = OrderedJson::array();
};

void Append(std::vector<Turn>& turns, const std::string& role, OrderedJson blocks) {
  if (turns.empty() || turns.back().role != role) turns.push_back({role, OrderedJson::array()});
  for (auto& b : blocks) turns.back().blocks.push_back(std::move(b));
}

OrderedJson UserBlocks(const std::string& text, const std::vector<std::string>* images) {
  OrderedJson blocks = OrderedJson::array();
  if (images != nullptr) {
    for (const auto& img : *images) blocks.push_back(ImageBlock(img));
  }
  if (!text.empty() || blocks.empty()) blocks.push_back({{"type", "text"}, {"text", text}});
  return blocks;
}

Result<OrderedJson> Messages(const chat::Request& r, std::string* system) {
  std::vector<Turn> turns;
  if (r.kind == chat::RequestKind::kGenerate) {
    if (!r.suffix.empty()) return Unsupported("suffix", kProvider);
    if (r.raw) return Unsupported("raw", kProvider);
    *system = r.system;
    Append(turns, "user", UserBlocks(r.prompt, &r.images));
  } else {
    HEARTH_ASSIGN_OR_RETURN(std::vector<chat::Message> messages,
                            ResolveToolCallIds(r.messages, kProvider));
    const int carrier = ImageCarrier(messages);
    if (!r.images.empty() && carrier < 0) {
      return Unsupported("images without a user message", kProvider);
    }
    for (size_t i = 0; i < messages.size(); ++i) {
      const chat::Message& m = messages[i];
      const std::string field = "messages[" + std::to_string(i) + "]";
      if (m.role == "system") {
        if (!system->empty()) *system += "\n";
        *system += m.content;
      } else if (m.role == "user") {
        Append(turns, "user",
               UserBlocks(m.content, static_cast<int>(i) == carrier ? &r.images : nullptr));
      } else if (m.role == "assistant") {
        OrderedJson blocks = OrderedJson::array();
        if (!m.content.empty() || m.tool_calls.empty()) {
          blocks.push_back({{"type", "text"}, {"text", m.content}});
        }
        for (size_t k = 0; k < m.tool_calls.size(); ++k) {
          const chat::ToolCall& c = m.tool_calls[k];
          HEARTH_ASSIGN_OR_RETURN(
              OrderedJson input,
              JsonObjectField(c.arguments_json.empty() ? "{}" : c.arguments_json,
                              field + ".tool_calls[" + std::to_string(k) + "].arguments"));
          blocks.push_back(
              {{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", std::move(input)}});
        }
        Append(turns, "assistant", std::move(blocks));
      } else if (m.role == "tool") {
        OrderedJson block = {
            {"type", "tool_result"}, {"tool_use_id", m.tool_call_id}, {"content", m.content}};
        Append(turns, "user", OrderedJson::array({std::move(block)}));
      } else {
        return Unsupported(field + ".role \"" + m.role + "\"", kProvider);
      }
    }
  }
  OrderedJson out = OrderedJson::array();
  for (auto& t : turns) {
    OrderedJson msg;
    msg["role"] = t.role;
    // A lone text block is sent as a plain string, as clients usually write it.
    if (t.blocks.size() == 1 && t.blocks[0]["type"] == "text") {
      msg["content"] = t.blocks[0]["text"];
    } else {
      msg["content"] = std::move(t.blocks);
    }
    out.push_back(std::move(msg));
  }
  return out;
}

}  // namespace

Result<OrderedJson> EncodeMessagesRequest(const chat::Request& r, const ClientOptions& o) {
  if (!r.template_override.empty()) return Unsupported("template", kProvider);
  if (r.format.kind != chat::OutputFormat::Kind::kNone) return Unsupported("format", kProvider);
  if (r.logprobs) return Unsupported("logprobs", kProvider);
  const FoldedOptions folded = FoldOptions(r.options);
  for (const auto& [name, value] : folded.scalars) {
    if (IsIgnoredRemoteOption(name)) continue;
    if (name != "num_predict" && name != "temperature" && name != "top_p" && name != "top_k") {
      return Unsupported("option " + name, kProvider);
    }
  }
  const bool thinking = r.think.set && r.think.enabled;
  const int64_t budget = thinking ? ThinkingBudget(r.think) : 0;
  int64_t max_tokens = kDefaultMaxTokens + budget;
  if (const auto* n = folded.Find("num_predict"); n != nullptr && n->i > 0) {
    max_tokens = n->i;
    if (thinking && max_tokens <= budget) {
      return InvalidArgument("num_predict (max_tokens) " + std::to_string(max_tokens) +
                             " must exceed the thinking budget_tokens " + std::to_string(budget) +
                             " for provider anthropic");
    }
  }
  std::string system;
  HEARTH_ASSIGN_OR_RETURN(OrderedJson messages, Messages(r, &system));
  OrderedJson j;
  j["model"] = o.model;
  j["max_tokens"] = max_tokens;
  if (!system.empty()) j["system"] = system;
  j["messages"] = std::move(messages);
  if (o.stream) j["stream"] = true;
  if (!folded.stop.empty()) j["stop_sequences"] = folded.stop;
  for (const char* name : {"temperature", "top_p", "top_k"}) {
    if (const auto* v = folded.Find(name)) j[name] = OptionJson(*v);
  }
  using Mode = chat::ToolChoice::Mode;
  if (!r.tools.empty()) {
    OrderedJson tools = OrderedJson::array();
    for (size_t i = 0; i < r.tools.size(); ++i) {
      HEARTH_ASSIGN_OR_RETURN(OrderedJson schema, ToolSchema(r.tools[i], i));
      OrderedJson t;
      t["name"] = r.tools[i].name;
      if (!r.tools[i].description.empty()) t["description"] = r.tools[i].description;
      t["input_schema"] = std::move(schema);
      tools.push_back(std::move(t));
    }
    j["tools"] = std::move(tools);
    switch (r.tool_choice.mode) {
      case Mode::kAuto:
        break;
      case Mode::kNone:
        j["tool_choice"] = {{"type", "none"}};
        break;
      case Mode::kRequired:
        j["tool_choice"] = {{"type", "any"}};
        break;
      case Mode::kFunction:
        j["tool_choice"] = {{"type", "tool"}, {"name", r.tool_choice.function}};
        break;
    }
  } else if (r.tool_choice.mode == Mode::kRequired || r.tool_choice.mode == Mode::kFunction) {
    return InvalidArgument("tool_choice needs at least one tool");
  }
  if (thinking) {
    j["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
  } else if (r.think.set) {
    j["thinking"] = {{"type", "disabled"}};
  }
  return j;
}

}  // namespace hearth::api::anthropic
