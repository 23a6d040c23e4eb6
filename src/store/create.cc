// CreateModel: Ollama's create (client: parser.CreateRequest and blob uploads; server:
// CreateHandler, parseFromModel, ggufLayers, createModel) restated over hearth's Store.
#include "store/create.h"

#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "gotmpl/ollama_template.h"
#include "store/go_json.h"
#include "store/model_facts.h"
#include "store/sha256.h"

namespace hearth::store {
namespace fs = std::filesystem;
namespace {

using Json = nlohmann::ordered_json;

constexpr char kLegacyPromptMedia[] = "application/vnd.ollama.image.prompt";

// One layer of the manifest being built; `existed` picks "using existing" vs "creating new".
struct Pending {
  Layer layer;
  bool existed = true;
  bool retain = false;  // a reused blob that must be pinned before the manifest is written
};

// What the Modelfile asks for (Ollama's api.CreateRequest).
struct Request {
  std::vector<const ModelfileCommand*> froms;
  const ModelfileCommand* adapter = nullptr;  // the last ADAPTER wins, as in Ollama
  const ModelfileCommand* draft = nullptr;
  std::string template_text, system, requires_version, renderer, parser;
  std::vector<std::string> licenses;
  std::vector<std::pair<std::string, std::string>> messages;
  std::vector<std::pair<std::string, chat::ParameterValue>> params;
};

Result<Request> Collect(const Modelfile& mf) {
  Request r;
  for (const ModelfileCommand& c : mf.commands) {
    switch (c.directive) {
      case Directive::kFrom:
        r.froms.push_back(&c);
        break;
      case Directive::kAdapter:
        r.adapter = &c;
        break;
      case Directive::kDraft:
        if (r.draft != nullptr) {
          return InvalidArgument("line " + std::to_string(c.line) +
                                 ": only one DRAFT model is supported");
        }
        r.draft = &c;
        break;
      case Directive::kTemplate:
        r.template_text = c.value;
        break;
      case Directive::kSystem:
        r.system = c.value;
        break;
      case Directive::kLicense:
        r.licenses.push_back(c.value);
        break;
      case Directive::kMessage:
        r.messages.emplace_back(c.name, c.value);
        break;
      case Directive::kParameter:
        r.params.emplace_back(c.name, c.parameter);
        break;
      case Directive::kRequires:
        r.requires_version = c.value;
        break;
      case Directive::kRenderer:
        r.renderer = c.value;
        break;
      case Directive::kParser:
        r.parser = c.value;
        break;
    }
  }
  if (r.froms.empty()) return InvalidArgument("no FROM line");
  return r;
}

std::string Where(const ModelfileCommand& c) {
  return std::string(DirectiveName(c.directive)) + " " + c.value;
}

// Ollama's model.ConfigV2, in its field order.
struct Config {
  std::string model_format, model_family, model_type, file_type;
  std::vector<std::string> model_families;
  std::string renderer, parser, requires_version;
  Json capabilities = Json::array();
  uint64_t context_length = 0, embedding_length = 0;
  std::string draft_format, draft_architecture;

  void AddModel(const GgufFacts& f) {
    if (model_format.empty()) model_format = "gguf";
    if (model_family.empty()) model_family = f.architecture;
    if (model_type.empty()) model_type = HumanNumber(f.parameter_count);
    if (file_type.empty()) file_type = f.file_type;
    if (context_length == 0) context_length = f.context_length;
    if (embedding_length == 0) embedding_length = f.embedding_length;
    model_families.push_back(f.architecture);
  }

  std::string Encode() const {
    Json j = Json::object();
    j["model_format"] = model_format;
    j["model_family"] = model_family;
    j["model_families"] = model_families.empty() ? Json() : Json(model_families);
    j["model_type"] = model_type;
    j["file_type"] = file_type;
    if (!renderer.empty()) j["renderer"] = renderer;
    if (!parser.empty()) j["parser"] = parser;
    if (!requires_version.empty()) j["requires"] = requires_version;
    if (!capabilities.empty()) j["capabilities"] = capabilities;
    if (context_length) j["context_length"] = context_length;
    if (embedding_length) j["embedding_length"] = embedding_length;
    if (!draft_format.empty() || !draft_architecture.empty()) {
      Json d = Json::object();
      if (!draft_format.empty()) d["model_format"] = draft_format;
      if (!draft_architecture.empty()) d["architecture"] = draft_architecture;
      j["draft"] = d;
    }
    j["architecture"] = "amd64";
    j["os"] = "linux";
    return GoJsonEncode(j, /*sort_keys=*/false);
  }
};

class Creator {
 public:
  Creator(Store& store, const CreateOptions& options) : store_(store), opt_(options) {}

