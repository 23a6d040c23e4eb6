#include "server/model_facts.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "gotmpl/ollama_template.h"
#include "store/model_facts.h"

namespace hearth::server {
namespace {

using nlohmann::json;

// A float as its shortest decimal form at its own precision, so float32 metadata prints as
// written (1e-05, not 9.999999747378752e-06).
double ShortestFloat(double v, gguf::ValueType type) {
  if (type != gguf::ValueType::kFloat32) return v;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v));
  if (ec != std::errc()) return v;
  double out = v;
  std::from_chars(buf, end, out);
  return out;
}

bool IsUnsigned(gguf::ValueType t) {
  return t == gguf::ValueType::kUint8 || t == gguf::ValueType::kUint16 ||
         t == gguf::ValueType::kUint32 || t == gguf::ValueType::kUint64;
}

json Scalar(gguf::ValueType type, int64_t i, double f, bool b) {
  switch (type) {
    case gguf::ValueType::kBool: return b;
    case gguf::ValueType::kFloat32:
    case gguf::ValueType::kFloat64: return ShortestFloat(f, type);
    default:
      if (IsUnsigned(type)) return static_cast<uint64_t>(i);
      return i;
  }
}

json ToJson(const gguf::Value& v, bool verbose) {
  using gguf::ValueType;
  if (v.type == ValueType::kString) return v.s;
  if (v.type != ValueType::kArray) return Scalar(v.type, v.i, v.f, v.b);
  json arr = json::array();
  if (!verbose && v.array_len > 5) return arr;
  if (v.elem_type == ValueType::kString) {
    for (const std::string& s : v.strings) arr.push_back(s);
  } else if (v.elem_type == ValueType::kFloat32 || v.elem_type == ValueType::kFloat64) {
    for (double f : v.floats) arr.push_back(ShortestFloat(f, v.elem_type));
  } else {
    for (int64_t i : v.ints) arr.push_back(Scalar(v.elem_type, i, 0, i != 0));
  }
  return arr;
}

json Tensors(const gguf::File& file) {
  json out = json::array();
  for (const gguf::TensorInfo& t : file.tensors) {
    auto traits = gguf::GetTypeTraits(t.type);
    std::string type = traits ? traits->name : std::to_string(t.type);
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    out.push_back({{"name", t.name}, {"type", type}, {"shape", t.dims}});
  }
  return out;
}

std::string ConfigString(const json& cfg, const char* key) {
  auto it = cfg.find(key);
  return it != cfg.end() && it->is_string() ? it->get<std::string>() : "";
}

