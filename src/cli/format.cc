#include "cli/format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace hearth::cli {

namespace {
std::string HumanDuration(std::chrono::system_clock::duration d) {
  using namespace std::chrono;
  const int64_t seconds = duration_cast<std::chrono::seconds>(d).count();
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return fmt::format("{} seconds", seconds);
  const int64_t minutes = duration_cast<std::chrono::minutes>(d).count();
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return fmt::format("{} minutes", minutes);
  const double exact_hours = duration<double, std::ratio<3600>>(d).count();
  const int64_t hours = static_cast<int64_t>(std::round(exact_hours));
  if (hours == 1) return "About an hour";
  if (hours < 48) return fmt::format("{} hours", hours);
  if (hours < 24 * 7 * 2) return fmt::format("{} days", hours / 24);
  if (hours < 24 * 30 * 2) return fmt::format("{} weeks", hours / 24 / 7);
  if (hours < 24 * 365 * 2) return fmt::format("{} months", hours / 24 / 30);
  return fmt::format("{} years", static_cast<int64_t>(exact_hours) / 24 / 365);
}
}  // namespace

std::string HumanTime(std::chrono::system_clock::time_point t,
                      std::chrono::system_clock::time_point now, const std::string& zero) {
  if (t.time_since_epoch().count() == 0) return zero;
  const auto delta = now - t;
  if (std::chrono::duration<double, std::ratio<3600>>(delta).count() / 24 / 365 < -20) {
    return "Forever";
  }
  if (delta < delta.zero()) return HumanDuration(-delta) + " from now";
  return HumanDuration(delta) + " ago";
}

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  std::string out;
  for (size_t i = 0; i < header.size(); ++i) {
    out += header[i] + std::string(width[i] - header[i].size(), ' ');
    out += i + 1 == header.size() ? " " : "    ";
  }
  out += "\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string& cell = i < r.size() ? r[i] : std::string();
      out += cell + std::string(width[i] - std::min(width[i], cell.size()), ' ') + "    ";
    }
    out += "\n";
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
                  &consumed) != 6 ||
      consumed != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t ns = 0;
  if (i < text.size() && text[i] == '.') {
    int digits = 0;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      if (digits < 9) ns = ns * 10 + (text[i] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (int k = digits; k < 9; ++k) ns *= 10;
  }
  int offset = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    ++i;
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int oh = 0, om = 0;
    if (text.size() != i + 6 || std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2 ||
        text[i + 3] != ':' || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (oh * 60 + om) * 60 * (text[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const time_t utc = timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(utc) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             std::chrono::nanoseconds(ns));
}

}  // namespace hearth::cli
