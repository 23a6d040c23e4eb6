// `hearth create MODEL [-f Modelfile]`: builds a model in the store from a Modelfile, printing
// Ollama's progress lines on stderr. With a server at HEARTH_HOST, local files are uploaded as
// blobs and the server builds the model (see cli/create_client.h).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/create_client.h"
#include "cli/model_ref.h"
#include "store/create.h"
#include "store/modelfile.h"

namespace hearth::cli {
namespace {

struct CreateFlags {
  std::string model;
  std::string file;
  std::string quantize;
  std::string draft_quantize;
};

int Fail(const std::string& message) {
  fmt::print(stderr, "Error: {}\n", message);
  return 1;
}

Result<std::string> ReadModelfile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound("specified Modelfile wasn't found");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot read " + path);
  std::string text(store::kMaxModelfileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) return IOError("cannot read " + path);
  return text;  // ParseModelfile rejects the extra byte of an over-long file
}

int Create(const CreateFlags& f) {
  auto name = store::ModelName::Parse(f.model);
  if (!name.ok()) return Fail("invalid model name: " + f.model);
  if (!f.quantize.empty() || !f.draft_quantize.empty()) {
    return Fail("quantization is not supported yet: create from an already quantized GGUF");
  }
  const std::string file = f.file.empty() ? "Modelfile" : f.file;
  auto text = ReadModelfile(file);
  if (!text.ok()) return Fail(text.status().message());
  auto mf = store::ParseModelfile(*text);
  if (!mf.ok()) return Fail(mf.status().message());
  for (const std::string& w : mf->warnings) fmt::print(stderr, "warning: {}\n", w);

  std::error_code ec;
  const auto abs = std::filesystem::absolute(file, ec);
  const std::string base_dir = ec ? "." : abs.parent_path().string();
  auto print = [](const std::string& status) {
    fmt::print(stderr, "{}\n", status);
    std::fflush(stderr);
  };
  auto api = ApiClient::ConnectFromEnv();
  if (!api.ok()) return Fail(api.status().message());
  if (*api) {
    Status s = CreateViaServer(**api, f.model, *mf, base_dir, print);
    return s.ok() ? 0 : Fail(s.message());
  }
  auto st = OpenDefaultStore();
  if (!st.ok()) return Fail(st.status().message());
  store::CreateOptions options;
  options.base_dir = base_dir;
  options.progress = print;
  Status s = store::CreateModel(**st, *name, *mf, options);
  if (!s.ok()) return Fail(s.message());
  return 0;
}

}  // namespace

Handler SetupCreate(CLI::App& sub) {
  auto f = std::make_shared<CreateFlags>();
  sub.add_option("model", f->model, "Name of the model to create")->required();
  sub.add_option("-f,--file", f->file, "Name of the Modelfile (default \"Modelfile\")");
  sub.add_option("-q,--quantize", f->quantize, "Quantize model to this level (e.g. q4_K_M)");
  sub.add_option("--draft-quantize", f->draft_quantize, "Quantize draft model to this level");
  return [f] { return Create(*f); };
}

}  // namespace hearth::cli
