#include "engine/text_stream.h"

#include <algorithm>

#include "base/utf8.h"

namespace hearth::engine {

TextStream::TextStream(std::vector<std::string> stop) {
  for (auto& s : stop)
    if (!s.empty()) stop_.push_back(std::move(s));
}

std::string TextStream::Push(std::string_view piece) {
  if (stopped_) return "";
  pending_.append(piece);
  // Earliest complete stop string wins.
  size_t cut = std::string::npos;
  for (const auto& s : stop_) {
    size_t pos = pending_.find(s);
    if (pos != std::string::npos && pos < cut) {
      cut = pos;
      matched_ = s;
    }
  }
  if (cut != std::string::npos) {
    stopped_ = true;
    std::string out = pending_.substr(0, cut);
    pending_.clear();
    return out;
  }
  // Hold back the longest suffix that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const auto& s : stop_) {
    const size_t max_len = std::min(s.size() - 1, pending_.size());
    for (size_t len = max_len; len > hold; --len) {
      if (pending_.compare(pending_.size() - len, len, s, 0, len) == 0) {
        hold = len;
        break;
      }
    }
  }
  size_t emit = pending_.size() - hold;
  emit = Utf8CompletePrefix(std::string_view(pending_).substr(0, emit));
  std::string out = pending_.substr(0, emit);
  pending_.erase(0, emit);
  return out;
}

std::string TextStream::Flush() {
  if (stopped_) return "";
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace hearth::engine
