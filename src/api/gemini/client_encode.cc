// chat::Request -> Gemini generateContent / batchEmbedContents bodies (hearth as the client).
#include "api/gemini/client.h"

namespace hearth::api::gemini {
namespace {

constexpr char kProvider[] = "gemini";

std::string_view BareModel(std::string_view model) {
  if (model.rfind("models/", 0) == 0) model.remove_prefix(7);
  return model;
}

struct Turn {
  std::string role;
  OrderedJson parts = OrderedJson::array();
};

void Append(std::vector<Turn>& turns, const char* role, OrderedJson parts) {
  if (turns.empty() || turns.back().role != role) turns.push_back({role, OrderedJson::array()});
  for (auto& p : parts) turns.back().parts.push_back(std::move(p));
}

OrderedJson UserParts(const std::string& text, const std::vector<std::string>* images) {
  OrderedJson parts = OrderedJson::array();
  if (!text.empty() || images == nullptr || images->empty()) parts.push_back({{"text", text}});
  if (images != nullptr) {
    for (const auto& img : *images) {
      parts.push_back(
          {{"inlineData", {{"mimeType", ImageMimeType(img)}, {"data", Base64Encode(img)}}}});
    }
  }
  return parts;
}

Result<OrderedJson> Contents(const chat::Request& r, std::string* system) {
  std::vector<Turn> turns;
  if (r.kind == chat::RequestKind::kGenerate) {
    if (!r.suffix.empty()) return Unsupported("suffix", kProvider);
    if (r.raw) return Unsupported("raw", kProvider);
    *system = r.system;
    Append(turns, "user", UserParts(r.prompt, &r.images));
  } else {
    HEARTH_ASSIGN_OR_RETURN(std::vector<chat::Message> messages,
                            ResolveToolCallIds(r.messages, kProvider, /*ids_required=*/false));
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
               UserParts(m.content, static_cast<int>(i) == carrier ? &r.images : nullptr));
      } else if (m.role == "assistant") {
        OrderedJson parts = OrderedJson::array();
        if (!m.content.empty() || m.tool_calls.empty()) parts.push_back({{"text", m.content}});
        for (size_t k = 0; k < m.tool_calls.size(); ++k) {
          const chat::ToolCall& c = m.tool_calls[k];
          HEARTH_ASSIGN_OR_RETURN(
              OrderedJson args,
              JsonObjectField(c.arguments_json.empty() ? "{}" : c.arguments_json,
                              field + ".tool_calls[" + std::to_string(k) + "].arguments"));
          parts.push_back({{"functionCall", {{"name", c.name}, {"args", std::move(args)}}}});
        }
        Append(turns, "model", std::move(parts));
      } else if (m.role == "tool") {
        if (m.tool_name.empty()) {
          return InvalidArgument(field + ".tool_name is required by provider gemini");
        }
        OrderedJson response = OrderedJson::parse(m.content, nullptr, false);
        if (response.is_discarded() || !response.is_object()) {
          response = {{"result", m.content}};
        }
        Append(
            turns, "user",
            OrderedJson::array({{{"functionResponse",
                                  {{"name", m.tool_name}, {"response", std::move(response)}}}}}));
      } else {
        return Unsupported(field + ".role \"" + m.role + "\"", kProvider);
      }
    }
  }
  OrderedJson out = OrderedJson::array();
  for (auto& t : turns) out.push_back({{"role", t.role}, {"parts", std::move(t.parts)}});
  return out;
}

int64_t ThinkingBudget(const std::string& level) {
  if (level == "low") return 1024;
  if (level == "high") return 24576;
  if (level == "max") return 32768;
  return 8192;
}

