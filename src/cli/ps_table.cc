#include "cli/ps_table.h"

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/strings.h"
#include "cli/format.h"

namespace hearth::cli {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t U64(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>()
         : it != j.end() && it->is_number_integer() && it->get<int64_t>() > 0
             ? static_cast<uint64_t>(it->get<int64_t>())
             : 0;
}

// Parses RFC 3339 ("2024-05-01T10:11:12.5+02:00", "...Z"); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseTime(const std::string& s) {
  std::tm tm{};
  int y, mo, d, h, mi, sec;
  char tail[64] = {0};
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d%63s", &y, &mo, &d, &h, &mi, &sec, tail) < 6) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  int64_t t = static_cast<int64_t>(timegm(&tm));
  const char* p = tail;
  if (*p == '.') {
    ++p;
    while (*p >= '0' && *p <= '9') ++p;  // fractions do not change the table
  }
  if (*p == '+' || *p == '-') {
    int oh = 0, om = 0;
    if (std::sscanf(p + 1, "%d:%d", &oh, &om) != 2) return std::nullopt;
    const int64_t off = (oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
    t -= off;
  } else if (*p != 'Z') {
    return std::nullopt;
  }
  // system_clock counts nanoseconds in 64 bits (up to year 2262): later times are "forever".
  if (t > 9'000'000'000LL) return std::chrono::system_clock::time_point::max();
  return std::chrono::system_clock::from_time_t(static_cast<time_t>(t));
}

std::string Processor(uint64_t size, uint64_t vram) {
  if (vram == 0) return "100% CPU";
  if (vram == size) return "100% GPU";
  if (vram > size || size == 0) return "Unknown";
  const int cpu = static_cast<int>(
      std::round(static_cast<double>(size - vram) / static_cast<double>(size) * 100));
  return std::to_string(cpu) + "%/" + std::to_string(100 - cpu) + "% CPU/GPU";
}

}  // namespace

Result<std::string> RenderPsTable(std::string_view body, std::chrono::system_clock::time_point now,
                                  std::string_view prefix) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("models") || !j["models"].is_array()) {
    return InvalidArgument("unexpected /api/ps response: " + std::string(body.substr(0, 200)));
  }
  std::vector<std::vector<std::string>> rows;
  for (const json& m : j["models"]) {
    if (!m.is_object()) continue;
    const std::string name = Str(m, "name");
    if (name.rfind(prefix, 0) != 0) continue;
    const uint64_t size = U64(m, "size");
    std::string until;
    const auto expires = ParseTime(Str(m, "expires_at"));
    if (!expires) {
      until = "Never";
    } else if (*expires < now) {
      until = "Stopping...";
    } else {
      until = HumanTime(*expires, now, "Never");
    }
    auto ctx = m.find("context_length");
    rows.push_back(
        {name, Str(m, "digest").substr(0, 12), HumanBytes(static_cast<int64_t>(size)),
         Processor(size, U64(m, "size_vram")),
         ctx != m.end() && ctx->is_number_integer() ? std::to_string(ctx->get<int64_t>()) : "0",
         until});
  }
  return RenderTable({"NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"}, rows);
}

}  // namespace hearth::cli
