// chat::Chunk / EmbedResult -> OpenAI response JSON and SSE payloads.
#include <cstring>

#include "api/common.h"
#include "api/openai/openai.h"

namespace hearth::api::openai {
namespace {

constexpr char kFingerprint[] = "fp_hearth";

OrderedJson Head(const ResponseMeta& meta, const char* object) {
  OrderedJson j;
  j["id"] = meta.id;
  j["object"] = object;
  j["created"] = meta.created;
  j["model"] = meta.model;
  j["system_fingerprint"] = kFingerprint;
  return j;
}

OrderedJson UsageJson(const chat::Usage& u) {
  OrderedJson j;
  j["prompt_tokens"] = u.prompt_tokens;
  j["completion_tokens"] = u.completion_tokens;
  j["total_tokens"] = u.prompt_tokens + u.completion_tokens;
  return j;
}

// Tool calls with arguments as a JSON string; `first_index` numbers them across chunks.
OrderedJson ToolCallsJson(const std::vector<chat::ToolCall>& calls, int first_index) {
  OrderedJson out = OrderedJson::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    OrderedJson c;
    c["index"] = first_index + static_cast<int>(i);
    c["id"] = calls[i].id.empty() ? "call_" + std::to_string(first_index + static_cast<int>(i))
                                  : calls[i].id;
    c["type"] = "function";
    c["function"] = {{"name", calls[i].name}, {"arguments", calls[i].arguments_json}};
    out.push_back(std::move(c));
  }
  return out;
}

OrderedJson TokenJson(const chat::TokenLogprob& l) {
  OrderedJson j;
  j["token"] = l.token;
  j["logprob"] = l.logprob;
  OrderedJson bytes = OrderedJson::array();
  for (unsigned char c : l.token) bytes.push_back(static_cast<int>(c));
  j["bytes"] = std::move(bytes);
  return j;
}

OrderedJson ChatLogprobs(const std::vector<chat::TokenLogprob>& lps) {
  if (lps.empty()) return nullptr;
  OrderedJson content = OrderedJson::array();
  for (const auto& l : lps) {
    OrderedJson j = TokenJson(l);
    OrderedJson top = OrderedJson::array();
    for (const auto& t : l.top) top.push_back(TokenJson(t));
    j["top_logprobs"] = std::move(top);
    content.push_back(std::move(j));
  }
  return {{"content", std::move(content)}};
}

OrderedJson CompletionLogprobs(const std::vector<chat::TokenLogprob>& lps) {
  if (lps.empty()) return nullptr;
  OrderedJson tokens = OrderedJson::array(), values = OrderedJson::array(),
              top = OrderedJson::array();
  for (const auto& l : lps) {
    tokens.push_back(l.token);
    values.push_back(l.logprob);
    OrderedJson alts = OrderedJson::object();
    for (const auto& t : l.top) alts[t.token] = t.logprob;
    top.push_back(std::move(alts));
  }
  return {{"tokens", std::move(tokens)},
          {"token_logprobs", std::move(values)},
          {"top_logprobs", std::move(top)}};
}

std::string UsageChunk(const ResponseMeta& meta, const char* object, const chat::Usage& u) {
  OrderedJson j = Head(meta, object);
  j["choices"] = OrderedJson::array();
  j["usage"] = UsageJson(u);
  return Dump(j);
}

}  // namespace

const char* FinishReason(const chat::Chunk& done, bool made_tool_calls) {
  if (done.done_reason == chat::DoneReason::kLength) return "length";
  if (made_tool_calls) return "tool_calls";
  return "stop";
}

std::vector<std::string> ChatStream::Encode(const chat::Chunk& chunk) {
  std::vector<std::string> out;
  auto emit = [&](OrderedJson delta, OrderedJson finish, OrderedJson logprobs) {
    OrderedJson j = Head(meta_, "chat.completion.chunk");
    OrderedJson choice;
    choice["index"] = 0;
    choice["delta"] = std::move(delta);
    if (!logprobs.is_null()) choice["logprobs"] = std::move(logprobs);
    choice["finish_reason"] = std::move(finish);
    j["choices"] = OrderedJson::array({std::move(choice)});
    out.push_back(Dump(j));
  };
  if (!role_sent_) {
    role_sent_ = true;
    emit({{"role", "assistant"}, {"content", ""}}, nullptr, nullptr);
  }
  if (!chunk.content.empty() || !chunk.thinking.empty() || !chunk.tool_calls.empty() ||
      !chunk.logprobs.empty()) {
    OrderedJson delta = OrderedJson::object();
    if (!chunk.thinking.empty()) delta["reasoning"] = chunk.thinking;
    if (!chunk.content.empty()) delta["content"] = chunk.content;
    if (!chunk.tool_calls.empty()) {
      delta["tool_calls"] = ToolCallsJson(chunk.tool_calls, tool_calls_);
      tool_calls_ += static_cast<int>(chunk.tool_calls.size());
    }
    emit(std::move(delta), nullptr, ChatLogprobs(chunk.logprobs));
  }
  if (chunk.done) {
    emit(OrderedJson::object(), FinishReason(chunk, tool_calls_ > 0), nullptr);
    if (include_usage_) out.push_back(UsageChunk(meta_, "chat.completion.chunk", chunk.usage));
  }
  return out;
}

