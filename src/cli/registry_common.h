#pragma once
// What `hearth pull` and `hearth push` share: opening the store, options from the environment,
// Ctrl-C as cancellation, the progress display and the exit code.

#include <functional>
#include <string>

#include "base/status.h"
#include "store/name.h"
#include "store/registry_client.h"

namespace hearth::cli {

using TransferFn = std::function<Status(store::RegistryClient&, const store::ModelName&,
                                        const store::RegistryOptions&, const store::ProgressFn&)>;

// Parses `name`, opens the store, runs `fn` with progress rendered on stderr (bars labelled
// `verb`), and returns the exit code (0, or 1 after "Error: ..." on stderr).
int RunTransfer(const std::string& name, bool insecure, const std::string& verb,
                const TransferFn& fn);

}  // namespace hearth::cli