Result<OrderedJson> GenerationConfig(const chat::Request& r) {
  const FoldedOptions folded = FoldOptions(r.options);
  for (const auto& [name, value] : folded.scalars) {
    if (IsIgnoredRemoteOption(name)) continue;
    if (name != "num_predict" && name != "temperature" && name != "top_p" && name != "top_k" &&
        name != "seed" && name != "presence_penalty" && name != "frequency_penalty") {
      return Unsupported("option " + name, kProvider);
    }
  }
  OrderedJson g = OrderedJson::object();
  if (const auto* v = folded.Find("temperature")) g["temperature"] = OptionJson(*v);
  if (const auto* v = folded.Find("top_p")) g["topP"] = OptionJson(*v);
  if (const auto* v = folded.Find("top_k")) g["topK"] = OptionJson(*v);
  if (const auto* v = folded.Find("num_predict"); v != nullptr && v->i > 0) {
    g["maxOutputTokens"] = v->i;
  }
  if (!folded.stop.empty()) g["stopSequences"] = folded.stop;
  if (const auto* v = folded.Find("seed"); v != nullptr && v->i >= 0) g["seed"] = v->i;
  if (const auto* v = folded.Find("presence_penalty")) g["presencePenalty"] = OptionJson(*v);
  if (const auto* v = folded.Find("frequency_penalty")) g["frequencyPenalty"] = OptionJson(*v);
  switch (r.format.kind) {
    case chat::OutputFormat::Kind::kNone:
      break;
    case chat::OutputFormat::Kind::kGrammar:
      return Unsupported("format (a GBNF grammar)", kProvider);
    case chat::OutputFormat::Kind::kJson:
      g["responseMimeType"] = "application/json";
      break;
    case chat::OutputFormat::Kind::kJsonSchema: {
      HEARTH_ASSIGN_OR_RETURN(OrderedJson schema, JsonObjectField(r.format.text, "format"));
      g["responseMimeType"] = "application/json";
      g["responseSchema"] = std::move(schema);
      break;
    }
  }
  if (r.think.set) {
    if (!r.think.enabled) {
      g["thinkingConfig"] = {{"thinkingBudget", 0}};
    } else if (r.think.level.empty()) {
      g["thinkingConfig"] = {{"includeThoughts", true}};
    } else {
      g["thinkingConfig"] = {{"thinkingBudget", ThinkingBudget(r.think.level)},
                             {"includeThoughts", true}};
    }
  }
  return g;
}

}  // namespace

std::string GenerateContentPath(std::string_view model, bool stream) {
  return "/v1beta/models/" + std::string(BareModel(model)) +
         (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
}

std::string BatchEmbedContentsPath(std::string_view model) {
  return "/v1beta/models/" + std::string(BareModel(model)) + ":batchEmbedContents";
}

Result<OrderedJson> EncodeGenerateContentRequest(const chat::Request& r, const ClientOptions&) {
  if (!r.template_override.empty()) return Unsupported("template", kProvider);
  if (r.logprobs) return Unsupported("logprobs", kProvider);
  std::string system;
  HEARTH_ASSIGN_OR_RETURN(OrderedJson contents, Contents(r, &system));
  HEARTH_ASSIGN_OR_RETURN(OrderedJson config, GenerationConfig(r));
  OrderedJson j;
  j["contents"] = std::move(contents);
  if (!system.empty()) j["systemInstruction"] = {{"parts", {{{"text", system}}}}};
  using Mode = chat::ToolChoice::Mode;
  if (!r.tools.empty()) {
    OrderedJson decls = OrderedJson::array();
    for (size_t i = 0; i < r.tools.size(); ++i) {
      HEARTH_ASSIGN_OR_RETURN(OrderedJson schema, ToolSchema(r.tools[i], i));
      OrderedJson d;
      d["name"] = r.tools[i].name;
      if (!r.tools[i].description.empty()) d["description"] = r.tools[i].description;
      d["parameters"] = std::move(schema);
      decls.push_back(std::move(d));
    }
    j["tools"] = OrderedJson::array({{{"functionDeclarations", std::move(decls)}}});
    OrderedJson fcc;
    switch (r.tool_choice.mode) {
      case Mode::kAuto:
        break;
      case Mode::kNone:
        fcc = {{"mode", "NONE"}};
        break;
      case Mode::kRequired:
        fcc = {{"mode", "ANY"}};
        break;
      case Mode::kFunction:
        fcc = {{"mode", "ANY"}, {"allowedFunctionNames", {r.tool_choice.function}}};
        break;
    }
    if (!fcc.is_null()) j["toolConfig"] = {{"functionCallingConfig", std::move(fcc)}};
  } else if (r.tool_choice.mode == Mode::kRequired || r.tool_choice.mode == Mode::kFunction) {
    return InvalidArgument("tool_choice needs at least one tool");
  }
  if (!config.empty()) j["generationConfig"] = std::move(config);
  return j;
}

Result<OrderedJson> EncodeBatchEmbedRequest(const chat::EmbedRequest& r, const ClientOptions& o) {
  for (const auto& [name, value] : r.options) {
    if (!IsIgnoredRemoteOption(name))
      return Unsupported("option " + name + " on embeddings", kProvider);
  }
  if (r.inputs.empty()) return InvalidArgument("input must not be empty");
  OrderedJson requests = OrderedJson::array();
  for (const auto& text : r.inputs) {
    OrderedJson req;
    req["model"] = "models/" + std::string(BareModel(o.model));
    req["content"] = {{"parts", {{{"text", text}}}}};
    if (r.dimensions > 0) req["outputDimensionality"] = r.dimensions;
    requests.push_back(std::move(req));
  }
  return OrderedJson{{"requests", std::move(requests)}};
}

}  // namespace hearth::api::gemini
