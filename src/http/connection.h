#pragma once
// Internal to the transport: one accepted TCP connection and the state the server shares with
// its connections. Everything a Connection does runs on its strand; other threads reach it only
// through Gate::Post (which refuses once the server has stopped) and a weak_ptr, so no thread but
// the I/O threads ever owns a Connection.

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/call.h"
#include "http/route_table.h"
#include "http/security.h"
#include "http/server.h"

namespace hearth::http::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

class Connection;

// Posts work to the I/O threads while the server runs. Thread-safe.
struct Gate {
  std::mutex mu;
  bool open = true;
  asio::io_context* io = nullptr;

  template <class F>
  bool Post(F&& fn) {
    std::lock_guard<std::mutex> lock(mu);
    if (!open) return false;
    asio::post(*io, std::forward<F>(fn));
    return true;
  }
};

// Runs `fn(connection)` on the connection's strand, if both the server and the connection are
// still alive. Returns false when the server has stopped. Any thread.
bool PostToConnection(const std::shared_ptr<Gate>& gate, const std::weak_ptr<Connection>& conn,
                      std::function<void(Connection&)> fn);

struct Core {
  Core(ServerOptions o, RouteTable r, Security s)
      : options(std::move(o)), router(std::move(r)), security(std::move(s)) {}
  ServerOptions options;
  RouteTable router;
  Security security;
  asio::io_context io;
  std::optional<asio::thread_pool> workers;
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  std::atomic<bool> stopping{false};
  std::mutex connections_mu;
  std::list<std::weak_ptr<Connection>> connections;
};

// A streaming response's queue, shared by the StreamWriter (any thread) and the Connection.
struct StreamState {
  std::mutex mu;
  std::deque<std::string> pending;
  size_t backlog = 0;  // queued + in-flight bytes
  bool finished = false;
  bool pump_scheduled = false;
  std::atomic<bool> open{true};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Strand = asio::strand<asio::io_context::executor_type>;

  Connection(tcp::socket socket, Strand strand, Core& core);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Strand& strand() const { return strand_; }

  // Strand only.
  void Start();
  void Close();
  void Deliver(uint64_t exchange, Response response);
  void OpenStream(uint64_t exchange, std::shared_ptr<StreamState> state, StreamFormat format,
                  int status, HeaderList headers);
  void Pump(uint64_t exchange);
  void StreamOverflow(uint64_t exchange);
  void ReadBody(uint64_t exchange, char* buffer, size_t size,
                std::function<void(Result<size_t>)> done);

 private:
  enum class State { kReadingHeader, kReadingBody, kHandling, kWriting, kLingering, kClosed };

  // connection.cc: reading and dispatch.
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void ReadWholeBody(const Route& route, size_t limit);
  void Dispatch(const Route& route, Request request);
  void StartWatch();
  void OnWatch(beast::error_code ec, size_t n);
  void PeerGone();
  void EndExchange();
  void LingeringClose();
  void LingerRead();
  void ArmTimer(std::chrono::steady_clock::duration d);
  void CancelTimer();
  // Answers before dispatch (security refusals, routing errors, 413); `close` when the body is
  // left unread.
  void Reject(Response response, bool close);
  void WriteContinue(std::function<void()> next);

  // connection_write.cc: responses.
  void WriteResponse(Response response);
  void WriteFileChunk();
  void OnStreamWritten(beast::error_code ec);
  template <class Message>
  void PrepareHeader(Message& m, int status, const std::string& content_type,
                     const HeaderList& headers);

  tcp::socket socket_;
  Strand strand_;
  Core& core_;
  asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  beast::flat_buffer buffer_;
  State state_ = State::kReadingHeader;
  std::string remote_;

  // The exchange (request/response) in progress.
  uint64_t exchange_ = 0;
  bool head_ = false;
  bool keep_alive_ = false;
  bool body_done_ = true;
  unsigned version_ = 11;
  std::string path_;
  HeaderList extra_headers_;  // CORS headers for this exchange's response
  CancelTokenPtr cancel_;
  std::shared_ptr<internal::Responder> link_;
  std::shared_ptr<Connection> self_;  // set while a handler owns the exchange
  bool watching_ = false;
  bool next_after_watch_ = false;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> body_parser_;
  std::optional<http::request_parser<http::buffer_body>> stream_parser_;

  // Response writing.
  bool writing_ = false;
  std::unique_ptr<http::response<http::string_body>> string_res_;
  std::unique_ptr<http::response<http::empty_body>> empty_res_;
  std::unique_ptr<http::response<http::buffer_body>> buffer_res_;
  std::unique_ptr<http::response_serializer<http::buffer_body>> buffer_sr_;
  std::shared_ptr<StreamState> stream_;
  size_t in_flight_ = 0;
  bool final_sent_ = false;
  std::string chunk_;
  std::array<char, 16384> linger_buffer_;
  size_t linger_total_ = 0;
  int file_fd_ = -1;
  uint64_t file_offset_ = 0;
  uint64_t file_remaining_ = 0;
};

// Frames `payload` for `format` (NDJSON line, SSE event, raw bytes).
std::string Frame(StreamFormat format, std::string_view event, std::string_view payload);
// The final error frame for `format`.
std::string ErrorFrame(StreamFormat format, std::string_view message);

}  // namespace hearth::http::internal
