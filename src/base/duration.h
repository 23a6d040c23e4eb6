#pragma once
// Durations as Ollama reads them: Go's time.ParseDuration syntax ("5m", "1h30m", "1.5h",
// "300ms", "-1s", "0") and, for keep_alive (OLLAMA_KEEP_ALIVE / the request field), a bare
// integer number of seconds ("300", "-1"). Pure functions; thread-safe.

#include <chrono>
#include <string_view>

#include "base/status.h"

namespace hearth {

// Go's time.ParseDuration: an optional sign, then one or more decimal numbers each with a unit
// (ns, us, µs, μs, ms, s, m, h); "0" alone needs no unit. InvalidArgument quotes the text, e.g.
//   time: invalid duration "5 minutes"
// and a value beyond +-292 years is InvalidArgument too (Go's overflow error).
Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);

// keep_alive as Ollama's envconfig.KeepAlive reads it: a Go duration, else an integer number of
// seconds. Negative values mean "forever" and are returned as they are (callers test < 0).
Result<std::chrono::nanoseconds> ParseKeepAlive(std::string_view text);

}  // namespace hearth
