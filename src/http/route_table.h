#pragma once
// The routing table: method + path pattern ("/api/blobs/:digest") -> handler and options.
// Built once before the server starts, then only read (thread-safe for concurrent Find).

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/call.h"

namespace hearth::http {

struct RouteOptions {
  // Served without an API key even when keys are configured (GET|HEAD / and /health).
  bool public_route = false;
  // Largest accepted body in bytes; 0 = the server's default limit. Larger bodies get 413.
  size_t max_body = 0;
  // The handler reads the body itself with Call::ReadBody (uploads of any size) instead of
  // receiving it in Request::body. Requires a positive max_body.
  bool stream_body = false;
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // pattern split on '/', ":name" = parameter
  Handler handler;
  RouteOptions options;
};

class RouteTable {
 public:
  // Adds a route. `pattern` starts with '/'; a segment ":name" matches any one non-empty path
  // segment and is exposed as Request::params["name"]. HEAD is not implied by GET: add it.
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  struct Found {
    const Route* route = nullptr;  // nullptr: no route for this method and path
    std::map<std::string, std::string, std::less<>> params;  // percent-decoded
    // When route is nullptr: the methods that exist for this path (405 when non-empty, else
    // 404), in registration order.
    std::vector<std::string> allowed;
    std::string error;  // non-empty: the path is malformed (bad %-escape, NUL): 400
  };
  // Matches `path` (raw, still percent-encoded, without the query). Among matching routes the
  // one with the most literal segments wins, then the first added.
  Found Find(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace hearth::http
