// Anthropic's Messages endpoint: POST /v1/messages.
#include "api/anthropic/anthropic.h"
#include "server/inference_context.h"
#include "server/inference_run.h"
#include "server/json_body.h"

namespace hearth::server {
namespace {

namespace anthropic = api::anthropic;

http::Response AnthropicError(const Status& status) {
  const int http = http::HttpStatusFor(status.code());
  return http::Response::Json(http, anthropic::ErrorJson(http, status.message()));
}

void Messages(const InferenceContextPtr& ctx, const http::CallPtr& call) {
  auto body = JsonBody::Parse(call->request().body);
  if (!body.ok()) {
    call->Respond(AnthropicError(body.status()));
    return;
  }
  auto parsed = anthropic::ParseMessages(body->json());
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

}  // namespace

void AddAnthropicRoutes(http::RouteTable& router, const InferenceContextPtr& ctx) {
  router.Add("POST", "/v1/messages", [ctx](const http::CallPtr& c) { Messages(ctx, c); });
}

}  // namespace hearth::server
