#include "cli/server_connection.h"

#include <cstdlib>
#include <optional>
#include <string>

namespace hearth::cli {

Result<ApiClient> RequireServer() {
  HEARTH_ASSIGN_OR_RETURN(std::optional<ApiClient> client, ApiClient::ConnectFromEnv());
  if (client) return std::move(*client);
  const char* host = std::getenv("HEARTH_HOST");
  HEARTH_ASSIGN_OR_RETURN(std::string url, ServerUrl(host ? host : ""));
  return Status(StatusCode::kUnavailable,
                "could not connect to hearth server at " + url + ", is it running?");
}

}  // namespace hearth::cli
