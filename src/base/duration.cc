#include "base/duration.h"

#include <cstdint>
#include <limits>
#include <string>

namespace hearth {
namespace {

Status Invalid(std::string_view text) {
  return InvalidArgument("time: invalid duration \"" + std::string(text) + "\"");
}

// Nanoseconds per unit, or 0 for an unknown unit.
int64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return Invalid(text);
  // Accumulate in unsigned 64-bit nanoseconds, checking overflow at each step (as Go does).
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total = 0;
  while (!s.empty()) {
    if (!IsDigit(s[0]) && s[0] != '.') return Invalid(text);
    uint64_t whole = 0;
    size_t i = 0;
    bool any_digit = false;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      any_digit = true;
      if (whole > (kMax - (s[i] - '0')) / 10) return Invalid(text);
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    uint64_t frac = 0;
    uint64_t frac_scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      for (; i < s.size() && IsDigit(s[i]); ++i) {
        any_digit = true;
        if (frac_scale < 1'000'000'000'000'000'000ULL) {  // extra digits are dropped, as in Go
          frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
          frac_scale *= 10;
        }
      }
    }
    if (!any_digit) return Invalid(text);
    size_t j = i;
    while (j < s.size() && !IsDigit(s[j]) && s[j] != '.') ++j;
    const std::string_view unit = s.substr(i, j - i);
    if (unit.empty()) {
      return InvalidArgument("time: missing unit in duration \"" + std::string(text) + "\"");
    }
    const int64_t per = UnitNanos(unit);
    if (per == 0) {
      return InvalidArgument("time: unknown unit \"" + std::string(unit) + "\" in duration \"" +
                             std::string(text) + "\"");
    }
    const uint64_t unit_ns = static_cast<uint64_t>(per);
    if (whole > kMax / unit_ns) return Invalid(text);
    uint64_t v = whole * unit_ns;
    if (frac > 0) {
      // frac / frac_scale of a unit, computed in long double (at most 1 ns of rounding).
      const long double part = static_cast<long double>(frac) * static_cast<long double>(unit_ns) /
                               static_cast<long double>(frac_scale);
      v += static_cast<uint64_t>(part);
      if (v > kMax) return Invalid(text);
    }
    if (total > kMax - v) return Invalid(text);
    total += v;
    s.remove_prefix(j);
  }
  const int64_t signed_total = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -signed_total : signed_total);
}

Result<std::chrono::nanoseconds> ParseKeepAlive(std::string_view text) {
  auto d = ParseGoDuration(text);
  if (d.ok()) return d;
  // A bare integer: seconds.
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  // At most this many seconds fit in int64 nanoseconds (about 292 years).
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000;
  if (s.empty()) return d.status();
  int64_t seconds = 0;
  for (char c : s) {
    if (!IsDigit(c)) return d.status();
    seconds = seconds * 10 + (c - '0');
    if (seconds > kMaxSeconds) return Invalid(text);
  }
  return std::chrono::nanoseconds(std::chrono::seconds(negative ? -seconds : seconds));
}

}  // namespace hearth
