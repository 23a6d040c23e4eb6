// Connection, reading side: request headers, security, routing, bodies, dispatch to the worker
// pool, the disconnect watch, keep-alive and closing. Writing is in connection_write.cc.
#include <unistd.h>

#include <boost/beast/core/string.hpp>
#include <cstdio>
#include <limits>

#include "base/check.h"
#include "http/connection.h"

namespace hearth::http::internal {
namespace {

// Bytes of pipelined data the disconnect watch buffers before it stops reading.
constexpr size_t kMaxWatchBuffer = 64 << 10;
// What a lingering close reads and discards (and for how long) so that the peer receives our
// response instead of a reset.
constexpr size_t kLingerBytes = 1 << 20;
constexpr auto kLingerTime = std::chrono::seconds(2);

// Call's link to this connection for one exchange. Holds the connection weakly; any thread.
class Link : public Responder {
 public:
  Link(std::shared_ptr<Gate> gate, std::weak_ptr<Connection> conn, uint64_t exchange,
       size_t max_backlog)
      : gate_(std::move(gate)), conn_(std::move(conn)), exchange_(exchange),
        max_backlog_(max_backlog) {}

  void Deliver(Response response) override {
    auto shared = std::make_shared<Response>(std::move(response));
    PostToConnection(gate_, conn_, [ex = exchange_, shared](Connection& c) {
      c.Deliver(ex, std::move(*shared));
    });
  }

  StreamWriterPtr OpenStream(StreamFormat format, int status, HeaderList headers) override;

  void ReadBody(char* buffer, size_t size, std::function<void(Result<size_t>)> done) override {
    auto shared_done = std::make_shared<std::function<void(Result<size_t>)>>(std::move(done));
    const bool posted = PostToConnection(
        gate_, conn_, [ex = exchange_, buffer, size, shared_done](Connection& c) {
          c.ReadBody(ex, buffer, size, *shared_done);
        });
    if (!posted) (*shared_done)(Cancelled("server stopped"));
  }

 private:
  std::shared_ptr<Gate> gate_;
  std::weak_ptr<Connection> conn_;
  uint64_t exchange_;
  size_t max_backlog_;
};

class Writer : public StreamWriter {
 public:
  Writer(std::shared_ptr<Gate> gate, std::weak_ptr<Connection> conn, uint64_t exchange,
         std::shared_ptr<StreamState> state, StreamFormat format, size_t max_backlog)
      : gate_(std::move(gate)), conn_(std::move(conn)), exchange_(exchange),
        state_(std::move(state)), format_(format), max_backlog_(max_backlog) {}
  ~Writer() override { Finish(); }

  bool Send(std::string_view payload) override { return Enqueue(Frame(format_, "", payload), false); }
  bool SendEvent(std::string_view event, std::string_view payload) override {
    return Enqueue(Frame(format_, event, payload), false);
  }
  void Finish() override {
    Enqueue(format_ == StreamFormat::kSse ? "data: [DONE]\n\n" : "", true);
  }
  void Fail(std::string_view message) override {
    Enqueue(ErrorFrame(format_, message), false);
    Finish();
  }
  bool IsOpen() const override { return state_->open.load(); }

 private:
  // Queues `bytes` (and the end of the stream when `finish`). Returns false when the stream is
  // closed or finished.
  bool Enqueue(std::string bytes, bool finish) {
    bool schedule = false, overflow = false;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      if (state_->finished || !state_->open.load()) return false;
      if (state_->backlog + bytes.size() > max_backlog_) {
        state_->open = false;
        overflow = true;
      } else {
        state_->backlog += bytes.size();
        if (!bytes.empty()) state_->pending.push_back(std::move(bytes));
        state_->finished = finish;
        if (!state_->pump_scheduled) schedule = state_->pump_scheduled = true;
      }
    }
    const uint64_t ex = exchange_;
    if (overflow) {
      PostToConnection(gate_, conn_, [ex](Connection& c) { c.StreamOverflow(ex); });
      return false;
    }
    if (schedule) PostToConnection(gate_, conn_, [ex](Connection& c) { c.Pump(ex); });
    return true;
  }

