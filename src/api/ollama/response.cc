// chat::Chunk / EmbedResult / RunningModel -> Ollama response JSON.
#include "api/common.h"
#include "api/ollama/ollama.h"

namespace hearth::api::ollama {
namespace {

OrderedJson ToolCallsJson(const std::vector<chat::ToolCall>& calls) {
  OrderedJson out = OrderedJson::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    OrderedJson call;
    if (!calls[i].id.empty()) call["id"] = calls[i].id;
    call["function"] = {{"index", i},
                        {"name", calls[i].name},
                        {"arguments", ArgumentsObject(calls[i].arguments_json)}};
    out.push_back(std::move(call));
  }
  return out;
}

OrderedJson LogprobJson(const chat::TokenLogprob& l, bool with_top) {
  OrderedJson j;
  j["token"] = l.token;
  j["logprob"] = l.logprob;
  OrderedJson bytes = OrderedJson::array();
  for (unsigned char c : l.token) bytes.push_back(static_cast<int>(c));
  j["bytes"] = std::move(bytes);
  if (with_top && !l.top.empty()) {
    OrderedJson top = OrderedJson::array();
    for (const auto& t : l.top) top.push_back(LogprobJson(t, false));
    j["top_logprobs"] = std::move(top);
  }
  return j;
}

// The fields after "response"/"message": done, done_reason, metrics, logprobs.
void AddTail(OrderedJson& j, const chat::Chunk& chunk, std::string_view done_reason) {
  j["done"] = chunk.done;
  if (chunk.done) {
    j["done_reason"] = done_reason.empty() ? std::string(chat::DoneReasonName(chunk.done_reason))
                                           : std::string(done_reason);
    // Only generate chunks carry it (the backend fills it for kGenerate without raw).
    if (!chunk.context.empty()) j["context"] = chunk.context;
    const chat::Usage& u = chunk.usage;
    if (u.total.count() != 0) j["total_duration"] = u.total.count();
    if (u.load.count() != 0) j["load_duration"] = u.load.count();
    if (u.prompt_tokens != 0) j["prompt_eval_count"] = u.prompt_tokens;
    if (u.prompt_eval.count() != 0) j["prompt_eval_duration"] = u.prompt_eval.count();
    if (u.completion_tokens != 0) j["eval_count"] = u.completion_tokens;
    if (u.eval.count() != 0) j["eval_duration"] = u.eval.count();
    if (chunk.truncated) {
      j["truncated"] = true;
      j["original_prompt_eval_count"] = chunk.original_prompt_tokens;
    }
  }
  if (!chunk.logprobs.empty()) {
    OrderedJson l = OrderedJson::array();
    for (const auto& lp : chunk.logprobs) l.push_back(LogprobJson(lp, true));
    j["logprobs"] = std::move(l);
  }
}

}  // namespace

std::string GenerateChunkJson(const chat::Chunk& chunk, std::string_view model,
                              std::string_view created_at, std::string_view done_reason) {
  OrderedJson j;
  j["model"] = std::string(model);
  j["created_at"] = std::string(created_at);
  j["response"] = chunk.content;
  if (!chunk.thinking.empty()) j["thinking"] = chunk.thinking;
  if (!chunk.tool_calls.empty()) j["tool_calls"] = ToolCallsJson(chunk.tool_calls);
  AddTail(j, chunk, done_reason);
  return Dump(j);
}

std::string ChatChunkJson(const chat::Chunk& chunk, std::string_view model,
                          std::string_view created_at, std::string_view done_reason) {
  OrderedJson j;
  j["model"] = std::string(model);
  j["created_at"] = std::string(created_at);
  OrderedJson message;
  message["role"] = "assistant";
  message["content"] = chunk.content;
  if (!chunk.thinking.empty()) message["thinking"] = chunk.thinking;
  if (!chunk.tool_calls.empty()) message["tool_calls"] = ToolCallsJson(chunk.tool_calls);
  j["message"] = std::move(message);
  AddTail(j, chunk, done_reason);
  return Dump(j);
}

std::string EmbedJson(const chat::EmbedResult& result, std::string_view model) {
  OrderedJson j;
  j["model"] = std::string(model);
  OrderedJson embeddings = OrderedJson::array();
  for (const auto& e : result.embeddings) embeddings.push_back(e);
  j["embeddings"] = std::move(embeddings);
  j["total_duration"] = result.usage.total.count();
  j["load_duration"] = result.usage.load.count();
  j["prompt_eval_count"] = result.usage.prompt_tokens;
  return Dump(j);
}

std::string EmbeddingsJson(const chat::EmbedResult& result) {
  OrderedJson j;
  OrderedJson e = OrderedJson::array();
  if (!result.embeddings.empty()) {
    for (float f : result.embeddings.front()) e.push_back(static_cast<double>(f));
  }
  j["embedding"] = std::move(e);
  return Dump(j);
}

std::string PsJson(
    const std::vector<chat::RunningModel>& models,
    const std::function<std::string(std::chrono::system_clock::time_point)>& format_time) {
  OrderedJson list = OrderedJson::array();
  for (const auto& m : models) {
    OrderedJson j;
    j["name"] = m.name;
    j["model"] = m.name;
    j["size"] = m.size;
    j["digest"] = m.digest;
    OrderedJson details;
    details["parent_model"] = "";
    details["format"] = m.format;
    details["family"] = m.family;
    details["families"] = m.families.empty() ? OrderedJson(nullptr) : OrderedJson(m.families);
    details["parameter_size"] = m.parameter_size;
    details["quantization_level"] = m.quantization_level;
    j["details"] = std::move(details);
    j["expires_at"] = format_time(m.expires_at);
    j["size_vram"] = m.size_vram;
    j["context_length"] = m.context_length;
    list.push_back(std::move(j));
  }
  OrderedJson out;
  out["models"] = std::move(list);
  return Dump(out);
}

}  // namespace hearth::api::ollama
