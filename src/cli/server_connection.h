#pragma once
// For commands that need a running server (ps, stop): the ApiClient for HEARTH_HOST, or an
// Unavailable error "could not connect to hearth server at <url>, is it running?".

#include "base/status.h"
#include "cli/api_client.h"

namespace hearth::cli {

Result<ApiClient> RequireServer();

}  // namespace hearth::cli
