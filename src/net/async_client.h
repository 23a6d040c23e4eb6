#pragma once
// AsyncClient: hearth's outbound HTTP/1.1 client (Boost.Asio/Beast + OpenSSL behind this header),
// used by the gateway to call cloud LLM APIs and other Ollama servers, streaming included.
//
// - http and https (system CA store or ClientOptions.ca_file; SNI; hostname verification;
//   TLS 1.2 or newer).
// - Keep-alive pools per upstream (scheme, host, port); a pooled connection that fails before
//   any response byte arrives is retried once on a fresh connection.
// - Proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY: https goes through an HTTP CONNECT tunnel,
//   plain http is sent to the proxy in absolute form.
// - Everything runs asynchronously on `io_threads` threads: a waiting or streaming request costs
//   no thread.
//
// Errors (ResponseHandler::OnDone / Fetch):
//   kInvalidArgument   bad URL, method or header (the message names it)
//   kUnavailable       DNS failure, connection refused, TLS failure (with the verify reason),
//                      proxy refused the tunnel, invalid response head, closed before a response.
//                      Reported at once: no retry loops here, the caller decides.
//   kDeadlineExceeded  a Timeouts limit ran out; the message names which and the limit
//   kResourceExhausted the body is longer than Request.max_response_bytes
//   kCancelled         Request.cancel fired, a handler returned false, or the client was destroyed
//   kDataLoss          the upstream closed the connection mid-response (short Content-Length,
//                      chunked body without its terminator) or sent an invalid body encoding
// A non-2xx HTTP status is not an error: OnHead sees it.
//
// Thread-safety: AsyncClient is thread-safe (Start/Fetch/stats from any thread).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/cancel.h"
#include "base/status.h"

namespace hearth::net {

// Every limit is "0 = none".
struct Timeouts {
  std::chrono::milliseconds connect{10000};  // DNS + TCP connect + proxy tunnel + TLS handshake
  std::chrono::milliseconds first_byte{0};   // from sending the request to the response head
  std::chrono::milliseconds stall{0};        // no body bytes for this long
  std::chrono::milliseconds total{0};        // the whole exchange
};

// Backpressure: lets a handler stop reading a response body (the upstream then blocks on TCP flow
// control) and resume later. Pause() takes effect before the next socket read: OnData calls for
// bytes already read may still arrive. While paused the stall timeout is suspended (connect,
// first byte and total still apply). Thread-safe; Pause/Resume from any thread, also inside
// OnData.
class FlowControl {
 public:
  void Pause();
  void Resume();
  bool paused() const;

  // For the client: parks `resume` (run once, by Resume) and returns true when paused, else
  // returns false without keeping it. Clear() drops a parked callback.
  bool Park(std::function<void()> resume);
  void Clear();

 private:
  mutable std::mutex mu_;
  bool paused_ = false;
  std::function<void()> resume_;
};

struct Request {
  std::string method = "POST";
  std::string url;  // http://host[:port]/path?query or https://...; IPv6 literals in brackets
  // Sent as given (no CR/LF allowed). Host and Content-Length are added unless present.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Timeouts timeouts;
  size_t max_response_bytes = 64u << 20;  // body bytes after de-chunking
  CancelTokenPtr cancel;                  // optional; firing it closes the socket at once
  std::shared_ptr<FlowControl> flow;      // optional: pause/resume reading the body
};

struct ResponseHead {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  // The first header named `name` (case-insensitive); "" if absent.
  std::string Header(std::string_view name) const;
};

// Receives one response. Calls arrive on the client's I/O thread(s), in order, never concurrently
// for one request. Handlers must not block (they hold an I/O thread).
class ResponseHandler {
 public:
  virtual ~ResponseHandler() = default;
  // The status line and headers. Return false to cancel (OnDone(kCancelled) follows).
  virtual bool OnHead(const ResponseHead& head) = 0;
  // Body bytes as they arrive (de-chunked). Return false to cancel.
  virtual bool OnData(std::string_view bytes) = 0;
  // Exactly once per Start(), last. OK = the complete body was received.
  virtual void OnDone(Status status) = 0;
};

struct ProxyConfig {
  std::string https_proxy;  // "http://[user:pass@]host:port" (scheme optional); "" = none
  std::string http_proxy;
  std::string no_proxy;  // comma list: "*", "host", ".domain" / "domain" (suffix), "host:port",
                         // IP literals ("[::1]" or "::1")
  // HTTPS_PROXY/https_proxy, HTTP_PROXY/http_proxy, NO_PROXY/no_proxy (lower case wins).
  static ProxyConfig FromEnv();
  // True when `host` (any case, IPv6 with or without brackets) must be reached directly.
  // `port` 0 = unknown: entries with a port then match on the host alone.
  bool Bypass(std::string_view host, uint16_t port = 0) const;
};

struct ClientOptions {
  int io_threads = 1;
  size_t max_idle_per_host = 32;
  std::chrono::seconds idle_timeout{90};  // idle pooled connections are closed after this
  std::string ca_file;                    // "" = the system CA store
  ProxyConfig proxy = ProxyConfig::FromEnv();
};

struct Response {
  ResponseHead head;
  std::string body;
};

struct ClientStats {
  size_t open_connections = 0;  // sockets open (idle and in use)
  size_t idle_connections = 0;  // of which pooled, waiting for reuse
  size_t in_flight = 0;         // Start()ed requests whose OnDone has not been called yet
};

class AsyncClient {
 public:
  // InvalidArgument for io_threads < 1 or an unreadable ca_file.
  static Result<std::unique_ptr<AsyncClient>> Create(ClientOptions options);
  // Cancels everything in flight (each handler gets OnDone(kCancelled)), closes every connection
  // and joins the I/O threads. Must not run on one of the client's I/O threads.
  ~AsyncClient();
  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  // Sends `request`; the response goes to `handler`. Never blocks; even a bad URL is reported
  // through handler->OnDone (on an I/O thread).
  void Start(Request request, std::shared_ptr<ResponseHandler> handler);
  // Blocking convenience: the whole response (any HTTP status) or the error. Not from an I/O
  // thread (FailedPrecondition).
  Result<Response> Fetch(Request request);
  ClientStats stats() const;

  class Impl;

 private:
  explicit AsyncClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::net
