#include "store/name.h"

#include <cstdio>

#include "store/internal.h"

namespace hearth::store {
namespace {

using internal::EqualFold;
using internal::Quote;

// Ollama's part limits (types/model/name.go isValidLen).
constexpr size_t kMaxHostLen = 350;
constexpr size_t kMaxPartLen = 80;
// host + ns + model + tag with separators, plus a scheme.
constexpr size_t kMaxNameLen = kMaxHostLen + 3 * kMaxPartLen + 3 + sizeof("https://");

enum class Part { kHost, kNamespace, kModel, kTag };

const char* PartName(Part p) {
  switch (p) {
    case Part::kHost:
      return "host";
    case Part::kNamespace:
      return "namespace";
    case Part::kModel:
      return "model";
    case Part::kTag:
      return "tag";
  }
  return "part";
}

bool IsAlnumOrUnderscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string CharText(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u >= 0x7f || c == '\'' || c == '\\') {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "0x%02x", u);
    return buf;
  }
  return std::string("'") + c + "'";
}

// Ollama's isValidPart: first byte alphanumeric or '_'; then also '-', '_', '.' (not in a
// namespace) and ':' (host only, for a port). Returns the reason when invalid, else "".
std::string CheckPart(Part kind, std::string_view s) {
  const size_t max = kind == Part::kHost ? kMaxHostLen : kMaxPartLen;
  const std::string what = std::string(PartName(kind)) + " " + Quote(s);
  if (s.empty()) return std::string("the ") + PartName(kind) + " is empty";
  if (s.size() > max) return what + " is longer than " + std::to_string(max) + " characters";
  if (!IsAlnumOrUnderscore(s[0])) return what + " must start with a letter, digit or '_'";
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (IsAlnumOrUnderscore(c) || c == '-') continue;
    if (c == '.' && kind != Part::kNamespace) continue;
    if (c == ':' && kind == Part::kHost) continue;
    if (c == '.') return what + " may not contain '.'";
    return what + " contains an invalid character " + CharText(c);
  }
  return "";
}

Status NameError(std::string_view text, const std::string& reason) {
  return InvalidArgument("invalid model name " + Quote(text) + ": " + reason);
}

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

Result<ModelName> ModelName::Parse(std::string_view text) {
  if (text.empty()) return NameError(text, "the name is empty");
  if (text.size() > kMaxNameLen) {
    return NameError(text, "longer than " + std::to_string(kMaxNameLen) + " bytes");
  }
  // Whole-string checks first, so hostile input gets the most telling reason.
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return NameError(text, "contains a control character " + CharText(c));
    if (c == '\\') return NameError(text, "contains a backslash");
  }
  if (text.front() == '/') return NameError(text, "is an absolute path");
  if (text.find("..") != std::string_view::npos) return NameError(text, "contains \"..\"");

  std::string_view s = text;
  bool scheme = false;
  for (std::string_view prefix : {"https://", "http://"}) {
    if (s.substr(0, prefix.size()) == prefix) {
      s.remove_prefix(prefix.size());
      scheme = true;
      break;
    }
  }
  if (s.find("://") != std::string_view::npos) {
    return NameError(text, "only http:// and https:// may prefix a name");
  }

  ModelName n;
  // ':' after the last '/' starts the tag ('/' cannot be in a tag; a host may have a port).
  const size_t colon = s.rfind(':');
  const size_t slash = s.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    n.tag = std::string(s.substr(colon + 1));
    s = s.substr(0, colon);
    if (n.tag.empty()) return NameError(text, "the tag after ':' is empty");
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find('/', start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() > 3) {
    return NameError(text, "too many '/'-separated parts (want [host/][namespace/]model[:tag])");
  }
  if (scheme && parts.size() != 3) {
    return NameError(text, "a name with http:// or https:// needs host/namespace/model");
  }
  n.model = std::string(parts.back());
  if (parts.size() >= 2) n.ns = std::string(parts[parts.size() - 2]);
  if (parts.size() == 3) n.host = std::string(parts[0]);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) {
      const Part p = parts.size() - 1 == i   ? Part::kModel
                     : parts.size() - 2 == i ? Part::kNamespace
                                             : Part::kHost;
      return NameError(text, std::string("the ") + PartName(p) + " is empty");
    }
  }
  if (n.host.empty()) n.host = kDefaultHost;
  if (n.ns.empty()) n.ns = kDefaultNamespace;
  if (n.tag.empty()) n.tag = kDefaultTag;
  for (auto [kind, part] : {std::pair{Part::kHost, &n.host}, std::pair{Part::kNamespace, &n.ns},
                            std::pair{Part::kModel, &n.model}, std::pair{Part::kTag, &n.tag}}) {
    std::string why = CheckPart(kind, *part);
    if (!why.empty()) return NameError(text, why);
  }
  return n;
}

Status ModelName::Validate() const {
  for (auto [kind, part] : {std::pair{Part::kHost, &host}, std::pair{Part::kNamespace, &ns},
                            std::pair{Part::kModel, &model}, std::pair{Part::kTag, &tag}}) {
    std::string why = CheckPart(kind, *part);
    if (why.empty() && part->find("..") != std::string::npos) why = "contains \"..\"";
    if (!why.empty()) return InvalidArgument("invalid model name " + Quote(Full()) + ": " + why);
  }
  return Status();
}

std::string ModelName::Full() const { return host + "/" + ns + "/" + model + ":" + tag; }

std::string ModelName::Display() const {
  if (!EqualFold(host, kDefaultHost)) return Full();
  if (!EqualFold(ns, kDefaultNamespace)) return ns + "/" + model + ":" + tag;
  return model + ":" + tag;
}

std::string ModelName::ManifestPath() const {
  if (!Validate().ok()) return "";
  return "manifests/" + host + "/" + ns + "/" + model + "/" + tag;
}

Result<Digest> Digest::Parse(std::string_view text) {
  auto fail = [&](const std::string& why) {
    return InvalidArgument("invalid digest " + Quote(text) + ": " + why);
  };
  if (text.substr(0, 7) != "sha256:" && text.substr(0, 7) != "sha256-") {
    return fail("want sha256:<64 hex digits>");
  }
  std::string_view hex = text.substr(7);
  if (hex.size() != 64) {
    return fail("want 64 hex digits after \"sha256:\", got " + std::to_string(hex.size()));
  }
  for (char c : hex) {
    if (!IsLowerHex(c)) return fail(CharText(c) + " is not a lowercase hex digit");
  }
  return Digest{std::string(hex)};
}

bool Digest::IsValid() const {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

}  // namespace hearth::store
