#pragma once
// A small blocking HTTP/1.1 test server on 127.0.0.1 (port 0): one thread accepts, one thread per
// connection runs the test's handler. Plain or TLS (an SSL_CTX from test_tls.h). Test code only.

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hearth::net::testing {

struct HttpRequest {
  std::string method, target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One accepted connection; blocking I/O. Used only by its handler thread.
class Peer {
 public:
  Peer(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  // Reads one request (head + Content-Length body). False at EOF or on an error.
  bool ReadRequest(HttpRequest* out);
  bool Write(std::string_view bytes);
  // Waits until the client closes the connection (true) or `timeout` passes (false).
  bool WaitClosed(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }
  // Bytes read past the last request.
  std::string& buffered() { return buffered_; }

 private:
  // Reads some bytes into buffered_; false on EOF/error.
  bool Fill();
  int fd_;
  SSL* ssl_;
  std::string buffered_;
};

// "HTTP/1.1 <status> X\r\nContent-Length: N\r\n<extra>\r\n<body>".
std::string HttpResponse(int status, std::string_view body, std::string_view extra_headers = "");
// One chunk of a chunked body ("" gives the terminating chunk).
std::string Chunk(std::string_view data);

class TestServer {
 public:
  using Handler = std::function<void(Peer&)>;
  // Listens on 127.0.0.1:0. `tls` (not owned, must outlive the server): serve TLS.
  explicit TestServer(Handler handler, SSL_CTX* tls = nullptr, int backlog = 64);
  ~TestServer();  // closes every socket and joins every thread
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port><path>"
  std::string Url(std::string_view path) const;
  int accepted() const { return accepted_.load(); }

 private:
  void AcceptLoop();

  Handler handler_;
  SSL_CTX* tls_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::set<int> open_fds_;
  std::vector<std::thread> peers_;
};

// A handler that answers every request on the connection with `status` and `body`.
TestServer::Handler Answer(int status, std::string body);

// A loopback port with nothing listening on it.
uint16_t ClosedPort();

}  // namespace hearth::net::testing
