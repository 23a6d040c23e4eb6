#pragma once
// Internal to net/: AsyncClient::Impl (the I/O threads, TLS context, pool and the registry of
// live exchanges) and Exchange (one request's state machine, run on its own strand).

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/async_client.h"
#include "net/connection.h"
#include "net/proxy.h"
#include "net/response_reader.h"
#include "net/url.h"

namespace hearth::net {

namespace internal {
class Exchange;
using Strand = asio::strand<asio::io_context::executor_type>;

// Lets CancelToken callbacks (which may fire on any thread, at any time) post to the I/O
// context only while it exists.
struct Gate {
  std::mutex mu;
  bool open = true;
};
}  // namespace internal

class AsyncClient::Impl {
 public:
  explicit Impl(ClientOptions opts);
  ~Impl();  // Shutdown()s

  void Start(Request request, std::shared_ptr<ResponseHandler> handler);
  bool OnIoThread() const;
  void Shutdown();

  // Called by an exchange (on its strand) just before its OnDone.
  void Unregister(uint64_t id);

  ClientOptions options;
  std::atomic<size_t> open_count{0};  // before `io`: connections may die with io's handlers
  std::shared_ptr<internal::ssl::context> tls;
  internal::asio::io_context io;
  internal::Pool pool;
  std::shared_ptr<internal::Gate> gate = std::make_shared<internal::Gate>();

  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, std::weak_ptr<internal::Exchange>> live;
  uint64_t next_id = 0;

 private:
  void ScheduleSweep();

  internal::asio::executor_work_guard<internal::asio::io_context::executor_type> work_;
  internal::asio::steady_timer sweep_timer_;
  std::vector<std::thread> threads_;
  std::vector<std::thread::id> thread_ids_;
  bool shut_down_ = false;
};

namespace internal {

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(AsyncClient::Impl& core, uint64_t id, Request request,
           std::shared_ptr<ResponseHandler> handler);
  const Strand& strand() const { return strand_; }
  // On the strand: validates the request and starts it.
  void Begin();
  // On the strand: ends the exchange with `status` (no-op when already done).
  void Abort(Status status) { Finish(std::move(status)); }

 private:
  enum class Phase { kConnect, kFirstByte, kStall };

  void Acquire(bool allow_pooled);
  void OnResolved(const boost::system::error_code& ec, const tcp::resolver::results_type& results);
  void OnConnected(const boost::system::error_code& ec);
  void SendConnect();
  void ReadConnectResponse();
  void Handshake();
  void Send();
  void Read();
  void OnRead(const boost::system::error_code& ec, size_t n);
  void Deliver(std::string& body);
  // FlowControl paused: parks the next read until Resume. False when not paused.
  bool Park();
  void Complete();
  // A reused connection failed before any response byte: one retry on a fresh connection.
  bool RetryStale();
  void Finish(Status status);
  void ArmPhase(Phase phase);
  void ArmTotal();
  std::string Where() const;  // "host:port" (the origin)

  template <class F>
  auto Bind(F&& f) {
    return asio::bind_executor(strand_, std::forward<F>(f));
  }

  AsyncClient::Impl& core_;
  uint64_t id_;
  Request request_;
  std::shared_ptr<ResponseHandler> handler_;
  Strand strand_;
  tcp::resolver resolver_;
  asio::steady_timer phase_timer_;
  asio::steady_timer total_timer_;
  uint64_t phase_gen_ = 0;
  uint64_t conn_gen_ = 0;  // bumped per connection: callbacks of a dropped one are ignored
  uint64_t cancel_callback_ = 0;

  Url url_;
  std::optional<ProxyEndpoint> proxy_;
  std::string pool_key_;
  std::string request_text_;
  std::shared_ptr<Connection> conn_;  // handlers of operations on it hold it too
  bool reused_ = false;
  bool retried_ = false;
  bool write_done_ = false;
  bool got_bytes_ = false;  // any response byte on the current connection
  bool head_delivered_ = false;
  bool done_ = false;
  std::unique_ptr<ResponseReader> reader_;
  std::unique_ptr<ResponseReader> connect_reader_;  // the proxy's answer to CONNECT
  std::string in_;                                  // received, not yet parsed
  std::vector<char> read_buf_;
};

}  // namespace internal
}  // namespace hearth::net
