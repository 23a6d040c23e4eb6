// Transport benchmark (a program, not a test): thousands of idle keep-alive connections, request
// latency and throughput beside them, and many concurrent NDJSON streams fed by one producer
// thread (as the engine thread would), with the process's thread count before and after.
//
//   build/bench/server_bench [idle_connections=2000] [streams=500] [lines_per_stream=200]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace {

using hearth::http::CallPtr;
using hearth::http::HttpServer;
using hearth::http::Response;
using hearth::http::RouteTable;
using hearth::http::ServerOptions;
using hearth::http::StreamFormat;
using hearth::http::StreamWriterPtr;
using Clock = std::chrono::steady_clock;

int Threads() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return -1;
}

int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Sends a GET and reads until the body of a fixed-length response "...\r\n\r\n<n bytes>" ends.
bool RoundTrip(int fd, const std::string& request, size_t body_len) {
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    return false;
  }
  std::string got;
  char buf[4096];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    got.append(buf, static_cast<size_t>(n));
    const size_t end = got.find("\r\n\r\n");
    if (end != std::string::npos && got.size() >= end + 4 + body_len) return true;
  }
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1)))];
}

}  // namespace

int main(int argc, char** argv) {
  const int idle = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int streams = argc > 2 ? std::atoi(argv[2]) : 500;
  const int lines = argc > 3 ? std::atoi(argv[3]) : 200;

  // Streams register here; one producer thread feeds them all, like the engine thread.
  std::mutex mu;
  std::vector<std::pair<CallPtr, StreamWriterPtr>> open;
  RouteTable router;
  const std::string version = R"({"version":"0.1.0"})";
  router.Add("GET", "/api/version", [&](const CallPtr& c) { c->Respond(Response::Json(200, version)); });
  router.Add("POST", "/api/generate", [&](const CallPtr& c) {
    StreamWriterPtr w = c->StartStream(StreamFormat::kNdjson);
    std::lock_guard<std::mutex> lock(mu);
    open.emplace_back(c, w);
  });
  ServerOptions options;
  options.port = 0;
  auto server = HttpServer::Start(options, std::move(router));
  if (!server.ok()) {
    std::fprintf(stderr, "Error: %s\n", server.status().message().c_str());
    return 1;
  }
  const uint16_t port = (*server)->port();
  std::printf("server threads at start: %d (process)\n", Threads());

  // 1. Idle keep-alive connections.
  std::vector<int> idle_fds;
  const std::string get = "GET /api/version HTTP/1.1\r\nHost: localhost\r\n\r\n";
  for (int i = 0; i < idle; ++i) {
    const int fd = Connect(port);
    if (fd < 0 || !RoundTrip(fd, get, version.size())) {
      std::fprintf(stderr, "connection %d failed\n", i);
      return 1;
    }
    idle_fds.push_back(fd);
  }
  std::printf("idle keep-alive connections: %d, process threads: %d, server connections: %zu\n",
              idle, Threads(), (*server)->connection_count());

  // 2. Latency of sequential requests on one more connection, beside the idle ones.
  const int fd = Connect(port);
  std::vector<double> us;
  for (int i = 0; i < 2000; ++i) {
    const auto t0 = Clock::now();
    if (!RoundTrip(fd, get, version.size())) return 1;
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  ::close(fd);
  std::printf("GET /api/version keep-alive latency: p50 %.0f us, p99 %.0f us\n",
              Percentile(us, 0.5), Percentile(us, 0.99));

  // 3. Throughput: 8 client threads, keep-alive, 2 seconds.
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      const int c = Connect(port);
      while (!stop.load() && RoundTrip(c, get, version.size())) ++done;
      ::close(c);
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  for (auto& t : clients) t.join();
  std::printf("throughput (8 keep-alive clients): %.0f requests/s\n", done.load() / 2.0);

  // 4. Concurrent NDJSON streams fed by one producer thread.
  std::vector<int> stream_fds;
  const std::string post = "POST /api/generate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}";
  for (int i = 0; i < streams; ++i) {
    const int s = Connect(port);
    if (s < 0 || ::send(s, post.data(), post.size(), MSG_NOSIGNAL) < 0) return 1;
    stream_fds.push_back(s);
  }
  while (true) {
    std::lock_guard<std::mutex> lock(mu);
    if (static_cast<int>(open.size()) == streams) break;
  }
  std::atomic<long> received{0};
  std::vector<std::thread> readers;
  const int per_reader = (streams + 3) / 4;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      char buf[65536];
      for (int i = r * per_reader; i < std::min(streams, (r + 1) * per_reader); ++i) {
        // Each stream ends with the terminating chunk "0\r\n\r\n".
        std::string tail;
        while (true) {
          const ssize_t n = ::recv(stream_fds[i], buf, sizeof(buf), 0);
          if (n <= 0) break;
          received += n;
          tail.append(buf, static_cast<size_t>(n));
          if (tail.size() > 16) tail.erase(0, tail.size() - 16);
          if (tail.find("\r\n0\r\n\r\n") != std::string::npos) break;
        }
      }
    });
  }
  const std::string line = R"({"model":"m","created_at":"2024-01-01T00:00:00Z","response":"token","done":false})";
  const auto t0 = Clock::now();
  int threads_during = 0;
  for (int l = 0; l < lines; ++l) {
    for (auto& [call, writer] : open) writer->Send(line);
    if (l == lines / 2) threads_during = Threads();
  }
  for (auto& [call, writer] : open) writer->Finish();
  for (auto& t : readers) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%d concurrent NDJSON streams x %d lines: %.0f lines/s, %.1f MB/s, process threads "
              "during: %d\n",
              streams, lines, streams * static_cast<double>(lines) / secs, received.load() / secs / 1e6,
              threads_during);
  open.clear();
  for (int s : stream_fds) ::close(s);
  for (int s : idle_fds) ::close(s);
  (*server)->Stop();
  return 0;
}
