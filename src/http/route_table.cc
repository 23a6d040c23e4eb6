#include "http/route_table.h"

#include <algorithm>

#include "base/check.h"

namespace hearth::http {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" into {}. Empty inner segments are kept ("/a//b").
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path == "/") return out;
  size_t start = 1;
  while (true) {
    const size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      break;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

void RouteTable::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  HEARTH_CHECK(!pattern.empty() && pattern[0] == '/');
  HEARTH_CHECK(!options.stream_body || options.max_body > 0);
  Route r;
  r.method = std::move(method);
  for (std::string_view s : SplitPath(pattern)) r.segments.emplace_back(s);
  r.pattern = std::move(pattern);
  r.handler = std::move(handler);
  r.options = options;
  routes_.push_back(std::move(r));
}

RouteTable::Found RouteTable::Find(std::string_view method, std::string_view path) const {
  Found found;
  if (path.empty() || path[0] != '/') {
    found.error = "request path must start with '/'";
    return found;
  }
  std::vector<std::string> segments;
  for (std::string_view raw : SplitPath(path)) {
    auto decoded = PercentDecode(raw);
    if (!decoded.ok()) {
      found.error = decoded.status().message();
      return found;
    }
    segments.push_back(std::move(*decoded));
  }
  int best_literals = -1;
  for (const Route& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    int literals = 0;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& p = r.segments[i];
      if (!p.empty() && p[0] == ':') {
        match = !segments[i].empty();
      } else {
        match = p == segments[i];
        ++literals;
      }
    }
    if (!match) continue;
    if (r.method != method) {
      if (std::find(found.allowed.begin(), found.allowed.end(), r.method) == found.allowed.end()) {
        found.allowed.push_back(r.method);
      }
      continue;
    }
    if (literals <= best_literals) continue;
    best_literals = literals;
    found.route = &r;
    found.params.clear();
    for (size_t i = 0; i < segments.size(); ++i) {
      if (!r.segments[i].empty() && r.segments[i][0] == ':') {
        found.params[r.segments[i].substr(1)] = segments[i];
      }
    }
  }
  if (found.route) found.allowed.clear();
  return found;
}

}  // namespace hearth::http
