// libFuzzer target: any bytes as a request body of every inference endpoint (Ollama, OpenAI,
// Anthropic), parsed strictly, and every parsed request's fields fed back through the response
// encoders. Errors are fine; crashes, exceptions, hangs and unbounded allocation are not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/anthropic/anthropic.h"
#include "api/common.h"
#include "api/ollama/ollama.h"
#include "api/openai/openai.h"
#include "api/openai/responses.h"

namespace {

using namespace hearth;

// A chunk built from parsed input, so the encoders see hostile strings too.
chat::Chunk ChunkFrom(const chat::Request& r) {
  chat::Chunk c;
  c.content = r.prompt;
  c.thinking = r.system;
  for (const auto& m : r.messages) {
    c.content += m.content;
    for (const auto& t : m.tool_calls) c.tool_calls.push_back(t);
  }
  c.logprobs.push_back({r.suffix, -1.0, {{r.model, -2.0, {}}}});
  return c;
}

void Encode(const chat::Request& r) {
  chat::Chunk c = ChunkFrom(r);
  (void)api::ollama::GenerateChunkJson(c, r.model, "t");
  (void)api::ollama::ChatChunkJson(c, r.model, "t");
  api::openai::ChatStream chat({"id", 1, r.model}, true);
  (void)chat.Encode(c);
  api::openai::CompletionStream completion({"id", 1, r.model}, true);
  (void)completion.Encode(c);
  api::anthropic::MessageStream messages("id", r.model);
  (void)messages.Encode(c);
  c.done = true;
  (void)chat.Encode(c);
  (void)messages.Encode(c);
  (void)api::openai::ChatCompletionJson({"id", 1, r.model}, c);
  (void)api::anthropic::MessageJson("id", r.model, c);
  c.context = r.context;
  (void)api::ollama::GenerateChunkJson(c, r.model, "t");
}

void EncodeResponses(const api::openai::ParsedResponses& p) {
  chat::Chunk c = ChunkFrom(p.request);
  const api::openai::ResponsesMeta meta{"resp_x", 1, p.request.model};
  api::openai::ResponsesStream stream(meta, p.echo);
  (void)stream.Encode(c, 2);
  c.done = true;
  (void)stream.Encode(c, 2);
  (void)api::openai::ResponseJson(meta, p.echo, c, 2);
  api::openai::ResponsesStream failing(meta, p.echo);
  (void)failing.Encode(c, 2);
  (void)failing.Fail(Internal(p.request.model));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const api::Json j = api::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  if (auto r = api::ollama::ParseGenerate(j); r.ok()) Encode(r->request);
  if (auto r = api::ollama::ParseChat(j); r.ok()) Encode(r->request);
  (void)api::ollama::ParseEmbed(j);
  (void)api::ollama::ParseEmbeddings(j);
  if (auto r = api::openai::ParseChatCompletion(j); r.ok()) Encode(r->request);
  if (auto r = api::openai::ParseCompletion(j); r.ok()) Encode(r->request);
  (void)api::openai::ParseEmbeddings(j);
  if (auto r = api::anthropic::ParseMessages(j); r.ok()) Encode(r->request);
  if (auto r = api::anthropic::ParseCountTokens(j); r.ok()) Encode(*r);
  if (auto r = api::openai::ParseResponses(j); r.ok()) {
    Encode(r->request);
    EncodeResponses(*r);
  }
  (void)api::openai::ErrorJson(400, text);
  (void)api::anthropic::ErrorJson(400, text);
  return 0;
}
