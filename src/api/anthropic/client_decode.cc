// Anthropic message objects, SSE events and error bodies -> chat:: (hearth as the client).
#include <algorithm>
#include <climits>

#include "api/anthropic/client.h"

namespace hearth::api::anthropic {
namespace {

constexpr char kProvider[] = "anthropic";

int32_t Clamp32(int64_t v) { return static_cast<int32_t>(std::clamp<int64_t>(v, 0, INT32_MAX)); }

void ApplyStopReason(const std::string& reason, chat::Chunk& c) {
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") {
    c.done_reason = chat::DoneReason::kLength;
  } else if (reason == "refusal") {
    c.done_reason = chat::DoneReason::kError;
    c.error = ContentPolicyStop(kProvider, "the model refused to answer (stop_reason refusal)");
  } else {
    c.done_reason = chat::DoneReason::kStop;  // end_turn, stop_sequence, tool_use, pause_turn
  }
}

// The HTTP status Anthropic documents for each error type (used for in-stream error events).
int StatusForErrorType(const std::string& type) {
  if (type == "invalid_request_error") return 400;
  if (type == "authentication_error") return 401;
  if (type == "permission_error") return 403;
  if (type == "not_found_error") return 404;
  if (type == "request_too_large") return 413;
  if (type == "rate_limit_error") return 429;
  if (type == "timeout_error") return 504;
  if (type == "overloaded_error") return 529;
  return 500;  // api_error and anything new
}

Status ErrorFromJson(const OrderedJson& j, int http_status, int64_t retry_ms) {
  UpstreamReader rd(kProvider);
  std::string type, message;
  const OrderedJson* err = rd.Get(j, "error");
  if (err != nullptr && err->is_object()) {
    if (const OrderedJson* t = rd.Get(*err, "type"); t != nullptr && t->is_string()) {
      type = t->get<std::string>();
    }
    if (const OrderedJson* m = rd.Get(*err, "message"); m != nullptr && m->is_string()) {
      message = m->get<std::string>();
    }
  } else if (err != nullptr && err->is_string()) {
    message = err->get<std::string>();
  }
  if (http_status == 0) http_status = StatusForErrorType(type);
  std::string kind;
  if (http_status == 529 || type == "overloaded_error") {
    kind = "overloaded";
  } else if ((type == "invalid_request_error" || type.empty()) &&
             message.find("prompt is too long") != std::string::npos) {
    kind = "context_length";
  }
  if (message.empty() && !type.empty()) message = type;
  return UpstreamError(kProvider, http_status, message, std::move(kind), retry_ms);
}

void ReadUsage(UpstreamReader& rd, const OrderedJson& u, int64_t* input, int64_t* cache_read,
               int64_t* cache_creation, chat::Usage& out) {
  if (rd.Get(u, "input_tokens") != nullptr) *input = rd.Int(u, "input_tokens");
  if (rd.Get(u, "cache_read_input_tokens") != nullptr) {
    *cache_read = rd.Int(u, "cache_read_input_tokens");
  }
  if (rd.Get(u, "cache_creation_input_tokens") != nullptr) {
    *cache_creation = rd.Int(u, "cache_creation_input_tokens");
  }
  if (rd.Get(u, "output_tokens") != nullptr) {
    out.completion_tokens = Clamp32(rd.Int(u, "output_tokens"));
  }
  out.prompt_tokens = Clamp32(Clamp32(*input) + static_cast<int64_t>(Clamp32(*cache_read)) +
                              Clamp32(*cache_creation));
  out.cached_tokens = Clamp32(*cache_read);
}

}  // namespace

Result<chat::Chunk> DecodeMessagesResponse(std::string_view body) {
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseUpstreamJson(body, kProvider, "response"));
  if (!j.is_object()) return DataLoss("anthropic response: not a JSON object");
  UpstreamReader rd(kProvider);
  if (rd.String(j, "type") == "error") return ErrorFromJson(j, 0, -1);
  chat::Chunk c;
  c.done = true;
  c.model = rd.String(j, "model");
  const OrderedJson* content = rd.Array(j, "content");
  if (content == nullptr && rd.ok()) rd.Fail("no content");
  for (size_t i = 0; content != nullptr && i < content->size(); ++i) {
    const OrderedJson& b = (*content)[i];
    const std::string type = rd.String(b, "type");
    if (type == "text") {
      c.content += rd.String(b, "text");
    } else if (type == "thinking") {
      c.thinking += rd.String(b, "thinking");
    } else if (type == "tool_use") {
      chat::ToolCall call;
      call.id = rd.String(b, "id");
      call.name = rd.String(b, "name");
      const OrderedJson* input = rd.Object(b, "input");
      call.arguments_json = input == nullptr ? "{}" : Dump(*input);
      c.tool_calls.push_back(std::move(call));
    }  // redacted_thinking, server tool blocks: nothing to show
  }
  ApplyStopReason(rd.String(j, "stop_reason"), c);
  if (const OrderedJson* u = rd.Object(j, "usage")) {
    int64_t input = 0, read = 0, creation = 0;
    ReadUsage(rd, *u, &input, &read, &creation, c.usage);
  }
  if (!rd.ok()) return rd.status();
  return c;
}

