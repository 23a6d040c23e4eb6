#include "http/call.h"

#include <future>

#include "base/check.h"

namespace hearth::http {

Call::Call(Request request, std::weak_ptr<internal::Responder> responder, CancelTokenPtr cancel)
    : request_(std::move(request)), responder_(std::move(responder)), cancel_(std::move(cancel)) {
  if (!cancel_) cancel_ = std::make_shared<CancelToken>();
}

Call::~Call() {
  if (answered_.load()) return;
  if (!cancel_->IsCancelled()) HEARTH_BUG("HTTP handler dropped its call without an answer");
  RespondError(500, "internal error: the handler returned no response");
}

bool Call::Claim() { return !answered_.exchange(true); }

bool Call::Respond(Response response) {
  if (!Claim()) return false;
  std::shared_ptr<internal::Responder> r = responder_.lock();
  if (!r) return false;
  r->Deliver(std::move(response));
  return true;
}

bool Call::RespondError(int http_status, std::string_view message) {
  return Respond(ErrorResponse(request_.path, http_status, message));
}

bool Call::RespondStatus(const Status& status) {
  return Respond(ErrorResponse(request_.path, status));
}

StreamWriterPtr Call::StartStream(StreamFormat format, int status,
                                  std::vector<std::pair<std::string, std::string>> headers) {
  if (!Claim()) return nullptr;
  std::shared_ptr<internal::Responder> r = responder_.lock();
  if (!r) {
    // The client is gone: hand back a writer that refuses every send.
    class Closed : public StreamWriter {
     public:
      bool Send(std::string_view) override { return false; }
      bool SendEvent(std::string_view, std::string_view) override { return false; }
      void Finish() override {}
      void Fail(std::string_view) override {}
      bool IsOpen() const override { return false; }
    };
    return std::make_shared<Closed>();
  }
  return r->OpenStream(format, status, std::move(headers));
}

Result<size_t> Call::ReadBody(char* buffer, size_t size) {
  std::shared_ptr<internal::Responder> r = responder_.lock();
  if (!r) return Cancelled("client disconnected");
  if (size == 0) return size_t{0};
  // The promise is fulfilled exactly once: by the transport's callback, or with an error when
  // the callback is destroyed unrun (the server stopped).
  struct Wait {
    std::promise<Result<size_t>> promise;
    std::atomic<bool> set{false};
    void Set(Result<size_t> v) {
      if (!set.exchange(true)) promise.set_value(std::move(v));
    }
    ~Wait() { Set(Cancelled("server stopped")); }
  };
  auto wait = std::make_shared<Wait>();
  std::future<Result<size_t>> future = wait->promise.get_future();
  r->ReadBody(buffer, size, [wait](Result<size_t> v) { wait->Set(std::move(v)); });
  r.reset();
  wait.reset();
  return future.get();
}

}  // namespace hearth::http
