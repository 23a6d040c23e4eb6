// OpenAI's endpoints: /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models[/{id}].
#include <algorithm>

#include "api/fields.h"
#include "api/openai/openai.h"
#include "server/inference_context.h"
#include "server/inference_run.h"

namespace hearth::server {
namespace {

namespace openai = api::openai;

http::Response OpenAIError(const Status& status) {
  const int http = http::HttpStatusFor(status.code());
  return http::Response::Json(http, openai::ErrorJson(http, status.message()));
}

template <class Parse>
auto ParseBody(const http::CallPtr& call, Parse parse)
    -> decltype(parse(std::declval<const api::Json&>())) {
  auto body = api::ParseRequestBody(call->request().body);
  if (!body.ok()) return body.status();
  return parse(*body);
}

// Chat (`chat`) or legacy text completions.
void Complete(const InferenceContextPtr& ctx, const http::CallPtr& call, bool chat) {
  auto parsed = ParseBody(call, chat ? openai::ParseChatCompletion : openai::ParseCompletion);
  if (!parsed.ok()) {
    call->Respond(OpenAIError(parsed.status()));
    return;
  }
  openai::ResponseMeta meta{ctx->NewId(chat ? "chatcmpl-" : "cmpl-"), ctx->UnixNow(),
                            parsed->request.model};
  GenerateWriters w;
  w.format = http::StreamFormat::kSse;
  w.error = OpenAIError;
  if (chat) {
    auto encoder = std::make_shared<openai::ChatStream>(meta, parsed->include_usage);
    w.chunk = [encoder](http::StreamWriter& writer, const chat::Chunk& c) {
      bool ok = true;
      for (const auto& payload : encoder->Encode(c)) ok = writer.Send(payload) && ok;
      return ok;
    };
    w.folded = [meta](const chat::Chunk& f) {
      return http::Response::Json(200, openai::ChatCompletionJson(meta, f));
    };
  } else {
    auto encoder = std::make_shared<openai::CompletionStream>(meta, parsed->include_usage);
    w.chunk = [encoder](http::StreamWriter& writer, const chat::Chunk& c) {
      bool ok = true;
      for (const auto& payload : encoder->Encode(c)) ok = writer.Send(payload) && ok;
      return ok;
    };
    w.folded = [meta](const chat::Chunk& f) {
      return http::Response::Json(200, openai::CompletionJson(meta, f));
    };
  }
  RunGenerate(ctx->backend(), call, std::move(parsed->request), parsed->stream, std::move(w));
}

void Embeddings(const InferenceContextPtr& ctx, const http::CallPtr& call) {
  auto parsed = ParseBody(call, openai::ParseEmbeddings);
  if (!parsed.ok()) {
    call->Respond(OpenAIError(parsed.status()));
    return;
  }
  const std::string model = parsed->request.model;
  parsed->request.cancel = call->cancel();
  auto result = ctx->backend()->Embed(std::move(parsed->request));
  if (!result.ok()) {
    call->Respond(OpenAIError(result.status()));
    return;
  }
  call->Respond(http::Response::Json(200, openai::EmbeddingsJson(*result, model, parsed->base64)));
}

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Local models from the store, else the running ones.
std::vector<openai::ModelEntry> ListModels(const InferenceContext& ctx) {
  std::vector<openai::ModelEntry> out;
  if (ctx.store() != nullptr) {
    for (const auto& m : ctx.store()->List()) {
      out.push_back({m.name.Display(), UnixSeconds(m.modified), m.name.ns});
    }
    return out;
  }
  for (const auto& m : ctx.backend()->Running()) {
    out.push_back({m.name, ctx.UnixNow(), store::kDefaultNamespace});
  }
  return out;
}

void Model(const InferenceContextPtr& ctx, const http::CallPtr& call) {
  std::string id = call->Param("ns");
  if (!call->Param("host").empty()) id = call->Param("host") + "/" + id;
  if (!id.empty()) id += "/";
  id += call->Param("model");
  for (auto& m : ListModels(*ctx)) {
    if (m.id == id || m.id == id + ":latest") {
      m.id = id;  // as Ollama: the name the client asked for ("m", not "m:latest")
      call->Respond(http::Response::Json(200, openai::ModelJson(m)));
      return;
    }
  }
  call->Respond(OpenAIError(NotFound("model \"" + id + "\" not found")));
}

}  // namespace

void AddOpenAIRoutes(http::RouteTable& router, const InferenceContextPtr& ctx) {
  router.Add("POST", "/v1/chat/completions", [ctx](const http::CallPtr& c) { Complete(ctx, c, true); });
  router.Add("POST", "/v1/completions", [ctx](const http::CallPtr& c) { Complete(ctx, c, false); });
  router.Add("POST", "/v1/embeddings", [ctx](const http::CallPtr& c) { Embeddings(ctx, c); });
  router.Add("GET", "/v1/models", [ctx](const http::CallPtr& c) {
    c->Respond(http::Response::Json(200, openai::ModelsJson(ListModels(*ctx))));
  });
  // Model ids may hold a namespace and a host: "m:tag", "ns/m:tag", "host/ns/m:tag".
  auto model = [ctx](const http::CallPtr& c) { Model(ctx, c); };
  router.Add("GET", "/v1/models/:model", model);
  router.Add("GET", "/v1/models/:ns/:model", model);
  router.Add("GET", "/v1/models/:host/:ns/:model", model);
}

}  // namespace hearth::server
