#pragma once
// The HTTP/1.1 server (Boost.Asio/Beast behind this header): a small fixed pool of I/O threads
// multiplexes every connection (idle keep-alive and long streams cost no thread), a worker pool
// runs handlers, which may block. Per connection: keep-alive and pipelining, a body size limit
// (413), 100-continue, a disconnect watch that fires the in-flight call's CancelToken as soon as
// the peer closes, and read/write timeouts. Security (CORS, Host allow-list, API keys) runs
// before routing and before any body is read.
// Thread-safe: Stop() may be called from any thread, once the server is running.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/route_table.h"

namespace hearth::http {

inline constexpr uint16_t kDefaultPort = 11434;

struct ServerOptions {
  std::string host = "127.0.0.1";  // IP literal or resolvable name; "0.0.0.0" = every interface
  uint16_t port = kDefaultPort;    // 0: any free port (see HttpServer::port())
  int io_threads = 2;
  int worker_threads = 8;
  size_t max_body_bytes = 64u << 20;  // default per-route request body limit (413 above)
  size_t max_header_bytes = 64u << 10;
  std::vector<std::string> origins;   // extra CORS origins (HEARTH_ORIGINS)
  std::vector<std::string> api_keys;  // empty: no key required
  std::chrono::seconds idle_timeout{300};  // keep-alive connection waiting for a request
  std::chrono::seconds read_timeout{60};   // no progress reading a request
  std::chrono::seconds write_timeout{60};  // no progress writing a response
  size_t max_stream_backlog = 16u << 20;   // unsent stream bytes before the client counts as gone
};

// Splits HEARTH_HOST as Ollama parses OLLAMA_HOST: an optional "http://" or "https://" scheme,
// "host[:port]" or "[v6][:port]", an optional "/path" ignored; empty host -> 127.0.0.1; missing
// port -> 11434 (80/443 when a scheme is given). InvalidArgument on a bad port.
Status ParseHostPort(std::string_view text, std::string* host, uint16_t* port);

// ServerOptions from the environment: HEARTH_HOST, HEARTH_ORIGINS (comma-separated),
// HEARTH_API_KEYS / HEARTH_API_KEYS_FILE.
Result<ServerOptions> ServerOptionsFromEnv();

class HttpServer {
 public:
  // Binds, listens and starts serving `router` on the I/O threads. An address in use is an
  // error naming it: "cannot listen on 127.0.0.1:11434: address already in use".
  static Result<std::unique_ptr<HttpServer>> Start(ServerOptions options, RouteTable router);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;           // the bound port (useful with port 0)
  std::string address() const;     // "127.0.0.1:<port>" ("[::1]:<port>" for IPv6)
  bool bound_to_loopback() const;
  // Closes the listener and every connection (in-flight calls' CancelTokens fire), waits for
  // running handlers to return, then stops the I/O threads. Idempotent.
  void Stop();
  // Number of open connections (for tests and metrics).
  size_t connection_count() const;

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::http
