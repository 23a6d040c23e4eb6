// Builtin functions: Go's text/template funcs.go (eq, index, slice, printf, ...) and Ollama's
// template funcs (json, currentDate, yesterdayDate, toTypeScriptType).
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "gotmpl/go_format.h"
#include "gotmpl/go_template_ast.h"

namespace hearth::gotmpl::ast {
namespace {

using Kind = TemplateValue::Kind;
using Args = std::vector<TemplateValue>;

constexpr int kMaxWidth = 1 << 20;
constexpr size_t kMaxPrintfBytes = 64u << 20;

Status Calling(const std::string& name, const std::string& what) {
  return InvalidArgument("error calling " + name + ": " + what);
}
Status Arity(const std::string& name, size_t want, size_t got, bool at_least = false) {
  return InvalidArgument("wrong number of args for " + name + ": want " +
                         (at_least ? "at least " : "") + std::to_string(want) + " got " +
                         std::to_string(got));
}

bool IsBasic(const TemplateValue& v) {
  return v.kind() == Kind::kBool || v.kind() == Kind::kInt || v.kind() == Kind::kFloat ||
         v.kind() == Kind::kString;
}
bool IsNilish(const TemplateValue& v) { return v.is_nil() || v.is_nil_container(); }

Result<bool> Equal(const TemplateValue& a, const TemplateValue& b) {
  if (a.is_nil() || b.is_nil()) return IsNilish(a) && IsNilish(b);
  if (IsBasic(a) != IsBasic(b) || (IsBasic(a) && a.kind() != b.kind())) {
    return InvalidArgument("incompatible types for comparison");
  }
  switch (a.kind()) {
    case Kind::kBool:
      return a.boolean() == b.boolean();
    case Kind::kInt:
      return a.integer() == b.integer();
    case Kind::kFloat:
      return a.floating() == b.floating();
    case Kind::kString:
      return a.str() == b.str();
    default:
      break;
  }
  if (IsNilish(a) || IsNilish(b)) return IsNilish(a) && IsNilish(b);
  if (a.kind() == Kind::kRecord && b.kind() == Kind::kRecord && a.GoType() == b.GoType()) {
    return a.Json() == b.Json();
  }
  return InvalidArgument("non-comparable type " + b.Print() + ": " + b.GoType());
}

Result<bool> Less(const TemplateValue& a, const TemplateValue& b) {
  if (!IsBasic(a) || !IsBasic(b)) return InvalidArgument("invalid type for comparison");
  if (a.kind() != b.kind()) return InvalidArgument("incompatible types for comparison");
  switch (a.kind()) {
    case Kind::kInt:
      return a.integer() < b.integer();
    case Kind::kFloat:
      return a.floating() < b.floating();
    case Kind::kString:
      return a.str() < b.str();
    default:
      return InvalidArgument("invalid type for comparison");
  }
}

Result<int64_t> IndexArg(const TemplateValue& index, int64_t cap) {
  if (index.is_nil()) return InvalidArgument("cannot index slice/array with nil");
  if (index.kind() != Kind::kInt) {
    return InvalidArgument("cannot index slice/array with type " + index.GoType());
  }
  const int64_t x = index.integer();
  if (x < 0 || x > cap) return InvalidArgument("index out of range: " + std::to_string(x));
  return x;
}

Result<TemplateValue> Index(const Args& a) {
  if (a.empty()) return Arity("index", 1, 0, true);
  TemplateValue item = a[0];
  if (item.is_nil()) return Calling("index", "index of untyped nil");
  for (size_t i = 1; i < a.size(); ++i) {
    if (item.is_nil()) return Calling("index", "index of nil pointer");
    switch (item.kind()) {
      case Kind::kList:
      case Kind::kString: {
        const int64_t len = item.Length();
        auto x = IndexArg(a[i], len);
        if (!x.ok()) return Calling("index", x.status().message());
        if (*x == len) return Calling("index", "index out of range: " + std::to_string(*x));
        item = item.kind() == Kind::kList
                   ? item.items()[static_cast<size_t>(*x)]
                   : TemplateValue::Int(static_cast<uint8_t>(item.str()[static_cast<size_t>(*x)]));
        break;
      }
      case Kind::kMap: {
        if (a[i].kind() != Kind::kString) {
          return Calling("index", "value has type " + a[i].GoType() + "; should be string");
        }
        const TemplateValue* e = item.Lookup(a[i].str());
        item = e ? *e : TemplateValue();
        break;
      }
      default:
        return Calling("index", "can't index item of type " + item.GoType());
    }
  }
  return item;
}

Result<TemplateValue> Slice(const Args& a) {
  if (a.empty()) return Arity("slice", 1, 0, true);
  const TemplateValue& item = a[0];
  const size_t n = a.size() - 1;
  if (item.is_nil()) return Calling("slice", "slice of untyped nil");
  if (n > 3) return Calling("slice", "too many slice indexes: " + std::to_string(n));
  if (item.kind() == Kind::kString) {
    if (n == 3) return Calling("slice", "cannot 3-index slice a string");
  } else if (item.kind() != Kind::kList) {
    return Calling("slice", "can't slice item of type " + item.GoType());
  }
  const int64_t len = item.Length();
  int64_t idx[3] = {0, len, len};
  for (size_t i = 0; i < n; ++i) {
    auto x = IndexArg(a[i + 1], len);
    if (!x.ok()) return Calling("slice", x.status().message());
    idx[i] = *x;
  }
  if (idx[0] > idx[1]) {
    return Calling(
        "slice", "invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
  }
  if (n == 3 && idx[1] > idx[2]) {
    return Calling(
        "slice", "invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]));
  }
  if (item.kind() == Kind::kString) {
    return TemplateValue::String(
        item.str().substr(static_cast<size_t>(idx[0]), static_cast<size_t>(idx[1] - idx[0])));
  }
  // Go slices share the backing array; so does SubList (O(1), the $last idiom stays cheap).
  return item.SubList(static_cast<size_t>(idx[0]), static_cast<size_t>(idx[1]));
}

// fmt.Sprint: a space between operands when neither is a string.
std::string Sprint(const Args& a) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i > 0 && a[i].kind() != Kind::kString && a[i - 1].kind() != Kind::kString) out += " ";
    out += a[i].Print();
  }
  return out;
}

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  int width = -1;
  int prec = -1;
};

