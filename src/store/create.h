#pragma once
// CreateModel: `hearth create NAME -f Modelfile`, working on the store as Ollama's CLI and server
// do together (parser.CreateRequest + server.CreateHandler/createModel):
//   FROM   a .gguf path (imported as a blob, validated), "sha256:<hex>" (a blob already in the
//          store), or a store model name (its layers are reused, with "from" set to its name)
//   ADAPTER a LoRA GGUF (general.type "adapter"); DRAFT a speculative-decoding GGUF
//   TEMPLATE (checked by the Go-template parser), SYSTEM, LICENSE (each one a layer), PARAMETER
//          (merged over the base model's params layer), MESSAGE, REQUIRES/RENDERER/PARSER (config)
// and writes the layers with Ollama's media types, the config blob (model_format, model_family,
// model_families, model_type, file_type, context_length, embedding_length, ...) and the manifest.
// Progress goes to `progress` as Ollama's status lines, in Ollama's order:
//   gathering model components / copying file sha256:<hex> 100% / parsing GGUF /
//   using existing layer sha256:<hex> / creating new layer sha256:<hex> / writing manifest /
//   success
// Thread-safe as the Store is; concurrent creates and pulls never corrupt the store.

#include <functional>
#include <string>

#include "base/status.h"
#include "store/modelfile.h"
#include "store/name.h"
#include "store/store.h"

namespace hearth::store {

struct CreateOptions {
  // Relative FROM / ADAPTER / DRAFT paths resolve against this directory (the Modelfile's).
  std::string base_dir = ".";
  // False on the server: FROM / ADAPTER / DRAFT values are "sha256:<hex>" blobs or (FROM) model
  // names only, and no path a request names is ever opened.
  bool allow_local_files = true;
  // Receives each progress status line; may be empty.
  std::function<void(const std::string&)> progress;
};

// Creates (or replaces) model `name`. Errors name the directive and value, e.g.
//   FROM ./missing.gguf: model "./missing.gguf" not found, try pulling it first
//   ADAPTER ./x.gguf: not a LoRA adapter (general.type is "model")
//   template error: template: line 1, column 4: function "foo" not defined
// Nothing is written to the manifest unless every layer was stored and verified.
Status CreateModel(Store& store, const ModelName& name, const Modelfile& modelfile,
                   const CreateOptions& options);

// Expands a Modelfile path as Ollama does: absolute paths as they are, "~" and "~user" to home
// directories, anything else relative to `base_dir`; the result is absolute.
Result<std::string> ExpandModelfilePath(const std::string& path, const std::string& base_dir);

}  // namespace hearth::store
