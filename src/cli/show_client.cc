#include "cli/show_client.h"

#include <fmt/format.h>

#include <cstdio>

#include "gotmpl/go_format.h"
#include "cli/show_table.h"

namespace hearth::cli {
namespace {

using nlohmann::json;
using Rows = std::vector<std::vector<std::string>>;

std::string Str(const json& o, const char* key) {
  auto it = o.is_object() ? o.find(key) : o.end();
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// fmt's %v of a JSON scalar as Ollama's CLI prints model_info values.
std::string Scalar(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return gotmpl::GoFormatFloat(v.get<double>());
  return v.dump();
}

// As many array items as fit in 10 columns, then "...+N more]".
std::string Value(const json& v) {
  if (!v.is_array()) return Scalar(v);
  size_t width = 1, shown = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t w = DisplayWidth(Scalar(v[i])) + (i > 0 ? 2 : 0);
    if (width + w > 10 && i > 0) break;
    width += w;
    ++shown;
  }
  std::string out = "[";
  for (size_t i = 0; i < shown; ++i) out += (i ? " " : "") + Scalar(v[i]);
  if (shown < v.size()) return out + " ...+" + std::to_string(v.size() - shown) + " more]";
  return out + "]";
}

}  // namespace

std::string RenderShowResponse(const json& show, bool verbose) {
  const json info = show.contains("model_info") ? show["model_info"] : json::object();
  const json details = show.contains("details") ? show["details"] : json::object();
  std::string out;
  Rows model;
  const std::string arch = Str(info, "general.architecture");
  if (!arch.empty()) model.push_back({"", "architecture", arch});
  if (auto p = Str(details, "parameter_size"); !p.empty()) model.push_back({"", "parameters", p});
  for (const auto& [key, label] :
       {std::pair<std::string, const char*>{".context_length", "context length"},
        {".embedding_length", "embedding length"}}) {
    auto it = info.is_object() ? info.find(arch + key) : info.end();
    if (!arch.empty() && it != info.end() && it->is_number()) {
      model.push_back({"", label, Scalar(*it)});
    }
  }
  model.push_back({"", "quantization", Str(details, "quantization_level")});
  out += RenderShowSection("Model", model);
  if (show.contains("capabilities") && show["capabilities"].is_array() &&
      !show["capabilities"].empty()) {
    Rows caps;
    for (const json& c : show["capabilities"]) {
      if (c.is_string()) caps.push_back({"", c.get<std::string>()});
    }
    out += RenderShowSection("Capabilities", caps);
  }
  if (auto p = Str(show, "parameters"); !p.empty()) {
    out += RenderShowSection("Parameters", ParameterRows(p));
  }
  if (verbose && info.is_object() && !info.empty()) {
    Rows rows;  // json objects iterate in sorted key order
    for (const auto& [key, value] : info.items()) rows.push_back({"", key, Value(value)});
    out += RenderShowSection("Metadata", rows);
    Rows tensors;
    if (show.contains("tensors") && show["tensors"].is_array()) {
      for (const json& t : show["tensors"]) {
        std::string shape = "[";
        if (t.is_object() && t.contains("shape") && t["shape"].is_array()) {
          for (size_t i = 0; i < t["shape"].size(); ++i) {
            shape += (i ? " " : "") + Scalar(t["shape"][i]);
          }
        }
        tensors.push_back({"", Str(t, "name"), Str(t, "type"), shape + "]"});
      }
    }
    if (!tensors.empty()) out += RenderShowSection("Tensors", tensors);
  }
  if (auto s = Str(show, "system"); !s.empty()) out += RenderShowSection("System", HeadRows(s, 2));
  if (auto l = Str(show, "license"); !l.empty()) {
    out += RenderShowSection("License", HeadRows(l, 2));
  }
  return out;
}

int ShowViaServer(const ApiClient& api, const std::string& model, ShowPart part, bool verbose) {
  auto show = api.Call("POST", "/api/show", {{"model", model}, {"verbose", verbose}});
  if (!show.ok() && show.status().code() == StatusCode::kNotFound) {
    // As the direct path: the name as the user typed it.
    fmt::print(stderr, "Error: model '{}' not found\n", model);
    return 1;
  }
  if (!show.ok()) {
    fmt::print(stderr, "Error: {}\n", show.status().message());
    return 1;
  }
  std::string out;
  switch (part) {
    case ShowPart::kLicense:
      out = Str(*show, "license") + "\n";
      break;
    case ShowPart::kModelfile:
      out = Str(*show, "modelfile") + "\n";
      break;
    case ShowPart::kParameters:
      out = Str(*show, "parameters") + "\n";
      break;
    case ShowPart::kSystem:
      out = Str(*show, "system");
      break;
    case ShowPart::kTemplate:
      out = Str(*show, "template");
      if (out.empty()) out = "{{ .Prompt }}";
      break;
    case ShowPart::kInfo:
      out = RenderShowResponse(*show, verbose);
      break;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace hearth::cli
