#pragma once
// Small string helpers shared by every module: byte sizes as Ollama prints them. Pure
// functions; thread-safe.

#include <cstdint>
#include <string>

namespace hearth {

// Ollama's format.HumanBytes (decimal units, 1000-based): "512 B", "1 KB", "1.2 KB", "15 KB",
// "1 GB", "2.0 TB". Below 1000 (and for negative values) the plain count with " B". Otherwise
// the largest unit of KB/MB/GB/TB not above the value: 10 or more prints the integer part
// (truncated: 999999 -> "999 KB"), a whole number below 10 prints as an integer ("1 KB"), and
// anything else with one decimal ("1.5 KB", 1999999999999 -> "2.0 TB"). Ollama uses it for
// model sizes in `list`/`ps` and for pull/push progress bars.
std::string HumanBytes(int64_t bytes);

// Ollama's format.HumanBytes2 (binary units, 1024-based): "1023 B", then always one decimal in
// the largest unit of KiB/MiB/GiB not above the value: "1.0 KiB", "1024.0 MiB", "1.5 GiB".
// Ollama uses it for memory (e.g. "model requires more system memory (1.5 GiB) than is
// available (1.0 GiB)").
std::string HumanBytes2(uint64_t bytes);

}  // namespace hearth
