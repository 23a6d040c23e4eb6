#pragma once
// Go's text formatting rules where Ollama's output depends on them: fmt's %v for floats,
// strconv.Quote (fmt's %q and %#v for strings) and encoding/json's string and number encoding
// (HTML-safe escapes, shortest round-trip floats). Used by the Go-template interpreter and by the
// Modelfile/params writers so hearth's bytes match Ollama's. Pure functions; thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::gotmpl {

// fmt.Sprint(v) for a float64 (or a float32 when `bits` is 32): %g with the shortest round-trip
// digits, in exponent form when the decimal exponent is < -4 or >= 6 ("1e+06", "123456",
// "0.0001", "1e-05"). Infinities print "+Inf"/"-Inf", NaN "NaN".
std::string GoFormatFloat(double v, int bits = 64);

// encoding/json's number form of a float64 (or float32): fixed notation with the shortest
// round-trip digits, exponent form only below 1e-6 or from 1e21 ("1e-7", "1e+21").
// REQUIRES: v is finite.
std::string GoJsonFloat(double v, int bits = 64);

// Appends `s` as a JSON string literal the way encoding/json's Marshal writes it: escapes
// for quote, backslash, \b \f \n \r \t, other controls as \u00XX, '<' '>' '&' and
// U+2028/U+2029 as \uXXXX, invalid UTF-8 bytes as \ufffd.
void AppendGoJsonString(std::string& out, std::string_view s);
std::string GoJsonString(std::string_view s);

// strconv.Quote(s): a double-quoted Go string literal; printable characters are kept, the rest
// escaped (\a \b \f \n \r \t \v \\ \", \xNN, \uNNNN, \UNNNNNNNN), invalid UTF-8 bytes as \xNN.
std::string GoQuote(std::string_view s);

// Decodes one UTF-8 code point at `s[i]`. Returns its value and sets `len` to the bytes used;
// an invalid or truncated sequence returns -1 with `len` = 1.
int32_t DecodeUtf8(std::string_view s, size_t i, size_t& len);
// Appends code point `cp` as UTF-8 (U+FFFD for surrogates and values above U+10FFFF).
void AppendUtf8(std::string& out, int32_t cp);

}  // namespace hearth::gotmpl