  Status Run(const ModelName& name, const Request& r) {
    Progress("gathering model components");
    if (!r.template_text.empty()) {
      auto t = gotmpl::OllamaTemplate::Parse(r.template_text);
      if (!t.ok()) return InvalidArgument("template error: " + t.status().message());
    }
    config_.renderer = r.renderer;
    config_.parser = r.parser;
    config_.requires_version = r.requires_version;

    // Client side: every local file becomes a blob first.
    std::vector<std::optional<Digest>> from_blobs;
    for (const ModelfileCommand* c : r.froms) {
      HEARTH_ASSIGN_OR_RETURN(auto d, FileOrBlob(*c));
      from_blobs.push_back(d);
    }
    std::optional<Digest> draft_blob, adapter_blob;
    if (r.draft) {
      HEARTH_ASSIGN_OR_RETURN(draft_blob, FileOrBlob(*r.draft));
      if (!draft_blob) return NotFound(Where(*r.draft) + ": no such file");
      for (size_t i = 0; i < r.froms.size(); ++i) {
        if (from_blobs[i] && SamePath(r.froms[i]->value, r.draft->value)) {
          return InvalidArgument("DRAFT must not reference the same local path as FROM: " +
                                 r.draft->value);
        }
      }
    }
    if (r.adapter) {
      HEARTH_ASSIGN_OR_RETURN(adapter_blob, FileOrBlob(*r.adapter));
      if (!adapter_blob) return NotFound(Where(*r.adapter) + ": no such file");
    }

    // Server side: layers from the files or the base model.
    for (size_t i = 0; i < r.froms.size(); ++i) {
      if (from_blobs[i]) {
        HEARTH_RETURN_IF_ERROR(GgufLayer(*r.froms[i], *from_blobs[i], ""));
      } else {
        HEARTH_RETURN_IF_ERROR(BaseModel(*r.froms[i]));
      }
    }
    // Ollama appends adapter layers, then draft layers, after the base layers.
    if (r.adapter) HEARTH_RETURN_IF_ERROR(GgufLayer(*r.adapter, *adapter_blob, kMediaAdapter));
    if (r.draft) HEARTH_RETURN_IF_ERROR(GgufLayer(*r.draft, *draft_blob, kMediaDraft));
    if (config_.model_families.empty() && config_.model_format.empty()) {
      return InvalidArgument("no base model was found");
    }

    if (!r.template_text.empty()) {
      Remove(kMediaTemplate);
      Remove(kLegacyPromptMedia);
      HEARTH_RETURN_IF_ERROR(AddBytes(kMediaTemplate, r.template_text));
    }
    if (!r.system.empty()) {
      Remove(kMediaSystem);
      HEARTH_RETURN_IF_ERROR(AddBytes(kMediaSystem, r.system));
    }
    for (const std::string& l : r.licenses) HEARTH_RETURN_IF_ERROR(AddBytes(kMediaLicense, l));
    auto params = EncodeParams(r.params, base_params_);
    if (!params.ok()) return params.status();
    if (!params->empty()) {
      Remove(kMediaParams);
      HEARTH_RETURN_IF_ERROR(AddBytes(kMediaParams, *params));
    }
    if (!r.messages.empty()) {
      Json msgs = Json::array();
      for (const auto& [role, content] : r.messages) {
        msgs.push_back(Json{{"role", role}, {"content", content}});
      }
      Remove(kMediaMessages);
      HEARTH_RETURN_IF_ERROR(AddBytes(kMediaMessages, GoJsonEncode(msgs, false)));
    }

    Manifest m;
    const std::string config = config_.Encode();
    HEARTH_ASSIGN_OR_RETURN(Digest config_digest, store_.PutBytes(config));
    m.config = {kConfigMediaType, config_digest, config.size(), "", ""};
    for (Pending& p : layers_) {
      if (p.retain && !store_.RetainBlob(p.layer.digest)) {
        return FailedPrecondition("layer " + p.layer.digest.ToString() +
                                  " of the base model disappeared while creating; retry");
      }
      m.layers.push_back(p.layer);
      Progress(std::string(p.existed ? "using existing layer " : "creating new layer ") +
               p.layer.digest.ToString());
    }
    Progress("writing manifest");
    if (Status written = store_.WriteManifest(name, m); !written.ok()) {
      std::vector<Digest> pinned{m.config.digest};
      for (const Layer& l : m.layers) pinned.push_back(l.digest);
      store_.ReleasePins(pinned);  // what the manifest would have released
      return written;
    }
    // Layers the replaced manifest no longer needs, as Ollama removes them after a create.
    (void)store_.Prune(std::chrono::hours(1));
    Progress("success");
    return Status();
  }

