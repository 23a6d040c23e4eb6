#include "cli/progress_view.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "base/strings.h"

namespace hearth::cli {
namespace {

constexpr const char* kFrames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string Repeat(const char* s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

std::string ShortDuration(std::chrono::seconds d) {
  const int64_t s = std::max<int64_t>(0, d.count());
  if (s >= 100 * 3600) return "99h+";
  if (s >= 3600) return fmt::format("{}h{}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

ProgressBar::ProgressBar(std::string message, int64_t total, int64_t initial, Clock::time_point now)
    : message_(std::move(message)),
      total_(total),
      initial_(initial),
      current_(initial),
      started_(now) {
  if (initial >= total) stopped_ = now;
}

void ProgressBar::Set(int64_t value, Clock::time_point now) {
  value = std::min(value, total_);
  current_ = value;
  if (current_ >= total_ && !done()) stopped_ = now;
  if (buckets_.empty() || now - buckets_.back().at > std::chrono::seconds(1)) {
    buckets_.push_back({now, value});
    if (buckets_.size() > 10) buckets_.erase(buckets_.begin());
  }
}

double ProgressBar::Rate() const {
  auto secs = [](Clock::duration d) { return std::chrono::round<std::chrono::seconds>(d).count(); };
  double num = 0, den = 0;
  if (done()) {
    num = static_cast<double>(current_ - initial_);
    den = static_cast<double>(secs(stopped_ - started_));
  } else if (buckets_.size() == 1) {
    num = static_cast<double>(buckets_[0].value - initial_);
    den = static_cast<double>(secs(buckets_[0].at - started_));
  } else if (buckets_.size() > 1) {
    num = static_cast<double>(buckets_.back().value - buckets_.front().value);
    den = static_cast<double>(secs(buckets_.back().at - buckets_.front().at));
  }
  return den != 0 ? num / den : 0;
}

std::string ProgressBar::Render(int width) const {
  const double percent = total_ > 0 ? 100.0 * static_cast<double>(current_) / total_ : 0;
  std::string pre = message_.empty() ? "" : message_ + " ";
  pre += fmt::format("{:3.0f}%", percent);
  std::string suf;
  if (!done()) {
    suf += Pad(HumanBytes(current_), 6) + "/" + Pad(HumanBytes(total_), 6);
  } else {
    suf += Pad(HumanBytes(total_), 6) + std::string(7, ' ');
  }
  const double rate = Rate();
  if (!done() && rate > 0) {
    suf += "  " + Pad(HumanBytes(static_cast<int64_t>(rate)), 6) + "/s";
    const auto left = static_cast<int64_t>(static_cast<double>(total_ - current_) / rate);
    suf += "  " + Pad(ShortDuration(std::chrono::seconds(left)), 6);
  } else {
    suf += std::string(18, ' ');
  }
  const int f = width - static_cast<int>(pre.size() + suf.size()) - 5;
  const int n = static_cast<int>(f * percent / 100);
  return pre + " ▕" + Repeat("█", n) + std::string(std::max(0, f - n), ' ') + "▏ " + suf;
}

ProgressView::ProgressView(std::FILE* out, bool tty, int width)
    : out_(out), tty_(tty), width_(width) {
  if (tty_) {
    ticker_ = std::thread([this] {
      std::unique_lock<std::mutex> l(mu_);
      while (!stopped_) {
        cv_.wait_for(l, std::chrono::milliseconds(100));
        if (stopped_) break;
        ++frame_;
        Draw();
      }
    });
  }
}

ProgressView::~ProgressView() { Stop(); }

std::unique_ptr<ProgressView> ProgressView::ForStderr() {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  int width = 80;
  struct winsize ws;
  if (tty && ::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) width = ws.ws_col;
  return std::make_unique<ProgressView>(stderr, tty, width);
}

void ProgressView::Update(const registry::TransferProgress& p, const std::string& verb) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopped_) return;
  const auto now = ProgressBar::Clock::now();
  if (!p.digest.empty()) {
    if (p.completed == 0) return;  // as Ollama: a bar appears with its first bytes
    if (spinner_ >= 0) lines_[spinner_].stopped = true;
    spinner_ = -1;
    auto it = std::find_if(lines_.begin(), lines_.end(),
                           [&](const Line& x) { return x.bar && x.digest == p.digest; });
    if (it == lines_.end()) {
      Line line;
      line.digest = p.digest;
      line.bar = std::make_unique<ProgressBar>(verb + " " + registry::ShortDigest(p.digest) + ":",
                                               static_cast<int64_t>(p.total),
                                               static_cast<int64_t>(p.completed), now);
      lines_.push_back(std::move(line));
      it = std::prev(lines_.end());
    }
    it->bar->Set(static_cast<int64_t>(p.completed), now);
    if (it->bar->done()) it->stopped = true;
  } else if (p.status != status_) {
    if (spinner_ >= 0) lines_[spinner_].stopped = true;
    status_ = p.status;
    Line line;
    line.text = p.status;
    lines_.push_back(std::move(line));
    spinner_ = static_cast<int>(lines_.size()) - 1;
  }
  if (!tty_) PrintDone();
}

void ProgressView::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stopped_ = true;
    for (Line& line : lines_) line.stopped = true;
    if (tty_) {
      Draw();
      if (!lines_.empty()) std::fputs("\n", out_);
    } else {
      PrintDone();
    }
    std::fflush(out_);
  }
  cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

std::string ProgressView::RenderLine(const Line& l) const {
  if (l.bar) return l.bar->Render(width_);
  if (l.stopped) return l.text;
  return l.text + " " + kFrames[frame_ % 10] + " ";
}

void ProgressView::Draw() {
  if (lines_.empty()) return;
  std::string s = "\033[?25l";  // hide the cursor while drawing
  for (int i = 0; i + 1 < drawn_; ++i) s += "\033[A";
  s += "\033[1G";
  for (size_t i = 0; i < lines_.size(); ++i) {
    s += RenderLine(lines_[i]) + "\033[K";
    if (i + 1 < lines_.size()) s += "\n";
  }
  s += "\033[?25h";
  drawn_ = static_cast<int>(lines_.size());
  std::fputs(s.c_str(), out_);
  std::fflush(out_);
}

void ProgressView::PrintDone() {
  // In order: a line is printed once it is done and every line before it was printed.
  for (Line& l : lines_) {
    if (l.printed) continue;
    if (!l.stopped) break;
    std::fprintf(out_, "%s\n", RenderLine(l).c_str());
    l.printed = true;
  }
  std::fflush(out_);
}

}  // namespace hearth::cli
