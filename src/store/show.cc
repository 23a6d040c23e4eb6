#include "store/show.h"

#include <nlohmann/json.hpp>

#include "gotmpl/ollama_template.h"
#include "store/model_facts.h"
#include "store/modelfile.h"

namespace hearth::store {
namespace {

using Json = nlohmann::ordered_json;

std::string Str(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<ShowInfo> ShowModel(const Store& store, const ModelName& name, bool verbose) {
  HEARTH_ASSIGN_OR_RETURN(ResolvedModel r, store.Resolve(name));
  ShowInfo info;
  info.name = r.name;
  info.modified = r.modified;
  info.system = r.system;

  HEARTH_ASSIGN_OR_RETURN(std::string config_text, store.ReadBlobText(r.manifest.config.digest));
  const Json config = Json::parse(config_text, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object())
    return DataLoss("the config blob of " + name.Display() + " is not a JSON object");
  info.format = Str(config, "model_format");
  info.family = Str(config, "model_family");
  info.parameter_size = Str(config, "model_type");
  info.quantization_level = Str(config, "file_type");
  info.renderer = Str(config, "renderer");
  info.parser = Str(config, "parser");
  info.requires_version = Str(config, "requires");
  std::vector<std::string> config_caps;
  for (const char* key : {"model_families", "capabilities"}) {
    auto it = config.find(key);
    if (it == config.end() || !it->is_array()) continue;
    for (const Json& e : *it) {
      if (!e.is_string()) continue;
      (std::string(key) == "capabilities" ? config_caps : info.families)
          .push_back(e.get<std::string>());
    }
  }

  ModelfileView view;
  view.display_name = r.name.Display();
  view.model_path = r.model_path;
  view.adapter_paths = r.adapter_paths;
  view.draft_path = r.draft_path;
  view.template_text = r.template_text;
  view.system = r.system;
  view.renderer = info.renderer;
  view.parser = info.parser;
  view.params_json = r.params_json;
  view.messages_json = r.messages_json;
  if (!r.projector_path.empty()) view.projector_paths.push_back(r.projector_path);
  for (const Layer& l : r.manifest.layers) {
    if (l.media_type == kMediaModel && info.parent_model.empty()) info.parent_model = l.from;
    if (l.media_type != kMediaLicense) continue;
    HEARTH_ASSIGN_OR_RETURN(std::string text, store.ReadBlobText(l.digest));
    view.licenses.push_back(text);
  }
  for (size_t i = 0; i < view.licenses.size(); ++i) {
    info.license += (i ? "\n" : "") + view.licenses[i];
  }
  HEARTH_ASSIGN_OR_RETURN(info.modelfile, FormatModelfile(view));
  HEARTH_ASSIGN_OR_RETURN(info.parameters, FormatParameters(r.params_json));
  const Json messages = Json::parse(r.messages_json, nullptr, false);
  if (messages.is_array()) {
    for (const Json& m : messages) info.messages.emplace_back(Str(m, "role"), Str(m, "content"));
  }

  gguf::ReadOptions options;
  options.keep_string_arrays = verbose;
  std::optional<GgufFacts> facts;
  if (!r.model_path.empty()) {
    auto f = gguf::ReadFile(r.model_path, options);
    if (!f.ok()) return f.status().WithContext("model layer of " + name.Display());
    facts = FactsOf(*f);
    info.model = std::move(*f);
  }
  if (!r.projector_path.empty()) {
    auto f = gguf::ReadFile(r.projector_path, options);
    if (!f.ok()) return f.status().WithContext("projector layer of " + name.Display());
    info.projector = std::move(*f);
  }

  std::vector<std::string> template_caps;
  if (!r.template_text.empty()) {
    info.template_text = r.template_text;
    auto t = gotmpl::OllamaTemplate::Parse(r.template_text);
    if (t.ok()) template_caps = t->Capabilities();
  } else if (facts && !facts->chat_template.empty()) {
    info.template_text = facts->chat_template;
  } else {
    info.template_text = "{{ .Prompt }}";
  }
  info.capabilities = Capabilities(config_caps, facts ? &*facts : nullptr, !r.template_text.empty(),
                                   template_caps, !r.projector_path.empty());
  return info;
}

}  // namespace hearth::store
