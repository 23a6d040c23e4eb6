// chat::Chunk -> Responses API response objects and stream events.
#include "api/common.h"
#include "api/openai/responses.h"

namespace hearth::api::openai {
namespace {

// "resp_<hex>" -> "<hex>", the suffix item ids share.
std::string IdSuffix(const std::string& id) {
  const size_t underscore = id.find('_');
  return underscore == std::string::npos ? id : id.substr(underscore + 1);
}

struct Outcome {
  const char* status;          // "completed" | "incomplete"
  OrderedJson incomplete;      // {"reason"} or null
  const char* event;           // the final event's type
};

Outcome OutcomeOf(const chat::Chunk& done) {
  switch (done.done_reason) {
    case chat::DoneReason::kLength:
      return {"incomplete", {{"reason", "max_output_tokens"}}, "response.incomplete"};
    case chat::DoneReason::kCancelled:
      return {"incomplete", {{"reason", "cancelled"}}, "response.incomplete"};
    default:
      return {"completed", nullptr, "response.completed"};
  }
}

OrderedJson UsageJson(const chat::Usage& u) {
  OrderedJson j;
  j["input_tokens"] = u.prompt_tokens;
  j["input_tokens_details"] = {{"cached_tokens", 0}};
  j["output_tokens"] = u.completion_tokens;
  j["output_tokens_details"] = {{"reasoning_tokens", 0}};
  j["total_tokens"] = u.prompt_tokens + u.completion_tokens;
  return j;
}

OrderedJson TextPart(const std::string& text) {
  OrderedJson j;
  j["type"] = "output_text";
  j["text"] = text;
  j["annotations"] = OrderedJson::array();
  j["logprobs"] = OrderedJson::array();
  return j;
}

OrderedJson SummaryPart(const std::string& text) {
  return {{"type", "summary_text"}, {"text", text}};
}

OrderedJson MessageItem(const std::string& id, const char* status, const std::string& text,
                        bool with_content) {
  OrderedJson j;
  j["id"] = id;
  j["type"] = "message";
  j["status"] = status;
  j["role"] = "assistant";
  j["content"] = with_content ? OrderedJson::array({TextPart(text)}) : OrderedJson::array();
  return j;
}

OrderedJson ReasoningItem(const std::string& id, const std::string& text, bool with_summary) {
  OrderedJson j;
  j["id"] = id;
  j["type"] = "reasoning";
  j["summary"] = with_summary ? OrderedJson::array({SummaryPart(text)}) : OrderedJson::array();
  return j;
}

OrderedJson CallItem(const std::string& id, const char* status, const chat::ToolCall& call,
                     const std::string& call_id, bool with_arguments) {
  OrderedJson j;
  j["id"] = id;
  j["type"] = "function_call";
  j["status"] = status;
  j["arguments"] = with_arguments ? call.arguments_json : std::string();
  j["call_id"] = call_id;
  j["name"] = call.name;
  return j;
}

std::string CallId(const chat::ToolCall& call, int index) {
  return call.id.empty() ? "call_" + std::to_string(index) : call.id;
}

OrderedJson ResponseObject(const ResponsesMeta& meta, const ResponsesEcho& echo,
                           const char* status, OrderedJson completed_at, OrderedJson error,
                           OrderedJson incomplete, OrderedJson output, OrderedJson usage) {
  OrderedJson j;
  j["id"] = meta.id;
  j["object"] = "response";
  j["created_at"] = meta.created_at;
  j["status"] = status;
  j["background"] = false;
  j["completed_at"] = std::move(completed_at);
  j["error"] = std::move(error);
  j["incomplete_details"] = std::move(incomplete);
  j["instructions"] = echo.instructions ? OrderedJson(*echo.instructions) : OrderedJson();
  j["max_output_tokens"] =
      echo.max_output_tokens ? OrderedJson(*echo.max_output_tokens) : OrderedJson();
  j["max_tool_calls"] = nullptr;
  j["model"] = meta.model;
  j["output"] = std::move(output);
  j["parallel_tool_calls"] = true;
  j["previous_response_id"] = nullptr;
  j["reasoning"] = echo.reasoning;
  j["service_tier"] = "default";
  j["store"] = false;
  j["temperature"] = echo.temperature ? OrderedJson(*echo.temperature) : OrderedJson();
  j["text"] = {{"format", echo.text_format}};
  j["tool_choice"] = echo.tool_choice;
  j["tools"] = echo.tools;
  j["top_logprobs"] = 0;
  j["top_p"] = echo.top_p ? OrderedJson(*echo.top_p) : OrderedJson();
  j["truncation"] = echo.truncation;
  j["usage"] = std::move(usage);
  j["user"] = nullptr;
  j["metadata"] = OrderedJson::object();
  return j;
}

}  // namespace

std::string ResponseJson(const ResponsesMeta& meta, const ResponsesEcho& echo,
                         const chat::Chunk& folded, int64_t completed_at) {
  const std::string hex = IdSuffix(meta.id);
  const Outcome outcome = OutcomeOf(folded);
  const bool complete = std::string_view(outcome.status) == "completed";
  OrderedJson output = OrderedJson::array();
  if (!folded.thinking.empty()) output.push_back(ReasoningItem("rs_" + hex, folded.thinking, true));
  if (!folded.content.empty() || folded.tool_calls.empty()) {
    output.push_back(
        MessageItem("msg_" + hex, complete ? "completed" : "incomplete", folded.content, true));
  }
  for (size_t i = 0; i < folded.tool_calls.size(); ++i) {
    const int index = static_cast<int>(i);
    output.push_back(CallItem("fc_" + hex + "_" + std::to_string(i), "completed",
                              folded.tool_calls[i], CallId(folded.tool_calls[i], index), true));
  }
  return Dump(ResponseObject(meta, echo, outcome.status,
                             complete ? OrderedJson(completed_at) : OrderedJson(), nullptr,
                             outcome.incomplete, std::move(output), UsageJson(folded.usage)));
}

void ResponsesStream::Emit(std::vector<ResponsesEvent>* out, const char* type, OrderedJson data) {
  OrderedJson j;
  j["type"] = type;
  for (auto& [key, value] : data.items()) j[key] = std::move(value);
  j["sequence_number"] = sequence_++;
  out->push_back({type, Dump(j)});
}

std::string ResponsesStream::ItemId(const char* prefix, int* count) const {
  std::string id = prefix + IdSuffix(meta_.id);
  if (*count > 0) id += "_" + std::to_string(*count);
  ++*count;
  return id;
}

void ResponsesStream::Start(std::vector<ResponsesEvent>* out) {
  started_ = true;
  for (const char* type : {"response.created", "response.in_progress"}) {
    Emit(out, type,
         {{"response", ResponseObject(meta_, echo_, "in_progress", nullptr, nullptr, nullptr,
                                      OrderedJson::array(), nullptr)}});
  }
}

void ResponsesStream::Open(Item kind, std::vector<ResponsesEvent>* out) {
  open_ = kind;
  text_.clear();
  const int index = static_cast<int>(output_.size());
  if (kind == Item::kMessage) {
    open_id_ = ItemId("msg_", &messages_);
    Emit(out, "response.output_item.added",
         {{"output_index", index}, {"item", MessageItem(open_id_, "in_progress", "", false)}});
    Emit(out, "response.content_part.added",
         {{"item_id", open_id_}, {"output_index", index}, {"content_index", 0},
          {"part", TextPart("")}});
  } else {
    open_id_ = ItemId("rs_", &reasonings_);
    Emit(out, "response.output_item.added",
         {{"output_index", index}, {"item", ReasoningItem(open_id_, "", false)}});
    Emit(out, "response.reasoning_summary_part.added",
         {{"item_id", open_id_}, {"output_index", index}, {"summary_index", 0},
          {"part", SummaryPart("")}});
  }
}

void ResponsesStream::Close(std::vector<ResponsesEvent>* out, const char* status) {
  if (open_ == Item::kNone) return;
  const int index = static_cast<int>(output_.size());
  OrderedJson item;
  if (open_ == Item::kMessage) {
    Emit(out, "response.output_text.done",
         {{"item_id", open_id_}, {"output_index", index}, {"content_index", 0}, {"text", text_},
          {"logprobs", OrderedJson::array()}});
    Emit(out, "response.content_part.done",
         {{"item_id", open_id_}, {"output_index", index}, {"content_index", 0},
          {"part", TextPart(text_)}});
    item = MessageItem(open_id_, status, text_, true);
  } else {
    Emit(out, "response.reasoning_summary_text.done",
         {{"item_id", open_id_}, {"output_index", index}, {"summary_index", 0}, {"text", text_}});
    Emit(out, "response.reasoning_summary_part.done",
         {{"item_id", open_id_}, {"output_index", index}, {"summary_index", 0},
          {"part", SummaryPart(text_)}});
    item = ReasoningItem(open_id_, text_, true);
  }
  Emit(out, "response.output_item.done", {{"output_index", index}, {"item", item}});
  output_.push_back(std::move(item));
  open_ = Item::kNone;
  text_.clear();
}

std::vector<ResponsesEvent> ResponsesStream::Encode(const chat::Chunk& chunk, int64_t now) {
  std::vector<ResponsesEvent> out;
  if (!started_) Start(&out);
  if (!chunk.thinking.empty()) {
    if (open_ != Item::kReasoning) {
      Close(&out, "completed");
      Open(Item::kReasoning, &out);
    }
    text_ += chunk.thinking;
    Emit(&out, "response.reasoning_summary_text.delta",
         {{"item_id", open_id_}, {"output_index", static_cast<int>(output_.size())},
          {"summary_index", 0}, {"delta", chunk.thinking}});
  }
  if (!chunk.content.empty()) {
    if (open_ != Item::kMessage) {
      Close(&out, "completed");
      Open(Item::kMessage, &out);
    }
    text_ += chunk.content;
    Emit(&out, "response.output_text.delta",
         {{"item_id", open_id_}, {"output_index", static_cast<int>(output_.size())},
          {"content_index", 0}, {"delta", chunk.content}, {"logprobs", OrderedJson::array()}});
  }
  if (!chunk.tool_calls.empty()) Close(&out, "completed");
  for (const chat::ToolCall& call : chunk.tool_calls) {
    const int index = static_cast<int>(output_.size());
    const int n = calls_++;
    const std::string id = "fc_" + IdSuffix(meta_.id) + "_" + std::to_string(n);
    const std::string call_id = CallId(call, n);
    Emit(&out, "response.output_item.added",
         {{"output_index", index}, {"item", CallItem(id, "in_progress", call, call_id, false)}});
    Emit(&out, "response.function_call_arguments.delta",
         {{"item_id", id}, {"output_index", index}, {"delta", call.arguments_json}});
    Emit(&out, "response.function_call_arguments.done",
         {{"item_id", id}, {"output_index", index}, {"name", call.name},
          {"arguments", call.arguments_json}});
    OrderedJson item = CallItem(id, "completed", call, call_id, true);
    Emit(&out, "response.output_item.done", {{"output_index", index}, {"item", item}});
    output_.push_back(std::move(item));
  }
  if (chunk.done) {
    const Outcome outcome = OutcomeOf(chunk);
    const bool complete = std::string_view(outcome.status) == "completed";
    // An answer with no output at all is still one (empty) message, as the folded object has.
    if (open_ == Item::kNone && output_.empty()) Open(Item::kMessage, &out);
    Close(&out, complete ? "completed" : "incomplete");
    Emit(&out, outcome.event,
         {{"response", ResponseObject(meta_, echo_, outcome.status,
                                      complete ? OrderedJson(now) : OrderedJson(), nullptr,
                                      outcome.incomplete, output_, UsageJson(chunk.usage))}});
  }
  return out;
}

std::vector<ResponsesEvent> ResponsesStream::Fail(const Status& error) {
  std::vector<ResponsesEvent> out;
  if (!started_) Start(&out);
  Close(&out, "incomplete");
  OrderedJson e = {{"code", "server_error"}, {"message", error.message()}};
  Emit(&out, "response.failed",
       {{"response", ResponseObject(meta_, echo_, "failed", nullptr, std::move(e), nullptr,
                                    output_, nullptr)}});
  return out;
}

}  // namespace hearth::api::openai
