// Gemini responses, SSE payloads and error bodies -> chat:: (hearth as the client).
#include <algorithm>
#include <cctype>
#include <climits>

#include "api/common.h"
#include "api/gemini/client.h"
#include "base/duration.h"

namespace hearth::api::gemini {
namespace {

constexpr char kProvider[] = "gemini";

int32_t Clamp32(int64_t v) { return static_cast<int32_t>(std::clamp<int64_t>(v, 0, INT32_MAX)); }

bool IsPolicyReason(const std::string& r) {
  for (const char* p : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
                        "IMAGE_SAFETY", "OTHER_BLOCKED"}) {
    if (r == p) return true;
  }
  return false;
}

void ApplyFinishReason(const std::string& reason, chat::Chunk& c) {
  if (reason == "MAX_TOKENS") {
    c.done_reason = chat::DoneReason::kLength;
  } else if (IsPolicyReason(reason)) {
    c.done_reason = chat::DoneReason::kError;
    c.error = ContentPolicyStop(kProvider, "the answer was blocked (finishReason " + reason + ")");
  } else if (reason == "MALFORMED_FUNCTION_CALL") {
    c.done_reason = chat::DoneReason::kError;
    c.error = DataLoss("gemini: the model produced a malformed function call");
  } else {
    c.done_reason = chat::DoneReason::kStop;
  }
}

// One GenerateContentResponse: appends its parts to `delta`; sets the done fields of `done` and
// returns true when it ends the answer (finishReason, or a blocked prompt).
bool ReadResponse(UpstreamReader& rd, const OrderedJson& j, chat::Chunk& delta, chat::Chunk& done) {
  if (const std::string v = rd.String(j, "modelVersion"); !v.empty()) done.model = v;
  if (const OrderedJson* u = rd.Object(j, "usageMetadata")) {
    done.usage.prompt_tokens = Clamp32(rd.Int(*u, "promptTokenCount"));
    done.usage.completion_tokens =
        Clamp32(static_cast<int64_t>(Clamp32(rd.Int(*u, "candidatesTokenCount"))) +
                Clamp32(rd.Int(*u, "thoughtsTokenCount")));
    done.usage.cached_tokens = Clamp32(rd.Int(*u, "cachedContentTokenCount"));
  }
  const OrderedJson* candidates = rd.Array(j, "candidates");
  if (candidates == nullptr || candidates->empty()) {
    if (const OrderedJson* fb = rd.Object(j, "promptFeedback")) {
      if (const std::string block = rd.String(*fb, "blockReason"); !block.empty()) {
        done.done_reason = chat::DoneReason::kError;
        done.error =
            ContentPolicyStop(kProvider, "the prompt was blocked (blockReason " + block + ")");
        return true;
      }
    }
    return false;
  }
  const OrderedJson& cand = (*candidates)[0];
  if (const OrderedJson* content = rd.Object(cand, "content")) {
    if (const OrderedJson* parts = rd.Array(*content, "parts")) {
      for (const auto& p : *parts) {
        if (const OrderedJson* fc = rd.Object(p, "functionCall")) {
          chat::ToolCall call;
          call.id = rd.String(*fc, "id");
          call.name = rd.String(*fc, "name");
          const OrderedJson* args = rd.Object(*fc, "args");
          call.arguments_json = args == nullptr ? "{}" : Dump(*args);
          delta.tool_calls.push_back(std::move(call));
        } else if (rd.Bool(p, "thought")) {
          delta.thinking += rd.String(p, "text");
        } else {
          delta.content += rd.String(p, "text");
        }
      }
    }
  }
  const std::string reason = rd.String(cand, "finishReason");
  if (reason.empty()) return false;
  ApplyFinishReason(reason, done);
  return true;
}

// The body's error object (also inside a one-element array), or nullptr.
const OrderedJson* ErrorObject(const OrderedJson& j) {
  const OrderedJson* root = &j;
  if (j.is_array() && !j.empty()) root = &j[0];
  if (!root->is_object()) return nullptr;
  auto it = root->find("error");
  if (it == root->end() || !it->is_object()) return nullptr;
  return &*it;
}

}  // namespace

Result<chat::Chunk> DecodeGenerateContentResponse(std::string_view body) {
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseUpstreamJson(body, kProvider, "response"));
  if (!j.is_object()) return DataLoss("gemini response: not a JSON object");
  UpstreamReader rd(kProvider);
  chat::Chunk c;
  chat::Chunk done;
  const bool ended = ReadResponse(rd, j, c, done);
  if (!rd.ok()) return rd.status();
  if (!ended && c.content.empty() && c.thinking.empty() && c.tool_calls.empty()) {
    return DataLoss("gemini response: no candidates");
  }
  done.content = std::move(c.content);
  done.thinking = std::move(c.thinking);
  done.tool_calls = std::move(c.tool_calls);
  done.done = true;
  return done;
}

