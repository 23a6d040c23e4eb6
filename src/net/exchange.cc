// Exchange: one request from validation to OnDone. Every member runs on the exchange's strand.
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cctype>

#include "net/client_core.h"

namespace hearth::net::internal {
namespace {

using boost::system::error_code;

constexpr size_t kReadChunk = 16u << 10;
// Bytes the parser may hold back (a partial head is bounded by its own limit first).
constexpr size_t kMaxUnparsed = 1u << 20;

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool IsFieldValue(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The peer went away (rather than, say, a local cancel or a TLS verify failure).
bool IsDisconnect(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == ssl::error::stream_truncated;
}

}  // namespace

Exchange::Exchange(AsyncClient::Impl& core, uint64_t id, Request request,
                   std::shared_ptr<ResponseHandler> handler)
    : core_(core),
      id_(id),
      request_(std::move(request)),
      handler_(std::move(handler)),
      strand_(asio::make_strand(core.io)),
      resolver_(core.io),
      phase_timer_(core.io),
      total_timer_(core.io),
      read_buf_(kReadChunk) {}

std::string Exchange::Where() const { return url_.Authority(); }

void Exchange::Begin() {
  if (done_) return;
  Result<Url> url = ParseUrl(request_.url);
  if (!url.ok()) return Finish(url.status());
  url_ = std::move(url).value();
  if (!IsToken(request_.method)) {
    return Finish(InvalidArgument("invalid HTTP method \"" + request_.method + "\""));
  }
  bool has_host = false, has_length = false;
  for (const auto& [name, value] : request_.headers) {
    if (!IsToken(name)) return Finish(InvalidArgument("invalid header name \"" + name + "\""));
    if (!IsFieldValue(value)) {
      return Finish(InvalidArgument("header \"" + name + "\" has a CR, LF or NUL in its value"));
    }
    if (IEquals(name, "host")) has_host = true;
    if (IEquals(name, "content-length") || IEquals(name, "transfer-encoding")) has_length = true;
  }
  Result<std::optional<ProxyEndpoint>> proxy = ProxyFor(core_.options.proxy, url_);
  if (!proxy.ok()) return Finish(proxy.status());
  proxy_ = std::move(proxy).value();
  pool_key_ = url_.PoolKey();
  if (proxy_) pool_key_ += " via " + BracketHost(proxy_->host) + ":" + std::to_string(proxy_->port);

  bool absolute_form = proxy_ && !url_.https;
  std::string& t = request_text_;
  t = request_.method + " ";
  if (absolute_form) t += "http://" + url_.HostHeader();
  t += url_.target + " HTTP/1.1\r\n";
  if (!has_host) t += "Host: " + url_.HostHeader() + "\r\n";
  if (absolute_form && !proxy_->authorization.empty()) {
    t += "Proxy-Authorization: " + proxy_->authorization + "\r\n";
  }
  for (const auto& [name, value] : request_.headers) t += name + ": " + value + "\r\n";
  bool wants_length = !request_.body.empty() || request_.method == "POST" ||
                      request_.method == "PUT" || request_.method == "PATCH";
  if (!has_length && wants_length) {
    t += "Content-Length: " + std::to_string(request_.body.size()) + "\r\n";
  }
  t += "\r\n";
  t += request_.body;
  request_.body.clear();
  request_.body.shrink_to_fit();

  if (request_.cancel) {
    std::weak_ptr<Exchange> weak = weak_from_this();
    cancel_callback_ = request_.cancel->OnCancel([weak, gate = core_.gate, strand = strand_] {
      std::lock_guard lock(gate->mu);
      if (!gate->open) return;
      asio::post(strand, [weak] {
        if (auto self = weak.lock()) self->Abort(Cancelled("request cancelled"));
      });
    });
    if (request_.cancel->IsCancelled()) return Finish(Cancelled("request cancelled"));
  }
  ArmTotal();
  Acquire(/*allow_pooled=*/true);
}

void Exchange::Acquire(bool allow_pooled) {
  if (allow_pooled) {
    if (std::shared_ptr<Connection> c = core_.pool.Take(pool_key_)) {
      ++conn_gen_;
      conn_ = std::move(c);
      reused_ = true;
      Send();
      return;
    }
  }
  reused_ = false;
  ++conn_gen_;
  conn_ = std::make_shared<Connection>(core_.io, &core_.open_count);
  ArmPhase(Phase::kConnect);
  const std::string& host = proxy_ ? proxy_->host : url_.host;
  uint16_t port = proxy_ ? proxy_->port : url_.port;
  resolver_.async_resolve(
      host, std::to_string(port),
      Bind([self = shared_from_this(), gen = conn_gen_](const error_code& ec, tcp::resolver::results_type r) {
        if (gen == self->conn_gen_) self->OnResolved(ec, r);
      }));
}

void Exchange::OnResolved(const error_code& ec, const tcp::resolver::results_type& results) {
  if (done_) return;
  const std::string& host = proxy_ ? proxy_->host : url_.host;
  if (ec) {
    return Finish(Unavailable(std::string("resolve ") + (proxy_ ? "proxy " : "") + host + ": " +
                              ec.message()));
  }
  asio::async_connect(conn_->socket(), results,
                      Bind([self = shared_from_this(), gen = conn_gen_, conn = conn_](const error_code& e, const tcp::endpoint&) {
                        if (gen == self->conn_gen_) self->OnConnected(e);
                      }));
}

void Exchange::OnConnected(const error_code& ec) {
  if (done_) return;
  if (ec) {
    std::string target = proxy_ ? "proxy " + BracketHost(proxy_->host) + ":" +
                                      std::to_string(proxy_->port)
                                : Where();
    return Finish(Unavailable("connect to " + target + ": " + ec.message()));
  }
  error_code ignored;
  conn_->socket().set_option(tcp::no_delay(true), ignored);
  if (proxy_ && url_.https) return SendConnect();
  if (url_.https) return Handshake();
  Send();
}

void Exchange::SendConnect() {
  std::string authority = url_.Authority();
  auto text = std::make_shared<std::string>("CONNECT " + authority + " HTTP/1.1\r\nHost: " +
                                            authority + "\r\n");
  if (!proxy_->authorization.empty()) {
    *text += "Proxy-Authorization: " + proxy_->authorization + "\r\n";
  }
  *text += "\r\n";
  conn_->AsyncWrite(asio::buffer(*text),
                    Bind([self = shared_from_this(), gen = conn_gen_, conn = conn_, text](const error_code& ec, size_t) {
                      if (self->done_ || gen != self->conn_gen_) return;
                      if (ec) {
                        return self->Finish(
                            Unavailable("proxy CONNECT to " + self->Where() + ": " + ec.message()));
                      }
                      self->connect_reader_ = std::make_unique<ResponseReader>(0, true);
                      self->ReadConnectResponse();
                    }));
}

void Exchange::ReadConnectResponse() {
  conn_->AsyncReadSome(
      asio::buffer(read_buf_), Bind([self = shared_from_this(), gen = conn_gen_, conn = conn_](const error_code& ec, size_t n) {
        if (self->done_ || gen != self->conn_gen_) return;
        std::string where = "proxy CONNECT to " + self->Where();
        if (ec) return self->Finish(Unavailable(where + ": " + ec.message()));
        self->in_.append(self->read_buf_.data(), n);
        size_t consumed = 0;
        std::string ignored;
        Status s = self->connect_reader_->Parse(self->in_, &consumed, &ignored);
        if (!s.ok()) return self->Finish(Unavailable(where + ": " + s.message()));
        self->in_.erase(0, consumed);
        if (!self->connect_reader_->is_done()) return self->ReadConnectResponse();
        int status = self->connect_reader_->head().status;
        if (status / 100 != 2) {
          return self->Finish(Unavailable(where + ": the proxy answered HTTP " +
                                          std::to_string(status)));
        }
        if (!self->in_.empty()) {
          return self->Finish(Unavailable(where + ": the proxy sent bytes after its answer"));
        }
        self->connect_reader_.reset();
        self->Handshake();
      }));
}

void Exchange::Handshake() {
  Status s = conn_->UpgradeToTls(*core_.tls, url_.host);
  if (!s.ok()) return Finish(s);
  conn_->tls().async_handshake(
      ssl::stream_base::client, Bind([self = shared_from_this(), gen = conn_gen_, conn = conn_](const error_code& ec) {
        if (self->done_ || gen != self->conn_gen_) return;
        if (ec) {
          std::string reason = self->conn_->VerifyError();
          if (reason.empty()) reason = ec.message();
          return self->Finish(
              Unavailable("TLS handshake with " + self->Where() + " failed: " + reason));
        }
        self->Send();
      }));
}

void Exchange::Send() {
  got_bytes_ = false;
  write_done_ = false;
  in_.clear();
  reader_ = std::make_unique<ResponseReader>(request_.max_response_bytes,
                                             request_.method == "HEAD");
  ArmPhase(Phase::kFirstByte);
  conn_->AsyncWrite(asio::buffer(request_text_),
                    Bind([self = shared_from_this(), gen = conn_gen_, conn = conn_](const error_code& ec, size_t) {
                      if (self->done_ || gen != self->conn_gen_) return;
                      if (ec) {
                        if (IsDisconnect(ec) && self->RetryStale()) return;
                        return self->Finish(Unavailable("sending the request to " + self->Where() +
                                                        ": " + ec.message()));
                      }
                      self->write_done_ = true;
                    }));
  // Read at once: an upstream may answer (e.g. 413) before it has read the whole body.
  Read();
}

void Exchange::Read() {
  conn_->AsyncReadSome(asio::buffer(read_buf_),
                       Bind([self = shared_from_this(), gen = conn_gen_, conn = conn_](const error_code& ec, size_t n) {
                         if (gen == self->conn_gen_) self->OnRead(ec, n);
                       }));
}

void Exchange::OnRead(const error_code& ec, size_t n) {
  if (done_) return;
  if (n > 0) {
    got_bytes_ = true;
    in_.append(read_buf_.data(), n);
    std::string body;
    while (true) {
      size_t consumed = 0;
      Status s = reader_->Parse(in_, &consumed, &body);
      in_.erase(0, consumed);
      if (!s.ok()) {
        Deliver(body);
        return Finish(s);
      }
      if (reader_->is_header_done() && !head_delivered_) {
        int status = reader_->head().status;
        if (status >= 100 && status < 200 && status != 101) {
          // An interim answer (100 Continue, 103 Early Hints): the real one follows.
          reader_ = std::make_unique<ResponseReader>(request_.max_response_bytes,
                                                     request_.method == "HEAD");
          continue;
        }
        head_delivered_ = true;
        ArmPhase(Phase::kStall);
        if (!handler_->OnHead(reader_->head())) {
          return Finish(Cancelled("cancelled by the response handler"));
        }
        if (done_) return;
      }
      break;
    }
    Deliver(body);
    if (done_) return;
    if (reader_->is_done()) return Complete();
    if (in_.size() > kMaxUnparsed) {
      return Finish(DataLoss("upstream " + Where() + " sent an oversized chunk header"));
    }
    if (head_delivered_ && request_.flow && Park()) return;
  }
  if (ec) {
    if (!got_bytes_ && IsDisconnect(ec) && RetryStale()) return;
    if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      if (!got_bytes_) {
        return Finish(Unavailable("upstream " + Where() +
                                  " closed the connection without responding"));
      }
      Status s = reader_->Eof();
      if (!s.ok()) return Finish(s);
      return Complete();
    }
    if (head_delivered_) {
      return Finish(DataLoss("upstream closed the connection mid-response (" + ec.message() + ")"));
    }
    return Finish(Unavailable("reading the response from " + Where() + ": " + ec.message()));
  }
  Read();
}

bool Exchange::Park() {
  // The parked callback holds the exchange (nothing else does while no read is pending); Finish
  // (cancel, a timeout, client shutdown) drops it through FlowControl::Clear.
  bool parked = request_.flow->Park([self = shared_from_this(), gate = core_.gate,
                                     strand = strand_, gen = conn_gen_] {
    std::lock_guard lock(gate->mu);
    if (!gate->open) return;
    asio::post(strand, [self, gen] {
      if (self->done_ || gen != self->conn_gen_) return;
      self->ArmPhase(Phase::kStall);
      self->Read();
    });
  });
  if (parked) {
    ++phase_gen_;  // the stall clock stops while paused
    phase_timer_.cancel();
  }
  return parked;
}

void Exchange::Deliver(std::string& body) {
  if (body.empty() || done_) return;
  if (head_delivered_) ArmPhase(Phase::kStall);
  if (!handler_->OnData(body)) Finish(Cancelled("cancelled by the response handler"));
  body.clear();
}

void Exchange::Complete() {
  // Not reusable while our request is still being written (the upstream answered early).
  bool reusable = reader_->keep_alive() && in_.empty() && write_done_ && conn_ != nullptr;
  if (reusable) {
    core_.pool.Put(pool_key_, std::move(conn_));
  }
  Finish(Status::Ok());  // closes conn_ when it was not pooled
}

bool Exchange::RetryStale() {
  if (!reused_ || retried_ || got_bytes_) return false;
  retried_ = true;
  conn_->Close();
  conn_.reset();
  Acquire(/*allow_pooled=*/false);
  return true;
}

void Exchange::ArmPhase(Phase phase) {
  ++phase_gen_;
  phase_timer_.cancel();
  std::chrono::milliseconds limit{0};
  switch (phase) {
    case Phase::kConnect: limit = request_.timeouts.connect; break;
    case Phase::kFirstByte: limit = request_.timeouts.first_byte; break;
    case Phase::kStall: limit = request_.timeouts.stall; break;
  }
  if (limit.count() <= 0) return;
  phase_timer_.expires_after(limit);
  phase_timer_.async_wait(
      Bind([self = shared_from_this(), gen = phase_gen_, phase, limit](const error_code& ec) {
        if (ec || self->done_ || gen != self->phase_gen_) return;
        std::string ms = std::to_string(limit.count()) + " ms";
        switch (phase) {
          case Phase::kConnect:
            return self->Finish(DeadlineExceeded("connect to " + self->Where() +
                                                 " timed out (connect timeout " + ms + ")"));
          case Phase::kFirstByte:
            return self->Finish(DeadlineExceeded("no response head from " + self->Where() +
                                                 " within the first byte timeout (" + ms + ")"));
          case Phase::kStall:
            return self->Finish(DeadlineExceeded("upstream " + self->Where() +
                                                 " stalled: no body bytes within the stall "
                                                 "timeout (" + ms + ")"));
        }
      }));
}

void Exchange::ArmTotal() {
  std::chrono::milliseconds limit = request_.timeouts.total;
  if (limit.count() <= 0) return;
  total_timer_.expires_after(limit);
  total_timer_.async_wait(Bind([self = shared_from_this(), limit](const error_code& ec) {
    if (ec || self->done_) return;
    self->Finish(DeadlineExceeded("request to " + self->Where() + " exceeded the total timeout (" +
                                  std::to_string(limit.count()) + " ms)"));
  }));
}

void Exchange::Finish(Status status) {
  if (done_) return;
  done_ = true;
  ++phase_gen_;
  phase_timer_.cancel();
  total_timer_.cancel();
  resolver_.cancel();
  if (conn_) {
    conn_->Close();
    conn_.reset();
  }
  if (request_.cancel && cancel_callback_ != 0) request_.cancel->RemoveCallback(cancel_callback_);
  if (request_.flow) request_.flow->Clear();
  core_.Unregister(id_);
  std::shared_ptr<ResponseHandler> handler = std::move(handler_);
  handler->OnDone(std::move(status));
}

}  // namespace hearth::net::internal
