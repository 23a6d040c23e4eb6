#pragma once
// The inference endpoints of `hearth serve`, served by a chat::Backend: Ollama's
// /api/generate, /api/chat, /api/embed, /api/embeddings, /api/ps; OpenAI's /v1/chat/completions,
// /v1/completions, /v1/embeddings, /v1/models[/{id}] (the id answered as the client wrote it),
// /v1/responses (stateless, typed SSE events); Anthropic's /v1/messages and
// /v1/messages/count_tokens (Backend::CountTokens). Wire JSON is converted by api/ (ollama,
// openai, anthropic); this layer only moves bytes:
//   - errors before any output get an HTTP status from the Status code (400 bad field, 404 unknown
//     model, 503 queue full, ...) and the dialect's error body ({"error":"..."} on /api, OpenAI's
//     error object on /v1, Anthropic's on /v1/messages);
//   - streams start at the first chunk (NDJSON on /api, SSE with [DONE] on /v1, SSE events on
//     /v1/messages); an error after that is the stream's final error frame;
//   - non-streamed answers are the chunks folded into one object;
//   - a client that disconnects fires the request's CancelToken (and the sink returns false).
// Thread-safe: handlers run on the server's worker threads, chunks arrive on backend threads.

#include <chrono>
#include <functional>

#include "chat/backend.h"
#include "http/route_table.h"
#include "store/store.h"

namespace hearth::server {

struct InferenceRoutesOptions {
  chat::Backend* backend = nullptr;  // not owned; must outlive the server. Required.
  store::Store* store = nullptr;  // not owned; /v1/models lists it (nullptr: only running models)
  // The clock for created_at / created (tests may pin it); default system_clock::now.
  std::function<std::chrono::system_clock::time_point()> now;
};

// Adds the routes listed above to `router`.
void AddInferenceRoutes(http::RouteTable& router, InferenceRoutesOptions options);

}  // namespace hearth::server
