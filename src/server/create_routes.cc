// POST /api/create, as Ollama's CreateHandler: the structured request (or the legacy
// "modelfile" text) becomes a store::Modelfile whose FROM / ADAPTER / DRAFT values are uploaded
// blobs or model names, then store::CreateModel builds the model with local files disabled.
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/fields.h"
#include "gotmpl/ollama_template.h"
#include "chat/parameters.h"
#include "server/progress_call.h"
#include "server/routes.h"
#include "store/create.h"
#include "store/modelfile.h"
#include "store/store.h"

namespace hearth::server {
namespace {

using nlohmann::json;
using store::Directive;
using store::ModelfileCommand;

store::ModelfileCommand Command(Directive d, std::string value, std::string name = "") {
  ModelfileCommand c;
  c.directive = d;
  c.value = std::move(value);
  c.name = std::move(name);
  return c;
}

// fs.ValidPath as Ollama checks the keys of "files": unrooted, '/'-separated, no empty, "." or
// ".." element, no backslash or NUL.
bool ValidFilePath(std::string_view p) {
  if (p.empty() || p.find('\\') != std::string_view::npos ||
      p.find('\0') != std::string_view::npos) {
    return false;
  }
  size_t start = 0;
  while (true) {
    const size_t end = p.find('/', start);
    std::string_view elem = p.substr(start, end == std::string_view::npos ? p.npos : end - start);
    if (elem.empty() || elem == "." || elem == "..") return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The blob of file `name` must be an uploaded GGUF; returns its "sha256:<hex>" reference.
Result<std::string> GgufBlob(const store::Store& store, const std::string& field,
                             const std::string& name, const std::string& digest_text) {
  if (!ValidFilePath(name)) {
    return InvalidArgument(field + ": file path must be relative: \"" + name + "\"");
  }
  if (EndsWith(name, ".safetensors")) {
    return InvalidArgument(field + ": " + name +
                           ": safetensors import is not supported, create from a GGUF file");
  }
  auto digest = store::Digest::Parse(digest_text);
  if (!digest.ok()) {
    return InvalidArgument(field + ": " + name + ": invalid digest \"" + digest_text + "\"");
  }
  if (!store.HasBlob(*digest)) {
    return InvalidArgument(field + ": " + name + ": blob " + digest->ToString() +
                           " not found, upload it with POST /api/blobs/" + digest->ToString());
  }
  char magic[4] = {};
  std::ifstream in(store.BlobPath(*digest), std::ios::binary);
  in.read(magic, sizeof magic);
  if (in.gcount() != 4 || std::memcmp(magic, "GGUF", 4) != 0) {
    return InvalidArgument(field + ": " + name + ": supplied file was not in GGUF format");
  }
  return digest->ToString();
}

// One "parameters" value as Modelfile PARAMETER commands (stop: one per element).
Status AddParameter(const std::string& key, const json& v, std::vector<ModelfileCommand>* out) {
  if (chat::IsDeprecatedParameter(key)) return Status();
  const chat::ParameterSpec* spec = chat::FindParameter(key);
  if (spec == nullptr) return InvalidArgument("parameters: unknown parameter '" + key + "'");
  std::vector<std::string> texts;
  auto text_of = [&](const json& e) -> Result<std::string> {
    if (e.is_string()) return e.get<std::string>();
    if (e.is_boolean()) return std::string(e.get<bool>() ? "true" : "false");
    if (e.is_number_integer() || e.is_number_unsigned()) return e.dump();
    if (e.is_number_float()) {
      const double d = e.get<double>();
      // Go's FormatParams converts a JSON number to an int field by truncation.
      if (spec->type == chat::ParameterType::kInt && d >= -9.2e18 && d <= 9.2e18) {
        return std::to_string(static_cast<int64_t>(d));
      }
      return e.dump();
    }
    return api::TypeError(api::FieldPath("parameters", key), "string, number or boolean", e);
  };
  if (v.is_array()) {
    for (const json& e : v) {
      HEARTH_ASSIGN_OR_RETURN(std::string t, text_of(e));
      texts.push_back(std::move(t));
    }
  } else {
    HEARTH_ASSIGN_OR_RETURN(std::string t, text_of(v));
    texts.push_back(std::move(t));
  }
  for (const std::string& t : texts) {
    auto parsed = chat::ParseParameter(key, t);
    if (!parsed.ok()) return parsed.status().WithContext("parameters");
    ModelfileCommand c = Command(Directive::kParameter, t, key);
    c.parameter = *parsed;
    out->push_back(std::move(c));
  }
  return Status();
}

struct CreateRequest {
  store::ModelName name;
  store::Modelfile modelfile;
  bool stream = true;
};

// The request as a Modelfile; InvalidArgument naming the field for anything malformed.
Result<CreateRequest> ParseCreate(const store::Store& st, std::string_view text) {
  HEARTH_ASSIGN_OR_RETURN(const json json_body, api::ParseRequestBody(text));
  const api::Fields body = api::Fields::Of(json_body, "").value();
  std::string model, name, from, tmpl, system, quantize, draft_quantize, legacy, renderer, parser,
      requires_version;
  std::map<std::string, std::string> files, adapters, draft_files;
  api::Fields parameters = body;
  CreateRequest r;
  for (Status s :
       {body.String("model", &model), body.String("name", &name), body.String("from", &from),
        body.String("template", &tmpl), body.String("system", &system),
        body.String("quantize", &quantize), body.String("draft_quantize", &draft_quantize),
        body.String("modelfile", &legacy), body.String("renderer", &renderer),
        body.String("parser", &parser), body.String("requires", &requires_version),
        body.StringMap("files", &files), body.StringMap("adapters", &adapters),
        body.StringMap("draft_files", &draft_files), body.Object("parameters", &parameters),
        body.Bool("stream", &r.stream)}) {
    HEARTH_RETURN_IF_ERROR(s);
  }
  if (!quantize.empty() || !draft_quantize.empty()) {
    return InvalidArgument("quantization is not supported: create from an already quantized GGUF");
  }
  if (model.empty()) model = name;
  auto existing = ExistingName(st, model);
  if (model.empty() || !existing.ok()) return InvalidArgument("invalid model name");
  r.name = *existing;

  std::vector<ModelfileCommand>& out = r.modelfile.commands;
  const bool structured_from = !from.empty() || !files.empty();
  if (!legacy.empty()) {
    auto mf = store::ParseModelfile(legacy);
    if (!mf.ok()) return mf.status().WithContext("modelfile");
    for (ModelfileCommand& c : mf->commands) {
      if (structured_from && c.directive == Directive::kFrom) continue;
      out.push_back(std::move(c));
    }
    r.modelfile.warnings = std::move(mf->warnings);
  } else if (!structured_from) {
    return InvalidArgument("neither 'from' or 'files' was specified");
  }
  if (!from.empty()) {
    if (!store::ModelName::Parse(from).ok() && !store::Digest::Parse(from).ok()) {
      return InvalidArgument("from: invalid model name \"" + from + "\"");
    }
    out.push_back(Command(Directive::kFrom, from));
  }
  for (const auto& [file, digest] : files) {
    HEARTH_ASSIGN_OR_RETURN(std::string ref, GgufBlob(st, "files", file, digest));
    out.push_back(Command(Directive::kFrom, ref));
  }
  if (adapters.size() > 1) return InvalidArgument("adapters: only one adapter is supported");
  for (const auto& [file, digest] : adapters) {
    HEARTH_ASSIGN_OR_RETURN(std::string ref, GgufBlob(st, "adapters", file, digest));
    out.push_back(Command(Directive::kAdapter, ref));
  }
  if (draft_files.size() > 1)
    return InvalidArgument("draft_files: only one draft model is supported");
  for (const auto& [file, digest] : draft_files) {
    HEARTH_ASSIGN_OR_RETURN(std::string ref, GgufBlob(st, "draft_files", file, digest));
    out.push_back(Command(Directive::kDraft, ref));
  }
  if (!tmpl.empty()) {
    auto t = gotmpl::OllamaTemplate::Parse(tmpl);
    if (!t.ok()) return InvalidArgument("template error: " + t.status().message());
    out.push_back(Command(Directive::kTemplate, tmpl));
  }
  if (!system.empty()) out.push_back(Command(Directive::kSystem, system));
  if (const json* lic = body.Get("license")) {
    if (lic->is_string()) {
      out.push_back(Command(Directive::kLicense, lic->get<std::string>()));
    } else if (lic->is_array()) {
      for (size_t i = 0; i < lic->size(); ++i) {
        const json& l = (*lic)[i];
        if (!l.is_string()) return api::TypeError(api::IndexPath("license", i), "string", l);
        out.push_back(Command(Directive::kLicense, l.get<std::string>()));
      }
    } else {
      return api::TypeError("license", "string or array of strings", *lic);
    }
  }
  if (body.Has("parameters")) {  // an object: checked with the fields above
    for (const auto& [key, value] : parameters.json().items()) {
      HEARTH_RETURN_IF_ERROR(AddParameter(key, value, &out));
    }
  }
  const json* msgs = nullptr;
  HEARTH_RETURN_IF_ERROR(body.Array("messages", &msgs));
  if (msgs != nullptr) {
    for (size_t i = 0; i < msgs->size(); ++i) {
      const json& m = (*msgs)[i];
      const std::string where = api::IndexPath("messages", i);
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
        return InvalidArgument(where + ": role must be a string");
      }
      const std::string role = m["role"];
      if (role != "system" && role != "user" && role != "assistant") {
        return InvalidArgument(where + ": role must be system, user or assistant, got \"" + role +
                               "\"");
      }
      std::string content;
      if (m.contains("content") && m["content"].is_string())
        content = m["content"];
      else if (m.contains("content") && !m["content"].is_null()) {
        return InvalidArgument(where + ": content must be a string");
      }
      out.push_back(Command(Directive::kMessage, content, role));
    }
  }
  if (!renderer.empty()) out.push_back(Command(Directive::kRenderer, renderer));
  if (!parser.empty()) out.push_back(Command(Directive::kParser, parser));
  if (!requires_version.empty()) out.push_back(Command(Directive::kRequires, requires_version));
  return r;
}

void Create(store::Store& st, const http::CallPtr& c) {
  auto r = ParseCreate(st, c->request().body);
  if (!r.ok()) {
    c->RespondStatus(r.status());
    return;
  }
  RunProgressCall(c, r->stream, [&](const registry::ProgressFn& progress) {
    store::CreateOptions options;
    options.allow_local_files = false;
    options.progress = [&](const std::string& status) { progress({.status = status}); };
    return store::CreateModel(st, r->name, r->modelfile, options);
  });
}

}  // namespace

void AddCreateRoutes(http::RouteTable& router, store::Store* store) {
  router.Add("POST", "/api/create", [store](const http::CallPtr& c) { Create(*store, c); });
}

}  // namespace hearth::server