uint64_t ConfigUint(const json& cfg, const char* key) {
  auto it = cfg.find(key);
  return it != cfg.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::vector<std::string> ConfigStrings(const json& cfg, const char* key) {
  std::vector<std::string> out;
  auto it = cfg.find(key);
  if (it == cfg.end() || !it->is_array()) return out;
  for (const json& e : *it) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

bool UnknownQuantization(const std::string& q) { return q.empty() || q == "unknown"; }

}  // namespace

json EmptyDetails() {
  return {{"parent_model", ""}, {"format", ""},         {"family", ""},
          {"families", nullptr}, {"parameter_size", ""}, {"quantization_level", ""}};
}

json ModelInfo(const gguf::File& file, bool verbose) {
  json info = json::object();
  for (const gguf::KeyValue& kv : file.kv) {
    if (kv.key == "general.name" || kv.key == "tokenizer.chat_template") continue;
    info[kv.key] = ToJson(kv.value, verbose);
  }
  return info;
}

Result<ListFacts> ReadListFacts(const store::Store& store, const store::ResolvedModel& model) {
  ListFacts facts;
  HEARTH_ASSIGN_OR_RETURN(std::string config_text,
                          store.ReadBlobText(model.manifest.config.digest, 1 << 20));
  const json cfg = json::parse(config_text, nullptr, false);
  if (!cfg.is_object()) {
    return DataLoss("the config blob of " + model.name.Display() + " is not a JSON object");
  }
  json& d = facts.details;
  for (const store::Layer& l : model.manifest.layers) {
    if (l.media_type == store::kMediaModel) {
      d["parent_model"] = l.from;
      break;
    }
  }
  d["format"] = ConfigString(cfg, "model_format");
  d["family"] = ConfigString(cfg, "model_family");
  const std::vector<std::string> families = ConfigStrings(cfg, "model_families");
  if (!families.empty()) d["families"] = families;
  d["parameter_size"] = ConfigString(cfg, "model_type");
  d["quantization_level"] = ConfigString(cfg, "file_type");
  uint64_t context_length = ConfigUint(cfg, "context_length");
  uint64_t embedding_length = ConfigUint(cfg, "embedding_length");

  std::optional<store::GgufFacts> gguf_facts;
  if (!model.model_path.empty()) {
    auto file = gguf::ReadFile(model.model_path, {.keep_string_arrays = false});
    if (!file.ok()) return file.status().WithContext("model layer of " + model.name.Display());
    gguf_facts = store::FactsOf(*file);
    if (context_length == 0) context_length = gguf_facts->context_length;
    if (embedding_length == 0) embedding_length = gguf_facts->embedding_length;
    if (UnknownQuantization(d["quantization_level"].get<std::string>()) &&
        !UnknownQuantization(gguf_facts->file_type)) {
      d["quantization_level"] = gguf_facts->file_type;
    }
  }
  if (context_length > 0) d["context_length"] = context_length;
  if (embedding_length > 0) d["embedding_length"] = embedding_length;
  std::vector<std::string> template_caps;
  if (!model.template_text.empty()) {
    if (auto t = gotmpl::OllamaTemplate::Parse(model.template_text); t.ok()) {
      template_caps = t->Capabilities();
    }
  }
  facts.capabilities = store::Capabilities(
      ConfigStrings(cfg, "capabilities"), gguf_facts ? &*gguf_facts : nullptr,
      !model.template_text.empty(), template_caps, !model.projector_path.empty());
  return facts;
}

json ShowJson(const store::ShowInfo& info, bool verbose) {
  json resp = json::object();
  if (!info.license.empty()) resp["license"] = info.license;
  if (!info.modelfile.empty()) resp["modelfile"] = info.modelfile;
  if (!info.parameters.empty()) resp["parameters"] = info.parameters;
  if (!info.template_text.empty()) resp["template"] = info.template_text;
  if (!info.system.empty()) resp["system"] = info.system;
  if (!info.renderer.empty()) resp["renderer"] = info.renderer;
  if (!info.parser.empty()) resp["parser"] = info.parser;
  json details = EmptyDetails();
  details["parent_model"] = info.parent_model;
  details["format"] = info.format;
  details["family"] = info.family;
  if (!info.families.empty()) details["families"] = info.families;
  details["parameter_size"] = info.parameter_size;
  details["quantization_level"] = info.quantization_level;
  if (info.model && UnknownQuantization(info.quantization_level)) {
    const std::string ft = store::FactsOf(*info.model).file_type;
    if (!UnknownQuantization(ft)) details["quantization_level"] = ft;
  }
  resp["details"] = details;
  if (!info.messages.empty()) {
    json messages = json::array();
    for (const auto& [role, content] : info.messages) {
      messages.push_back({{"role", role}, {"content", content}});
    }
    resp["messages"] = messages;
  }
  // Several integrations crash on a missing model_info, so it is always an object (as Ollama).
  resp["model_info"] = info.model ? ModelInfo(*info.model, verbose) : json::object();
  if (info.projector) resp["projector_info"] = ModelInfo(*info.projector, verbose);
  if (info.model && !info.model->tensors.empty()) resp["tensors"] = Tensors(*info.model);
  if (!info.capabilities.empty()) resp["capabilities"] = info.capabilities;
  resp["modified_at"] = FormatTime(info.modified);
  if (!info.requires_version.empty()) resp["requires"] = info.requires_version;
  return resp;
}

std::string FormatTime(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ns_total = duration_cast<nanoseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ns_total / 1000000000);
  long ns = static_cast<long>(ns_total % 1000000000);
  if (ns < 0) {
    ns += 1000000000;
    --secs;
  }
  std::tm tm{};
  localtime_r(&secs, &tm);
  char base[64];
  std::strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = base;
  if (ns != 0) {
    char frac[32];
    std::snprintf(frac, sizeof(frac), ".%09ld", ns);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  const long off = tm.tm_gmtoff;
  if (off == 0) return out + "Z";
  char zone[32];
  const int abs_off = static_cast<int>(std::labs(off) % 86400);
  std::snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+', abs_off / 3600,
                (abs_off % 3600) / 60);
  return out + zone;
}

}  // namespace hearth::server
