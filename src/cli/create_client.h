#pragma once
// `hearth create` through a running server, as Ollama's CLI does it: the Modelfile is parsed
// here, every local file it names (FROM, ADAPTER, DRAFT) is hashed and uploaded with
// HEAD/POST /api/blobs/<digest> unless the server has it, and the model is built by
// POST /api/create from the structured request. Thread-compatible.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "cli/api_client.h"
#include "store/modelfile.h"

namespace hearth::cli {

// The /api/create body for `modelfile` (whose relative paths resolve against `base_dir`),
// uploading local files through `api` first (`progress` receives "copying file sha256:<hex>
// 100%" for each). InvalidArgument for a directory or a second FROM that names a model.
Result<nlohmann::json> BuildCreateRequest(const ApiClient& api, const std::string& model,
                                          const store::Modelfile& modelfile,
                                          const std::string& base_dir,
                                          const std::function<void(const std::string&)>& progress);

// Runs the whole create through `api`; status lines go to `progress` (consecutive repeats
// dropped), ending with "success".
Status CreateViaServer(const ApiClient& api, const std::string& model,
                       const store::Modelfile& modelfile, const std::string& base_dir,
                       const std::function<void(const std::string&)>& progress);

}  // namespace hearth::cli