std::string Pad(std::string body, const Spec& s, bool numeric) {
  size_t runes = 0;
  for (char c : body) runes += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  if (s.width < 0 || runes >= static_cast<size_t>(s.width)) return body;
  const size_t fill = static_cast<size_t>(s.width) - runes;
  if (s.minus) return body + std::string(fill, ' ');
  if (s.zero) {
    const size_t sign =
        numeric && !body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ');
    return body.substr(0, sign) + std::string(fill, '0') + body.substr(sign);
  }
  return std::string(fill, ' ') + body;
}

std::string BadVerb(char verb, const TemplateValue& v) {
  if (v.is_nil()) return std::string("%!") + verb + "(<nil>)";
  return std::string("%!") + verb + "(" + v.GoType() + "=" + v.Print() + ")";
}

std::string FormatOne(char verb, const Spec& s, const TemplateValue& v) {
  char buf[512];
  switch (v.kind()) {
    case Kind::kNil:
      return verb == 'v' ? Pad("<nil>", s, false) : BadVerb(verb, v);
    case Kind::kBool:
      if (verb == 'v' || verb == 't') return Pad(v.boolean() ? "true" : "false", s, false);
      return BadVerb(verb, v);
    case Kind::kInt: {
      const int64_t i = v.integer();
      std::string body;
      if (verb == 'c') {
        AppendUtf8(body, static_cast<int32_t>(i));
        return Pad(body, s, false);
      }
      if (verb == 'q') {
        std::string ch;
        AppendUtf8(ch, static_cast<int32_t>(i));
        std::string q = GoQuote(ch);
        return Pad("'" + q.substr(1, q.size() - 2) + "'", s, false);
      }
      const char* fmt = verb == 'x'   ? "%" PRIx64
                        : verb == 'X' ? "%" PRIX64
                        : verb == 'o' ? "%" PRIo64
                                      : "%" PRIu64;
      if (verb != 'v' && verb != 'd' && verb != 'x' && verb != 'X' && verb != 'o') {
        return BadVerb(verb, v);
      }
      const uint64_t mag = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
      std::snprintf(buf, sizeof(buf), fmt, mag);
      body = buf;
      if (s.prec >= 0 && body.size() < static_cast<size_t>(s.prec)) {
        body = std::string(static_cast<size_t>(s.prec) - body.size(), '0') + body;
      }
      if (s.sharp && (verb == 'x' || verb == 'X')) body = (verb == 'x' ? "0x" : "0X") + body;
      if (i < 0)
        body = "-" + body;
      else if (s.plus)
        body = "+" + body;
      else if (s.space)
        body = " " + body;
      return Pad(body, s, true);
    }
    case Kind::kFloat: {
      const double f = v.floating();
      std::string body;
      if (verb == 'v' || ((verb == 'g' || verb == 'G') && s.prec < 0)) {
        body = GoFormatFloat(f);
      } else if (verb == 'e' || verb == 'E' || verb == 'f' || verb == 'F' || verb == 'g' ||
                 verb == 'G') {
        const char cfmt[] = {'%', '.', '*', verb, 0};
        std::snprintf(buf, sizeof(buf), cfmt, s.prec < 0 ? 6 : s.prec, f);
        body = buf;
      } else {
        return BadVerb(verb, v);
      }
      if (s.plus && f >= 0)
        body = "+" + body;
      else if (s.space && f >= 0)
        body = " " + body;
      return Pad(body, s, true);
    }
    case Kind::kString: {
      std::string str = v.str();
      if (verb == 'x' || verb == 'X') {
        std::string hex;
        for (unsigned char c : str) {
          std::snprintf(buf, sizeof(buf), verb == 'x' ? "%02x" : "%02X", c);
          hex += buf;
        }
        return Pad(hex, s, false);
      }
      if (verb != 'v' && verb != 's' && verb != 'q') return BadVerb(verb, v);
      if (s.prec >= 0) {
        size_t runes = 0, cut = 0;
        while (cut < str.size() && runes < static_cast<size_t>(s.prec)) {
          size_t len = 1;
          DecodeUtf8(str, cut, len);
          cut += len;
          ++runes;
        }
        str.resize(cut);
      }
      return Pad(verb == 'q' ? GoQuote(str) : str, s, false);
    }
    default:
      if (verb == 'v' || verb == 's' || verb == 'd') return Pad(v.Print(), s, false);
      if (verb == 'q') return Pad(GoQuote(v.Print()), s, false);
      return BadVerb(verb, v);
  }
}