 private:
  void Progress(const std::string& s) const {
    if (opt_.progress) opt_.progress(s);
  }

  bool SamePath(const std::string& a, const std::string& b) const {
    auto pa = ExpandModelfilePath(a, opt_.base_dir), pb = ExpandModelfilePath(b, opt_.base_dir);
    if (!pa.ok() || !pb.ok()) return false;
    std::error_code ec;
    return fs::equivalent(*pa, *pb, ec);
  }

  // A local file imported as a blob ("copying file ..."), a "sha256:<hex>" blob reference, or
  // nullopt when the value names no file (for FROM: a model name).
  Result<std::optional<Digest>> FileOrBlob(const ModelfileCommand& c) {
    if (auto d = Digest::Parse(c.value); d.ok()) {
      if (!store_.HasBlob(*d)) return NotFound(Where(c) + ": blob " + d->ToString() + " not found");
      return std::optional<Digest>(*d);
    }
    if (!opt_.allow_local_files) return std::optional<Digest>();
    HEARTH_ASSIGN_OR_RETURN(std::string path, ExpandModelfilePath(c.value, opt_.base_dir));
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) return std::optional<Digest>();
    if (fs::is_directory(st)) {
      return InvalidArgument(Where(c) + ": is a directory; only GGUF files are supported");
    }
    auto d = store_.ImportFile(path, /*gguf=*/true);
    if (!d.ok()) return Status(d.status().code(), Where(c) + ": " + d.status().message());
    Progress("copying file " + d->ToString() + " 100%");
    return std::optional<Digest>(*d);
  }

  Result<GgufFacts> Facts(const Digest& d, const ModelfileCommand& c) {
    gguf::ReadOptions o;
    o.keep_string_arrays = false;
    auto f = gguf::ReadFile(store_.BlobPath(d), o);
    if (!f.ok()) return Status(f.status().code(), Where(c) + ": " + f.status().message());
    return FactsOf(*f);
  }

  // "parsing GGUF": a GGUF blob becomes a model / projector / adapter layer (or `media`).
  Status GgufLayer(const ModelfileCommand& c, const Digest& d, const std::string& media) {
    Progress("parsing GGUF");
    HEARTH_ASSIGN_OR_RETURN(GgufFacts facts, Facts(d, c));
    std::string type = media.empty() ? facts.media_type : media;
    if (type == kMediaAdapter && facts.kind != "adapter") {
      return InvalidArgument(Where(c) + ": not a LoRA adapter (general.type is \"" + facts.kind +
                             "\")");
    }
    if (type == kMediaModel) config_.AddModel(facts);
    if (type == kMediaDraft) {
      config_.draft_format = "gguf";
      config_.draft_architecture = facts.architecture;
    }
    std::error_code ec;
    const uint64_t size = fs::file_size(store_.BlobPath(d), ec);
    if (ec) return IOError("cannot stat blob " + d.ToString() + ": " + ec.message());
    const bool is_path = !Digest::Parse(c.value).ok();
    std::string from = is_path ? fs::path(c.value).filename().string() : "";
    // A "sha256:" reference reuses a blob this Store did not write: pin it before the manifest.
    layers_.push_back({{type, d, size, from, ""}, true, !is_path});
    return Status();
  }

