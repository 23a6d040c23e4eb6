// Ollama NDJSON lines, response objects and error bodies -> chat:: (hearth as the client).
#include <algorithm>
#include <climits>

#include "api/common.h"
#include "api/ollama/client.h"

namespace hearth::api::ollama {
namespace {

constexpr char kProvider[] = "ollama";

int32_t Clamp32(int64_t v) { return static_cast<int32_t>(std::clamp<int64_t>(v, 0, INT32_MAX)); }

std::chrono::nanoseconds Ns(UpstreamReader& rd, const OrderedJson& j, const char* key) {
  return std::chrono::nanoseconds(std::max<int64_t>(0, rd.Int(j, key)));
}

chat::TokenLogprob Token(UpstreamReader& rd, const OrderedJson& t) {
  chat::TokenLogprob l;
  l.token = rd.String(t, "token");
  l.logprob = rd.Number(t, "logprob");
  if (const OrderedJson* top = rd.Array(t, "top_logprobs")) {
    for (const auto& alt : *top) {
      chat::TokenLogprob a;
      a.token = rd.String(alt, "token");
      a.logprob = rd.Number(alt, "logprob");
      l.top.push_back(std::move(a));
    }
  }
  return l;
}

void ReadToolCalls(UpstreamReader& rd, const OrderedJson& obj, std::vector<chat::ToolCall>& out) {
  const OrderedJson* calls = rd.Array(obj, "tool_calls");
  if (calls == nullptr) return;
  for (const auto& c : *calls) {
    chat::ToolCall tc;
    tc.id = rd.String(c, "id");
    tc.arguments_json = "{}";
    if (const OrderedJson* fn = rd.Object(c, "function")) {
      tc.name = rd.String(*fn, "name");
      if (const OrderedJson* args = rd.Get(*fn, "arguments")) {
        if (args->is_object()) {
          tc.arguments_json = Dump(*args);
        } else if (args->is_string()) {
          tc.arguments_json = NormalizeArguments(args->get<std::string>());
        } else {
          rd.Fail("field 'arguments' must be an object");
        }
      }
    }
    out.push_back(std::move(tc));
  }
}

// One object of /api/chat or /api/generate -> a chunk.
Status ReadLine(const OrderedJson& j, chat::Chunk& c) {
  UpstreamReader rd(kProvider);
  if (const OrderedJson* err = rd.Get(j, "error")) {
    const std::string message = err->is_string() ? err->get<std::string>() : Dump(*err);
    return Unavailable("ollama: " + message).WithUpstream({0, -1, ""});
  }
  if (const OrderedJson* msg = rd.Object(j, "message")) {
    c.content = rd.String(*msg, "content");
    c.thinking = rd.String(*msg, "thinking");
    ReadToolCalls(rd, *msg, c.tool_calls);
  } else {
    c.content = rd.String(j, "response");
    c.thinking = rd.String(j, "thinking");
    ReadToolCalls(rd, j, c.tool_calls);
  }
  if (const OrderedJson* lps = rd.Array(j, "logprobs")) {
    for (const auto& t : *lps) c.logprobs.push_back(Token(rd, t));
  }
  c.done = rd.Bool(j, "done");
  if (c.done) {
    c.model = rd.String(j, "model");
    const std::string reason = rd.String(j, "done_reason");
    c.done_reason = reason == "length" ? chat::DoneReason::kLength : chat::DoneReason::kStop;
    c.usage.prompt_tokens = Clamp32(rd.Int(j, "prompt_eval_count"));
    c.usage.completion_tokens = Clamp32(rd.Int(j, "eval_count"));
    c.usage.total = Ns(rd, j, "total_duration");
    c.usage.load = Ns(rd, j, "load_duration");
    c.usage.prompt_eval = Ns(rd, j, "prompt_eval_duration");
    c.usage.eval = Ns(rd, j, "eval_duration");
    c.truncated = rd.Bool(j, "truncated");
    c.original_prompt_tokens = Clamp32(rd.Int(j, "original_prompt_eval_count"));
  }
  return rd.status();
}

bool Blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

Status StreamDecoder::Feed(std::string_view line, std::vector<chat::Chunk>& out) {
  if (done_ || Blank(line)) return Status::Ok();
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseUpstreamJson(line, kProvider, "stream line"));
  if (!j.is_object()) return DataLoss("ollama stream: line is not a JSON object");
  chat::Chunk c;
  HEARTH_RETURN_IF_ERROR(ReadLine(j, c));
  done_ = c.done;
  if (c.done || !c.content.empty() || !c.thinking.empty() || !c.tool_calls.empty() ||
      !c.logprobs.empty()) {
    out.push_back(std::move(c));
  }
  return Status::Ok();
}

Status StreamDecoder::Finish(std::vector<chat::Chunk>&) {
  if (done_) return Status::Ok();
  return DataLoss("ollama stream: ended before the done object (truncated)");
}

Result<chat::Chunk> DecodeResponse(std::string_view body) {
  StreamDecoder decoder;
  std::vector<chat::Chunk> chunks;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    HEARTH_RETURN_IF_ERROR(decoder.Feed(body.substr(0, nl), chunks));
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
  }
  HEARTH_RETURN_IF_ERROR(decoder.Finish(chunks));
  chat::Chunk acc;
  for (auto& c : chunks) FoldChunk(acc, std::move(c));
  return acc;
}

Result<chat::EmbedResult> DecodeEmbedResponse(std::string_view body) {
  HEARTH_ASSIGN_OR_RETURN(OrderedJson j, ParseUpstreamJson(body, kProvider, "response"));
  if (!j.is_object()) return DataLoss("ollama response: not a JSON object");
  UpstreamReader rd(kProvider);
  chat::EmbedResult out;
  out.model = rd.String(j, "model");
  const OrderedJson* list = rd.Array(j, "embeddings");
  if (list == nullptr) rd.Fail("no embeddings");
  for (size_t i = 0; list != nullptr && i < list->size() && rd.ok(); ++i) {
    const OrderedJson& e = (*list)[i];
    if (!e.is_array()) {
      rd.Fail("embeddings[" + std::to_string(i) + "] must be an array");
      break;
    }
    std::vector<float> v;
    v.reserve(e.size());
    for (const auto& x : e) {
      if (!x.is_number()) {
        rd.Fail("embeddings[" + std::to_string(i) + "] holds a non-number");
        break;
      }
      v.push_back(static_cast<float>(x.get<double>()));
    }
    out.embeddings.push_back(std::move(v));
  }
  out.usage.prompt_tokens = Clamp32(rd.Int(j, "prompt_eval_count"));
  out.usage.total = Ns(rd, j, "total_duration");
  out.usage.load = Ns(rd, j, "load_duration");
  if (!rd.ok()) return rd.status();
  return out;
}

Status DecodeError(int http_status, std::string_view body, std::string_view retry_after_header) {
  const int64_t retry_ms = ParseRetryAfterMs(retry_after_header);
  const OrderedJson j = OrderedJson::parse(body, nullptr, /*allow_exceptions=*/false);
  std::string message(body);
  if (!j.is_discarded() && j.is_object()) {
    auto it = j.find("error");
    if (it != j.end() && it->is_string()) message = it->get<std::string>();
  }
  std::string kind;
  if (message.find("context length") != std::string::npos ||
      message.find("context window") != std::string::npos) {
    kind = "context_length";
  }
  return UpstreamError(kProvider, http_status, message, std::move(kind), retry_ms);
}

}  // namespace hearth::api::ollama
