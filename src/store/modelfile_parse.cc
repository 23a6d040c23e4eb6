// ParseModelfile: Ollama's parser/parser.go state machine, restated over code points with
// line/column tracking and clear error messages.
#include <algorithm>
#include <cctype>
#include <cstdint>

#include "gotmpl/go_format.h"
#include "store/modelfile.h"

namespace hearth::store {
namespace {

using gotmpl::AppendUtf8;
using gotmpl::DecodeUtf8;

// Normalises `text` to valid UTF-8 with LF line ends: BOM handling (UTF-8, UTF-16LE/BE),
// invalid UTF-8 as U+FFFD, CRLF and lone CR as one LF.
std::string Normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto u8 = [](char c) { return static_cast<uint8_t>(c); };
  auto put = [&](int32_t cp) {
    if (cp == '\n' && !out.empty() && out.back() == '\r') {
      out.back() = '\n';  // CRLF
    } else if (!out.empty() && out.back() == '\r') {
      out.back() = '\n';  // a lone CR
      AppendUtf8(out, cp);
    } else {
      AppendUtf8(out, cp);
    }
  };
  if (text.size() >= 2 && ((u8(text[0]) == 0xff && u8(text[1]) == 0xfe) ||
                           (u8(text[0]) == 0xfe && u8(text[1]) == 0xff))) {
    const bool le = u8(text[0]) == 0xff;
    auto unit = [&](size_t i) -> uint32_t {
      return le ? (u8(text[i]) | (u8(text[i + 1]) << 8)) : ((u8(text[i]) << 8) | u8(text[i + 1]));
    };
    for (size_t i = 2; i + 1 < text.size(); i += 2) {
      const uint32_t u = unit(i);
      if (u >= 0xd800 && u <= 0xdbff && i + 3 < text.size()) {
        const uint32_t lo = unit(i + 2);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          put(static_cast<int32_t>(0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00)));
          i += 2;
          continue;
        }
      }
      put((u >= 0xd800 && u <= 0xdfff) ? 0xfffd : static_cast<int32_t>(u));
    }
    if (text.size() % 2 == 1) put(0xfffd);
  } else {
    if (text.size() >= 3 && u8(text[0]) == 0xef && u8(text[1]) == 0xbb && u8(text[2]) == 0xbf) {
      text.remove_prefix(3);
    }
    for (size_t i = 0; i < text.size();) {
      if (u8(text[i]) < 0x80) {
        put(text[i++]);
        continue;
      }
      size_t len = 1;
      const int32_t cp = DecodeUtf8(text, i, len);
      put(cp < 0 ? 0xfffd : cp);
      i += len;
    }
  }
  if (!out.empty() && out.back() == '\r') out.back() = '\n';
  return out;
}

