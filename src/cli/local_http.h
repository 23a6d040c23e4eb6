#pragma once
// A minimal blocking HTTP client (libcurl) for CLI commands that talk to a running `hearth serve`
// (ps, stop): the server's base URL from HEARTH_HOST, one request, the status and body back.
// Thread-compatible.

#include <string>

#include "base/status.h"

namespace hearth::cli {

struct HttpReply {
  long status = 0;
  std::string body;
};

// "http://<host>:<port>" from HEARTH_HOST (default 127.0.0.1:11434); 0.0.0.0 and :: become
// loopback, as Ollama's client does. InvalidArgument for a malformed HEARTH_HOST.
Result<std::string> ServerUrl();

// Sends `method` `url` with a JSON `body` (none when empty). Unavailable "could not connect to
// hearth server at <url>, is it running?" when the connection fails; any HTTP status is a reply.
Result<HttpReply> HttpCall(const std::string& method, const std::string& url,
                           const std::string& body = "");

// The "error" string of an {"error": "..."} body, or the body itself.
std::string ErrorMessage(const HttpReply& reply);

}  // namespace hearth::cli
