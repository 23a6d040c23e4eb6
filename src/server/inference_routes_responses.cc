// OpenAI's Responses endpoint: POST /v1/responses (stateless; see api/openai/responses.h).
#include "api/fields.h"
#include "api/openai/openai.h"
#include "api/openai/responses.h"
#include "server/inference_context.h"
#include "server/inference_run.h"

namespace hearth::server {
namespace {

namespace openai = api::openai;

http::Response OpenAIError(const Status& status) {
  const int http = http::HttpStatusFor(status.code());
  return http::Response::Json(http, openai::ErrorJson(http, status.message()));
}

bool SendAll(http::StreamWriter& writer, const std::vector<openai::ResponsesEvent>& events) {
  bool ok = true;
  for (const auto& e : events) ok = writer.SendEvent(e.type, e.data) && ok;
  return ok;
}

void Responses(const InferenceContextPtr& ctx, const http::CallPtr& call) {
  auto body = api::ParseRequestBody(call->request().body);
  if (!body.ok()) {
    call->Respond(OpenAIError(body.status()));
    return;
  }
  auto parsed = openai::ParseResponses(*body);
  if (!parsed.ok()) {
    call->Respond(OpenAIError(parsed.status()));
    return;
  }
  const openai::ResponsesMeta meta{ctx->NewId("resp_"), ctx->UnixNow(), parsed->request.model};
  auto encoder = std::make_shared<openai::ResponsesStream>(meta, parsed->echo);
  GenerateWriters w;
  w.format = http::StreamFormat::kSseEvents;
  w.error = OpenAIError;
  w.chunk = [ctx, encoder](http::StreamWriter& writer, const chat::Chunk& c) {
    return SendAll(writer, encoder->Encode(c, ctx->UnixNow()));
  };
  w.folded = [ctx, meta, echo = parsed->echo](const chat::Chunk& f) {
    return http::Response::Json(200, openai::ResponseJson(meta, echo, f, ctx->UnixNow()));
  };
  w.stream_error = [encoder](http::StreamWriter& writer, const Status& s) {
    SendAll(writer, encoder->Fail(s));
  };
  RunGenerate(ctx->backend(), call, std::move(parsed->request), parsed->stream, std::move(w));
}

}  // namespace

void AddResponsesRoutes(http::RouteTable& router, const InferenceContextPtr& ctx) {
  router.Add("POST", "/v1/responses", [ctx](const http::CallPtr& c) { Responses(ctx, c); });
}

}  // namespace hearth::server
