#pragma once
// `hearth ps` output: Ollama's table NAME ID SIZE PROCESSOR CONTEXT UNTIL from an /api/ps body.
// Pure function; thread-safe.

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::cli {

// Renders the /api/ps JSON `body` as `ollama ps` does: ID is the digest's first 12 characters;
// PROCESSOR "100% CPU", "100% GPU", "<c>%/<g>% CPU/GPU" or "Unknown"; UNTIL "Stopping..." once
// expired, "Forever" for keep-alive forever, else "4 minutes from now". Models whose name does
// not start with `prefix` are left out. InvalidArgument when the body is not /api/ps JSON.
Result<std::string> RenderPsTable(std::string_view body, std::chrono::system_clock::time_point now,
                                  std::string_view prefix = {});

}  // namespace hearth::cli
