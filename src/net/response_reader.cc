// GCC 12 with -fsanitize=address reports a false -Wmaybe-uninitialized inside Beast's
// basic_parser (boost::optional in content_length handling); not hearth's code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "net/response_reader.h"

#include <boost/beast/http/error.hpp>

namespace hearth::net::internal {

namespace http = boost::beast::http;
using boost::system::error_code;

ResponseReader::ResponseReader(uint64_t max_body_bytes, bool head_request)
    : max_body_bytes_(max_body_bytes) {
  header_limit(kMaxHeadBytes);
  body_limit(max_body_bytes);
  eager(true);
  if (head_request) skip(true);
}

Status ResponseReader::Parse(std::string_view bytes, size_t* consumed, std::string* body) {
  *consumed = 0;
  body_out_ = body;
  while (*consumed < bytes.size() && !is_done()) {
    error_code ec;
    size_t n = put(boost::asio::const_buffer(bytes.data() + *consumed, bytes.size() - *consumed),
                   ec);
    *consumed += n;
    if (ec == http::error::need_more) break;
    if (ec) {
      body_out_ = nullptr;
      return MapError(ec);
    }
    if (n == 0) break;
  }
  body_out_ = nullptr;
  return Status::Ok();
}

Status ResponseReader::Eof() {
  error_code ec;
  put_eof(ec);
  if (ec) return MapError(ec);
  return Status::Ok();
}

Status ResponseReader::MapError(const error_code& ec) const {
  if (ec == http::error::body_limit) {
    return ResourceExhausted("response body exceeds max_response_bytes (" +
                             std::to_string(max_body_bytes_) + " bytes)");
  }
  if (ec == http::error::header_limit) {
    return Unavailable("upstream response head exceeds " + std::to_string(kMaxHeadBytes) +
                       " bytes");
  }
  if (ec == http::error::partial_message) {
    if (is_header_done()) return DataLoss("upstream closed the connection mid-response");
    return Unavailable("upstream closed the connection mid-way through the response head");
  }
  if (!is_header_done()) return Unavailable("upstream sent an invalid response head: " + ec.message());
  return DataLoss("upstream sent an invalid response body: " + ec.message());
}

void ResponseReader::on_request_impl(http::verb, boost::beast::string_view,
                                     boost::beast::string_view, int, error_code& ec) {
  ec = http::error::bad_method;  // never called for a response parser
}

void ResponseReader::on_response_impl(int code, boost::beast::string_view, int version,
                                      error_code& ec) {
  if (version < 10) ec = http::error::bad_version;
  head_.status = code;
}

void ResponseReader::on_field_impl(http::field, boost::beast::string_view name,
                                   boost::beast::string_view value, error_code&) {
  head_.headers.emplace_back(std::string(name), std::string(value));
}

void ResponseReader::on_header_impl(error_code&) {}

void ResponseReader::on_body_init_impl(const boost::optional<uint64_t>&, error_code&) {}

size_t ResponseReader::on_body_impl(boost::beast::string_view body, error_code&) {
  if (body_out_ != nullptr) body_out_->append(body.data(), body.size());
  return body.size();
}

void ResponseReader::on_chunk_header_impl(uint64_t, boost::beast::string_view, error_code&) {}

size_t ResponseReader::on_chunk_body_impl(uint64_t, boost::beast::string_view body,
                                          error_code&) {
  if (body_out_ != nullptr) body_out_->append(body.data(), body.size());
  return body.size();
}

void ResponseReader::on_finish_impl(error_code&) {}

}  // namespace hearth::net::internal
