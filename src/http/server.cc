#include "http/server.h"

#include <cstdlib>
#include <future>
#include <thread>

#include "base/check.h"
#include "http/connection.h"

namespace hearth::http {

using internal::asio::ip::tcp;
namespace asio = internal::asio;

class HttpServer::Impl {
 public:
  explicit Impl(std::unique_ptr<internal::Core> core)
      : core_(std::move(core)), acceptor_(asio::make_strand(core_->io)),
        work_(asio::make_work_guard(core_->io)) {}
  ~Impl() { Stop(); }

  Status Listen() {
    tcp::endpoint endpoint;
    boost::system::error_code ec;
    const std::string& host = core_->options.host;
    const asio::ip::address ip = asio::ip::make_address(host, ec);
    const std::string shown = (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                              ":" + std::to_string(core_->options.port);
    if (!ec) {
      endpoint = tcp::endpoint(ip, core_->options.port);
    } else {
      tcp::resolver resolver(core_->io);
      auto results = resolver.resolve(host, std::to_string(core_->options.port), ec);
      if (ec || results.empty()) {
        return InvalidArgument("cannot resolve listen address " + shown + ": " +
                               (ec ? ec.message() : "no addresses"));
      }
      endpoint = results.begin()->endpoint();
    }
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return IOError("cannot listen on " + shown + ": " + ec.message());
    local_ = acceptor_.local_endpoint(ec);
    if (ec) return IOError("cannot listen on " + shown + ": " + ec.message());
    return Status::Ok();
  }

  void Run() {
    core_->workers.emplace(static_cast<size_t>(std::max(1, core_->options.worker_threads)));
    Accept();
    for (int i = 0; i < std::max(1, core_->options.io_threads); ++i) {
      threads_.emplace_back([this] { core_->io.run(); });
    }
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    core_->stopping = true;
    if (!threads_.empty()) {
      // Close the listener and every connection on the I/O threads, and wait until done, so
      // that every in-flight call's CancelToken has fired before handlers are joined.
      std::promise<void> closed;
      asio::post(acceptor_.get_executor(), [this, &closed] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        std::vector<std::shared_ptr<internal::Connection>> live;
        {
          std::lock_guard<std::mutex> l(core_->connections_mu);
          for (auto& w : core_->connections) {
            if (auto c = w.lock()) live.push_back(std::move(c));
          }
        }
        auto remaining = std::make_shared<std::atomic<size_t>>(live.size() + 1);
        auto finish = [remaining, &closed] {
          if (--*remaining == 0) closed.set_value();
        };
        for (auto& c : live) {
          asio::dispatch(c->strand(), [c, finish] {
            c->Close();
            finish();
          });
        }
        finish();
      });
      closed.get_future().wait();
    }
    if (core_->workers) core_->workers->join();
    {
      std::lock_guard<std::mutex> l(core_->gate->mu);
      core_->gate->open = false;
    }
    work_.reset();
    core_->io.stop();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  uint16_t port() const { return local_.port(); }
  std::string address() const {
    const std::string a = local_.address().to_string();
    return (local_.address().is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(local_.port());
  }
  bool loopback() const { return local_.address().is_loopback(); }
  size_t connection_count() const {
    std::lock_guard<std::mutex> l(core_->connections_mu);
    size_t n = 0;
    for (const auto& w : core_->connections) n += w.expired() ? 0 : 1;
    return n;
  }

 private:
  using Strand = asio::strand<asio::io_context::executor_type>;

  void Accept() {
    Strand strand = asio::make_strand(core_->io);
    acceptor_.async_accept(strand, [this, strand](boost::system::error_code ec, tcp::socket socket) {
      OnAccept(ec, std::move(socket), strand);
    });
  }

  void OnAccept(boost::system::error_code ec, tcp::socket socket, Strand strand) {
    if (core_->stopping.load() || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors or a transient error: pause briefly instead of spinning.
      retry_.emplace(acceptor_.get_executor());
      retry_->expires_after(std::chrono::milliseconds(100));
      retry_->async_wait([this](boost::system::error_code e) {
        if (!e && !core_->stopping.load()) Accept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto conn = std::make_shared<internal::Connection>(std::move(socket), strand, *core_);
    {
      std::lock_guard<std::mutex> l(core_->connections_mu);
      core_->connections.remove_if([](const auto& w) { return w.expired(); });
      core_->connections.push_back(conn);
    }
    asio::dispatch(conn->strand(), [conn] { conn->Start(); });
    Accept();
  }

  std::unique_ptr<internal::Core> core_;
  tcp::acceptor acceptor_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::endpoint local_;
  std::vector<std::thread> threads_;
  std::optional<asio::steady_timer> retry_;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

Status ParseHostPort(std::string_view text, std::string* host, uint16_t* port) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  std::string default_port = std::to_string(kDefaultPort);
  if (const size_t scheme = s.find("://"); scheme != std::string_view::npos) {
    const std::string_view name = s.substr(0, scheme);
    if (name == "http") default_port = "80";
    if (name == "https") default_port = "443";
    s.remove_prefix(scheme + 3);
  }
  s = s.substr(0, s.find('/'));
  std::string h, p;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) return InvalidArgument("invalid host \"" + std::string(text) + "\"");
    h = std::string(s.substr(1, close - 1));
    const std::string_view rest = s.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') p = std::string(rest.substr(1));
  } else if (const size_t colon = s.rfind(':');
             colon != std::string_view::npos && s.find(':') == colon) {
    h = std::string(s.substr(0, colon));
    p = std::string(s.substr(colon + 1));
  } else {
    h = std::string(s);  // a bare host, or a bare IPv6 address
  }
  if (h.empty()) h = "127.0.0.1";
  if (p.empty()) p = default_port;
  char* end = nullptr;
  const long n = std::strtol(p.c_str(), &end, 10);
  if (*end != '\0' || n < 0 || n > 65535) {
    return InvalidArgument("invalid port \"" + p + "\" in \"" + std::string(text) + "\"");
  }
  *host = h;
  *port = static_cast<uint16_t>(n);
  return Status::Ok();
}

Result<ServerOptions> ServerOptionsFromEnv() {
  ServerOptions o;
  if (const char* h = std::getenv("HEARTH_HOST"); h && *h) {
    HEARTH_RETURN_IF_ERROR(ParseHostPort(h, &o.host, &o.port).WithContext("HEARTH_HOST"));
  }
  if (const char* origins = std::getenv("HEARTH_ORIGINS"); origins && *origins) {
    std::string_view rest(origins);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      o.origins.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  HEARTH_ASSIGN_OR_RETURN(o.api_keys, ApiKeysFromEnv());
  return o;
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options, RouteTable router) {
  // Security needs the bound address; validate its configuration (origins, keys) first.
  Security::Options sec{true, options.origins, options.api_keys};
  Result<Security> security = Security::Create(sec);
  if (!security.ok()) return security.status();
  auto core = std::make_unique<internal::Core>(options, std::move(router), std::move(*security));
  internal::Core* raw = core.get();
  raw->gate->io = &raw->io;
  auto impl = std::make_unique<Impl>(std::move(core));
  HEARTH_RETURN_IF_ERROR(impl->Listen());
  sec.bound_to_loopback = impl->loopback();
  raw->security = Security::Create(sec).value();
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port(); }
std::string HttpServer::address() const { return impl_->address(); }
bool HttpServer::bound_to_loopback() const { return impl_->loopback(); }
void HttpServer::Stop() { impl_->Stop(); }
size_t HttpServer::connection_count() const { return impl_->connection_count(); }

}  // namespace hearth::http