  std::shared_ptr<Gate> gate_;
  std::weak_ptr<Connection> conn_;
  uint64_t exchange_;
  std::shared_ptr<StreamState> state_;
  StreamFormat format_;
  size_t max_backlog_;
};

StreamWriterPtr Link::OpenStream(StreamFormat format, int status, HeaderList headers) {
  auto state = std::make_shared<StreamState>();
  auto writer = std::make_shared<Writer>(gate_, conn_, exchange_, state, format, max_backlog_);
  const bool posted = PostToConnection(
      gate_, conn_,
      [ex = exchange_, state, format, status, h = std::move(headers)](Connection& c) mutable {
        c.OpenStream(ex, state, format, status, std::move(h));
      });
  if (!posted) state->open = false;
  return writer;
}

}  // namespace

bool PostToConnection(const std::shared_ptr<Gate>& gate, const std::weak_ptr<Connection>& conn,
                      std::function<void(Connection&)> fn) {
  return gate->Post([conn, fn = std::move(fn)]() mutable {
    std::shared_ptr<Connection> c = conn.lock();
    if (!c) return;
    asio::dispatch(c->strand(), [c, fn = std::move(fn)] { fn(*c); });
  });
}

Connection::Connection(tcp::socket socket, Strand strand, Core& core)
    : socket_(std::move(socket)), strand_(std::move(strand)), core_(core), timer_(strand_) {
  beast::error_code ec;
  const tcp::endpoint peer = socket_.remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
}

Connection::~Connection() {
  if (cancel_) cancel_->Cancel();
  if (stream_) stream_->open = false;
  if (file_fd_ >= 0) ::close(file_fd_);
}

void Connection::Start() { ReadHeader(); }

void Connection::ArmTimer(std::chrono::steady_clock::duration d) {
  const uint64_t generation = ++timer_generation_;
  timer_.expires_after(d);
  timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
    if (ec || generation != self->timer_generation_ || self->state_ == State::kClosed) return;
    self->Close();
  });
}

void Connection::CancelTimer() {
  ++timer_generation_;
  timer_.cancel();
}

void Connection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  if (cancel_) cancel_->Cancel();
  if (stream_) stream_->open = false;
  CancelTimer();
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  self_.reset();  // callers hold their own reference
}

void Connection::ReadHeader() {
  state_ = State::kReadingHeader;
  header_parser_.emplace();
  header_parser_->header_limit(static_cast<uint32_t>(core_.options.max_header_bytes));
  // Body limits are per route, checked after routing.
  header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  body_parser_.reset();
  stream_parser_.reset();
  ArmTimer(core_.options.idle_timeout);
  http::async_read_header(socket_, buffer_, *header_parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->OnHeader(ec);
                          });
}

