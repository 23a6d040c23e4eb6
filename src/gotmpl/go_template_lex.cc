#include "gotmpl/go_template_lex.h"

#include <cctype>
#include <cstdio>

#include "gotmpl/go_format.h"

namespace hearth::gotmpl::ast {
namespace {

constexpr std::string_view kLeft = "{{";
constexpr std::string_view kRight = "}}";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAlnum(unsigned char c) { return c == '_' || std::isalnum(c) || c >= 0x80; }

bool HasLeftTrim(std::string_view s) { return s.size() >= 2 && s[0] == '-' && IsSpace(s[1]); }
bool HasRightTrim(std::string_view s) { return s.size() >= 2 && IsSpace(s[0]) && s[1] == '-'; }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : in_(text) {}

  Result<std::vector<Token>> Run() {
    while (pos_ < in_.size()) {
      HEARTH_RETURN_IF_ERROR(Text());
    }
    Emit(Tok::kEOF, "", in_.size());
    return std::move(out_);
  }

 private:
  // Line and column of byte `offset` (cheap when offsets are requested in increasing order).
  Pos PosAt(size_t offset) {
    if (offset < cursor_) {
      cursor_ = 0;
      line_ = col_ = 1;
    }
    while (cursor_ < offset && cursor_ < in_.size()) {
      const char c = in_[cursor_++];
      if (c == '\n') {
        ++line_;
        col_ = 1;
      } else if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
        ++col_;
      }
    }
    return {line_, col_};
  }
  void Emit(Tok t, std::string val, size_t at) { out_.push_back({t, std::move(val), PosAt(at)}); }
  Status ErrorAt(size_t at, const std::string& what) {
    const Pos p = PosAt(at);
    return InvalidArgument("line " + std::to_string(p.line) + ", column " +
                           std::to_string(p.column) + ": " + what);
  }
  // Returns {at a right delimiter, with a trim marker}.
  std::pair<bool, bool> AtRightDelim() const {
    const std::string_view rest = in_.substr(pos_);
    if (HasRightTrim(rest) && rest.substr(2).substr(0, 2) == kRight) return {true, true};
    return {rest.substr(0, 2) == kRight, false};
  }
  size_t LeftTrimLength(size_t from) const {
    size_t n = from;
    while (n < in_.size() && IsSpace(in_[n])) ++n;
    return n - from;
  }

  Status Text() {
    const size_t start = pos_;
    const size_t x = in_.find(kLeft, pos_);
    if (x == std::string_view::npos) {
      if (start < in_.size()) Emit(Tok::kText, std::string(in_.substr(start)), start);
      pos_ = in_.size();
      return Status();
    }
    const bool trim = HasLeftTrim(in_.substr(x + kLeft.size()));
    size_t end = x;
    if (trim) {
      while (end > start && IsSpace(in_[end - 1])) --end;
    }
    if (end > start) Emit(Tok::kText, std::string(in_.substr(start, end - start)), start);
    pos_ = x;
    return LeftDelim(trim);
  }

  Status LeftDelim(bool trim) {
    const size_t delim_at = pos_;
    pos_ += kLeft.size();
    const size_t after_marker = trim ? 2 : 0;
    if (in_.substr(pos_ + after_marker).substr(0, 2) == "/*") {
      pos_ += after_marker;
      return Comment(delim_at);
    }
    Emit(Tok::kLeftDelim, "{{", delim_at);
    pos_ += after_marker;
    return InsideAction(delim_at);
  }

  Status Comment(size_t delim_at) {
    pos_ += 2;
    const size_t x = in_.find("*/", pos_);
    if (x == std::string_view::npos) return ErrorAt(delim_at, "unclosed comment");
    pos_ = x + 2;
    auto [delim, trim] = AtRightDelim();
    if (!delim) return ErrorAt(pos_, "comment ends before closing delimiter");
    if (trim) pos_ += 2;
    pos_ += kRight.size();
    if (trim) pos_ += LeftTrimLength(pos_);
    return Status();
  }

