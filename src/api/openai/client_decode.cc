// OpenAI response bodies, SSE payloads and error bodies -> chat:: (hearth as the client).
#include <algorithm>
#include <climits>
#include <cstring>

#include "api/openai/client.h"

namespace hearth::api::openai {
namespace {

constexpr char kProvider[] = "openai";

int32_t Clamp32(int64_t v) { return static_cast<int32_t>(std::clamp<int64_t>(v, 0, INT32_MAX)); }

void ReadUsage(UpstreamReader& rd, const OrderedJson& u, chat::Usage& out) {
  out.prompt_tokens = Clamp32(rd.Int(u, "prompt_tokens"));
  out.completion_tokens = Clamp32(rd.Int(u, "completion_tokens"));
  if (const OrderedJson* d = rd.Object(u, "prompt_tokens_details")) {
    out.cached_tokens = Clamp32(rd.Int(*d, "cached_tokens"));
  }
}

// finish_reason -> done_reason (and a content-policy error).
void ApplyFinishReason(const std::string& reason, chat::Chunk& c) {
  if (reason == "length") {
    c.done_reason = chat::DoneReason::kLength;
  } else if (reason == "content_filter") {
    c.done_reason = chat::DoneReason::kError;
    c.error = ContentPolicyStop(kProvider, "the answer was stopped by the content filter");
  } else {
    c.done_reason = chat::DoneReason::kStop;  // stop, tool_calls, function_call, eos, ...
  }
}

chat::TokenLogprob Token(UpstreamReader& rd, const OrderedJson& t) {
  chat::TokenLogprob l;
  l.token = rd.String(t, "token");
  l.logprob = rd.Number(t, "logprob");
  return l;
}

// Chat logprobs: {"content":[{"token","logprob","top_logprobs":[{"token","logprob"}]}]}.
void ReadChatLogprobs(UpstreamReader& rd, const OrderedJson& choice,
                      std::vector<chat::TokenLogprob>& out) {
  const OrderedJson* lp = rd.Object(choice, "logprobs");
  if (lp == nullptr) return;
  const OrderedJson* content = rd.Array(*lp, "content");
  if (content == nullptr) return;
  for (const auto& t : *content) {
    chat::TokenLogprob l = Token(rd, t);
    if (const OrderedJson* top = rd.Array(t, "top_logprobs")) {
      for (const auto& alt : *top) l.top.push_back(Token(rd, alt));
    }
    out.push_back(std::move(l));
  }
}

// Completion logprobs: {"tokens":[...],"token_logprobs":[...],"top_logprobs":[{tok: lp}]}.
void ReadCompletionLogprobs(UpstreamReader& rd, const OrderedJson& choice,
                            std::vector<chat::TokenLogprob>& out) {
  const OrderedJson* lp = rd.Object(choice, "logprobs");
  if (lp == nullptr) return;
  const OrderedJson* tokens = rd.Array(*lp, "tokens");
  const OrderedJson* values = rd.Array(*lp, "token_logprobs");
  const OrderedJson* tops = rd.Array(*lp, "top_logprobs");
  if (tokens == nullptr) return;
  for (size_t i = 0; i < tokens->size(); ++i) {
    chat::TokenLogprob l;
    if ((*tokens)[i].is_string()) l.token = (*tokens)[i].get<std::string>();
    if (values != nullptr && i < values->size() && (*values)[i].is_number()) {
      l.logprob = (*values)[i].get<double>();
    }
    if (tops != nullptr && i < tops->size() && (*tops)[i].is_object()) {
      for (auto it = (*tops)[i].begin(); it != (*tops)[i].end(); ++it) {
        if (it.value().is_number()) l.top.push_back({it.key(), it.value().get<double>(), {}});
      }
    }
    out.push_back(std::move(l));
  }
}

// Complete tool calls of a non-streamed message.
void ReadToolCalls(UpstreamReader& rd, const OrderedJson& msg, std::vector<chat::ToolCall>& out) {
  const OrderedJson* calls = rd.Array(msg, "tool_calls");
  if (calls == nullptr) return;
  for (const auto& c : *calls) {
    chat::ToolCall tc;
    tc.id = rd.String(c, "id");
    if (const OrderedJson* fn = rd.Object(c, "function")) {
      tc.name = rd.String(*fn, "name");
      tc.arguments_json = NormalizeArguments(rd.String(*fn, "arguments"));
    } else {
      tc.arguments_json = "{}";
    }
    out.push_back(std::move(tc));
  }
}

// choices[0], or DataLoss.
const OrderedJson* FirstChoice(UpstreamReader& rd, const OrderedJson& body) {
  const OrderedJson* choices = rd.Array(body, "choices");
  if (choices == nullptr || choices->empty() || !(*choices)[0].is_object()) {
    rd.Fail("no choices");
    return nullptr;
  }
  return &(*choices)[0];
}

Result<OrderedJson> ParseBody(std::string_view body) {
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseUpstreamJson(body, kProvider, "response"));
  if (!j.is_object()) return DataLoss("openai response: not a JSON object");
  return j;
}

// The "error" member of an in-stream payload or error body -> Status.
Status ErrorFromJson(const OrderedJson& j, int http_status, int64_t retry_ms) {
  UpstreamReader rd(kProvider);
  const OrderedJson* err = rd.Get(j, "error");
  std::string message, type, code;
  const OrderedJson* obj = (err != nullptr && err->is_object()) ? err : &j;
  if (err != nullptr && err->is_string()) {
    message = err->get<std::string>();
  } else {
    if (const OrderedJson* m = rd.Get(*obj, "message"); m != nullptr && m->is_string()) {
      message = m->get<std::string>();
    }
    if (const OrderedJson* t = rd.Get(*obj, "type"); t != nullptr && t->is_string()) {
      type = t->get<std::string>();
    }
    if (const OrderedJson* c = rd.Get(*obj, "code")) {
      if (c->is_string()) code = c->get<std::string>();
      if (c->is_number_integer() && http_status == 0) {
        const int64_t n = c->get<int64_t>();
        if (n >= 100 && n <= 599) http_status = static_cast<int>(n);
      }
    }
  }
  std::string kind;
  if (code == "context_length_exceeded" || type == "exceed_context_size_error" ||
      message.find("maximum context length") != std::string::npos) {
    kind = "context_length";
  } else if (code == "content_filter" || code == "content_policy_violation" ||
             type == "content_policy_violation") {
    kind = "content_policy";
  }
  std::optional<StatusCode> code_override;
  if (http_status == 0) code_override = StatusCode::kUnavailable;  // in-stream, no status given
  return UpstreamError(kProvider, http_status, message, std::move(kind), retry_ms, code_override);
}

}  // namespace