void Connection::OnHeader(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  CancelTimer();
  ++exchange_;
  extra_headers_.clear();
  head_ = false;
  version_ = 11;
  path_ = "/";
  body_done_ = true;
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
    Close();
    return;
  }
  if (ec) {
    const bool too_big = ec == http::error::header_limit;
    keep_alive_ = false;
    Reject(Response::Json(too_big ? 431 : 400,
                          ErrorBody("/", too_big ? 431 : 400,
                                    too_big ? "request header fields too large"
                                            : "malformed HTTP request: " + ec.message())),
           true);
    return;
  }
  const auto& msg = header_parser_->get();
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  req.remote_address = remote_;
  for (const auto& field : msg) req.headers.Add(field.name_string(), field.value());
  const size_t q = req.target.find('?');
  const std::string raw_path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  version_ = msg.version();
  head_ = req.method == "HEAD";
  keep_alive_ = msg.keep_alive() && !core_.stopping.load();
  const bool has_body = header_parser_->chunked() ||
                        header_parser_->content_length().value_or(0) > 0;
  body_done_ = !has_body;
  auto decoded = PercentDecode(raw_path);
  req.path = decoded.ok() ? *decoded : raw_path;
  path_ = req.path;

  Security::Verdict verdict = core_.security.Check(req);
  extra_headers_ = verdict.headers;
  if (verdict.response) {
    Reject(std::move(*verdict.response), has_body);
    return;
  }
  RouteTable::Found found = core_.router.Find(req.method, raw_path);
  if (!found.error.empty()) {
    Reject(ErrorResponse(req.path, 400, found.error), has_body);
    return;
  }
  const bool is_public = found.route && found.route->options.public_route;
  if (!is_public && !core_.security.Authorized(req)) {
    Response r = ErrorResponse(req.path, 401, "unauthorized: a valid API key is required "
                                              "(Authorization: Bearer <key>)");
    r.Header("WWW-Authenticate", "Bearer");
    Reject(std::move(r), has_body);
    return;
  }
  if (!found.route) {
    if (found.allowed.empty()) {
      Reject(ErrorResponse(req.path, 404, "404 page not found"), has_body);
      return;
    }
    std::string allow;
    for (const std::string& m : found.allowed) allow += (allow.empty() ? "" : ", ") + m;
    Response r = ErrorResponse(req.path, 405, "405 method not allowed");
    r.Header("Allow", allow);
    Reject(std::move(r), has_body);
    return;
  }
  const Route& route = *found.route;
  req.params = std::move(found.params);
  const size_t limit = route.options.max_body ? route.options.max_body
                                              : core_.options.max_body_bytes;
  if (header_parser_->content_length().value_or(0) > limit) {
    Reject(ErrorResponse(req.path, 413,
                         "request body too large (limit " + std::to_string(limit) + " bytes)"),
           true);
    return;
  }
  const auto expect = msg[http::field::expect];
  const bool continue_first = has_body && beast::iequals(expect, "100-continue");
  if (route.options.stream_body) {
    stream_parser_.emplace(std::move(*header_parser_));
    stream_parser_->body_limit(limit);
    header_parser_.reset();
    auto go = [this, &route, req = std::move(req)]() mutable { Dispatch(route, std::move(req)); };
    if (continue_first) {
      WriteContinue(std::move(go));
    } else {
      go();
    }
    return;
  }
  auto shared_req = std::make_shared<Request>(std::move(req));
  auto read = [this, &route, limit, shared_req] {
    if (body_done_) {
      Dispatch(route, std::move(*shared_req));
      return;
    }
    body_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    body_parser_->body_limit(limit);
    state_ = State::kReadingBody;
    ArmTimer(core_.options.read_timeout);
    http::async_read(socket_, buffer_, *body_parser_,
                     [self = shared_from_this(), &route, limit, shared_req](beast::error_code e,
                                                                             size_t) {
                       if (self->state_ == State::kClosed) return;
                       self->CancelTimer();
                       if (e == http::error::body_limit) {
                         self->Reject(ErrorResponse(shared_req->path, 413,
                                                    "request body too large (limit " +
                                                        std::to_string(limit) + " bytes)"),
                                      true);
                         return;
                       }
                       if (e) {
                         self->Close();
                         return;
                       }
                       self->body_done_ = true;
                       shared_req->body = std::move(self->body_parser_->get().body());
                       self->body_parser_.reset();
                       self->Dispatch(route, std::move(*shared_req));
                     });
  };
  if (continue_first) {
    WriteContinue(std::move(read));
  } else {
    read();
  }
}

void Connection::WriteContinue(std::function<void()> next) {
  static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
  ArmTimer(core_.options.write_timeout);
  asio::async_write(socket_, asio::buffer(kContinue, sizeof(kContinue) - 1),
                    [self = shared_from_this(), next = std::move(next)](beast::error_code ec,
                                                                        size_t) {
                      if (self->state_ == State::kClosed) return;
                      self->CancelTimer();
                      if (ec) {
                        self->Close();
                        return;
                      }
                      next();
                    });
}

