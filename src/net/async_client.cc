#include "net/async_client.h"

#include <boost/asio/post.hpp>
#include <cctype>
#include <future>

#include "base/check.h"
#include "net/client_core.h"

namespace hearth::net {

namespace asio = boost::asio;

std::string ResponseHead::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < key.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(key[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return value;
  }
  return "";
}

void FlowControl::Pause() {
  std::lock_guard lock(mu_);
  paused_ = true;
}

void FlowControl::Resume() {
  std::function<void()> resume;
  {
    std::lock_guard lock(mu_);
    paused_ = false;
    resume = std::move(resume_);
    resume_ = nullptr;
  }
  if (resume) resume();
}

bool FlowControl::paused() const {
  std::lock_guard lock(mu_);
  return paused_;
}

bool FlowControl::Park(std::function<void()> resume) {
  std::lock_guard lock(mu_);
  if (!paused_) return false;
  resume_ = std::move(resume);
  return true;
}

void FlowControl::Clear() {
  std::function<void()> dropped;
  std::lock_guard lock(mu_);
  dropped = std::move(resume_);
  resume_ = nullptr;
}

AsyncClient::Impl::Impl(ClientOptions opts)
    : options(std::move(opts)),
      pool(options.max_idle_per_host),
      work_(asio::make_work_guard(io)),
      sweep_timer_(io) {
  ScheduleSweep();
  for (int i = 0; i < options.io_threads; ++i) {
    threads_.emplace_back([this] { io.run(); });
    thread_ids_.push_back(threads_.back().get_id());
  }
}

AsyncClient::Impl::~Impl() { Shutdown(); }

void AsyncClient::Impl::ScheduleSweep() {
  auto period = std::chrono::duration_cast<std::chrono::milliseconds>(options.idle_timeout) / 4;
  period = std::clamp(period, std::chrono::milliseconds(100), std::chrono::milliseconds(10000));
  sweep_timer_.expires_after(period);
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    pool.Sweep(std::chrono::steady_clock::now() - options.idle_timeout);
    ScheduleSweep();
  });
}

bool AsyncClient::Impl::OnIoThread() const {
  for (const auto& id : thread_ids_) {
    if (id == std::this_thread::get_id()) return true;
  }
  return false;
}

void AsyncClient::Impl::Start(Request request, std::shared_ptr<ResponseHandler> handler) {
  std::shared_ptr<internal::Exchange> exchange;
  {
    std::lock_guard lock(mu);
    uint64_t id = ++next_id;
    exchange = std::make_shared<internal::Exchange>(*this, id, std::move(request),
                                                    std::move(handler));
    live.emplace(id, exchange);
  }
  asio::post(exchange->strand(), [exchange] { exchange->Begin(); });
}

void AsyncClient::Impl::Unregister(uint64_t id) {
  std::lock_guard lock(mu);
  live.erase(id);
  if (live.empty()) cv.notify_all();
}

void AsyncClient::Impl::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Destroying the client from its own I/O thread would wait for itself forever.
  HEARTH_CHECK(!OnIoThread());
  {
    std::lock_guard lock(gate->mu);
    gate->open = false;  // token callbacks stop posting
  }
  {
    std::unique_lock lock(mu);
    for (auto& [id, weak] : live) {
      if (std::shared_ptr<internal::Exchange> e = weak.lock()) {
        asio::post(e->strand(),
                   [e] { e->Abort(Cancelled("the HTTP client is shutting down")); });
      }
    }
    cv.wait(lock, [this] { return live.empty(); });
  }
  pool.CloseAll();
  io.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

AsyncClient::AsyncClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AsyncClient::~AsyncClient() = default;

Result<std::unique_ptr<AsyncClient>> AsyncClient::Create(ClientOptions options) {
  if (options.io_threads < 1) {
    return InvalidArgument("io_threads must be at least 1, got " +
                           std::to_string(options.io_threads));
  }
  if (options.max_idle_per_host == 0) {
    // 0 is allowed: no keep-alive reuse.
  }
  // Proxy settings are checked up front so that a typo fails here, not on every request.
  if (!options.proxy.https_proxy.empty()) {
    HEARTH_RETURN_IF_ERROR(ParseProxy(options.proxy.https_proxy).status());
  }
  if (!options.proxy.http_proxy.empty()) {
    HEARTH_RETURN_IF_ERROR(ParseProxy(options.proxy.http_proxy).status());
  }
  HEARTH_ASSIGN_OR_RETURN(std::shared_ptr<internal::ssl::context> tls,
                          internal::MakeTlsContext(options.ca_file));
  auto impl = std::make_unique<Impl>(std::move(options));
  impl->tls = std::move(tls);
  return std::unique_ptr<AsyncClient>(new AsyncClient(std::move(impl)));
}

void AsyncClient::Start(Request request, std::shared_ptr<ResponseHandler> handler) {
  impl_->Start(std::move(request), std::move(handler));
}

namespace {

class FetchHandler : public ResponseHandler {
 public:
  bool OnHead(const ResponseHead& head) override {
    response_.head = head;
    return true;
  }
  bool OnData(std::string_view bytes) override {
    response_.body.append(bytes);
    return true;
  }
  void OnDone(Status status) override {
    if (status.ok()) {
      promise_.set_value(std::move(response_));
    } else {
      promise_.set_value(std::move(status));
    }
  }
  std::future<Result<Response>> future() { return promise_.get_future(); }

 private:
  Response response_;
  std::promise<Result<Response>> promise_;
};

}  // namespace

Result<Response> AsyncClient::Fetch(Request request) {
  if (impl_->OnIoThread()) {
    return FailedPrecondition("AsyncClient::Fetch called on one of the client's I/O threads");
  }
  auto handler = std::make_shared<FetchHandler>();
  std::future<Result<Response>> result = handler->future();
  Start(std::move(request), handler);
  return result.get();
}

ClientStats AsyncClient::stats() const {
  ClientStats s;
  s.open_connections = impl_->open_count.load();
  s.idle_connections = impl_->pool.idle();
  std::lock_guard lock(impl_->mu);
  s.in_flight = impl_->live.size();
  return s;
}

}  // namespace hearth::net
