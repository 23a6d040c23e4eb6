#include "net/sse.h"

#include <cctype>

namespace hearth::net {

Status SseParser::Feed(std::string_view bytes, std::vector<SseEvent>* out) {
  if (!error_.ok()) return error_;
  if (!started_) {
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    while (!bytes.empty() && bom_.size() < kBom.size()) {
      bom_ += bytes.front();
      bytes.remove_prefix(1);
      if (!kBom.starts_with(bom_)) break;
    }
    if (bom_ == kBom) {
      started_ = true;
      bom_.clear();
    } else if (!kBom.starts_with(bom_)) {
      started_ = true;
      std::string replay = std::move(bom_);
      bom_.clear();
      HEARTH_RETURN_IF_ERROR(Feed(replay, out));
    } else {
      return Status::Ok();  // still a BOM prefix; wait for more
    }
  }
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c != '\n' && c != '\r') {
      after_cr_ = false;
      continue;
    }
    if (c == '\n' && after_cr_ && i == start && line_.empty()) {
      // The LF of a CRLF whose CR ended the previous line.
      after_cr_ = false;
      start = i + 1;
      continue;
    }
    line_.append(bytes.substr(start, i - start));
    Line(line_, out);
    line_.clear();
    after_cr_ = c == '\r';
    start = i + 1;
  }
  line_.append(bytes.substr(start));
  if (!error_.ok()) return error_;
  if (line_.size() + data_.size() + event_.size() > max_event_bytes_) {
    error_ = ResourceExhausted("server-sent event longer than " +
                               std::to_string(max_event_bytes_) + " bytes");
    return error_;
  }
  return Status::Ok();
}

void SseParser::Line(std::string_view line, std::vector<SseEvent>* out) {
  if (line.empty()) {
    if (has_data_) {
      SseEvent e;
      e.event = std::move(event_);
      e.data = std::move(data_);
      if (!e.data.empty() && e.data.back() == '\n') e.data.pop_back();
      e.id = last_id_;
      out->push_back(std::move(e));
    }
    event_.clear();
    data_.clear();
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    event_ = value;
  } else if (field == "data") {
    data_.append(value);
    data_ += '\n';
    has_data_ = true;
    if (data_.size() > max_event_bytes_ && error_.ok()) {
      error_ = ResourceExhausted("server-sent event longer than " +
                                 std::to_string(max_event_bytes_) + " bytes");
    }
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_ = value;
  } else if (field == "retry") {
    if (value.empty() || value.size() > 15) return;
    int64_t ms = 0;
    for (char c : value) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return;
      ms = ms * 10 + (c - '0');
    }
    retry_ms_ = ms;
  }
}

Status LineSplitter::Feed(std::string_view bytes, std::vector<std::string>* out) {
  if (!error_.ok()) return error_;
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    std::string_view part = bytes.substr(0, nl);
    if (line_.size() + part.size() > max_line_bytes_ + 1) {  // +1: a CR before the LF
      error_ = ResourceExhausted("line longer than " + std::to_string(max_line_bytes_) + " bytes");
      return error_;
    }
    line_.append(part);
    if (nl == std::string_view::npos) break;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.size() > max_line_bytes_) {
      error_ = ResourceExhausted("line longer than " + std::to_string(max_line_bytes_) + " bytes");
      return error_;
    }
    if (!line_.empty()) out->push_back(std::move(line_));
    line_.clear();
    bytes.remove_prefix(nl + 1);
  }
  return Status::Ok();
}

Status LineSplitter::Finish(std::vector<std::string>* out) {
  if (!error_.ok()) return error_;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  if (!line_.empty()) out->push_back(std::move(line_));
  line_.clear();
  return Status::Ok();
}

}  // namespace hearth::net