void Connection::Dispatch(const Route& route, Request request) {
  if (core_.stopping.load()) {
    Close();
    return;
  }
  state_ = State::kHandling;
  // No socket operation may be pending while the handler works (streamed bodies, a full watch
  // buffer): the connection keeps itself alive until the exchange ends or it closes.
  self_ = shared_from_this();
  cancel_ = std::make_shared<CancelToken>();
  link_ = std::make_shared<Link>(core_.gate, weak_from_this(), exchange_,
                                 core_.options.max_stream_backlog);
  auto call = std::make_shared<Call>(std::move(request), link_, cancel_);
  if (body_done_) StartWatch();
  const Handler* handler = &route.handler;
  asio::post(*core_.workers, [handler, call] {
    try {
      (*handler)(call);
    } catch (const std::exception& e) {
      HEARTH_BUG("exception escaped an HTTP handler");
      call->RespondError(500, std::string("internal error: ") + e.what());
    } catch (...) {
      HEARTH_BUG("exception escaped an HTTP handler");
      call->RespondError(500, "internal error");
    }
  });
}

void Connection::StartWatch() {
  if (watching_ || state_ == State::kClosed || buffer_.size() >= kMaxWatchBuffer) return;
  watching_ = true;
  socket_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->OnWatch(ec, n);
                          });
}

void Connection::OnWatch(beast::error_code ec, size_t n) {
  watching_ = false;
  if (state_ == State::kClosed) return;
  if (!ec) buffer_.commit(n);
  if (state_ == State::kLingering) {
    if (ec) {
      Close();
    } else {
      buffer_.consume(buffer_.size());
      LingerRead();
    }
    return;
  }
  if (next_after_watch_) {
    next_after_watch_ = false;
    if (ec && ec != asio::error::operation_aborted) {
      Close();
    } else {
      ReadHeader();
    }
    return;
  }
  if (ec == asio::error::operation_aborted) return;
  if (ec) {
    PeerGone();
    return;
  }
  StartWatch();
}

void Connection::PeerGone() {
  keep_alive_ = false;
  Close();
}

void Connection::EndExchange() {
  // Callers hold their own reference, so releasing ours cannot destroy `this` here.
  self_.reset();
  cancel_.reset();
  link_.reset();
  stream_.reset();
  string_res_.reset();
  empty_res_.reset();
  buffer_sr_.reset();
  buffer_res_.reset();
  if (file_fd_ >= 0) ::close(file_fd_);
  file_fd_ = -1;
  if (state_ == State::kClosed) return;
  if (!keep_alive_ || !body_done_ || core_.stopping.load()) {
    LingeringClose();
    return;
  }
  state_ = State::kReadingHeader;
  if (watching_) {
    next_after_watch_ = true;
    beast::error_code ignored;
    socket_.cancel(ignored);
  } else {
    ReadHeader();
  }
}

void Connection::LingeringClose() {
  if (state_ == State::kClosed) return;
  state_ = State::kLingering;
  cancel_.reset();
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    Close();
    return;
  }
  ArmTimer(kLingerTime);
  linger_total_ = 0;
  // A pending watch read continues as the lingering read when it completes.
  if (!watching_) LingerRead();
}

void Connection::LingerRead() {
  watching_ = true;
  socket_.async_read_some(asio::buffer(linger_buffer_),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->watching_ = false;
                            if (self->state_ == State::kClosed) return;
                            self->linger_total_ += n;
                            if (ec || self->linger_total_ > kLingerBytes) {
                              self->Close();
                              return;
                            }
                            self->LingerRead();
                          });
}

void Connection::Reject(Response response, bool close) {
  if (close) keep_alive_ = false;
  WriteResponse(std::move(response));
}

}  // namespace hearth::http::internal
