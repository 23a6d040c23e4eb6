#include "net/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace hearth::net::testing {

bool Peer::Fill() {
  char buf[16384];
  if (ssl_ != nullptr) {
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n <= 0) return false;
    buffered_.append(buf, static_cast<size_t>(n));
    return true;
  }
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  buffered_.append(buf, static_cast<size_t>(n));
  return true;
}

bool Peer::ReadRequest(HttpRequest* out) {
  *out = HttpRequest();
  size_t end;
  while ((end = buffered_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return false;
  }
  std::string head = buffered_.substr(0, end);
  buffered_.erase(0, end + 4);
  size_t line_end = head.find("\r\n");
  std::string line = head.substr(0, line_end);
  size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  out->method = line.substr(0, sp1);
  out->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    std::string field = head.substr(pos, next - pos);
    size_t colon = field.find(':');
    if (colon != std::string::npos) {
      std::string name = field.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out->headers[name] = value;
    }
    pos = next + 2;
  }
  size_t length = 0;
  if (auto it = out->headers.find("content-length"); it != out->headers.end()) {
    length = std::stoul(it->second);
  }
  while (buffered_.size() < length) {
    if (!Fill()) return false;
  }
  out->body = buffered_.substr(0, length);
  buffered_.erase(0, length);
  return true;
}

bool Peer::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    if (ssl_ != nullptr) {
      int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    } else {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  return true;
}

bool Peer::WaitClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r == 0) return false;
      if (r < 0) return true;
    }
    if (!Fill()) return true;
    buffered_.clear();
  }
}

std::string HttpResponse(int status, std::string_view body, std::string_view extra_headers) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra_headers) + "\r\n" +
         std::string(body);
}

std::string Chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

TestServer::TestServer(Handler handler, SSL_CTX* tls, int backlog)
    : handler_(std::move(handler)), tls_(tls) {
  ::signal(SIGPIPE, SIG_IGN);  // OpenSSL writes to the socket with write(2)
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, backlog) != 0) {
    throw std::runtime_error("test server: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (handler_) accept_thread_ = std::thread([this] { AcceptLoop(); });
}

TestServer::~TestServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : peers_) t.join();
}

std::string TestServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void TestServer::AcceptLoop() {
  while (!stopping_) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    ++accepted_;
    std::lock_guard lock(mu_);
    open_fds_.insert(fd);
    peers_.emplace_back([this, fd] {
      SSL* ssl = nullptr;
      bool ok = true;
      if (tls_ != nullptr) {
        ssl = SSL_new(tls_);
        SSL_set_fd(ssl, fd);
        ok = SSL_accept(ssl) == 1;
      }
      if (ok) {
        Peer peer(fd, ssl);
        handler_(peer);
      }
      if (ssl != nullptr) SSL_free(ssl);
      {
        std::lock_guard inner(mu_);
        open_fds_.erase(fd);
      }
      ::close(fd);
    });
  }
}

TestServer::Handler Answer(int status, std::string body) {
  return [status, body](Peer& peer) {
    HttpRequest request;
    while (peer.ReadRequest(&request)) {
      if (!peer.Write(HttpResponse(status, body))) return;
    }
  };
}

uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace hearth::net::testing
