#include "store/model_facts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "store/manifest.h"

namespace hearth::store {
namespace {

bool Has(const gguf::File& f, const std::string& key) { return f.Find(key) != nullptr; }

uint64_t UintOr0(const gguf::File& f, const std::string& key) {
  auto v = f.GetInt(key);
  return v && *v > 0 ? static_cast<uint64_t>(*v) : 0;
}

void Add(std::vector<std::string>& caps, const std::string& c) {
  if (std::find(caps.begin(), caps.end(), c) == caps.end()) caps.push_back(c);
}

bool Contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

}  // namespace

std::string HumanNumber(uint64_t n) {
  char buf[64];
  auto whole = [](double x) { return x == std::floor(x); };
  if (n >= 1'000'000'000) {
    const double x = static_cast<double>(n) / 1e9;
    std::snprintf(buf, sizeof(buf), whole(x) ? "%.0fB" : "%.1fB", x);
  } else if (n >= 1'000'000) {
    const double x = static_cast<double>(n) / 1e6;
    std::snprintf(buf, sizeof(buf), whole(x) ? "%.0fM" : "%.2fM", x);
  } else if (n >= 1000) {
    std::snprintf(buf, sizeof(buf), "%.0fK", static_cast<double>(n) / 1000);
  } else {
    std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(n));
  }
  return buf;
}

std::string FileTypeName(int64_t t) {
  // llama_ftype numbering (Ollama's fs/ggml FileType).
  static const char* kNames[] = {
      "F32",    "F16",    "Q4_0",    "Q4_1",    nullptr,  nullptr, nullptr,  "Q8_0",   "Q5_0",
      "Q5_1",   "Q2_K",   "Q3_K_S",  "Q3_K_M",  "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M",
      "Q6_K",   "IQ2_XXS", "IQ2_XS", "Q2_K_S",  "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S",
      "IQ3_M",  "IQ2_S",  "IQ2_M",   "IQ4_XS",  "IQ1_M",  "BF16",   nullptr,  nullptr,  nullptr,
      "TQ1_0",  "TQ2_0",  "MXFP4_MOE", "NVFP4", "Q1_0"};
  if (t < 0 || t >= static_cast<int64_t>(std::size(kNames)) || kNames[t] == nullptr) {
    return "unknown";
  }
  return kNames[t];
}

GgufFacts FactsOf(const gguf::File& f) {
  GgufFacts g;
  g.architecture = f.GetString("general.architecture").value_or("");
  g.kind = f.GetString("general.type").value_or("unknown");
  g.parameter_count = f.ParameterCount();
  // Ollama reads general.file_type 0 (all F32) as "unknown"; hearth names it when present.
  auto ft = f.GetInt("general.file_type");
  g.file_type = ft ? FileTypeName(*ft) : "unknown";
  const std::string a = g.architecture + ".";
  g.context_length = UintOr0(f, a + "context_length");
  g.embedding_length = UintOr0(f, a + "embedding_length");
  g.chat_template = f.GetString("tokenizer.chat_template").value_or("");
  g.has_pooling = Has(f, a + "pooling_type");
  g.has_vision = Has(f, a + "vision.block_count");
  g.has_audio = Has(f, a + "audio.block_count");

  const bool projector =
      g.kind == "projector" || g.kind == "mmproj" ||
      (UintOr0(f, a + "block_count") == 0 && UintOr0(f, a + "vision.block_count") > 0) ||
      (g.architecture == "clip" && UintOr0(f, a + "block_count") == 0 &&
       (f.GetInt("clip.has_vision_encoder").value_or(0) != 0 ||
        f.GetInt("clip.has_audio_encoder").value_or(0) != 0));
  g.media_type = g.kind == "adapter" ? kMediaAdapter : projector ? kMediaProjector : kMediaModel;
  return g;
}

std::vector<std::string> Capabilities(const std::vector<std::string>& config_caps,
                                      const GgufFacts* model, bool has_go_template,
                                      const std::vector<std::string>& go_template_caps,
                                      bool has_projector) {
  std::vector<std::string> caps;
  for (const std::string& c : config_caps) Add(caps, c);
  if (model != nullptr) {
    const std::string& t = model->chat_template;
    if (!has_go_template && !t.empty()) {
      if (Contains(t, "tools") || Contains(t, "tool_call")) Add(caps, "tools");
      const bool think_tags = Contains(t, "<think>") && Contains(t, "</think>");
      const bool think_split =
          (Contains(t, "content.split('</think>')") || Contains(t, "content.split(\"</think>\")")) &&
          !Contains(t, "reasoning_content") && !Contains(t, "<SPECIAL_12>");
      if (think_tags || think_split) Add(caps, "thinking");
    }
    Add(caps, model->has_pooling ? "embedding" : "completion");
    if (model->has_vision) Add(caps, "vision");
    if (model->has_audio) Add(caps, "audio");
  }
  if (has_projector) Add(caps, "vision");
  if (has_go_template) {
    for (const std::string& c : go_template_caps) Add(caps, c);
  }
  return caps;
}

}  // namespace hearth::store