Result<chat::EmbedResult> DecodeEmbedResponse(std::string_view body) {
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseUpstreamJson(body, kProvider, "response"));
  if (!j.is_object()) return DataLoss("gemini response: not a JSON object");
  UpstreamReader rd(kProvider);
  chat::EmbedResult out;
  auto read_values = [&](const OrderedJson& e) {
    std::vector<float> v;
    if (const OrderedJson* values = rd.Array(e, "values")) {
      for (const auto& x : *values) {
        if (!x.is_number()) {
          rd.Fail("embedding values hold a non-number");
          break;
        }
        v.push_back(static_cast<float>(x.get<double>()));
      }
    } else {
      rd.Fail("embedding without values");
    }
    out.embeddings.push_back(std::move(v));
  };
  if (const OrderedJson* list = rd.Array(j, "embeddings")) {
    for (const auto& e : *list) read_values(e);
  } else if (const OrderedJson* one = rd.Object(j, "embedding")) {
    read_values(*one);
  } else {
    rd.Fail("no embeddings");
  }
  if (!rd.ok()) return rd.status();
  return out;
}

Status DecodeError(int http_status, std::string_view body, std::string_view retry_after_header) {
  int64_t retry_ms = ParseRetryAfterMs(retry_after_header);
  const OrderedJson j = OrderedJson::parse(body, nullptr, /*allow_exceptions=*/false);
  const OrderedJson* err = j.is_discarded() ? nullptr : ErrorObject(j);
  if (err == nullptr) return UpstreamError(kProvider, http_status, body, "", retry_ms);
  UpstreamReader rd(kProvider);
  const OrderedJson* m = rd.Get(*err, "message");
  const std::string message = m != nullptr && m->is_string() ? m->get<std::string>() : "";
  const OrderedJson* s = rd.Get(*err, "status");
  const std::string status = s != nullptr && s->is_string() ? s->get<std::string>() : "";
  if (retry_ms < 0) {
    if (const OrderedJson* details = rd.Get(*err, "details");
        details != nullptr && details->is_array()) {
      for (const auto& d : *details) {
        const OrderedJson* delay = rd.Get(d, "retryDelay");
        if (delay == nullptr || !delay->is_string()) continue;
        if (auto ns = ParseGoDuration(delay->get<std::string>()); ns.ok() && ns->count() >= 0) {
          retry_ms = ns->count() / 1000000;
        }
      }
    }
  }
  std::string kind;
  std::string lower = message;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if ((status == "INVALID_ARGUMENT" || http_status == 400) &&
      lower.find("token") != std::string::npos &&
      (lower.find("exceeds") != std::string::npos || lower.find("too long") != std::string::npos ||
       lower.find("limit") != std::string::npos)) {
    kind = "context_length";
  } else if (lower.find("safety") != std::string::npos ||
             lower.find("blocked") != std::string::npos) {
    kind = "content_policy";
  }
  return UpstreamError(kProvider, http_status, message.empty() ? status : message, std::move(kind),
                       retry_ms);
}

Status StreamDecoder::Feed(std::string_view data, std::vector<chat::Chunk>& out) {
  if (done_) return Status::Ok();
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseUpstreamJson(data, kProvider, "stream event"));
  if (const OrderedJson* err = ErrorObject(j)) {
    UpstreamReader rd(kProvider);
    int code = static_cast<int>(std::clamp<int64_t>(rd.Int(*err, "code"), 0, 999));
    if (code < 100) code = 500;
    return DecodeError(code, Dump(j), "");
  }
  if (!j.is_object()) return DataLoss("gemini stream: event is not a JSON object");
  UpstreamReader rd(kProvider);
  chat::Chunk delta;
  const bool ended = ReadResponse(rd, j, delta, final_);
  if (!rd.ok()) return rd.status().WithContext("stream");
  if (!delta.content.empty() || !delta.thinking.empty() || !delta.tool_calls.empty()) {
    out.push_back(std::move(delta));
  }
  if (ended) {
    final_.done = true;
    done_ = true;
    out.push_back(std::move(final_));
    final_ = chat::Chunk();
  }
  return Status::Ok();
}

Status StreamDecoder::Finish(std::vector<chat::Chunk>&) {
  if (done_) return Status::Ok();
  return DataLoss("gemini stream: ended before finishReason (truncated)");
}

}  // namespace hearth::api::gemini
