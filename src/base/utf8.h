#pragma once
// UTF-8 helpers for streaming text that arrives in arbitrary byte pieces.

#include <cstddef>
#include <string_view>

namespace hearth {

// Returns the length of the longest prefix of `s` that does not end inside a UTF-8 sequence:
// a trailing lead byte whose continuation bytes have not all arrived yet is excluded. Invalid
// bytes are not held back (they would never complete), so this never stalls a stream.
size_t Utf8CompletePrefix(std::string_view s);

// Returns true iff `s` is entirely valid UTF-8 (no overlongs, surrogates or values > U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace hearth