Result<chat::Chunk> DecodeChatResponse(std::string_view body) {
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseBody(body));
  UpstreamReader rd(kProvider);
  chat::Chunk c;
  c.done = true;
  c.model = rd.String(j, "model");
  if (const OrderedJson* choice = FirstChoice(rd, j)) {
    if (const OrderedJson* msg = rd.Object(*choice, "message")) {
      c.content = rd.String(*msg, "content");
      c.thinking = rd.String(*msg, "reasoning_content");
      if (c.thinking.empty()) c.thinking = rd.String(*msg, "reasoning");
      ReadToolCalls(rd, *msg, c.tool_calls);
      const std::string refusal = rd.String(*msg, "refusal");
      ApplyFinishReason(rd.String(*choice, "finish_reason"), c);
      if (!refusal.empty()) {
        c.done_reason = chat::DoneReason::kError;
        c.error = ContentPolicyStop(kProvider, "refused: " + refusal);
      }
    } else {
      rd.Fail("choices[0] has no message");
    }
    ReadChatLogprobs(rd, *choice, c.logprobs);
  }
  if (const OrderedJson* u = rd.Object(j, "usage")) ReadUsage(rd, *u, c.usage);
  if (!rd.ok()) return rd.status();
  return c;
}

Result<chat::Chunk> DecodeCompletionResponse(std::string_view body) {
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseBody(body));
  UpstreamReader rd(kProvider);
  chat::Chunk c;
  c.done = true;
  c.model = rd.String(j, "model");
  if (const OrderedJson* choice = FirstChoice(rd, j)) {
    c.content = rd.String(*choice, "text");
    ApplyFinishReason(rd.String(*choice, "finish_reason"), c);
    ReadCompletionLogprobs(rd, *choice, c.logprobs);
  }
  if (const OrderedJson* u = rd.Object(j, "usage")) ReadUsage(rd, *u, c.usage);
  if (!rd.ok()) return rd.status();
  return c;
}