  Status InsideAction(size_t delim_at) {
    int paren_depth = 0;
    for (;;) {
      auto [delim, trim] = AtRightDelim();
      if (delim) {
        if (paren_depth != 0) return ErrorAt(pos_, "unclosed left paren");
        if (trim) pos_ += 2;
        Emit(Tok::kRightDelim, "}}", pos_);
        pos_ += kRight.size();
        if (trim) pos_ += LeftTrimLength(pos_);
        return Status();
      }
      if (pos_ >= in_.size()) return ErrorAt(delim_at, "unclosed action");
      const size_t at = pos_;
      const char c = in_[pos_];
      if (IsSpace(c)) {
        size_t n = pos_;
        while (n < in_.size() && IsSpace(in_[n])) ++n;
        // " -}}" closes the action: leave the space before the marker for AtRightDelim.
        if (HasRightTrim(in_.substr(n - 1)) && in_.substr(n + 1).substr(0, 2) == kRight) --n;
        if (n > pos_) Emit(Tok::kSpace, " ", at);  // else: the one space belongs to " -}}"
        pos_ = n;
        continue;
      }
      ++pos_;
      switch (c) {
        case '=':
          Emit(Tok::kAssign, "=", at);
          continue;
        case ':':
          if (pos_ >= in_.size() || in_[pos_] != '=') return ErrorAt(at, "expected :=");
          ++pos_;
          Emit(Tok::kDeclare, ":=", at);
          continue;
        case '|':
          Emit(Tok::kPipe, "|", at);
          continue;
        case ',':
          Emit(Tok::kComma, ",", at);
          continue;
        case '(':
          ++paren_depth;
          Emit(Tok::kLeftParen, "(", at);
          continue;
        case ')':
          if (--paren_depth < 0) return ErrorAt(at, "unexpected right paren");
          Emit(Tok::kRightParen, ")", at);
          continue;
        case '"':
          HEARTH_RETURN_IF_ERROR(Quote(at));
          continue;
        case '`':
          HEARTH_RETURN_IF_ERROR(RawQuote(at));
          continue;
        case '\'':
          HEARTH_RETURN_IF_ERROR(Char(at));
          continue;
        case '$':
          HEARTH_RETURN_IF_ERROR(FieldOrVariable(at, Tok::kVariable));
          continue;
        default:
          break;
      }
      if (c == '.' &&
          (pos_ >= in_.size() || !std::isdigit(static_cast<unsigned char>(in_[pos_])))) {
        HEARTH_RETURN_IF_ERROR(FieldOrVariable(at, Tok::kField));
        continue;
      }
      if (c == '.' || c == '+' || c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
        pos_ = at;
        HEARTH_RETURN_IF_ERROR(Number());
        continue;
      }
      if (IsAlnum(static_cast<unsigned char>(c))) {
        pos_ = at;
        HEARTH_RETURN_IF_ERROR(Identifier());
        continue;
      }
      return ErrorAt(at, "unrecognized character in action: " + CodePoint(at));
    }
  }

  bool AtTerminator() const {
    if (pos_ >= in_.size()) return true;
    const char c = in_[pos_];
    if (IsSpace(c)) return true;
    switch (c) {
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
      default:
        break;
    }
    return in_.substr(pos_, 2) == kRight;
  }