Status DecodeError(int http_status, std::string_view body, std::string_view retry_after_header) {
  const int64_t retry_ms = ParseRetryAfterMs(retry_after_header);
  const OrderedJson j = OrderedJson::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return UpstreamError(kProvider, http_status, body, http_status == 529 ? "overloaded" : "",
                         retry_ms);
  }
  return ErrorFromJson(j, http_status == 0 ? 500 : http_status, retry_ms);
}

void MessageStreamDecoder::EmitDone(std::vector<chat::Chunk>& out) {
  final_.done = true;
  done_ = true;
  out.push_back(std::move(final_));
  final_ = chat::Chunk();
}

Status MessageStreamDecoder::Feed(std::string_view event, std::string_view data,
                                  std::vector<chat::Chunk>& out) {
  if (done_) return Status::Ok();
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseUpstreamJson(data, kProvider, "stream event"));
  if (!j.is_object()) return DataLoss("anthropic stream: event is not a JSON object");
  UpstreamReader rd(kProvider);
  std::string type(event);
  if (type.empty()) type = rd.String(j, "type");
  if (type == "error") return ErrorFromJson(j, 0, -1);
  if (type == "message_start") {
    if (const OrderedJson* msg = rd.Object(j, "message")) {
      final_.model = rd.String(*msg, "model");
      if (const OrderedJson* u = rd.Object(*msg, "usage")) {
        ReadUsage(rd, *u, &input_tokens_, &cache_read_, &cache_creation_, final_.usage);
      }
    }
  } else if (type == "content_block_start") {
    Block b;
    b.index = rd.Int(j, "index");
    if (const OrderedJson* cb = rd.Object(j, "content_block")) {
      b.type = rd.String(*cb, "type");
      chat::Chunk c;
      if (b.type == "text") {
        c.content = rd.String(*cb, "text");
      } else if (b.type == "thinking") {
        c.thinking = rd.String(*cb, "thinking");
      } else if (b.type == "tool_use") {
        b.id = rd.String(*cb, "id");
        b.name = rd.String(*cb, "name");
        // The input usually starts as {} and arrives as input_json_delta; keep a non-empty one.
        if (const OrderedJson* input = rd.Object(*cb, "input");
            input != nullptr && !input->empty()) {
          b.json = Dump(*input);
        }
      }
      if (!c.content.empty() || !c.thinking.empty()) out.push_back(std::move(c));
    }
    if (blocks_.size() >= 1024) return DataLoss("anthropic stream: too many open content blocks");
    blocks_.push_back(std::move(b));
  } else if (type == "content_block_delta") {
    const int64_t index = rd.Int(j, "index");
    if (const OrderedJson* d = rd.Object(j, "delta")) {
      const std::string dtype = rd.String(*d, "type");
      chat::Chunk c;
      if (dtype == "text_delta") {
        c.content = rd.String(*d, "text");
      } else if (dtype == "thinking_delta") {
        c.thinking = rd.String(*d, "thinking");
      } else if (dtype == "input_json_delta") {
        auto it = std::find_if(blocks_.begin(), blocks_.end(),
                               [&](const Block& b) { return b.index == index; });
        if (it == blocks_.end()) {
          return DataLoss("anthropic stream: input_json_delta for unknown block " +
                          std::to_string(index));
        }
        it->json += rd.String(*d, "partial_json");
      }  // signature_delta, citations_delta: nothing to show
      if (!c.content.empty() || !c.thinking.empty()) out.push_back(std::move(c));
    }
  } else if (type == "content_block_stop") {
    const int64_t index = rd.Int(j, "index");
    auto it = std::find_if(blocks_.begin(), blocks_.end(),
                           [&](const Block& b) { return b.index == index; });
    if (it != blocks_.end()) {
      if (it->type == "tool_use") {
        chat::Chunk c;
        c.tool_calls.push_back({it->id, it->name, NormalizeArguments(it->json)});
        out.push_back(std::move(c));
      }
      blocks_.erase(it);
    }
  } else if (type == "message_delta") {
    if (const OrderedJson* d = rd.Object(j, "delta")) {
      if (const std::string reason = rd.String(*d, "stop_reason"); !reason.empty()) {
        ApplyStopReason(reason, final_);
        stopped_ = true;
      }
    }
    if (const OrderedJson* u = rd.Object(j, "usage")) {
      ReadUsage(rd, *u, &input_tokens_, &cache_read_, &cache_creation_, final_.usage);
    }
  } else if (type == "message_stop") {
    if (!rd.ok()) return rd.status().WithContext("stream");
    EmitDone(out);
  }  // ping and event types added later: nothing to do
  if (!rd.ok()) return rd.status().WithContext("stream");
  return Status::Ok();
}

Status MessageStreamDecoder::Finish(std::vector<chat::Chunk>& out) {
  if (done_) return Status::Ok();
  if (!stopped_) return DataLoss("anthropic stream: ended before message_stop (truncated)");
  EmitDone(out);
  return Status::Ok();
}

}  // namespace hearth::api::anthropic
