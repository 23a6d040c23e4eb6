// Anthropic's Messages endpoints: POST /v1/messages and /v1/messages/count_tokens.
#include "api/anthropic/anthropic.h"
#include "api/fields.h"
#include "server/inference_context.h"
#include "server/inference_run.h"

namespace hearth::server {
namespace {

namespace anthropic = api::anthropic;

http::Response AnthropicError(const Status& status) {
  const int http = http::HttpStatusFor(status.code());
  return http::Response::Json(http, anthropic::ErrorJson(http, status.message()));
}

void Messages(const InferenceContextPtr& ctx, const http::CallPtr& call) {
  auto body = api::ParseRequestBody(call->request().body);
  if (!body.ok()) {
    call->Respond(AnthropicError(body.status()));
    return;
  }
  auto parsed = anthropic::ParseMessages(*body);
  if (!parsed.ok()) {
    call->Respond(AnthropicError(parsed.status()));
    return;
  }
  const std::string id = ctx->NewId("msg_");
  const std::string model = parsed->request.model;
  auto encoder = std::make_shared<anthropic::MessageStream>(id, model);
  GenerateWriters w;
  w.format = http::StreamFormat::kSseEvents;
  w.error = AnthropicError;
  w.chunk = [encoder](http::StreamWriter& writer, const chat::Chunk& c) {
    bool ok = true;
    for (const auto& e : encoder->Encode(c)) ok = writer.SendEvent(e.name, e.data) && ok;
    return ok;
  };
  w.folded = [id, model](const chat::Chunk& f) {
    return http::Response::Json(200, anthropic::MessageJson(id, model, f));
  };
  w.stream_error = [](http::StreamWriter& writer, const Status& s) {
    writer.SendEvent("error", anthropic::ErrorJson(http::HttpStatusFor(s.code()), s.message()));
  };
  RunGenerate(ctx->backend(), call, std::move(parsed->request), parsed->stream, std::move(w));
}

// Counts the prompt's tokens through the backend (which renders it as /v1/messages would).
void CountTokens(const InferenceContextPtr& ctx, const http::CallPtr& call) {
  auto body = api::ParseRequestBody(call->request().body);
  if (!body.ok()) {
    call->Respond(AnthropicError(body.status()));
    return;
  }
  auto request = anthropic::ParseCountTokens(*body);
  if (!request.ok()) {
    call->Respond(AnthropicError(request.status()));
    return;
  }
  request->cancel = call->cancel();
  auto count = ctx->backend()->CountTokens(std::move(*request));
  if (!count.ok()) {
    call->Respond(AnthropicError(count.status()));
    return;
  }
  call->Respond(http::Response::Json(200, anthropic::CountTokensJson(*count)));
}

}  // namespace

void AddAnthropicRoutes(http::RouteTable& router, const InferenceContextPtr& ctx) {
  router.Add("POST", "/v1/messages", [ctx](const http::CallPtr& c) { Messages(ctx, c); });
  router.Add("POST", "/v1/messages/count_tokens",
             [ctx](const http::CallPtr& c) { CountTokens(ctx, c); });
}

}  // namespace hearth::server
