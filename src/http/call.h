#pragma once
// One request in flight, as a handler sees it: the request, a CancelToken that fires when the
// client disconnects, and exactly one way to answer (a complete Response or a stream).
//
// Handlers run on the server's worker pool and may block there (store I/O); they may also keep
// the CallPtr and answer later from any thread (an engine callback, say). A Call dropped without
// an answer answers 500 itself, so a request never hangs. Thread-safe.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/cancel.h"
#include "base/status.h"
#include "http/http.h"

namespace hearth::http {

// How StreamWriter frames each message.
enum class StreamFormat {
  kNdjson,     // application/x-ndjson: payload + "\n"; error frame {"error":"..."}
  kSse,        // text/event-stream (OpenAI): "data: <payload>\n\n"; ends with "data: [DONE]\n\n"
  kSseEvents,  // text/event-stream (Anthropic): "event: <name>\ndata: <payload>\n\n"; no [DONE]
  kRaw,        // application/octet-stream: bytes as given
};

// The body of a chunked streaming response. Each Send is written (and flushed) as soon as the
// connection can take it, never waiting for later sends. Thread-safe; Send never blocks, so an
// engine callback may call it.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Frames and queues one message. Returns false once the client has disconnected or stopped
  // reading (more than the transport's queue limit is pending); later sends are dropped.
  virtual bool Send(std::string_view payload) = 0;
  // kSseEvents: "event: <event>\ndata: <payload>\n\n"; other formats frame `payload` as Send.
  virtual bool SendEvent(std::string_view event, std::string_view payload) = 0;
  // Ends the stream (kSse: after "data: [DONE]"). Idempotent; the destructor calls it.
  virtual void Finish() = 0;
  // Sends the format's error frame carrying `message`, then Finish().
  virtual void Fail(std::string_view message) = 0;
  // False once the client is gone.
  virtual bool IsOpen() const = 0;
};
using StreamWriterPtr = std::shared_ptr<StreamWriter>;

namespace internal {
// Implemented by the transport's connection; a Call holds it weakly.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void Deliver(Response response) = 0;
  virtual StreamWriterPtr OpenStream(StreamFormat format, int status,
                                     std::vector<std::pair<std::string, std::string>> headers) = 0;
  // Reads up to `size` body bytes into `buffer`; `done` receives the count (0 at the end).
  virtual void ReadBody(char* buffer, size_t size, std::function<void(Result<size_t>)> done) = 0;
};
}  // namespace internal

class Call {
 public:
  Call(Request request, std::weak_ptr<internal::Responder> responder, CancelTokenPtr cancel);
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  const Request& request() const { return request_; }
  const std::string& Param(std::string_view name) const { return request_.Param(name); }
  // Fires when the client disconnects (or the server stops) before the answer is complete.
  const CancelTokenPtr& cancel() const { return cancel_; }

  // Answers with `response`. Only the first answer counts; returns false for later ones.
  bool Respond(Response response);
  // Answers with the path's JSON error shape (see ErrorBody).
  bool RespondError(int http_status, std::string_view message);
  // Answers with HttpStatusFor(status.code()) and status.message().
  bool RespondStatus(const Status& status);
  // Answers with a chunked stream of `format` (Content-Type chosen by the format); nullptr when
  // the call was already answered.
  StreamWriterPtr StartStream(StreamFormat format, int status = 200,
                              std::vector<std::pair<std::string, std::string>> headers = {});
  bool answered() const { return answered_.load(); }

  // Routes registered with RouteOptions::stream_body only: reads up to `size` bytes of the
  // request body, blocking the calling (worker) thread. Returns 0 at the end of the body; an
  // error when the client disconnects, stalls past the read timeout, or the body is malformed.
  Result<size_t> ReadBody(char* buffer, size_t size);

 private:
  bool Claim();

  Request request_;
  std::weak_ptr<internal::Responder> responder_;
  CancelTokenPtr cancel_;
  std::atomic<bool> answered_{false};
};
using CallPtr = std::shared_ptr<Call>;

// A route's handler. Runs on a worker thread; must answer through the Call (now or later).
using Handler = std::function<void(const CallPtr& call)>;

}  // namespace hearth::http
