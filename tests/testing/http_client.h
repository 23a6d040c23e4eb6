#pragma once
// A tiny blocking HTTP/1.1 client over loopback for the server tests: raw bytes out, responses
// parsed by hand so that framing (chunks, Content-Length, Connection) is visible to assertions.
// Every read is bounded by a generous guard so that a server bug fails a test instead of
// hanging it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hearth::testing {

inline constexpr int kGuardMs = 30000;

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::vector<std::string> chunks;  // chunked bodies: each chunk as received
  bool chunked = false;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int one = 1;
    if (fd_ >= 0) setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~Client() { Close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Closes with a reset (SO_LINGER 0), as a killed client does.
  void Abort() {
    linger l{1, 0};
    if (fd_ >= 0) setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    Close();
  }

  bool Send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Sends a request with Host 127.0.0.1 unless `headers` has one.
  bool SendRequest(const std::string& method, const std::string& target,
                   const std::string& body = "", const std::string& headers = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\n";
    if (headers.find("Host:") == std::string::npos) req += "Host: 127.0.0.1\r\n";
    req += headers;
    if (!body.empty() || method == "POST" || method == "PUT") {
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    return Send(req);
  }

  // Reads one response (HEAD: headers only). nullopt on timeout, close or malformed input.
  std::optional<HttpResponse> ReadResponse(bool head = false) {
    HttpResponse r;
    std::string line;
    if (!ReadLine(&line)) return std::nullopt;
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return std::nullopt;
    r.status = std::stoi(line.substr(9, 3));
    r.reason = line.size() > 13 ? line.substr(13) : "";
    while (true) {
      if (!ReadLine(&line)) return std::nullopt;
      if (line.empty()) break;
      const size_t colon = line.find(':');
      if (colon == std::string::npos) return std::nullopt;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (r.headers.count(name)) {
        r.headers[name] += ", " + value;
      } else {
        r.headers[name] = value;
      }
    }
    if (head || r.status == 204 || r.status == 304 || r.status / 100 == 1) return r;
    if (r.Header("transfer-encoding") == "chunked") {
      r.chunked = true;
      while (true) {
        auto chunk = ReadChunk();
        if (!chunk) return std::nullopt;
        if (chunk->empty()) break;
        r.body += *chunk;
        r.chunks.push_back(std::move(*chunk));
      }
      return r;
    }
    if (r.headers.count("content-length")) {
      const size_t n = std::stoull(r.Header("content-length"));
      if (!ReadExactly(n, &r.body)) return std::nullopt;
      return r;
    }
    // Body until close.
    char buf[4096];
    while (true) {
      const ssize_t n = Recv(buf, sizeof(buf));
      if (n <= 0) break;
      r.body.append(buf, static_cast<size_t>(n));
    }
    return r;
  }

  // Reads the status line and headers of a chunked response, leaving the body for ReadChunk.
  std::optional<HttpResponse> ReadHead() { return ReadResponse(/*head=*/true); }

  // One chunk of a chunked body; "" for the terminating chunk; nullopt on error.
  std::optional<std::string> ReadChunk() {
    std::string line;
    if (!ReadLine(&line)) return std::nullopt;
    const size_t size = std::stoull(line, nullptr, 16);
    std::string data;
    if (!ReadExactly(size, &data)) return std::nullopt;
    if (!ReadLine(&line) || !line.empty()) return std::nullopt;
    return data;
  }

  // True iff the server closed the connection (EOF) within the guard time.
  bool SeesClose() {
    char c;
    return Recv(&c, 1) == 0;
  }

 private:
  ssize_t Recv(char* buf, size_t n) {
    if (!pending_.empty()) {
      const size_t k = std::min(n, pending_.size());
      std::copy(pending_.begin(), pending_.begin() + static_cast<long>(k), buf);
      pending_.erase(0, k);
      return static_cast<ssize_t>(k);
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, kGuardMs) <= 0) return -1;
    return ::recv(fd_, buf, n, 0);
  }
  bool ReadLine(std::string* line) {
    line->clear();
    char c;
    while (true) {
      if (Recv(&c, 1) != 1) return false;
      if (c == '\n') break;
      line->push_back(c);
    }
    if (!line->empty() && line->back() == '\r') line->pop_back();
    return true;
  }
  bool ReadExactly(size_t n, std::string* out) {
    char buf[8192];
    while (n > 0) {
      const ssize_t got = Recv(buf, std::min(n, sizeof(buf)));
      if (got <= 0) return false;
      out->append(buf, static_cast<size_t>(got));
      n -= static_cast<size_t>(got);
    }
    return true;
  }

  int fd_ = -1;
  std::string pending_;
};

// One request on a fresh connection.
inline std::optional<HttpResponse> Fetch(uint16_t port, const std::string& method,
                                         const std::string& target, const std::string& body = "",
                                         const std::string& headers = "") {
  Client c(port);
  if (!c.connected() || !c.SendRequest(method, target, body, headers)) return std::nullopt;
  return c.ReadResponse(method == "HEAD");
}

}  // namespace hearth::testing