Result<chat::EmbedResult> DecodeEmbeddingsResponse(std::string_view body) {
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseBody(body));
  UpstreamReader rd(kProvider);
  chat::EmbedResult out;
  out.model = rd.String(j, "model");
  const OrderedJson* data = rd.Array(j, "data");
  if (data == nullptr) rd.Fail("no data");
  if (data != nullptr) {
    std::vector<bool> seen(data->size(), false);
    out.embeddings.resize(data->size());
    for (size_t i = 0; i < data->size() && rd.ok(); ++i) {
      const OrderedJson& item = (*data)[i];
      const int64_t index =
          rd.Get(item, "index") != nullptr ? rd.Int(item, "index") : static_cast<int64_t>(i);
      if (index < 0 || static_cast<size_t>(index) >= seen.size() || seen[index]) {
        rd.Fail("data[" + std::to_string(i) + "].index out of range or repeated");
        break;
      }
      seen[index] = true;
      std::vector<float>& v = out.embeddings[index];
      const OrderedJson* e = rd.Get(item, "embedding");
      if (e != nullptr && e->is_string()) {
        auto bytes = Base64Decode(e->get<std::string>());
        if (!bytes.ok() || bytes->size() % 4 != 0) {
          rd.Fail("data[" + std::to_string(i) + "].embedding is not base64 float32");
          break;
        }
        v.resize(bytes->size() / 4);
        for (size_t k = 0; k < v.size(); ++k) {
          const auto* p = reinterpret_cast<const unsigned char*>(bytes->data()) + 4 * k;
          const uint32_t bits = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                                static_cast<uint32_t>(p[2]) << 16 |
                                static_cast<uint32_t>(p[3]) << 24;
          std::memcpy(&v[k], &bits, 4);
        }
      } else if (e != nullptr && e->is_array()) {
        v.reserve(e->size());
        for (const auto& x : *e) {
          if (!x.is_number()) {
            rd.Fail("data[" + std::to_string(i) + "].embedding holds a non-number");
            break;
          }
          v.push_back(static_cast<float>(x.get<double>()));
        }
      } else {
        rd.Fail("data[" + std::to_string(i) + "].embedding must be an array or base64 string");
      }
    }
  }
  if (const OrderedJson* u = rd.Object(j, "usage")) {
    out.usage.prompt_tokens = Clamp32(rd.Int(*u, "prompt_tokens"));
  }
  if (!rd.ok()) return rd.status();
  return out;
}

Status DecodeError(int http_status, std::string_view body, std::string_view retry_after_header) {
  const int64_t retry_ms = ParseRetryAfterMs(retry_after_header);
  const OrderedJson j = OrderedJson::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return UpstreamError(kProvider, http_status, body, "", retry_ms);
  }
  return ErrorFromJson(j, http_status == 0 ? 500 : http_status, retry_ms);
}

void ChatStreamDecoder::EmitDone(std::vector<chat::Chunk>& out) {
  final_.done = true;
  done_ = true;
  out.push_back(std::move(final_));
  final_ = chat::Chunk();
}

