// Ollama's inference endpoints: /api/generate, /api/chat, /api/embed, /api/embeddings, /api/ps.
#include "api/fields.h"
#include "api/ollama/ollama.h"
#include "server/inference_context.h"
#include "server/inference_run.h"
#include "server/model_facts.h"

namespace hearth::server {
namespace {

namespace ollama = api::ollama;

// Parses the body of `call` with `parse`, answering a 400 on failure.
template <class Parse>
auto ParseBody(const http::CallPtr& call, Parse parse)
    -> decltype(parse(std::declval<const api::Json&>())) {
  auto body = api::ParseRequestBody(call->request().body);
  if (!body.ok()) return body.status();
  return parse(*body);
}

// An empty prompt / no messages: load (or with keep_alive 0 unload) and answer one JSON object
// with done_reason "load" / "unload", streamed or not, as Ollama does.
void LoadOnly(const InferenceContextPtr& ctx, const http::CallPtr& call, chat::Request request,
              bool chat) {
  const std::string model = request.model;
  const std::string reason = ollama::LoadDoneReason(request);
  GenerateWriters w;
  w.folded = [ctx, model, reason, chat](const chat::Chunk& done) {
    chat::Chunk c;
    c.done = true;
    c.done_reason = done.done_reason;
    return http::Response::Json(200, chat
                                   ? ollama::ChatChunkJson(c, model, ctx->CreatedAt(), reason)
                                   : ollama::GenerateChunkJson(c, model, ctx->CreatedAt(), reason));
  };
  w.error = [path = call->request().path](const Status& s) { return http::ErrorResponse(path, s); };
  RunGenerate(ctx->backend(), call, std::move(request), /*stream=*/false, std::move(w));
}

void Generate(const InferenceContextPtr& ctx, const http::CallPtr& call, bool chat) {
  auto parsed = ParseBody(call, chat ? ollama::ParseChat : ollama::ParseGenerate);
  if (!parsed.ok()) {
    call->RespondStatus(parsed.status());
    return;
  }
  if (ollama::IsLoadOnly(parsed->request)) {
    LoadOnly(ctx, call, std::move(parsed->request), chat);
    return;
  }
  const std::string model = parsed->request.model;
  auto encode = [ctx, model, chat](const chat::Chunk& c) {
    return chat ? ollama::ChatChunkJson(c, model, ctx->CreatedAt())
                : ollama::GenerateChunkJson(c, model, ctx->CreatedAt());
  };
  GenerateWriters w;
  w.format = http::StreamFormat::kNdjson;
  w.chunk = [encode](http::StreamWriter& writer, const chat::Chunk& c) { return writer.Send(encode(c)); };
  w.folded = [encode](const chat::Chunk& folded) { return http::Response::Json(200, encode(folded)); };
  w.error = [path = call->request().path](const Status& s) { return http::ErrorResponse(path, s); };
  RunGenerate(ctx->backend(), call, std::move(parsed->request), parsed->stream, std::move(w));
}

void Embed(const InferenceContextPtr& ctx, const http::CallPtr& call, bool legacy) {
  auto parsed = ParseBody(call, legacy ? ollama::ParseEmbeddings : ollama::ParseEmbed);
  if (!parsed.ok()) {
    call->RespondStatus(parsed.status());
    return;
  }
  const std::string model = parsed->model;
  chat::EmbedResult result;
  if (parsed->inputs.empty() && ctx->store() != nullptr) {
    // Nothing to embed: answer empty, but an unknown model is still a 404 (as Ollama).
    auto name = store::ModelName::Parse(model);
    if (!name.ok()) {
      call->RespondStatus(name.status());
      return;
    }
    if (auto resolved = ctx->store()->Resolve(*name); !resolved.ok()) {
      call->RespondStatus(resolved.status());
      return;
    }
  }
  if (!parsed->inputs.empty()) {
    parsed->cancel = call->cancel();
    auto r = ctx->backend()->Embed(std::move(*parsed));
    if (!r.ok()) {
      call->RespondStatus(r.status());
      return;
    }
    result = std::move(*r);
  }
  call->Respond(http::Response::Json(
      200, legacy ? ollama::EmbeddingsJson(result) : ollama::EmbedJson(result, model)));
}

}  // namespace

void AddOllamaInferenceRoutes(http::RouteTable& router, const InferenceContextPtr& ctx) {
  router.Add("POST", "/api/generate", [ctx](const http::CallPtr& c) { Generate(ctx, c, false); });
  router.Add("POST", "/api/chat", [ctx](const http::CallPtr& c) { Generate(ctx, c, true); });
  router.Add("POST", "/api/embed", [ctx](const http::CallPtr& c) { Embed(ctx, c, false); });
  router.Add("POST", "/api/embeddings", [ctx](const http::CallPtr& c) { Embed(ctx, c, true); });
  router.Add("GET", "/api/ps", [ctx](const http::CallPtr& c) {
    c->Respond(http::Response::Json(200, ollama::PsJson(ctx->backend()->Running(), FormatTime)));
  });
}

}  // namespace hearth::server