  // Go's %#U: "U+002F '/'" (the character only when printable).
  std::string CodePoint(size_t at) const {
    size_t len = 1;
    int32_t cp = DecodeUtf8(in_, at, len);
    if (cp < 0) cp = 0xfffd;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(cp));
    std::string out = buf;
    if (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0)) {
      out += " '";
      AppendUtf8(out, cp);
      out += "'";
    }
    return out;
  }

  Status BadCharacter() { return ErrorAt(pos_, "bad character " + CodePoint(pos_)); }

  // After '$' or '.': "$"/"." alone, or a name.
  Status FieldOrVariable(size_t at, Tok type) {
    if (AtTerminator()) {
      Emit(type == Tok::kVariable ? Tok::kVariable : Tok::kDot, type == Tok::kVariable ? "$" : ".",
           at);
      return Status();
    }
    while (pos_ < in_.size() && IsAlnum(static_cast<unsigned char>(in_[pos_]))) ++pos_;
    if (!AtTerminator()) return BadCharacter();
    Emit(type, std::string(in_.substr(at, pos_ - at)), at);
    return Status();
  }

  Status Identifier() {
    const size_t at = pos_;
    while (pos_ < in_.size() && IsAlnum(static_cast<unsigned char>(in_[pos_]))) ++pos_;
    const std::string word(in_.substr(at, pos_ - at));
    if (!AtTerminator()) return BadCharacter();
    static const char* kKeywords[] = {"if",    "else",     "end",    "range",    "with",
                                      "break", "continue", "define", "template", "block"};
    for (const char* k : kKeywords) {
      if (word == k) {
        Emit(Tok::kKeyword, word, at);
        return Status();
      }
    }
    if (word == "true" || word == "false")
      Emit(Tok::kBool, word, at);
    else if (word == "nil")
      Emit(Tok::kNil, word, at);
    else
      Emit(Tok::kIdentifier, word, at);
    return Status();
  }

  Status Number() {
    const size_t at = pos_;
    if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
    std::string_view digits = "0123456789_";
    if (in_.substr(pos_, 2) == "0x" || in_.substr(pos_, 2) == "0X") {
      pos_ += 2;
      digits = "0123456789abcdefABCDEF_";
    } else if (in_.substr(pos_, 2) == "0o" || in_.substr(pos_, 2) == "0O" ||
               in_.substr(pos_, 2) == "0b" || in_.substr(pos_, 2) == "0B") {
      pos_ += 2;
    }
    auto run = [&](std::string_view set) {
      while (pos_ < in_.size() && set.find(in_[pos_]) != std::string_view::npos) ++pos_;
    };
    run(digits);
    if (pos_ < in_.size() && in_[pos_] == '.') {
      ++pos_;
      run(digits);
    }
    if (pos_ < in_.size() &&
        (in_[pos_] == 'e' || in_[pos_] == 'E' || in_[pos_] == 'p' || in_[pos_] == 'P')) {
      ++pos_;
      if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      run("0123456789_");
    }
    if (pos_ < in_.size() && IsAlnum(static_cast<unsigned char>(in_[pos_]))) {
      ++pos_;
      return ErrorAt(at, "bad number syntax: \"" + std::string(in_.substr(at, pos_ - at)) + "\"");
    }
    Emit(Tok::kNumber, std::string(in_.substr(at, pos_ - at)), at);
    return Status();
  }

  // Decodes one escape after a backslash inside "..." or '...'.
  Status Escape(size_t at, char quote, std::string& out) {
    if (pos_ >= in_.size()) return ErrorAt(at, "unterminated quoted string");
    const char e = in_[pos_++];
    switch (e) {
      case 'a':
        out += '\a';
        return Status();
      case 'b':
        out += '\b';
        return Status();
      case 'f':
        out += '\f';
        return Status();
      case 'n':
        out += '\n';
        return Status();
      case 'r':
        out += '\r';
        return Status();
      case 't':
        out += '\t';
        return Status();
      case 'v':
        out += '\v';
        return Status();
      case '\\':
        out += '\\';
        return Status();
      default:
        break;
    }
    if (e == quote) {
      out += e;
      return Status();
    }
    int digits = 0, base = 16;
    if (e == 'x')
      digits = 2;
    else if (e == 'u')
      digits = 4;
    else if (e == 'U')
      digits = 8;
    else if (e >= '0' && e <= '7')
      digits = 2, base = 8, --pos_, ++digits;
    else
      return ErrorAt(at, "invalid syntax in quoted string");
    uint32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      if (pos_ >= in_.size()) return ErrorAt(at, "invalid syntax in quoted string");
      const char h = in_[pos_++];
      const int d = std::isdigit(static_cast<unsigned char>(h)) ? h - '0'
                    : (h >= 'a' && h <= 'f')                    ? h - 'a' + 10
                    : (h >= 'A' && h <= 'F')                    ? h - 'A' + 10
                                                                : 99;
      if (d >= base) return ErrorAt(at, "invalid syntax in quoted string");
      v = v * static_cast<uint32_t>(base) + static_cast<uint32_t>(d);
    }
    if (e == 'x' || base == 8) {
      if (v > 255) return ErrorAt(at, "invalid syntax in quoted string");
      out += static_cast<char>(v);
    } else {
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        return ErrorAt(at, "invalid syntax in quoted string");
      }
      AppendUtf8(out, static_cast<int32_t>(v));
    }
    return Status();
  }

  Status Quote(size_t at) {
    std::string value;
    for (;;) {
      if (pos_ >= in_.size() || in_[pos_] == '\n') return ErrorAt(at, "unterminated quoted string");
      const char c = in_[pos_++];
      if (c == '"') break;
      if (c == '\\') {
        HEARTH_RETURN_IF_ERROR(Escape(at, '"', value));
      } else {
        value += c;
      }
    }
    Emit(Tok::kString, std::move(value), at);
    return Status();
  }

  Status RawQuote(size_t at) {
    const size_t end = in_.find('`', pos_);
    if (end == std::string_view::npos) return ErrorAt(at, "unterminated raw quoted string");
    std::string value;
    for (char c : in_.substr(pos_, end - pos_)) {
      if (c != '\r') value += c;
    }
    pos_ = end + 1;
    Emit(Tok::kString, std::move(value), at);
    return Status();
  }

  Status Char(size_t at) {
    std::string value;
    for (;;) {
      if (pos_ >= in_.size() || in_[pos_] == '\n')
        return ErrorAt(at, "unterminated character constant");
      const char c = in_[pos_++];
      if (c == '\'') break;
      if (c == '\\') {
        HEARTH_RETURN_IF_ERROR(Escape(at, '\'', value));
      } else {
        value += c;
      }
    }
    size_t len = 0;
    const int32_t cp = value.empty() ? -1 : DecodeUtf8(value, 0, len);
    if (cp < 0 || len != value.size()) return ErrorAt(at, "malformed character constant");
    Emit(Tok::kChar, std::to_string(cp), at);
    return Status();
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::vector<Token> out_;
  size_t cursor_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace

Result<std::vector<Token>> Lex(std::string_view text) { return Lexer(text).Run(); }

std::string Describe(const Token& t) {
  switch (t.type) {
    case Tok::kEOF:
      return "EOF";
    case Tok::kKeyword:
      return "<" + t.val + ">";
    case Tok::kSpace:
      return "space";
    case Tok::kString:
      return GoQuote(t.val);
    case Tok::kText:
      return "text";
    default:
      break;
  }
  if (t.val.size() > 10) return "\"" + t.val.substr(0, 10) + "\"...";
  return "\"" + t.val + "\"";
}

}  // namespace hearth::gotmpl::ast