Result<TemplateValue> Printf(const Args& a) {
  if (a.empty()) return Arity("printf", 1, 0, true);
  if (a[0].kind() != Kind::kString) {
    return InvalidArgument("wrong type for value; expected string; got " + a[0].GoType());
  }
  const std::string& format = a[0].str();
  std::string out;
  size_t arg = 1;
  for (size_t i = 0; i < format.size();) {
    if (format[i] != '%') {
      out += format[i++];
      continue;
    }
    ++i;
    Spec s;
    for (; i < format.size(); ++i) {
      const char c = format[i];
      if (c == '-')
        s.minus = true;
      else if (c == '+')
        s.plus = true;
      else if (c == '#')
        s.sharp = true;
      else if (c == ' ')
        s.space = true;
      else if (c == '0')
        s.zero = !s.minus;
      else
        break;
    }
    auto number = [&](int& into) -> Status {
      into = 0;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        into = into * 10 + (format[i++] - '0');
        if (into > kMaxWidth) return Calling("printf", "width or precision too large");
      }
      return Status();
    };
    if (i < format.size() && format[i] >= '1' && format[i] <= '9') {
      HEARTH_RETURN_IF_ERROR(number(s.width));
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      HEARTH_RETURN_IF_ERROR(number(s.prec));
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    const char verb = format[i++];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (arg >= a.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    if (out.size() > kMaxPrintfBytes) return Calling("printf", "output too large");
    const TemplateValue& v = a[arg++];
    if (verb == 'v' && s.sharp && v.kind() == Kind::kString) {
      out += Pad(GoQuote(v.str()), s, false);
    } else {
      out += FormatOne(verb, s, v);
    }
  }
  if (arg < a.size()) {
    out += "%!(EXTRA ";
    for (size_t k = arg; k < a.size(); ++k) {
      if (k > arg) out += ", ";
      out += a[k].is_nil() ? std::string("<nil>") : a[k].GoType() + "=" + a[k].Print();
    }
    out += ")";
  }
  return TemplateValue::String(std::move(out));
}

std::string Date(std::chrono::system_clock::time_point now, int days_back) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(now - std::chrono::hours(24 * days_back));
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

std::string TypeScriptType(const TemplateValue& p);

std::string JsonTypeToTs(const std::string& t) {
  if (t == "string") return "string";
  if (t == "number" || t == "integer") return "number";
  if (t == "boolean") return "boolean";
  if (t == "array") return "any[]";
  if (t == "object") return "Record<string, any>";
  if (t == "null") return "null";
  return "any";
}

// api.ToolProperty.ToTypeScriptType.
std::string TypeScriptType(const TemplateValue& p) {
  if (p.kind() != Kind::kRecord || p.type_name() != "api.ToolProperty") return "any";
  auto join = [](const std::vector<std::string>& parts) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? " | " : "") + parts[i];
    return out;
  };
  const TemplateValue* any_of = p.Lookup("AnyOf");
  if (any_of && !any_of->items().empty()) {
    std::vector<std::string> parts;
    for (const TemplateValue& a : any_of->items()) parts.push_back(TypeScriptType(a));
    return join(parts);
  }
  const TemplateValue* type = p.Lookup("Type");
  if (type == nullptr || type->items().empty()) return "any";
  std::vector<std::string> parts;
  for (const TemplateValue& t : type->items()) parts.push_back(JsonTypeToTs(t.str()));
  return join(parts);
}

}  // namespace

