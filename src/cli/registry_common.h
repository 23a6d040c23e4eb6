#pragma once
// What `hearth pull` and `hearth push` share: opening the store, options from the environment,
// Ctrl-C as cancellation, the progress display and the exit code.

#include <functional>
#include <string>

#include "base/status.h"
#include "cli/api_client.h"
#include "store/name.h"
#include "registry/registry_client.h"

namespace hearth::cli {

using TransferFn = std::function<Status(registry::RegistryClient&, const store::ModelName&,
                                        const registry::RegistryOptions&, const registry::ProgressFn&)>;

// Registry tuning from the environment (also read by `hearth serve` for /api/pull):
// HEARTH_PULL_PART_BYTES, HEARTH_PULL_STALL_MS, HEARTH_PULL_RETRY_MS, HEARTH_NOPRUNE.
registry::RegistryOptions RegistryOptionsFromEnv();

// Parses `name`, opens the store, runs `fn` with progress rendered on stderr (bars labelled
// `verb`), and returns the exit code (0, or 1 after "Error: ..." on stderr).
int RunTransfer(const std::string& name, bool insecure, const std::string& verb,
                const TransferFn& fn);

// The same through a running server: POSTs {model, insecure, stream} to `path` (/api/pull or
// /api/push) and renders the streamed progress exactly as RunTransfer does. Ctrl-C closes the
// connection, which cancels the transfer on the server.
int RunServerTransfer(const ApiClient& api, const std::string& name, bool insecure,
                      const std::string& verb, const std::string& path);

// Pull and push: through the server at HEARTH_HOST when one answers, else on the store.
int Transfer(const std::string& name, bool insecure, const std::string& verb,
             const std::string& path, const TransferFn& fn);

}  // namespace hearth::cli
