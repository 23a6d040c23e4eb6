#pragma once
// Incremental parsers for streamed response bodies: SseParser (text/event-stream, as the
// WHATWG HTML "server-sent events" section defines it) and LineSplitter (NDJSON). Bytes may be
// split at any point across Feed() calls. Both are bounded: an event or line longer than the
// limit is an error, after which the parser stays failed. Thread-compatible.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hearth::net {

struct SseEvent {
  std::string event;  // the "event:" field; "" when absent (the spec's default type "message")
  std::string data;   // the "data:" lines joined with "\n"
  std::string id;     // the last event id seen on the stream so far ("id:" persists)
};

class SseParser {
 public:
  explicit SseParser(size_t max_event_bytes = 4u << 20) : max_event_bytes_(max_event_bytes) {}

  // Consumes `bytes`, appending each completed event (blank-line terminated, with data) to
  // `out`. Lines end in CRLF, LF or CR; ":" lines are comments; a UTF-8 BOM at the start is
  // skipped; unknown fields are ignored. ResourceExhausted when one event (its pending line plus
  // data) passes max_event_bytes; every later call returns the same error.
  Status Feed(std::string_view bytes, std::vector<SseEvent>* out);

  // The last valid "retry:" value (milliseconds), if any.
  std::optional<int64_t> retry_ms() const { return retry_ms_; }
  // True when bytes of an event not yet terminated by a blank line are buffered (at the end of
  // the stream such an event is discarded, per the spec).
  bool HasPartialEvent() const { return !line_.empty() || !data_.empty() || has_data_; }

 private:
  void Line(std::string_view line, std::vector<SseEvent>* out);

  size_t max_event_bytes_;
  Status error_;
  std::string line_;   // the current line, without its terminator
  bool after_cr_ = false;
  bool started_ = false;  // past the optional BOM
  std::string bom_;       // BOM candidate bytes at the start
  std::string event_, data_, last_id_;
  bool has_data_ = false;
  std::optional<int64_t> retry_ms_;
};

// Splits a byte stream into lines (LF or CRLF terminated; the terminator is dropped). Empty lines
// are skipped, as NDJSON readers do.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line_bytes = 4u << 20) : max_line_bytes_(max_line_bytes) {}
  // Appends each completed line to `out`. ResourceExhausted when a line passes max_line_bytes;
  // every later call returns the same error.
  Status Feed(std::string_view bytes, std::vector<std::string>* out);
  // End of stream: appends the unterminated last line, if any.
  Status Finish(std::vector<std::string>* out);

 private:
  size_t max_line_bytes_;
  Status error_;
  std::string line_;
};

}  // namespace hearth::net
