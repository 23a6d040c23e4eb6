#pragma once
// Output formats shared by CLI commands, matching Ollama's CLI byte for byte (sizes:
// HumanBytes in base/strings.h): ages ("2 minutes ago", format.HumanTime) and the borderless,
// left-aligned tables of `ollama list` / `ollama ps`. Pure functions; thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hearth::cli {

// "Less than a second ago", "About a minute ago", "3 hours ago", "2 weeks ago", ... relative to
// `now`; "<d> from now" for a future time, `zero` for the epoch.
std::string HumanTime(std::chrono::system_clock::time_point t,
                      std::chrono::system_clock::time_point now, const std::string& zero);
// Parses an RFC 3339 time as the API writes it ("2024-05-01T12:34:56.789+02:00", "...Z");
// nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& text);
// Ollama's table: every cell left-aligned and padded to its column's width, then 4 spaces
// (header: 1 space after the last column).
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

}  // namespace hearth::cli
