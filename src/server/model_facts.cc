#include "server/model_facts.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "gguf/gguf.h"

namespace hearth::server {
namespace {

using nlohmann::json;

void AddCapability(std::vector<std::string>& caps, const std::string& c) {
  if (!c.empty() && std::find(caps.begin(), caps.end(), c) == caps.end()) caps.push_back(c);
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

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

std::string ConfigString(const json& cfg, const char* key) {
  auto it = cfg.find(key);
  return it != cfg.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t ConfigInt(const json& cfg, const char* key) {
  auto it = cfg.find(key);
  return it != cfg.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

bool UnknownQuantization(const std::string& q) { return q.empty() || q == "unknown"; }

}  // namespace

std::string FileTypeName(int64_t t) {
  static const char* kNames[] = {
      "F32",     "F16",    "Q4_0",    "Q4_1",   nullptr,  nullptr, nullptr,  "Q8_0",   "Q5_0",
      "Q5_1",    "Q2_K",   "Q3_K_S",  "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M",
      "Q6_K",    "IQ2_XXS", "IQ2_XS", "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S",
      "IQ3_M",   "IQ2_S",  "IQ2_M",   "IQ4_XS", "IQ1_M",  "BF16",   nullptr,  nullptr,  nullptr,
      "TQ1_0",   "TQ2_0",  "MXFP4_MOE", "NVFP4", "Q1_0"};
  if (t < 0 || t >= static_cast<int64_t>(std::size(kNames)) || !kNames[t]) return "unknown";
  return kNames[t];
}

std::string HumanNumber(uint64_t n) {
  char buf[64];
  const double d = static_cast<double>(n);
  if (n >= 1000000000ull) {
    const double x = d / 1e9;
    std::snprintf(buf, sizeof(buf), x == static_cast<double>(static_cast<uint64_t>(x)) ? "%.0fB" : "%.1fB", x);
  } else if (n >= 1000000ull) {
    const double x = d / 1e6;
    std::snprintf(buf, sizeof(buf), x == static_cast<double>(static_cast<uint64_t>(x)) ? "%.0fM" : "%.2fM", x);
  } else if (n >= 1000ull) {
    std::snprintf(buf, sizeof(buf), "%.0fK", d / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(n));
  }
  return buf;
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

nlohmann::json EmptyDetails() {
  return {{"parent_model", ""}, {"format", ""},         {"family", ""},
          {"families", nullptr}, {"parameter_size", ""}, {"quantization_level", ""}};
}

Result<ModelFacts> ReadModelFacts(const store::Store& store, const store::ResolvedModel& model,
                                  bool with_model_info, bool verbose) {
  ModelFacts facts;
  json cfg = json::object();
  if (auto text = store.ReadBlobText(model.manifest.config.digest, 1 << 20); text.ok()) {
    json parsed = json::parse(*text, nullptr, false);
    if (parsed.is_object()) cfg = std::move(parsed);
  }
  facts.details = EmptyDetails();
  json& d = facts.details;
  d["format"] = ConfigString(cfg, "model_format");
  d["family"] = ConfigString(cfg, "model_family");
  if (auto it = cfg.find("model_families"); it != cfg.end() && it->is_array()) {
    json fams = json::array();
    for (const json& f : *it) {
      if (f.is_string()) fams.push_back(f);
    }
    d["families"] = fams;
  }
  d["parameter_size"] = ConfigString(cfg, "model_type");
  d["quantization_level"] = ConfigString(cfg, "file_type");
  int64_t context_length = ConfigInt(cfg, "context_length");
  int64_t embedding_length = ConfigInt(cfg, "embedding_length");
  if (auto it = cfg.find("capabilities"); it != cfg.end() && it->is_array()) {
    for (const json& c : *it) {
      if (c.is_string()) AddCapability(facts.capabilities, c.get<std::string>());
    }
  }

  if (!model.model_path.empty()) {
    gguf::ReadOptions options;
    options.keep_string_arrays = with_model_info;
    auto file = gguf::ReadFile(model.model_path, options);
    if (!file.ok()) return file.status().WithContext("model " + model.name.Display());
    const std::string arch = file->GetString("general.architecture").value_or("");
    bool pooling = false;
    for (const gguf::KeyValue& kv : file->kv) {
      if (arch.empty() || kv.key.compare(0, arch.size() + 1, arch + ".") != 0) continue;
      const std::string suffix = kv.key.substr(arch.size() + 1);
      if (suffix == "pooling_type") pooling = true;
      if (suffix == "vision.block_count") AddCapability(facts.capabilities, "vision");
      if (suffix == "audio.block_count") AddCapability(facts.capabilities, "audio");
    }
    AddCapability(facts.capabilities, pooling ? "embedding" : "completion");
    if (context_length == 0) context_length = file->GetInt(arch + ".context_length").value_or(0);
    if (embedding_length == 0) {
      embedding_length = file->GetInt(arch + ".embedding_length").value_or(0);
    }
    if (d["format"] == "") d["format"] = "gguf";
    if (d["family"] == "") d["family"] = arch;
    if (d["parameter_size"] == "") d["parameter_size"] = HumanNumber(file->ParameterCount());
    if (UnknownQuantization(d["quantization_level"].get<std::string>())) {
      if (auto ft = file->GetInt("general.file_type")) d["quantization_level"] = FileTypeName(*ft);
    }
    facts.chat_template = file->GetString("tokenizer.chat_template").value_or("");
    if (with_model_info) {
      for (const gguf::KeyValue& kv : file->kv) {
        if (kv.key == "general.name" || kv.key == "tokenizer.chat_template") continue;
        facts.model_info[kv.key] = ToJson(kv.value, verbose);
      }
      // As Ollama's GetModelInfo: the element count of the tensors, whatever the header says.
      facts.model_info["general.parameter_count"] = file->ParameterCount();
      for (const gguf::TensorInfo& t : file->tensors) {
        auto traits = gguf::GetTypeTraits(t.type);
        std::string type = traits ? traits->name : std::to_string(t.type);
        std::transform(type.begin(), type.end(), type.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        facts.tensors.push_back({{"name", t.name}, {"type", type}, {"shape", t.dims}});
      }
    }
  }
  if (context_length > 0) d["context_length"] = context_length;
  if (embedding_length > 0) d["embedding_length"] = embedding_length;
  if (!model.projector_path.empty()) AddCapability(facts.capabilities, "vision");

  // Template capabilities: the Go template when the model has one, else the GGUF's Jinja one.
  if (!model.template_text.empty()) {
    const std::string t = Lower(model.template_text);
    if (Contains(t, ".tools")) AddCapability(facts.capabilities, "tools");
    if (Contains(t, ".suffix")) AddCapability(facts.capabilities, "insert");
    if (Contains(t, "<think>") && Contains(t, "</think>")) {
      AddCapability(facts.capabilities, "thinking");
    }
  } else if (!facts.chat_template.empty()) {
    const std::string& t = facts.chat_template;
    if (Contains(t, "tools") || Contains(t, "tool_call")) AddCapability(facts.capabilities, "tools");
    if (Contains(t, "<think>") && Contains(t, "</think>")) {
      AddCapability(facts.capabilities, "thinking");
    }
  }
  return facts;
}

}  // namespace hearth::server
