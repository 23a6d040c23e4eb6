#pragma once
// Internal to net/: one open socket to an upstream (directly or through a proxy tunnel), plain
// or upgraded to TLS, and the per-upstream pool of idle ones. Not thread-safe: a Connection is
// used by one exchange at a time (on that exchange's strand) or sits in the Pool (under its lock).

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"

namespace hearth::net::internal {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

class Connection {
 public:
  // Counts itself in *open_count until closed. Asynchronous operations on it must hold a
  // shared_ptr to it until their handlers have run (composed operations touch the socket).
  Connection(asio::io_context& io, std::atomic<size_t>* open_count);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : socket_; }
  bool is_tls() const { return tls_ != nullptr; }
  ssl::stream<tcp::socket>& tls() { return *tls_; }
  // Moves the TCP socket into a TLS stream for `host` (SNI unless an IP literal, hostname
  // verification). Call before the handshake.
  Status UpgradeToTls(ssl::context& context, const std::string& host);
  // The verify failure OpenSSL recorded, e.g. "certificate has expired", or "".
  std::string VerifyError();

  template <class Buffer, class Handler>
  void AsyncReadSome(const Buffer& buffer, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffer, std::forward<Handler>(handler));
    } else {
      socket_.async_read_some(buffer, std::forward<Handler>(handler));
    }
  }
  template <class Buffer, class Handler>
  void AsyncWrite(const Buffer& buffer, Handler&& handler) {
    if (tls_) {
      asio::async_write(*tls_, buffer, std::forward<Handler>(handler));
    } else {
      asio::async_write(socket_, buffer, std::forward<Handler>(handler));
    }
  }
  // True when the TLS handshake failed because the certificate does not name the host.
  bool hostname_mismatch() const { return hostname_mismatch_; }
  // Closes the socket at once (idempotent); pending operations complete with operation_aborted.
  void Close();
  // For a pooled connection: false when the peer has closed it (or sent stray bytes on a plain
  // connection). Non-blocking.
  bool LooksAlive();

  std::chrono::steady_clock::time_point idle_since;

 private:
  std::atomic<size_t>* open_count_;
  bool counted_ = true;
  tcp::socket socket_;
  std::unique_ptr<ssl::stream<tcp::socket>> tls_;
  bool hostname_mismatch_ = false;
};

// Idle keep-alive connections by pool key ("https://host:port"). Thread-safe.
class Pool {
 public:
  explicit Pool(size_t max_idle_per_key) : max_idle_per_key_(max_idle_per_key) {}
  // A live idle connection for `key` (most recently used first), or null.
  std::shared_ptr<Connection> Take(const std::string& key);
  // Parks `conn` (closes it when the key's pool is full or the pool is closed).
  void Put(const std::string& key, std::shared_ptr<Connection> conn);
  // Closes connections idle since before `cutoff`.
  void Sweep(std::chrono::steady_clock::time_point cutoff);
  // Closes everything; later Puts close their connection.
  void CloseAll();
  size_t idle() const;

 private:
  size_t max_idle_per_key_;
  mutable std::mutex mu_;
  bool closed_ = false;
  std::map<std::string, std::deque<std::shared_ptr<Connection>>> idle_;
};

// A TLS client context: TLS 1.2+, peer verification against `ca_file` or the system store.
Result<std::shared_ptr<ssl::context>> MakeTlsContext(const std::string& ca_file);

}  // namespace hearth::net::internal
