#pragma once
// `hearth show` through a running server: POST /api/show, rendered as the direct (store) path
// renders it, as Ollama's CLI renders its ShowResponse. Thread-compatible.

#include <string>

#include "cli/api_client.h"

namespace hearth::cli {

enum class ShowPart { kInfo, kLicense, kModelfile, kParameters, kSystem, kTemplate };

// Prints `part` of model `model` to stdout; returns the exit code (1 after "Error: ..." on
// stderr).
int ShowViaServer(const ApiClient& api, const std::string& model, ShowPart part, bool verbose);

// The default view (Model, Capabilities, Parameters, [Metadata, Tensors,] System, License
// sections) of an /api/show answer.
std::string RenderShowResponse(const nlohmann::json& show, bool verbose);

}  // namespace hearth::cli