std::string ChatCompletionJson(const ResponseMeta& meta, const chat::Chunk& folded) {
  OrderedJson j = Head(meta, "chat.completion");
  OrderedJson message;
  message["role"] = "assistant";
  message["content"] = folded.content;
  if (!folded.thinking.empty()) message["reasoning"] = folded.thinking;
  if (!folded.tool_calls.empty()) message["tool_calls"] = ToolCallsJson(folded.tool_calls, 0);
  OrderedJson choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  choice["logprobs"] = ChatLogprobs(folded.logprobs);
  choice["finish_reason"] = FinishReason(folded, !folded.tool_calls.empty());
  j["choices"] = OrderedJson::array({std::move(choice)});
  j["usage"] = UsageJson(folded.usage);
  return Dump(j);
}

std::vector<std::string> CompletionStream::Encode(const chat::Chunk& chunk) {
  std::vector<std::string> out;
  if (!chunk.content.empty() || !chunk.logprobs.empty() || chunk.done) {
    OrderedJson j = Head(meta_, "text_completion");
    OrderedJson choice;
    choice["text"] = chunk.content;
    choice["index"] = 0;
    choice["logprobs"] = CompletionLogprobs(chunk.logprobs);
    choice["finish_reason"] = chunk.done ? OrderedJson(FinishReason(chunk, false)) : OrderedJson();
    j["choices"] = OrderedJson::array({std::move(choice)});
    out.push_back(Dump(j));
  }
  if (chunk.done && include_usage_) {
    out.push_back(UsageChunk(meta_, "text_completion", chunk.usage));
  }
  return out;
}

std::string CompletionJson(const ResponseMeta& meta, const chat::Chunk& folded) {
  OrderedJson j = Head(meta, "text_completion");
  OrderedJson choice;
  choice["text"] = folded.content;
  choice["index"] = 0;
  choice["logprobs"] = CompletionLogprobs(folded.logprobs);
  choice["finish_reason"] = FinishReason(folded, false);
  j["choices"] = OrderedJson::array({std::move(choice)});
  j["usage"] = UsageJson(folded.usage);
  return Dump(j);
}

std::string EncodeFloatsBase64(const std::vector<float>& v) {
  std::string bytes(v.size() * 4, '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t bits = 0;
    std::memcpy(&bits, &v[i], 4);
    for (int k = 0; k < 4; ++k)
      bytes[i * 4 + static_cast<size_t>(k)] = static_cast<char>((bits >> (8 * k)) & 0xff);
  }
  return Base64Encode(bytes);
}

std::string EmbeddingsJson(const chat::EmbedResult& result, std::string_view model, bool base64) {
  OrderedJson data = OrderedJson::array();
  for (size_t i = 0; i < result.embeddings.size(); ++i) {
    OrderedJson e;
    e["object"] = "embedding";
    if (base64) {
      e["embedding"] = EncodeFloatsBase64(result.embeddings[i]);
    } else {
      OrderedJson floats = OrderedJson::array();
      for (float f : result.embeddings[i]) floats.push_back(f);
      e["embedding"] = std::move(floats);
    }
    e["index"] = i;
    data.push_back(std::move(e));
  }
  OrderedJson j;
  j["object"] = "list";
  j["data"] = std::move(data);
  j["model"] = std::string(model);
  j["usage"] = {{"prompt_tokens", result.usage.prompt_tokens},
                {"total_tokens", result.usage.prompt_tokens}};
  return Dump(j);
}

std::string ModelJson(const ModelEntry& model) {
  OrderedJson j;
  j["id"] = model.id;
  j["object"] = "model";
  j["created"] = model.created;
  j["owned_by"] = model.owned_by;
  return Dump(j);
}

std::string ModelsJson(const std::vector<ModelEntry>& models) {
  OrderedJson data = OrderedJson::array();
  for (const auto& m : models) {
    data.push_back(
        {{"id", m.id}, {"object", "model"}, {"created", m.created}, {"owned_by", m.owned_by}});
  }
  OrderedJson j;
  j["object"] = "list";
  j["data"] = std::move(data);
  return Dump(j);
}

std::string ErrorJson(int http_status, std::string_view message) {
  const char* type = http_status == 404   ? "not_found_error"
                     : http_status == 401 ? "authentication_error"
                     : http_status < 500  ? "invalid_request_error"
                                          : "api_error";
  OrderedJson param = nullptr;
  const std::string m(message);
  const size_t at = m.find(" for field '");
  if (m.rfind("invalid ", 0) == 0 && at != std::string::npos) {
    const size_t start = at + 12, end = m.find('\'', start);
    if (end != std::string::npos) param = m.substr(start, end - start);
  } else if (m.rfind("missing field '", 0) == 0) {
    const size_t end = m.find('\'', 15);
    if (end != std::string::npos) param = m.substr(15, end - 15);
  }
  OrderedJson e;
  e["message"] = m;
  e["type"] = type;
  e["param"] = std::move(param);
  e["code"] = nullptr;
  OrderedJson j;
  j["error"] = std::move(e);
  return Dump(j);
}

}  // namespace hearth::api::openai
