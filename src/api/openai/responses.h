#pragma once
// OpenAI's Responses API (POST /v1/responses), stateless as Ollama serves it: the whole
// conversation comes in `input`, nothing is stored. Pure conversions between wire JSON and the
// chat:: model:
//   - the request: `input` a string (one user message) or a list of items (messages with
//     input_text / output_text / input_image parts, function_call and function_call_output
//     items, reasoning items), `instructions` (a leading system message), flat function tools
//     ({"type":"function","name","description","parameters","strict"}), `tool_choice`,
//     `text.format` (text / json_object / json_schema), `reasoning.effort`, `max_output_tokens`,
//     `temperature`, `top_p`, `truncation`, `stream`. What needs state or a feature hearth lacks
//     (`previous_response_id`, `conversation`, `store: true`, `background: true`, item
//     references, file inputs, image URLs that are not data URLs, built-in tools, `top_logprobs`,
//     `max_tool_calls`, `prompt`) is an InvalidArgument naming the field, never ignored.
//   - the response object ({"id":"resp_...","object":"response","status":"completed" or
//     "incomplete" with incomplete_details, "output":[reasoning?, message?, function_call...],
//     "usage":{input_tokens, output_tokens, total_tokens, input_tokens_details.cached_tokens,
//     output_tokens_details.reasoning_tokens}, and the request's settings echoed);
//   - the typed SSE events of a streamed response, each data object carrying "type" and
//     "sequence_number": response.created, response.in_progress, then per output item
//     response.output_item.added ... response.output_item.done (message: content_part.added,
//     output_text.delta*, output_text.done, content_part.done; reasoning:
//     reasoning_summary_part.added, reasoning_summary_text.delta*, reasoning_summary_text.done,
//     reasoning_summary_part.done; function_call: function_call_arguments.delta and .done), and
//     last response.completed, response.incomplete (max_output_tokens reached) or
//     response.failed (an error after the stream began).
// Pure functions; ResponsesStream is thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"

namespace hearth::api::openai {

// The request's settings that the response object repeats.
struct ResponsesEcho {
  std::optional<std::string> instructions;
  OrderedJson tools = OrderedJson::array();  // the function tools as sent (normalized)
  OrderedJson tool_choice = "auto";
  OrderedJson text_format = {{"type", "text"}};
  OrderedJson reasoning = nullptr;  // {"effort","summary"} when the request set either
  std::optional<double> temperature;  // null in the response when the request left it out
  std::optional<double> top_p;
  std::optional<int64_t> max_output_tokens;
  std::string truncation = "auto";  // "disabled" when the request asked for it
};

struct ParsedResponses {
  chat::Request request;  // kChat
  bool stream = false;
  ResponsesEcho echo;
};

// POST /v1/responses.
Result<ParsedResponses> ParseResponses(const Json& body);

// What every object of one response shares.
struct ResponsesMeta {
  std::string id;          // "resp_<hex>"; item ids are derived from it ("msg_<hex>", ...)
  int64_t created_at = 0;  // unix seconds
  std::string model;
};

// The response object for a folded answer (see FoldChunk); `completed_at` in unix seconds.
std::string ResponseJson(const ResponsesMeta& meta, const ResponsesEcho& echo,
                         const chat::Chunk& folded, int64_t completed_at);

struct ResponsesEvent {
  std::string type;  // the SSE event name, also the data's "type"
  std::string data;  // the JSON payload
};

// Turns a chunk stream into the Responses events (see above). Thinking deltas go to a reasoning
// item, content deltas to a message item (each opened when its first delta comes and closed when
// another kind of output follows or the answer ends), each tool call is one function_call item.
class ResponsesStream {
 public:
  ResponsesStream(ResponsesMeta meta, ResponsesEcho echo)
      : meta_(std::move(meta)), echo_(std::move(echo)) {}
  // `now` (unix seconds) is the completed_at of the final event.
  std::vector<ResponsesEvent> Encode(const chat::Chunk& chunk, int64_t now);
  // The events that end a stream broken by `error` after it began: the open item closed, then
  // response.failed with {"error":{"code":"server_error","message"}}.
  std::vector<ResponsesEvent> Fail(const Status& error);

 private:
  enum class Item { kNone, kMessage, kReasoning };
  void Emit(std::vector<ResponsesEvent>* out, const char* type, OrderedJson data);
  void Start(std::vector<ResponsesEvent>* out);
  void Open(Item kind, std::vector<ResponsesEvent>* out);
  // Ends the open item (if any) with `status` ("completed" / "incomplete").
  void Close(std::vector<ResponsesEvent>* out, const char* status);
  std::string ItemId(const char* prefix, int* count) const;

  ResponsesMeta meta_;
  ResponsesEcho echo_;
  bool started_ = false;
  int sequence_ = 0;
  Item open_ = Item::kNone;
  std::string open_id_;
  std::string text_;               // of the open item
  OrderedJson output_ = OrderedJson::array();  // the finished items
  int messages_ = 0, reasonings_ = 0, calls_ = 0;
};

}  // namespace hearth::api::openai
