// Connection, writing side: complete responses, file regions (blob downloads) and chunked
// streams, plus the streamed request body reads that handlers drive through Call::ReadBody.
#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/check.h"
#include "http/connection.h"

namespace hearth::http::internal {
namespace {

constexpr size_t kFileChunk = 256 << 10;

const char* ReasonFor(int status) {
  switch (status) {
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    default: return nullptr;
  }
}

const char* ContentTypeFor(StreamFormat format) {
  switch (format) {
    case StreamFormat::kNdjson: return "application/x-ndjson";
    case StreamFormat::kSse:
    case StreamFormat::kSseEvents: return "text/event-stream";
    case StreamFormat::kRaw: return "application/octet-stream";
  }
  return "application/octet-stream";
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "data: <line>\n" for every line of `payload`.
std::string SseData(std::string_view payload) {
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t nl = payload.find('\n', start);
    out += "data: ";
    out += payload.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += "\n";
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

// False (and a bug report) for a header that would break the response framing: an empty or
// non-token name, or CR, LF or NUL in the value.
bool SafeHeader(std::string_view name, std::string_view value) {
  bool ok = !name.empty();
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    ok &= u > 32 && u < 127 && c != ':';
  }
  ok &= value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
  if (!ok) HEARTH_BUG("dropped an unsafe response header");
  return ok;
}

}  // namespace

std::string Frame(StreamFormat format, std::string_view event, std::string_view payload) {
  switch (format) {
    case StreamFormat::kNdjson: return std::string(payload) + "\n";
    case StreamFormat::kSse: return SseData(payload) + "\n";
    case StreamFormat::kSseEvents:
      return (event.empty() ? "" : "event: " + std::string(event) + "\n") + SseData(payload) + "\n";
    case StreamFormat::kRaw: return std::string(payload);
  }
  return std::string(payload);
}

std::string ErrorFrame(StreamFormat format, std::string_view message) {
  const std::string m(message);
  switch (format) {
    case StreamFormat::kNdjson: return Dump({{"error", m}}) + "\n";
    case StreamFormat::kSse:
      return Frame(format, "",
                   Dump({{"error",
                          {{"message", m}, {"type", "api_error"}, {"param", nullptr},
                           {"code", nullptr}}}}));
    case StreamFormat::kSseEvents:
      return Frame(format, "error",
                   Dump({{"type", "error"}, {"error", {{"type", "api_error"}, {"message", m}}}}));
    case StreamFormat::kRaw: return "";
  }
  return "";
}

template <class Message>
void Connection::PrepareHeader(Message& m, int status, const std::string& content_type,
                               const HeaderList& headers) {
  m.version(version_);
  // Beast throws on a status outside 100-999; a handler bug must not take the I/O thread down.
  if (status < 100 || status > 999) {
    HEARTH_BUG("HTTP handler answered an invalid status");
    status = 500;
  }
  m.result(static_cast<unsigned>(status));
  if (const char* reason = ReasonFor(status)) m.reason(reason);
  if (SafeHeader("Content-Type", content_type) && !content_type.empty()) {
    m.set(http::field::content_type, content_type);
  }
  for (const auto& [name, value] : extra_headers_) {
    if (SafeHeader(name, value)) m.insert(name, value);
  }
  for (const auto& [name, value] : headers) {
    if (SafeHeader(name, value)) m.insert(name, value);
  }
  m.keep_alive(keep_alive_);
}

void Connection::Deliver(uint64_t exchange, Response response) {
  if (exchange != exchange_ || state_ != State::kHandling) return;
  if (!body_done_) {
    // The handler answered before reading the whole body: stop reading; the connection closes.
    keep_alive_ = false;
    beast::error_code ignored;
    socket_.cancel(ignored);
  }
  WriteResponse(std::move(response));
}

void Connection::WriteResponse(Response r) {
  state_ = State::kWriting;
  if (r.close) keep_alive_ = false;
  if (!body_done_) keep_alive_ = false;
  if (r.file && !head_) {
    file_fd_ = ::open(r.file->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file_fd_ < 0) {
      r = ErrorResponse(path_, 500, "cannot open " + r.file->path);
    } else {
      file_offset_ = r.file->offset;
      file_remaining_ = r.file->length;
      buffer_res_ = std::make_unique<http::response<http::buffer_body>>();
      PrepareHeader(*buffer_res_, r.status, r.content_type, r.headers);
      buffer_res_->content_length(r.file->length);
      buffer_sr_ = std::make_unique<http::response_serializer<http::buffer_body>>(*buffer_res_);
      ArmTimer(core_.options.write_timeout);
      http::async_write_header(socket_, *buffer_sr_,
                               [self = shared_from_this()](beast::error_code ec, size_t) {
                                 if (self->state_ == State::kClosed) return;
                                 self->CancelTimer();
                                 if (ec) {
                                   self->Close();
                                   return;
                                 }
                                 self->WriteFileChunk();
                               });
      return;
    }
  }
  auto done = [self = shared_from_this()](beast::error_code ec, size_t) {
    if (self->state_ == State::kClosed) return;
    self->CancelTimer();
    if (ec) {
      self->Close();
      return;
    }
    self->EndExchange();
  };
  ArmTimer(core_.options.write_timeout);
  if (head_) {
    empty_res_ = std::make_unique<http::response<http::empty_body>>();
    PrepareHeader(*empty_res_, r.status, r.content_type, r.headers);
    if (r.status >= 200 && r.status != 204 && r.status != 304) {
      empty_res_->set(http::field::content_length,
                      std::to_string(r.file ? r.file->length : r.body.size()));
    }
    http::async_write(socket_, *empty_res_, std::move(done));
    return;
  }
  string_res_ = std::make_unique<http::response<http::string_body>>();
  PrepareHeader(*string_res_, r.status, r.content_type, r.headers);
  // These statuses have no body (and Beast refuses to frame one).
  const unsigned code = string_res_->result_int();
  if (code < 200 || code == 204 || code == 304) r.body.clear();
  string_res_->body() = std::move(r.body);
  string_res_->prepare_payload();
  http::async_write(socket_, *string_res_, std::move(done));
}

void Connection::WriteFileChunk() {
  auto& body = buffer_res_->body();
  auto next = [self = shared_from_this()](beast::error_code ec, size_t) {
    if (self->state_ == State::kClosed) return;
    self->CancelTimer();
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      self->Close();
      return;
    }
    if (self->buffer_sr_->is_done()) {
      self->EndExchange();
    } else {
      self->WriteFileChunk();
    }
  };
  ArmTimer(core_.options.write_timeout);
  if (file_remaining_ == 0) {
    body.data = nullptr;
    body.size = 0;
    body.more = false;
    http::async_write(socket_, *buffer_sr_, std::move(next));
    return;
  }
  const size_t want = static_cast<size_t>(std::min<uint64_t>(file_remaining_, kFileChunk));
  chunk_.resize(want);
  const ssize_t got = ::pread(file_fd_, chunk_.data(), want, static_cast<off_t>(file_offset_));
  if (got <= 0) {
    // The headers are out; a short file can only end the connection.
    Close();
    return;
  }
  file_offset_ += static_cast<uint64_t>(got);
  file_remaining_ -= static_cast<uint64_t>(got);
  body.data = chunk_.data();
  body.size = static_cast<size_t>(got);
  body.more = true;
  http::async_write(socket_, *buffer_sr_, std::move(next));
}

void Connection::OpenStream(uint64_t exchange, std::shared_ptr<StreamState> state,
                            StreamFormat format, int status, HeaderList headers) {
  if (exchange != exchange_ || state_ != State::kHandling) {
    state->open = false;
    return;
  }
  state_ = State::kWriting;
  stream_ = std::move(state);
  final_sent_ = false;
  in_flight_ = 0;
  if (version_ < 11) keep_alive_ = false;  // no chunked encoding: the body ends at close
  if (format == StreamFormat::kSse || format == StreamFormat::kSseEvents) {
    headers.emplace_back("Cache-Control", "no-cache");
  }
  buffer_res_ = std::make_unique<http::response<http::buffer_body>>();
  PrepareHeader(*buffer_res_, status, ContentTypeFor(format), headers);
  if (version_ >= 11) buffer_res_->chunked(true);
  buffer_sr_ = std::make_unique<http::response_serializer<http::buffer_body>>(*buffer_res_);
  writing_ = true;
  ArmTimer(core_.options.write_timeout);
  http::async_write_header(socket_, *buffer_sr_,
                           [self = shared_from_this()](beast::error_code ec, size_t) {
                             self->OnStreamWritten(ec);
                           });
}

void Connection::OnStreamWritten(beast::error_code ec) {
  writing_ = false;
  if (state_ == State::kClosed) return;
  CancelTimer();
  if (ec == http::error::need_buffer) ec = {};
  if (ec) {
    PeerGone();
    return;
  }
  if (stream_) {
    std::lock_guard<std::mutex> lock(stream_->mu);
    stream_->backlog -= std::min(stream_->backlog, in_flight_);
  }
  in_flight_ = 0;
  Pump(exchange_);
}

void Connection::Pump(uint64_t exchange) {
  if (exchange != exchange_ || !stream_ || writing_ || state_ != State::kWriting) return;
  bool finished;
  chunk_.clear();
  {
    std::lock_guard<std::mutex> lock(stream_->mu);
    stream_->pump_scheduled = false;
    for (std::string& piece : stream_->pending) chunk_ += piece;
    stream_->pending.clear();
    finished = stream_->finished;
  }
  auto& body = buffer_res_->body();
  if (!chunk_.empty()) {
    in_flight_ = chunk_.size();
    body.data = chunk_.data();
    body.size = chunk_.size();
    body.more = true;
    writing_ = true;
    ArmTimer(core_.options.write_timeout);
    http::async_write(socket_, *buffer_sr_,
                      [self = shared_from_this()](beast::error_code e, size_t) {
                        self->OnStreamWritten(e);
                      });
    return;
  }
  if (!finished || final_sent_) return;
  final_sent_ = true;
  body.data = nullptr;
  body.size = 0;
  body.more = false;
  writing_ = true;
  ArmTimer(core_.options.write_timeout);
  http::async_write(socket_, *buffer_sr_, [self = shared_from_this()](beast::error_code e, size_t) {
    self->writing_ = false;
    if (self->state_ == State::kClosed) return;
    self->CancelTimer();
    if (e == http::error::need_buffer) e = {};
    if (e) {
      self->Close();
      return;
    }
    self->stream_->open = false;
    if (self->version_ < 11) {
      self->Close();
      return;
    }
    self->EndExchange();
  });
}

void Connection::StreamOverflow(uint64_t exchange) {
  if (exchange == exchange_) PeerGone();
}

void Connection::ReadBody(uint64_t exchange, char* buffer, size_t size,
                          std::function<void(Result<size_t>)> done) {
  if (exchange != exchange_ || state_ != State::kHandling) {
    done(Cancelled("client disconnected"));
    return;
  }
  if (body_done_ || !stream_parser_) {
    done(size_t{0});
    return;
  }
  auto& body = stream_parser_->get().body();
  body.data = buffer;
  body.size = size;
  ArmTimer(core_.options.read_timeout);
  http::async_read(
      socket_, buffer_, *stream_parser_,
      [self = shared_from_this(), exchange, buffer, size, done = std::move(done)](
          beast::error_code ec, size_t) mutable {
        self->CancelTimer();
        if (self->state_ == State::kClosed) {
          done(Cancelled("client disconnected"));
          return;
        }
        if (ec == http::error::need_buffer) ec = {};
        if (ec == http::error::body_limit) {
          self->keep_alive_ = false;
          done(ResourceExhausted("request body too large"));
          return;
        }
        if (ec == asio::error::operation_aborted) {
          done(Cancelled("request body read cancelled"));
          return;
        }
        if (ec) {
          self->Close();
          done(IOError("reading request body: " + ec.message()));
          return;
        }
        const size_t produced = size - self->stream_parser_->get().body().size;
        if (self->stream_parser_->is_done()) {
          self->body_done_ = true;
          self->StartWatch();
        }
        if (produced == 0 && !self->body_done_) {
          self->ReadBody(exchange, buffer, size, std::move(done));
          return;
        }
        done(produced);
      });
}

}  // namespace hearth::http::internal
