#include "base/strings.h"

#include <cmath>
#include <cstdio>

namespace hearth {
namespace {

std::string Printf(const char* format, double value, const char* unit) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value, unit);
  return buf;
}

}  // namespace

std::string HumanBytes(int64_t bytes) {
  constexpr int64_t kKilo = 1000;
  constexpr int64_t kMega = kKilo * 1000;
  constexpr int64_t kGiga = kMega * 1000;
  constexpr int64_t kTera = kGiga * 1000;
  double value = 0;
  const char* unit = nullptr;
  if (bytes >= kTera) {
    value = static_cast<double>(bytes) / kTera, unit = "TB";
  } else if (bytes >= kGiga) {
    value = static_cast<double>(bytes) / kGiga, unit = "GB";
  } else if (bytes >= kMega) {
    value = static_cast<double>(bytes) / kMega, unit = "MB";
  } else if (bytes >= kKilo) {
    value = static_cast<double>(bytes) / kKilo, unit = "KB";
  } else {
    return std::to_string(bytes) + " B";
  }
  if (value >= 10 || value == std::trunc(value)) {
    return std::to_string(static_cast<int64_t>(value)) + " " + unit;
  }
  return Printf("%.1f %s", value, unit);
}

std::string HumanBytes2(uint64_t bytes) {
  constexpr uint64_t kKibi = 1024;
  constexpr uint64_t kMebi = kKibi * 1024;
  constexpr uint64_t kGibi = kMebi * 1024;
  const double b = static_cast<double>(bytes);
  if (bytes >= kGibi) return Printf("%.1f %s", b / kGibi, "GiB");
  if (bytes >= kMebi) return Printf("%.1f %s", b / kMebi, "MiB");
  if (bytes >= kKibi) return Printf("%.1f %s", b / kKibi, "KiB");
  return std::to_string(bytes) + " B";
}

}  // namespace hearth