Result<TemplateValue> CallBuiltin(const std::string& name, const Args& a,
                                  std::chrono::system_clock::time_point now) {
  auto exactly = [&](size_t n) -> Status {
    return a.size() == n ? Status() : Arity(name, n, a.size());
  };
  if (name == "not") {
    HEARTH_RETURN_IF_ERROR(exactly(1));
    return TemplateValue::Bool(!a[0].Truth());
  }
  if (name == "eq") {
    if (a.empty()) return Arity(name, 1, 0, true);
    if (a.size() == 1) return Calling(name, "missing argument for comparison");
    for (size_t i = 1; i < a.size(); ++i) {
      auto e = Equal(a[0], a[i]);
      if (!e.ok()) return Calling(name, e.status().message());
      if (*e) return TemplateValue::Bool(true);
    }
    return TemplateValue::Bool(false);
  }
  if (name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge") {
    HEARTH_RETURN_IF_ERROR(exactly(2));
    if (name == "ne") {
      auto e = Equal(a[0], a[1]);
      if (!e.ok()) return Calling(name, e.status().message());
      return TemplateValue::Bool(!*e);
    }
    auto lt = Less(a[0], a[1]);
    if (!lt.ok()) return Calling(name, lt.status().message());
    bool eq = false;
    if (name == "le" || name == "gt") {
      auto e = Equal(a[0], a[1]);
      if (!e.ok()) return Calling(name, e.status().message());
      eq = *e;
    }
    if (name == "lt") return TemplateValue::Bool(*lt);
    if (name == "le") return TemplateValue::Bool(*lt || eq);
    if (name == "gt") return TemplateValue::Bool(!*lt && !eq);
    return TemplateValue::Bool(!*lt);
  }
  if (name == "len") {
    HEARTH_RETURN_IF_ERROR(exactly(1));
    if (a[0].is_nil()) return Calling(name, "len of nil pointer");
    const int64_t n = a[0].Length();
    if (n < 0) return Calling(name, "len of type " + a[0].GoType());
    return TemplateValue::Int(n);
  }
  if (name == "index") return Index(a);
  if (name == "slice") return Slice(a);
  if (name == "print") return TemplateValue::String(Sprint(a));
  if (name == "println") {
    std::string out;
    for (size_t i = 0; i < a.size(); ++i) out += (i ? " " : "") + a[i].Print();
    return TemplateValue::String(out + "\n");
  }
  if (name == "printf") return Printf(a);
  if (name == "json") {
    HEARTH_RETURN_IF_ERROR(exactly(1));
    return TemplateValue::String(a[0].Json());
  }
  if (name == "currentDate" || name == "yesterdayDate") {
    for (const TemplateValue& v : a) {
      if (v.kind() != Kind::kString) {
        return InvalidArgument("wrong type for value; expected string; got " + v.GoType());
      }
    }
    return TemplateValue::String(Date(now, name == "currentDate" ? 0 : 1));
  }
  if (name == "toTypeScriptType") {
    HEARTH_RETURN_IF_ERROR(exactly(1));
    return TemplateValue::String(TypeScriptType(a[0]));
  }
  return InvalidArgument("function \"" + name + "\" not defined");
}

}  // namespace hearth::gotmpl::ast