bool IsSpace(int32_t c) { return c == ' ' || c == '\t'; }
bool IsAlpha(int32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(int32_t c) { return c >= '0' && c <= '9'; }
// Control characters Ollama drops from values (strconv.IsPrint is false for them).
bool IsDropped(int32_t c) {
  return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f || (c >= 0x80 && c <= 0x9f);
}

struct DirectiveInfo {
  std::string_view lower;
  Directive d;
};
constexpr DirectiveInfo kDirectives[] = {
    {"from", Directive::kFrom},         {"parameter", Directive::kParameter},
    {"template", Directive::kTemplate}, {"system", Directive::kSystem},
    {"adapter", Directive::kAdapter},   {"license", Directive::kLicense},
    {"message", Directive::kMessage},   {"draft", Directive::kDraft},
    {"requires", Directive::kRequires}, {"renderer", Directive::kRenderer},
    {"parser", Directive::kParser},
};

// Ollama's unquote(): """x""" or "x" (at least 6 / 2 characters), or an unquoted value.
bool Unquote(std::string_view s, std::string& out) {
  if (s.size() >= 3 && s.substr(0, 3) == "\"\"\"") {
    if (s.size() >= 6 && s.substr(s.size() - 3) == "\"\"\"") {
      out = std::string(s.substr(3, s.size() - 6));
      return true;
    }
    return false;
  }
  if (!s.empty() && s[0] == '"') {
    if (s.size() >= 2 && s.back() == '"') {
      out = std::string(s.substr(1, s.size() - 2));
      return true;
    }
    return false;
  }
  out = std::string(s);
  return true;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// golang.org/x/mod/semver.IsValid on "v" + s: MAJOR[.MINOR[.PATCH[-PRE][+BUILD]]].
bool IsSemver(std::string_view v) {
  auto num = [&](size_t& i) {
    const size_t start = i;
    while (i < v.size() && IsDigit(v[i])) ++i;
    if (i == start) return false;
    return !(v[start] == '0' && i - start > 1);
  };
  auto ident_list = [&](size_t& i, bool pre) {
    for (;;) {
      const size_t start = i;
      bool all_digits = true;
      while (i < v.size() && (std::isalnum(static_cast<unsigned char>(v[i])) || v[i] == '-')) {
        all_digits = all_digits && IsDigit(v[i]);
        ++i;
      }
      if (i == start) return false;
      if (pre && all_digits && v[start] == '0' && i - start > 1) return false;
      if (i < v.size() && v[i] == '.') {
        ++i;
        continue;
      }
      return true;
    }
  };
  size_t i = 0;
  if (!num(i)) return false;
  if (i == v.size()) return true;
  if (v[i++] != '.' || !num(i)) return false;
  if (i == v.size()) return true;
  if (v[i++] != '.' || !num(i)) return false;
  if (i < v.size() && v[i] == '-') {
    ++i;
    if (!ident_list(i, true)) return false;
  }
  if (i < v.size() && v[i] == '+') {
    ++i;
    if (!ident_list(i, false)) return false;
  }
  return i == v.size();
}

class Parser {
 public:
  explicit Parser(std::string text) : s_(std::move(text)) {}

  Result<Modelfile> Run() {
    Modelfile mf;
    for (;;) {
      while (!AtEnd() && (IsSpace(cp()) || cp() == '\n')) Advance();
      if (AtEnd()) break;
      if (cp() == '#') {
        while (!AtEnd() && cp() != '\n') Advance();
        continue;
      }
      HEARTH_RETURN_IF_ERROR(Command(mf));
    }
    if (std::none_of(mf.commands.begin(), mf.commands.end(),
                     [](const ModelfileCommand& c) { return c.directive == Directive::kFrom; })) {
      return InvalidArgument("no FROM line");
    }
    return mf;
  }

 private:
  bool AtEnd() const { return off_ >= s_.size(); }
  // The code point at the cursor (s_ is valid UTF-8). REQUIRES: !AtEnd().
  int32_t cp() const {
    const auto b = static_cast<unsigned char>(s_[off_]);
    if (b < 0x80) return b;
    size_t len = 1;
    return DecodeUtf8(s_, off_, len);
  }
  size_t CpLength() const {
    const auto b = static_cast<unsigned char>(s_[off_]);
    return b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
  }
  // Moves past the code point at the cursor, appending its bytes to `out` when given.
  void Advance(std::string* out = nullptr) {
    const size_t len = CpLength();
    if (out) out->append(s_, off_, len);
    if (s_[off_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    off_ += len;
  }
  bool AtLineEnd() const { return AtEnd() || s_[off_] == '\n'; }
  // Position of the current rune, or just past the last one at the end of input.
  std::pair<int, int> Here() const { return {line_, col_}; }
  static Status ErrorAt(std::pair<int, int> at, const std::string& what) {
    return InvalidArgument("line " + std::to_string(at.first) + ", column " +
                           std::to_string(at.second) + ": " + what);
  }
  // Reads up to whitespace or the end of the line.
  std::string Word() {
    std::string w;
    while (!AtEnd() && !IsSpace(cp()) && cp() != '\n') Advance(&w);
    return w;
  }
  void SkipSpaces() {
    while (!AtEnd() && IsSpace(cp())) Advance();
  }

  Status Command(Modelfile& mf) {
    ModelfileCommand c;
    const auto start = Here();
    c.line = start.first;
    c.column = start.second;
    const std::string word = Word();
    std::string lower = word;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const DirectiveInfo* info = nullptr;
    for (const DirectiveInfo& d : kDirectives) {
      if (d.lower == lower) info = &d;
    }
    if (info == nullptr) return ErrorAt(start, "unknown command '" + word + "'");
    c.directive = info->d;
    const std::string upper = DirectiveName(c.directive);
    SkipSpaces();
    if (AtLineEnd()) return ErrorAt(Here(), "missing value for " + upper);

    std::pair<int, int> name_at;
    if (c.directive == Directive::kParameter || c.directive == Directive::kMessage) {
      name_at = Here();
      c.name = Word();
      const bool is_param = c.directive == Directive::kParameter;
      for (char ch : c.name) {
        const bool ok = IsAlpha(ch) || (is_param && (IsDigit(ch) || ch == '_'));
        if (!ok) {
          return ErrorAt(name_at, std::string(is_param ? "invalid parameter name '"
                                                       : "invalid message role '") +
                                      c.name + "'");
        }
      }
      if (!is_param && c.name != "system" && c.name != "user" && c.name != "assistant") {
        return ErrorAt(name_at,
                       "message role must be one of \"system\", \"user\", or \"assistant\"");
      }
      SkipSpaces();
      if (AtLineEnd()) {
        return ErrorAt(Here(), is_param ? "missing value for parameter '" + c.name + "'"
                                        : "missing text for MESSAGE " + c.name);
      }
    }

    const auto value_at = Here();
    HEARTH_RETURN_IF_ERROR(Value(c.value, value_at));

    switch (c.directive) {
      case Directive::kParameter: {
        if (chat::IsDeprecatedParameter(c.name)) {
          mf.warnings.push_back("line " + std::to_string(c.line) + ": parameter " + c.name +
                                " is deprecated");
          return Status();
        }
        if (chat::FindParameter(c.name) == nullptr) {
          return ErrorAt(name_at, "unknown parameter '" + c.name + "'");
        }
        auto v = chat::ParseParameter(c.name, c.value);
        if (!v.ok()) return ErrorAt(value_at, v.status().message());
        c.parameter = std::move(*v);
        break;
      }
      case Directive::kRequires: {
        std::string v = c.value;
        if (v.empty() || v[0] != 'v') v = "v" + v;
        if (!IsSemver(std::string_view(v).substr(1))) {
          return ErrorAt(value_at, "requires must be a valid semver (e.g. 0.14.0)");
        }
        c.value = v.substr(1);
        break;
      }
      default:
        break;
    }
    mf.commands.push_back(std::move(c));
    return Status();
  }

  // Reads a value from the current position. Unquoted values end at the line end; quoted ones
  // end at the first line end where the trimmed text so far closes the quote (Ollama's rule).
  Status Value(std::string& out, std::pair<int, int> at) {
    const bool quoted = cp() == '"';
    std::string raw;
    for (;;) {
      while (!AtEnd() && s_[off_] != '\n') Advance(IsDropped(cp()) ? nullptr : &raw);
      const std::string_view trimmed = TrimSpaces(raw);
      if (Unquote(trimmed, out)) {
        if (!quoted && out.empty()) return ErrorAt(at, "missing value");
        return Status();
      }
      if (AtEnd()) {
        return ErrorAt(at, trimmed.substr(0, 3) == "\"\"\"" ? "unterminated \"\"\" value"
                                                            : "unterminated quoted value");
      }
      Advance(&raw);  // the line end
    }
  }

  std::string s_;  // normalised: valid UTF-8, LF line ends
  size_t off_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace

const char* DirectiveName(Directive d) {
  switch (d) {
    case Directive::kFrom:
      return "FROM";
    case Directive::kParameter:
      return "PARAMETER";
    case Directive::kTemplate:
      return "TEMPLATE";
    case Directive::kSystem:
      return "SYSTEM";
    case Directive::kAdapter:
      return "ADAPTER";
    case Directive::kLicense:
      return "LICENSE";
    case Directive::kMessage:
      return "MESSAGE";
    case Directive::kDraft:
      return "DRAFT";
    case Directive::kRequires:
      return "REQUIRES";
    case Directive::kRenderer:
      return "RENDERER";
    case Directive::kParser:
      return "PARSER";
  }
  return "?";
}

Result<Modelfile> ParseModelfile(std::string_view text) {
  if (text.size() > kMaxModelfileBytes) {
    return InvalidArgument("Modelfile is larger than " + std::to_string(kMaxModelfileBytes >> 20) +
                           " MiB");
  }
  return Parser(Normalize(text)).Run();
}

std::vector<std::pair<std::string, chat::ParameterValue>> ModelfileParameters(const Modelfile& m) {
  std::vector<std::pair<std::string, chat::ParameterValue>> out;
  for (const ModelfileCommand& c : m.commands) {
    if (c.directive == Directive::kParameter) out.emplace_back(c.name, c.parameter);
  }
  return out;
}

}  // namespace hearth::store
