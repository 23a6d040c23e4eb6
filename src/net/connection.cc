#include "net/connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <cerrno>
#include <fstream>

namespace hearth::net::internal {

Connection::Connection(asio::io_context& io, std::atomic<size_t>* open_count)
    : open_count_(open_count), socket_(io) {
  open_count_->fetch_add(1);
}

Connection::~Connection() { Close(); }

Status Connection::UpgradeToTls(ssl::context& context, const std::string& host) {
  tls_ = std::make_unique<ssl::stream<tcp::socket>>(std::move(socket_), context);
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  bool is_ip = !ec;
  if (!is_ip && SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str()) != 1) {
    return Unavailable("TLS: cannot set SNI host name \"" + host + "\"");
  }
  tls_->set_verify_mode(ssl::verify_peer);
  tls_->set_verify_callback(
      [this, check = ssl::host_name_verification(host)](bool preverified,
                                                        ssl::verify_context& ctx) mutable {
        bool ok = check(preverified, ctx);
        if (preverified && !ok && X509_STORE_CTX_get_error_depth(ctx.native_handle()) == 0) {
          hostname_mismatch_ = true;
        }
        return ok;
      },
      ec);
  if (ec) return Internal("TLS: cannot set hostname verification: " + ec.message());
  return Status::Ok();
}

std::string Connection::VerifyError() {
  if (!tls_) return "";
  if (hostname_mismatch_) return "the certificate does not match the host name";
  long result = SSL_get_verify_result(tls_->native_handle());
  if (result == X509_V_OK) return "";
  return X509_verify_cert_error_string(result);
}

void Connection::Close() {
  boost::system::error_code ec;
  tcp::socket& s = socket();
  if (s.is_open()) {
    s.shutdown(tcp::socket::shutdown_both, ec);
    s.close(ec);
  }
  if (counted_) {
    counted_ = false;
    open_count_->fetch_sub(1);
  }
}

bool Connection::LooksAlive() {
  tcp::socket& s = socket();
  if (!s.is_open()) return false;
  char byte;
  ssize_t n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
  if (n == 0) return false;  // the peer closed it
  // Bytes while idle: on TLS possibly a session ticket; on plain HTTP a protocol error.
  return is_tls();
}

std::shared_ptr<Connection> Pool::Take(const std::string& key) {
  std::shared_ptr<Connection> found;
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      std::shared_ptr<Connection> c = std::move(list.back());
      list.pop_back();
      if (c->LooksAlive()) {
        found = std::move(c);
        break;
      }
      c->Close();
    }
    if (list.empty()) idle_.erase(it);
  }
  return found;
}

void Pool::Put(const std::string& key, std::shared_ptr<Connection> conn) {
  std::lock_guard lock(mu_);
  if (closed_) return conn->Close();
  auto& list = idle_[key];
  if (list.size() >= max_idle_per_key_) return conn->Close();
  conn->idle_since = std::chrono::steady_clock::now();
  list.push_back(std::move(conn));
}

void Pool::Sweep(std::chrono::steady_clock::time_point cutoff) {
  std::vector<std::shared_ptr<Connection>> dead;
  std::lock_guard lock(mu_);
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second;
    while (!list.empty() && list.front()->idle_since < cutoff) {
      list.front()->Close();
      dead.push_back(std::move(list.front()));
      list.pop_front();
    }
    it = list.empty() ? idle_.erase(it) : std::next(it);
  }
}

void Pool::CloseAll() {
  std::map<std::string, std::deque<std::shared_ptr<Connection>>> dead;
  std::lock_guard lock(mu_);
  closed_ = true;
  dead.swap(idle_);
  for (auto& [key, list] : dead) {
    for (auto& c : list) c->Close();
  }
}

size_t Pool::idle() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

Result<std::shared_ptr<ssl::context>> MakeTlsContext(const std::string& ca_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    return Internal("TLS: cannot require TLS 1.2");
  }
  context->set_verify_mode(ssl::verify_peer, ec);
  if (ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(context->native_handle()) != 1) {
      return Internal("TLS: cannot load the system CA store");
    }
  } else {
    if (!std::ifstream(ca_file).good()) {
      return InvalidArgument("ca_file \"" + ca_file + "\" cannot be read");
    }
    context->load_verify_file(ca_file, ec);
    if (ec) {
      return InvalidArgument("ca_file \"" + ca_file + "\": " + ec.message());
    }
  }
  return context;
}

}  // namespace hearth::net::internal
