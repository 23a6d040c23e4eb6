// `hearth show MODEL [--license | --modelfile | --parameters | --system | --template] [-v]`:
// Ollama's `show` output, from the server's /api/show when one runs at HEARTH_HOST, else read
// straight from the store.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "gotmpl/go_format.h"
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/model_ref.h"
#include "cli/show_client.h"
#include "cli/show_table.h"
#include "store/model_facts.h"
#include "store/show.h"

namespace hearth::cli {
namespace {

using Rows = std::vector<std::vector<std::string>>;

struct ShowFlags {
  std::string model;
  bool license = false, modelfile = false, parameters = false, system = false, tmpl = false;
  bool verbose = false;
};

// fmt's %v of one GGUF metadata value as Ollama's CLI prints it after a JSON round trip.
std::string Scalar(const gguf::Value& v) {
  using T = gguf::ValueType;
  switch (v.type) {
    case T::kString:
      return v.s;
    case T::kBool:
      return v.b ? "true" : "false";
    // Ollama's JSON round trip keeps a float32's shortest digits ("1e-05", not 9.99e-06).
    case T::kFloat32:
      return gotmpl::GoFormatFloat(v.f, 32);
    case T::kFloat64:
      return gotmpl::GoFormatFloat(v.f);
    case T::kUint64:
      return gotmpl::GoFormatFloat(static_cast<double>(static_cast<uint64_t>(v.i)));
    default:
      return gotmpl::GoFormatFloat(static_cast<double>(v.i));
  }
}

std::vector<std::string> ArrayItems(const gguf::Value& v) {
  std::vector<std::string> items;
  for (const std::string& s : v.strings) items.push_back(s);
  const int bits = v.elem_type == gguf::ValueType::kFloat32 ? 32 : 64;
  for (double f : v.floats) items.push_back(gotmpl::GoFormatFloat(f, bits));
  for (int64_t i : v.ints) {
    items.push_back(v.elem_type == gguf::ValueType::kBool
                        ? (i ? "true" : "false")
                        : gotmpl::GoFormatFloat(static_cast<double>(i)));
  }
  return items;
}

// Ollama shows as many array items as fit in 10 columns, then "...+N more]".
std::string MetadataValue(const gguf::Value& v) {
  if (v.type != gguf::ValueType::kArray) return Scalar(v);
  const std::vector<std::string> items = ArrayItems(v);
  const size_t total = static_cast<size_t>(v.array_len);
  size_t width = 1, shown = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    size_t w = DisplayWidth(items[i]) + (i > 0 ? 2 : 0);
    if (width + w > 10 && i > 0) break;
    width += w;
    ++shown;
  }
  std::string out = "[";
  for (size_t i = 0; i < shown; ++i) out += (i ? " " : "") + items[i];
  if (shown < total) return out + " ...+" + std::to_string(total - shown) + " more]";
  return out + "]";
}

std::string Number(const gguf::File& f, const std::string& key) {
  const gguf::Value* v = f.Find(key);
  if (v == nullptr || v->type == gguf::ValueType::kArray || v->type == gguf::ValueType::kString ||
      v->type == gguf::ValueType::kBool) {
    return "";
  }
  return Scalar(*v);
}

std::string Shape(const std::vector<uint64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? " " : "") + std::to_string(dims[i]);
  return out + "]";
}

