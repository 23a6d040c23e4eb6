#pragma once
// ProgressView renders pull/push progress on the terminal as Ollama's CLI does: one line per
// status (a spinner, e.g. "pulling manifest ⠋") and one bar per layer with percent, size, speed
// and ETA ("pulling 3c4a7c3a8313: 100% ▕██████▏ 1.2 MB"), redrawn in place every 100 ms.
// Without a terminal (a pipe or file) each line is printed once, when it is done, without
// escape codes. Thread-safe: Update may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "registry/registry_client.h"

namespace hearth::cli {

// Ollama's bar duration: "45s", "1m2s", "1h2m", "99h+".
std::string ShortDuration(std::chrono::seconds d);

// One layer's bar; `bar_width` is the terminal width.
class ProgressBar {
 public:
  using Clock = std::chrono::steady_clock;
  ProgressBar(std::string message, int64_t total, int64_t initial, Clock::time_point now);
  void Set(int64_t value, Clock::time_point now);
  std::string Render(int width) const;
  bool done() const { return stopped_ != Clock::time_point(); }

 private:
  double Rate() const;
  std::string message_;
  int64_t total_, initial_, current_;
  Clock::time_point started_, stopped_;
  struct Bucket {
    Clock::time_point at;
    int64_t value;
  };
  std::vector<Bucket> buckets_;  // at most one a second, the last 10
};

class ProgressView {
 public:
  // `tty`: redraw in place; `width`: terminal columns.
  ProgressView(std::FILE* out, bool tty, int width);
  ~ProgressView();  // calls Stop()
  // For a stderr that may be a terminal: detects both.
  static std::unique_ptr<ProgressView> ForStderr();

  // `verb` is "pulling" or "pushing": the bar label, as Ollama's "pulling <12 hex>:".
  void Update(const registry::TransferProgress& p, const std::string& verb);
  // Final render; later Updates are ignored.
  void Stop();

 private:
  struct Line {
    std::unique_ptr<ProgressBar> bar;  // or a spinner when null
    std::string text;                  // spinner message
    std::string digest;
    bool stopped = false;
    bool printed = false;  // non-tty: already written
  };
  std::string RenderLine(const Line& l) const;
  void Draw();       // REQUIRES: mu_
  void PrintDone();  // REQUIRES: mu_; non-tty

  std::FILE* out_;
  const bool tty_;
  const int width_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Line> lines_;  // guarded by mu_
  int spinner_ = -1;         // index of the running spinner, guarded by mu_
  std::string status_;       // last spinner status, guarded by mu_
  int drawn_ = 0;            // lines on screen, guarded by mu_
  int frame_ = 0;            // guarded by mu_
  bool stopped_ = false;     // guarded by mu_
  std::thread ticker_;
};

}  // namespace hearth::cli
