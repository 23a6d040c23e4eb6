// chat::Chunk -> Anthropic message object and stream events.
#include "api/anthropic/anthropic.h"
#include "api/common.h"

namespace hearth::api::anthropic {
namespace {

Event Make(const char* name, const OrderedJson& data) { return Event{name, Dump(data)}; }

OrderedJson UsageJson(const chat::Usage& u) {
  return {{"input_tokens", u.prompt_tokens}, {"output_tokens", u.completion_tokens}};
}

}  // namespace

const char* StopReason(const chat::Chunk& done, bool made_tool_calls) {
  if (done.done_reason == chat::DoneReason::kLength) return "max_tokens";
  if (made_tool_calls) return "tool_use";
  return "end_turn";
}

void MessageStream::Close(std::vector<Event>* out) {
  if (open_ == Block::kNone) return;
  out->push_back(Make("content_block_stop", {{"type", "content_block_stop"}, {"index", index_}}));
  open_ = Block::kNone;
}

void MessageStream::Open(Block kind, std::vector<Event>* out) {
  if (open_ == kind) return;
  Close(out);
  ++index_;
  open_ = kind;
  OrderedJson block = kind == Block::kText
                          ? OrderedJson{{"type", "text"}, {"text", ""}}
                          : OrderedJson{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}};
  out->push_back(Make(
      "content_block_start",
      {{"type", "content_block_start"}, {"index", index_}, {"content_block", std::move(block)}}));
}

std::vector<Event> MessageStream::Encode(const chat::Chunk& chunk) {
  std::vector<Event> out;
  if (!started_) {
    started_ = true;
    OrderedJson message;
    message["id"] = id_;
    message["type"] = "message";
    message["role"] = "assistant";
    message["model"] = model_;
    message["content"] = OrderedJson::array();
    message["stop_reason"] = nullptr;
    message["stop_sequence"] = nullptr;
    message["usage"] = {{"input_tokens", 0}, {"output_tokens", 0}};
    out.push_back(
        Make("message_start", {{"type", "message_start"}, {"message", std::move(message)}}));
  }
  if (!chunk.thinking.empty()) {
    Open(Block::kThinking, &out);
    out.push_back(Make("content_block_delta",
                       {{"type", "content_block_delta"},
                        {"index", index_},
                        {"delta", {{"type", "thinking_delta"}, {"thinking", chunk.thinking}}}}));
  }
  if (!chunk.content.empty()) {
    Open(Block::kText, &out);
    out.push_back(Make("content_block_delta",
                       {{"type", "content_block_delta"},
                        {"index", index_},
                        {"delta", {{"type", "text_delta"}, {"text", chunk.content}}}}));
  }
  for (const auto& call : chunk.tool_calls) {
    Close(&out);
    ++index_;
    made_tool_calls_ = true;
    out.push_back(Make("content_block_start",
                       {{"type", "content_block_start"},
                        {"index", index_},
                        {"content_block",
                         {{"type", "tool_use"},
                          {"id", call.id.empty() ? "toolu_" + std::to_string(index_) : call.id},
                          {"name", call.name},
                          {"input", OrderedJson::object()}}}}));
    out.push_back(
        Make("content_block_delta",
             {{"type", "content_block_delta"},
              {"index", index_},
              {"delta", {{"type", "input_json_delta"}, {"partial_json", call.arguments_json}}}}));
    out.push_back(Make("content_block_stop", {{"type", "content_block_stop"}, {"index", index_}}));
  }
  if (chunk.done) {
    Close(&out);
    out.push_back(Make("message_delta", {{"type", "message_delta"},
                                         {"delta",
                                          {{"stop_reason", StopReason(chunk, made_tool_calls_)},
                                           {"stop_sequence", nullptr}}},
                                         {"usage", UsageJson(chunk.usage)}}));
    out.push_back(Make("message_stop", {{"type", "message_stop"}}));
  }
  return out;
}

std::string MessageJson(std::string_view id, std::string_view model, const chat::Chunk& folded) {
  OrderedJson content = OrderedJson::array();
  if (!folded.thinking.empty()) {
    content.push_back({{"type", "thinking"}, {"thinking", folded.thinking}, {"signature", ""}});
  }
  if (!folded.content.empty() || folded.tool_calls.empty()) {
    content.push_back({{"type", "text"}, {"text", folded.content}});
  }
  for (size_t i = 0; i < folded.tool_calls.size(); ++i) {
    const auto& call = folded.tool_calls[i];
    content.push_back({{"type", "tool_use"},
                       {"id", call.id.empty() ? "toolu_" + std::to_string(i) : call.id},
                       {"name", call.name},
                       {"input", ArgumentsObject(call.arguments_json)}});
  }
  OrderedJson j;
  j["id"] = std::string(id);
  j["type"] = "message";
  j["role"] = "assistant";
  j["model"] = std::string(model);
  j["content"] = std::move(content);
  j["stop_reason"] = StopReason(folded, !folded.tool_calls.empty());
  j["stop_sequence"] = nullptr;
  j["usage"] = UsageJson(folded.usage);
  return Dump(j);
}

std::string ErrorJson(int http_status, std::string_view message) {
  const char* type = http_status == 404   ? "not_found_error"
                     : http_status == 401 ? "authentication_error"
                     : http_status == 403 ? "permission_error"
                     : http_status == 413 ? "request_too_large"
                     : http_status == 503 ? "overloaded_error"
                     : http_status < 500  ? "invalid_request_error"
                                          : "api_error";
  OrderedJson j;
  j["type"] = "error";
  j["error"] = {{"type", type}, {"message", std::string(message)}};
  return Dump(j);
}

}  // namespace hearth::api::anthropic