std::string TensorType(uint32_t type) {
  auto t = gguf::GetTypeTraits(type);
  std::string name = t ? t->name : std::to_string(type);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string Info(const store::ShowInfo& s, bool verbose) {
  std::string out;
  Rows model;
  if (s.model) {
    const gguf::File& f = *s.model;
    const std::string arch = f.GetString("general.architecture").value_or("");
    if (!arch.empty()) model.push_back({"", "architecture", arch});
    std::string params = s.parameter_size;
    if (params.empty()) params = store::HumanNumber(f.ParameterCount());
    if (!params.empty()) model.push_back({"", "parameters", params});
    if (auto v = Number(f, arch + ".context_length"); !v.empty()) {
      model.push_back({"", "context length", v});
    }
    if (auto v = Number(f, arch + ".embedding_length"); !v.empty()) {
      model.push_back({"", "embedding length", v});
    }
  }
  model.push_back({"", "quantization", s.quantization_level});
  if (!s.requires_version.empty()) model.push_back({"", "requires", s.requires_version});
  out += RenderShowSection("Model", model);

  if (!s.capabilities.empty()) {
    Rows caps;
    for (const std::string& c : s.capabilities) caps.push_back({"", c});
    out += RenderShowSection("Capabilities", caps);
  }
  if (s.projector) {
    const gguf::File& f = *s.projector;
    const std::string arch = f.GetString("general.architecture").value_or("");
    Rows rows;
    if (!arch.empty()) rows.push_back({"", "architecture", arch});
    rows.push_back({"", "parameters", store::HumanNumber(f.ParameterCount())});
    for (const auto& [suffix, label] :
         {std::pair<const char*, const char*>{"embedding_length", "embedding length"},
          {"projection_dim", "dimensions"}}) {
      for (const char* modality : {"vision", "audio"}) {
        if (auto v = Number(f, arch + "." + modality + "." + suffix); !v.empty()) {
          rows.push_back({"", label, v});
          break;
        }
      }
    }
    out += RenderShowSection("Projector", rows);
  }
  if (!s.parameters.empty()) out += RenderShowSection("Parameters", ParameterRows(s.parameters));
  if (verbose && s.model) {
    std::vector<const gguf::KeyValue*> kv;
    for (const gguf::KeyValue& e : s.model->kv) {
      if (e.key != "general.name" && e.key != "tokenizer.chat_template") kv.push_back(&e);
    }
    // Ollama patches general.parameter_count with the tensor element count.
    gguf::KeyValue count{"general.parameter_count", gguf::Value::U64(s.model->ParameterCount())};
    kv.erase(
        std::remove_if(kv.begin(), kv.end(),
                       [](const gguf::KeyValue* e) { return e->key == "general.parameter_count"; }),
        kv.end());
    kv.push_back(&count);
    std::sort(kv.begin(), kv.end(),
              [](const gguf::KeyValue* a, const gguf::KeyValue* b) { return a->key < b->key; });
    Rows rows;
    for (const gguf::KeyValue* e : kv) rows.push_back({"", e->key, MetadataValue(e->value)});
    out += RenderShowSection("Metadata", rows);
    Rows tensors;
    for (const gguf::TensorInfo& t : s.model->tensors) {
      tensors.push_back({"", t.name, TensorType(t.type), Shape(t.dims)});
    }
    if (!tensors.empty()) out += RenderShowSection("Tensors", tensors);
  }
  if (!s.system.empty()) out += RenderShowSection("System", HeadRows(s.system, 2));
  if (!s.license.empty()) out += RenderShowSection("License", HeadRows(s.license, 2));
  return out;
}

int Show(const ShowFlags& f) {
  const int selected = f.license + f.modelfile + f.parameters + f.system + f.tmpl;
  if (selected > 1) {
    fmt::print(stderr,
               "Error: only one of '--license', '--modelfile', '--parameters', '--system', or "
               "'--template' can be specified\n");
    return 1;
  }
  auto name = store::ModelName::Parse(f.model);
  if (!name.ok()) {
    fmt::print(stderr, "Error: {}\n", name.status().message());
    return 1;
  }
  auto api = ApiClient::ConnectFromEnv();
  if (!api.ok()) {
    fmt::print(stderr, "Error: {}\n", api.status().message());
    return 1;
  }
  if (*api) {
    const ShowPart part = f.license      ? ShowPart::kLicense
                          : f.modelfile  ? ShowPart::kModelfile
                          : f.parameters ? ShowPart::kParameters
                          : f.system     ? ShowPart::kSystem
                          : f.tmpl       ? ShowPart::kTemplate
                                         : ShowPart::kInfo;
    return ShowViaServer(**api, f.model, part, f.verbose);
  }
  auto st = OpenDefaultStore();
  if (!st.ok()) {
    fmt::print(stderr, "Error: {}\n", st.status().message());
    return 1;
  }
  auto info = store::ShowModel(**st, *name, f.verbose);
  if (!info.ok() && info.status().code() == StatusCode::kNotFound &&
      info.status().message().rfind("model ", 0) == 0) {
    fmt::print(stderr, "Error: model '{}' not found\n", f.model);
    return 1;
  }
  if (!info.ok()) {
    fmt::print(stderr, "Error: {}\n", info.status().message());
    return 1;
  }
  std::string out;
  if (f.license)
    out = info->license + "\n";
  else if (f.modelfile)
    out = info->modelfile + "\n";
  else if (f.parameters)
    out = info->parameters + "\n";
  else if (f.system)
    out = info->system;
  else if (f.tmpl)
    out = info->template_text;
  else
    out = Info(*info, f.verbose);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

Handler SetupShow(CLI::App& sub) {
  auto f = std::make_shared<ShowFlags>();
  sub.add_option("model", f->model, "Model name")->required();
  sub.add_flag("--license", f->license, "Show license of a model");
  sub.add_flag("--modelfile", f->modelfile, "Show Modelfile of a model");
  sub.add_flag("--parameters", f->parameters, "Show parameters of a model");
  sub.add_flag("--template", f->tmpl, "Show template of a model");
  sub.add_flag("--system", f->system, "Show system message of a model");
  sub.add_flag("-v,--verbose", f->verbose, "Show detailed model information");
  return [f] { return Show(*f); };
}

}  // namespace hearth::cli
