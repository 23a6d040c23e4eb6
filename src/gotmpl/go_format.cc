#include "gotmpl/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hearth::gotmpl {
namespace {

// Shortest round-trip decimal digits of |v| (v finite, non-zero): |v| = 0.<digits> * 10^dp.
struct Decimal {
  std::string digits;
  int dp = 0;
};

Decimal ShortestDigits(double v, int bits) {
  char buf[64];
  std::to_chars_result r;
  if (bits == 32) {
    r = std::to_chars(buf, buf + sizeof(buf), std::fabs(static_cast<float>(v)),
                      std::chars_format::scientific);
  } else {
    r = std::to_chars(buf, buf + sizeof(buf), std::fabs(v), std::chars_format::scientific);
  }
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));  // "d.ddde+XX"
  const size_t e = s.find('e');
  Decimal d;
  for (char c : s.substr(0, e)) {
    if (c != '.') d.digits.push_back(c);
  }
  d.dp = std::atoi(std::string(s.substr(e + 1)).c_str()) + 1;
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

std::string FormatE(const Decimal& d) {
  std::string out(1, d.digits[0]);
  if (d.digits.size() > 1) out += "." + d.digits.substr(1);
  const int exp = d.dp - 1;
  char buf[16];
  std::snprintf(buf, sizeof(buf), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
  return out + buf;
}

std::string FormatF(const Decimal& d) {
  const int nd = static_cast<int>(d.digits.size());
  if (d.dp <= 0) return "0." + std::string(static_cast<size_t>(-d.dp), '0') + d.digits;
  if (d.dp >= nd) return d.digits + std::string(static_cast<size_t>(d.dp - nd), '0');
  return d.digits.substr(0, static_cast<size_t>(d.dp)) + "." +
         d.digits.substr(static_cast<size_t>(d.dp));
}

bool IsGoPrint(int32_t cp) {
  if (cp < 0x20 || cp == 0x7f) return false;
  if (cp < 0x7f) return true;
  if (cp <= 0xa0 || cp == 0xad) return false;  // C1 controls, NBSP, soft hyphen
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
      (cp >= 0x205f && cp <= 0x2064) || cp == 0x3000 || cp == 0xfeff ||
      (cp >= 0xfff9 && cp <= 0xfffb)) {
    return false;  // non-ASCII spaces and format characters
  }
  if ((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000) {
    return false;  // surrogates, private use
  }
  return cp <= 0x10ffff;
}

}  // namespace

int32_t DecodeUtf8(std::string_view s, size_t i, size_t& len) {
  len = 1;
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return b0;
  int n = 0;
  int32_t cp = 0;
  if ((b0 & 0xe0) == 0xc0)
    n = 1, cp = b0 & 0x1f;
  else if ((b0 & 0xf0) == 0xe0)
    n = 2, cp = b0 & 0x0f;
  else if ((b0 & 0xf8) == 0xf0)
    n = 3, cp = b0 & 0x07;
  else
    return -1;
  if (i + static_cast<size_t>(n) >= s.size()) return -1;  // truncated
  for (int k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr int32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  len = static_cast<size_t>(n) + 1;
  return cp;
}

void AppendUtf8(std::string& out, int32_t cp) {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

std::string GoFormatFloat(double v, int bits) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  const Decimal d = ShortestDigits(v, bits);
  const int exp = d.dp - 1;
  const std::string body = (exp < -4 || exp >= 6) ? FormatE(d) : FormatF(d);
  return v < 0 ? "-" + body : body;
}

std::string GoJsonFloat(double v, int bits) {
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  const double abs = bits == 32 ? std::fabs(static_cast<float>(v)) : std::fabs(v);
  const Decimal d = ShortestDigits(v, bits);
  std::string body;
  if (abs < 1e-6 || abs >= 1e21) {
    body = FormatE(d);
    // encoding/json shortens "e-07" to "e-7" (only for negative two-digit exponents).
    const size_t n = body.size();
    if (n >= 4 && body[n - 4] == 'e' && body[n - 3] == '-' && body[n - 2] == '0') {
      body.erase(n - 2, 1);
    }
  } else {
    body = FormatF(d);
  }
  return v < 0 ? "-" + body : body;
}

void AppendGoJsonString(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t len = 1;
    const int32_t cp = DecodeUtf8(s, i, len);
    if (cp < 0) {
      out += "\\ufffd";
    } else if (cp == 0x2028 || cp == 0x2029) {
      out += cp == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out.push_back('"');
}

std::string GoJsonString(std::string_view s) {
  std::string out;
  AppendGoJsonString(out, s);
  return out;
}

std::string GoQuote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    const int32_t cp = DecodeUtf8(s, i, len);
    if (cp < 0) {
      const auto b = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xf]);
    } else if (cp == '"' || cp == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (IsGoPrint(cp)) {
      out.append(s.substr(i, len));
    } else {
      switch (cp) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default: {
          char buf[16];
          if (cp < 0x20 || cp == 0x7f)
            std::snprintf(buf, sizeof(buf), "\\x%02x", cp);
          else if (cp < 0x10000)
            std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
          else
            std::snprintf(buf, sizeof(buf), "\\U%08x", cp);
          out += buf;
        }
      }
    }
    i += len;
  }
  out.push_back('"');
  return out;
}

}  // namespace hearth::gotmpl
