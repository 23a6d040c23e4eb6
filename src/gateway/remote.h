#pragma once
// Remote deployments: one chat::Backend per model_list entry whose provider is not `local/`,
// speaking the provider's wire format (api/<dialect>/client.h) over net::AsyncClient.
//
//   openai/, hosted_vllm/  POST {api_base}/chat/completions (kChat), /completions (kGenerate),
//                          /embeddings; Authorization: Bearer. api_base defaults to
//                          https://api.openai.com/v1; any other api_base (vLLM, llama-server, LM
//                          Studio) also accepts llama.cpp's sampling options (top_k, min_p, ...).
//   anthropic/             POST {api_base}/v1/messages; x-api-key, anthropic-version
//                          (api_version, default 2023-06-01). No embeddings.
//   gemini/                POST {api_base}/v1beta/models/<m>:streamGenerateContent?alt=sse,
//                          :batchEmbedContents; x-goog-api-key.
//   ollama_chat/, ollama/  POST {api_base}/api/chat (kChat), /api/generate (kGenerate),
//                          /api/embed; default api_base http://127.0.0.1:11434. ollama/ differs
//                          from ollama_chat/ only in LiteLLM's prompt handling, which hearth does
//                          not need: both send chat requests to /api/chat.
//
// Generate always streams from the upstream (the server folds chunks for a non-streaming
// client). It blocks the calling thread until the first chunk is decoded (then returns OK; that
// chunk and every later one reach the sink on the client's I/O thread, the first possibly
// before Generate returns) or the attempt failed before any chunk (then it returns the error and
// nothing reached the sink): so the gateway can fail over before anything reaches the client.
// Errors: the provider's error body decoded into a Status with UpstreamFacts (HTTP status,
// Retry-After, kind); kUnavailable (refused, unresolvable, TLS), kDeadlineExceeded (first byte,
// stall, total), kDataLoss (wrong content type, malformed or truncated stream), kResourceExhausted
// (oversized). After the first chunk, a failure ends the stream with a done chunk whose
// done_reason is kError: a cut stream never ends as kStop. The sink returning false or
// request.cancel firing closes the upstream socket at once. The deployment's api key never
// appears in a message.
//
// Timeouts: stream_timeout (deployment, else router) bounds the time to the response head,
// timeout (deployment, else router) the whole exchange, hearth.stall_timeout the gap between
// body bytes. Thread-safe.

#include <memory>

#include "base/status.h"
#include "chat/backend.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "net/async_client.h"

namespace hearth::gateway {

struct RemoteOptions {
  net::AsyncClient* client = nullptr;  // outlives every backend made with these options
  HearthSettings settings;
  RouterSettings router;  // default timeout / stream_timeout for deployments without their own
};

// InvalidArgument for a local/ deployment or a missing client.
Result<std::shared_ptr<chat::Backend>> MakeRemoteBackend(const Deployment& d,
                                                         const RemoteOptions& o);
// For GatewayOptions.factory.
DeploymentFactory RemoteFactory(RemoteOptions o);

}  // namespace hearth::gateway