Status ChatStreamDecoder::Feed(std::string_view data, std::vector<chat::Chunk>& out) {
  if (done_) return Status::Ok();
  std::string_view trimmed = data;
  while (!trimmed.empty() &&
         (trimmed.back() == ' ' || trimmed.back() == '\r' || trimmed.back() == '\n')) {
    trimmed.remove_suffix(1);
  }
  while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
  if (trimmed == "[DONE]") {
    EmitDone(out);
    return Status::Ok();
  }
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseUpstreamJson(trimmed, kProvider, "stream event"));
  if (!j.is_object()) return DataLoss("openai stream: event is not a JSON object");
  UpstreamReader rd(kProvider);
  if (rd.Get(j, "error") != nullptr) return ErrorFromJson(j, 0, -1);
  if (const std::string model = rd.String(j, "model"); !model.empty()) final_.model = model;
  if (const OrderedJson* u = rd.Object(j, "usage")) ReadUsage(rd, *u, final_.usage);
  const OrderedJson* choices = rd.Array(j, "choices");
  if (choices != nullptr && !choices->empty()) {
    const OrderedJson& choice = (*choices)[0];
    chat::Chunk delta;
    if (endpoint_ == Endpoint::kChat) {
      if (const OrderedJson* d = rd.Object(choice, "delta")) {
        delta.content = rd.String(*d, "content");
        delta.thinking = rd.String(*d, "reasoning_content");
        if (delta.thinking.empty()) delta.thinking = rd.String(*d, "reasoning");
        if (const std::string refusal = rd.String(*d, "refusal"); !refusal.empty()) {
          final_.done_reason = chat::DoneReason::kError;
          final_.error = ContentPolicyStop(kProvider, "refused: " + refusal);
        }
        if (const OrderedJson* calls = rd.Array(*d, "tool_calls")) {
          for (size_t k = 0; k < calls->size(); ++k) {
            const OrderedJson& frag = (*calls)[k];
            const int64_t index =
                rd.Get(frag, "index") != nullptr ? rd.Int(frag, "index") : static_cast<int64_t>(k);
            auto it = std::find_if(calls_.begin(), calls_.end(),
                                   [&](const auto& p) { return p.first == index; });
            if (it == calls_.end()) {
              if (calls_.size() >= 1024) return DataLoss("openai stream: too many tool calls");
              calls_.emplace_back(index, PartialCall());
              it = calls_.end() - 1;
            }
            if (const std::string id = rd.String(frag, "id"); !id.empty()) it->second.id = id;
            if (const OrderedJson* fn = rd.Object(frag, "function")) {
              const std::string name = rd.String(*fn, "name");
              if (!name.empty() && it->second.name.empty()) it->second.name = name;
              it->second.arguments += rd.String(*fn, "arguments");
            }
          }
        }
      }
      ReadChatLogprobs(rd, choice, delta.logprobs);
    } else {
      delta.content = rd.String(choice, "text");
      ReadCompletionLogprobs(rd, choice, delta.logprobs);
    }
    const std::string finish = rd.String(choice, "finish_reason");
    if (!rd.ok()) return rd.status().WithContext("stream");
    if (!delta.content.empty() || !delta.thinking.empty() || !delta.logprobs.empty()) {
      out.push_back(std::move(delta));
    }
    if (!finish.empty() && !finished_) {
      finished_ = true;
      const bool refused = final_.done_reason == chat::DoneReason::kError;
      if (!refused) ApplyFinishReason(finish, final_);
      if (!calls_.empty()) {
        std::stable_sort(calls_.begin(), calls_.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        chat::Chunk calls;
        for (auto& [index, p] : calls_) {
          calls.tool_calls.push_back({p.id, p.name, NormalizeArguments(p.arguments)});
        }
        calls_.clear();
        out.push_back(std::move(calls));
      }
    }
  }
  if (!rd.ok()) return rd.status().WithContext("stream");
  return Status::Ok();
}

Status ChatStreamDecoder::Finish(std::vector<chat::Chunk>& out) {
  if (done_) return Status::Ok();
  if (!finished_) return DataLoss("openai stream: ended before finish_reason (truncated)");
  EmitDone(out);
  return Status::Ok();
}

}  // namespace hearth::api::openai