  // FROM <model name>: reuse every layer of the base model.
  Status BaseModel(const ModelfileCommand& c) {
    auto name = ModelName::Parse(c.value);
    if (!name.ok()) {
      return InvalidArgument(Where(c) + ": no such file, and not a valid model name (" +
                             name.status().message() + ")");
    }
    auto m = store_.ReadManifest(*name);
    if (!m.ok() && m.status().code() == StatusCode::kNotFound) {
      return NotFound(Where(c) + ": model \"" + c.value + "\" not found, try pulling it first");
    }
    if (!m.ok()) return m.status().WithContext(Where(c));
    auto config_text = store_.ReadBlobText(m->config.digest);
    if (config_text.ok()) {
      Json base = Json::parse(*config_text, nullptr, false);
      auto str = [&](const char* k) {
        auto it = base.is_object() ? base.find(k) : base.end();
        return it != base.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      if (config_.renderer.empty()) config_.renderer = str("renderer");
      if (config_.parser.empty()) config_.parser = str("parser");
      if (config_.requires_version.empty()) config_.requires_version = str("requires");
      if (config_.model_format.empty()) config_.model_format = str("model_format");
      if (base.is_object() && base.contains("capabilities") && base["capabilities"].is_array()) {
        for (const Json& cap : base["capabilities"]) {
          if (cap.is_string()) config_.capabilities.push_back(cap);
        }
      }
    }
    const std::string from = name->Display();
    for (const Layer& l : m->layers) {
      if (l.media_type == kMediaModel || l.media_type == kMediaDraft) {
        HEARTH_ASSIGN_OR_RETURN(GgufFacts facts, Facts(l.digest, c));
        if (l.media_type == kMediaModel) config_.AddModel(facts);
        if (l.media_type == kMediaDraft) {
          config_.draft_format = "gguf";
          config_.draft_architecture = facts.architecture;
        }
      }
      if (l.media_type == kMediaParams) {
        auto text = store_.ReadBlobText(l.digest);
        if (!text.ok()) return text.status().WithContext(Where(c));
        base_params_ = *text;
      }
      Layer copy = l;
      copy.from = from;
      layers_.push_back({copy, true, true});
    }
    return Status();
  }

  void Remove(const std::string& media) {
    layers_.erase(std::remove_if(layers_.begin(), layers_.end(),
                                 [&](const Pending& p) { return p.layer.media_type == media; }),
                  layers_.end());
  }

  Status AddBytes(const std::string& media, const std::string& bytes) {
    const bool existed = store_.HasBlob(Sha256Of(bytes));
    HEARTH_ASSIGN_OR_RETURN(Digest d, store_.PutBytes(bytes));
    layers_.push_back({{media, d, bytes.size(), "", ""}, existed, false});
    return Status();
  }

  Store& store_;
  const CreateOptions& opt_;
  Config config_;
  std::vector<Pending> layers_;
  std::string base_params_;
};

}  // namespace

Result<std::string> ExpandModelfilePath(const std::string& path, const std::string& base_dir) {
  fs::path p;
  if (!path.empty() && path[0] == '/') {
    p = path;
  } else if (!path.empty() && path[0] == '~') {
    const size_t slash = path.find('/');
    const std::string user =
        path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
    const std::string rest = slash == std::string::npos ? "" : path.substr(slash + 1);
    std::string home;
    if (user.empty()) {
      const char* h = std::getenv("HOME");
      if (h != nullptr && *h != '\0') {
        home = h;
      } else if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir) {
        home = pw->pw_dir;
      } else {
        return FailedPrecondition("failed to get current user's home directory");
      }
    } else {
      const passwd* pw = ::getpwnam(user.c_str());
      if (pw == nullptr || pw->pw_dir == nullptr) {
        return NotFound("failed to find user '" + user + "'");
      }
      home = pw->pw_dir;
    }
    p = rest.empty() ? fs::path(home) : fs::path(home) / rest;
  } else {
    p = fs::path(base_dir) / path;
  }
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  if (ec) return InvalidArgument("bad path " + path + ": " + ec.message());
  return abs.lexically_normal().string();
}

Status CreateModel(Store& store, const ModelName& name, const Modelfile& modelfile,
                   const CreateOptions& options) {
  HEARTH_ASSIGN_OR_RETURN(Request r, Collect(modelfile));
  return Creator(store, options).Run(name, r);
}

}  // namespace hearth::store
