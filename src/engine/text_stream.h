#pragma once
// TextStream turns detokenized pieces into text that is safe to emit: it never emits a split
// UTF-8 sequence, never emits any part of a stop string, and matches stop strings across piece
// boundaries. Thread-compatible (one per sequence, engine thread only).

#include <string>
#include <string_view>
#include <vector>

namespace hearth::engine {

class TextStream {
 public:
  explicit TextStream(std::vector<std::string> stop);

  // Appends a piece. Returns the text that may be emitted now (possibly empty). After a stop
  // string is seen, stopped() is true and the text before it has been returned.
  std::string Push(std::string_view piece);
  // End of generation: returns whatever was held back (an unfinished stop-string prefix or an
  // incomplete UTF-8 tail). Returns "" after a stop.
  std::string Flush();
  bool stopped() const { return stopped_; }
  // The stop string that matched, when stopped().
  const std::string& matched_stop() const { return matched_; }

 private:
  std::vector<std::string> stop_;
  std::string pending_;
  bool stopped_ = false;
  std::string matched_;
};

}  // namespace hearth::engine
