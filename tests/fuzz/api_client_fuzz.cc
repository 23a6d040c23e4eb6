// libFuzzer target for the client-side codecs (hearth calling upstream LLM APIs): any bytes as a
// response body, as stream payloads (split at newlines, fed one by one, then Finish) and as an
// error body with a Retry-After header, through every dialect's decoders; and any request the
// server-side parsers accept, encoded for every upstream dialect. Errors are fine; crashes,
// exceptions, hangs and unbounded allocation are not.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "api/anthropic/anthropic.h"
#include "api/anthropic/client.h"
#include "api/gemini/client.h"
#include "api/ollama/client.h"
#include "api/ollama/ollama.h"
#include "api/openai/client.h"
#include "api/openai/openai.h"

namespace {

using namespace hearth;

void EncodeAll(const chat::Request& r) {
  for (bool stream : {false, true}) {
    const api::ClientOptions o{r.model, stream, stream};
    (void)api::openai::EncodeChatRequest(r, o);
    (void)api::openai::EncodeCompletionRequest(r, o);
    (void)api::anthropic::EncodeMessagesRequest(r, o);
    (void)api::gemini::EncodeGenerateContentRequest(r, o);
    (void)api::ollama::EncodeChatRequest(r, o);
    (void)api::ollama::EncodeGenerateRequest(r, o);
  }
}

void EncodeEmbed(const chat::EmbedRequest& r) {
  const api::ClientOptions o{r.model, false, false};
  (void)api::openai::EncodeEmbeddingsRequest(r, o);
  (void)api::gemini::EncodeBatchEmbedRequest(r, o);
  (void)api::ollama::EncodeEmbedRequest(r, o);
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // Whole bodies.
  (void)api::openai::DecodeChatResponse(text);
  (void)api::openai::DecodeCompletionResponse(text);
  (void)api::openai::DecodeEmbeddingsResponse(text);
  (void)api::anthropic::DecodeMessagesResponse(text);
  (void)api::gemini::DecodeGenerateContentResponse(text);
  (void)api::gemini::DecodeEmbedResponse(text);
  (void)api::ollama::DecodeResponse(text);
  (void)api::ollama::DecodeEmbedResponse(text);

  // Error bodies: the first byte picks the HTTP status, the first line is also a Retry-After.
  const int status = size == 0 ? 500 : 400 + data[0] % 200;
  const std::vector<std::string_view> lines = Lines(text);
  const std::string_view retry = lines.empty() ? std::string_view() : lines[0];
  (void)api::openai::DecodeError(status, text, retry);
  (void)api::anthropic::DecodeError(status, text, retry);
  (void)api::gemini::DecodeError(status, text, retry);
  (void)api::ollama::DecodeError(status, text, retry);

  // Streams: each line one SSE data payload / NDJSON line. Anthropic lines may carry
  // "event\tdata".
  std::vector<chat::Chunk> out;
  api::openai::ChatStreamDecoder chat;
  api::openai::ChatStreamDecoder completion(api::openai::ChatStreamDecoder::Endpoint::kCompletion);
  api::anthropic::MessageStreamDecoder messages;
  api::gemini::StreamDecoder gemini;
  api::ollama::StreamDecoder ollama;
  for (std::string_view line : lines) {
    (void)chat.Feed(line, out);
    (void)completion.Feed(line, out);
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) {
      (void)messages.Feed("", line, out);
    } else {
      (void)messages.Feed(line.substr(0, tab), line.substr(tab + 1), out);
    }
    (void)gemini.Feed(line, out);
    (void)ollama.Feed(line, out);
    if (out.size() > 4096) out.clear();
  }
  (void)chat.Finish(out);
  (void)completion.Finish(out);
  (void)messages.Finish(out);
  (void)gemini.Finish(out);
  (void)ollama.Finish(out);

  // Requests the server-side parsers accept, encoded for every upstream.
  const api::Json j = api::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) {
    if (auto r = api::ollama::ParseGenerate(j); r.ok()) EncodeAll(r->request);
    if (auto r = api::ollama::ParseChat(j); r.ok()) EncodeAll(r->request);
    if (auto r = api::ollama::ParseEmbed(j); r.ok()) EncodeEmbed(*r);
    if (auto r = api::openai::ParseChatCompletion(j); r.ok()) EncodeAll(r->request);
    if (auto r = api::openai::ParseCompletion(j); r.ok()) EncodeAll(r->request);
    if (auto r = api::openai::ParseEmbeddings(j); r.ok()) EncodeEmbed(r->request);
    if (auto r = api::anthropic::ParseMessages(j); r.ok()) EncodeAll(r->request);
  }
  return 0;
}
