#pragma once
// Internal to net/: an incremental HTTP/1.1 response parser (Beast's basic_parser) that keeps
// the head and hands out de-chunked body bytes as they are parsed. Bounded: head size and body
// size limits. Thread-compatible.

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "net/async_client.h"

namespace hearth::net::internal {

class ResponseReader : public boost::beast::http::basic_parser<false> {
 public:
  static constexpr uint32_t kMaxHeadBytes = 64u << 10;

  // `head_request`: the response has no body whatever its headers say.
  ResponseReader(uint64_t max_body_bytes, bool head_request);

  // Parses as much of `bytes` as possible. Returns the bytes consumed (the caller drops them and
  // calls again with more input when fewer were consumed and no error). Body bytes parsed by this
  // call are appended to *body. A non-OK status is the final error of the exchange.
  Status Parse(std::string_view bytes, size_t* consumed, std::string* body);
  // The peer closed the connection: completes a read-to-EOF body, or returns the error.
  Status Eof();

  const ResponseHead& head() const { return head_; }
  ResponseHead& head() { return head_; }

 private:
  Status MapError(const boost::system::error_code& ec) const;

  void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                       boost::beast::string_view, int, boost::system::error_code&) override;
  void on_response_impl(int code, boost::beast::string_view reason, int version,
                        boost::system::error_code& ec) override;
  void on_field_impl(boost::beast::http::field, boost::beast::string_view name,
                     boost::beast::string_view value, boost::system::error_code& ec) override;
  void on_header_impl(boost::system::error_code& ec) override;
  void on_body_init_impl(const boost::optional<uint64_t>& length,
                         boost::system::error_code& ec) override;
  size_t on_body_impl(boost::beast::string_view body, boost::system::error_code& ec) override;
  void on_chunk_header_impl(uint64_t size, boost::beast::string_view extensions,
                            boost::system::error_code& ec) override;
  size_t on_chunk_body_impl(uint64_t remain, boost::beast::string_view body,
                            boost::system::error_code& ec) override;
  void on_finish_impl(boost::system::error_code& ec) override;

  uint64_t max_body_bytes_;
  ResponseHead head_;
  std::string* body_out_ = nullptr;
};

}  // namespace hearth::net::internal
