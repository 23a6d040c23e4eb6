// The model shapes `hearth dev synth` knows: hyper-parameters from each model's Hugging Face
// config.json, tensor names and shapes as llama.cpp's convert_hf_to_gguf.py writes them and
// src/models/{qwen2,llama}.cpp load them (llama.cpp v0.5.0).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <utility>

#include "engine/synth.h"

namespace hearth::engine {
namespace {

constexpr uint32_t kGgmlF32 = 0;
constexpr uint32_t kGgmlF16 = 1;
constexpr uint32_t kLlamaFtypeMostlyF16 = 1;
constexpr uint32_t kGgmlQuantVersion = 2;

// The Llama 3 chat format (header ids around the role, <|eot_id|> after each turn), for a
// vocabulary that carries no template. Written for hearth; Meta's own template adds tool and date
// handling on top of the same format.
constexpr char kLlama3ChatTemplate[] =
    "{{- bos_token }}"
    "{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + "
    "(message['content'] | trim) + '<|eot_id|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{%- endif %}";

// Qwen2.5's added tokens 151646-151664 (its tokenizer_config.json); ggml-vocab-qwen2.gguf was
// converted from Qwen2 and has [PAD] placeholders there. <tool_call> tags are not special.
std::vector<SynthAddedToken> Qwen25AddedTokens() {
  return {
      {151646, "<|object_ref_start|>", 3}, {151647, "<|object_ref_end|>", 3},
      {151648, "<|box_start|>", 3},        {151649, "<|box_end|>", 3},
      {151650, "<|quad_start|>", 3},       {151651, "<|quad_end|>", 3},
      {151652, "<|vision_start|>", 3},     {151653, "<|vision_end|>", 3},
      {151654, "<|vision_pad|>", 3},       {151655, "<|image_pad|>", 3},
      {151656, "<|video_pad|>", 3},        {151657, "<tool_call>", 4},
      {151658, "</tool_call>", 4},         {151659, "<|fim_prefix|>", 3},
      {151660, "<|fim_middle|>", 3},       {151661, "<|fim_suffix|>", 3},
      {151662, "<|fim_pad|>", 3},          {151663, "<|repo_name|>", 3},
      {151664, "<|file_sep|>", 3},
  };
}

SynthShape Qwen25Coder(std::string name, std::string display, uint32_t n_vocab, uint32_t n_embd,
                       uint32_t n_ff, uint32_t n_layer, uint32_t n_head, uint32_t n_head_kv,
                       bool tied) {
  SynthShape s;
  s.name = std::move(name);
  s.display_name = std::move(display);
  s.arch = "qwen2";
  s.vocab_file = "ggml-vocab-qwen2.gguf";
  s.n_vocab = n_vocab;
  s.n_ctx_train = 32768;
  s.n_embd = n_embd;
  s.n_ff = n_ff;
  s.n_layer = n_layer;
  s.n_head = n_head;
  s.n_head_kv = n_head_kv;
  s.head_dim = n_embd / n_head;
  s.rope_freq_base = 1000000.0f;
  s.rms_norm_eps = 1e-6f;
  s.tied_embeddings = tied;
  s.qkv_bias = true;
  s.added_tokens = Qwen25AddedTokens();
  return s;
}

SynthShape Llama32(std::string name, std::string display, uint32_t n_embd, uint32_t n_layer,
                   uint32_t n_head, uint32_t head_dim) {
  SynthShape s;
  s.name = std::move(name);
  s.display_name = std::move(display);
  s.arch = "llama";
  s.vocab_file = "ggml-vocab-llama-bpe.gguf";
  s.n_vocab = 128256;
  s.n_ctx_train = 131072;
  s.n_embd = n_embd;
  s.n_ff = 8192;
  s.n_layer = n_layer;
  s.n_head = n_head;
  s.n_head_kv = 8;
  s.head_dim = head_dim;
  s.head_dim_in_config = true;
  s.rope_freq_base = 500000.0f;
  s.rms_norm_eps = 1e-5f;
  s.tied_embeddings = true;
  s.rope_scaling_factor = 32.0f;
  s.rope_low_freq_factor = 1.0f;
  s.rope_high_freq_factor = 4.0f;
  s.rope_original_context = 8192;
  s.fallback_chat_template = kLlama3ChatTemplate;
  return s;
}

const std::vector<SynthShape>& Shapes() {
  static const std::vector<SynthShape> shapes = {
      Qwen25Coder("qwen2.5-coder:0.5b", "Qwen2.5-Coder-0.5B", 151936, 896, 4864, 24, 14, 2, true),
      Qwen25Coder("qwen2.5-coder:1.5b", "Qwen2.5-Coder-1.5B", 151936, 1536, 8960, 28, 12, 2, true),
      Qwen25Coder("qwen2.5-coder:7b", "Qwen2.5-Coder-7B", 152064, 3584, 18944, 28, 28, 4, false),
      Llama32("llama3.2:1b", "Llama-3.2-1B", 2048, 16, 32, 64),
      Llama32("llama3.2:3b", "Llama-3.2-3B", 3072, 28, 24, 128),
  };
  return shapes;
}

// gguf-py's model_weight_count_rounded_notation(n, min_digits=2): "494M", "1.5B", "7.6B".
std::string SizeLabel(uint64_t n) {
  double scaled = 0;
  const char* suffix = "";
  const double x = static_cast<double>(n);
  if (x > 1e12) {
    scaled = x * 1e-12;
    suffix = "T";
  } else if (x > 1e9) {
    scaled = x * 1e-9;
    suffix = "B";
  } else if (x > 1e6) {
    scaled = x * 1e-6;
    suffix = "M";
  } else {
    scaled = x * 1e-3;
    suffix = "K";
  }
  const int int_digits = static_cast<int>(std::to_string(std::llround(scaled)).size());
  const int decimals = std::max(2 - int_digits, 0);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f%s", decimals, scaled, suffix);
  return buf;
}

}  // namespace

std::vector<std::string> SynthModelNames() {
  std::vector<std::string> names;
  for (const SynthShape& s : Shapes()) names.push_back(s.name);
  return names;
}

const SynthShape* FindSynthShape(const std::string& name) {
  for (const SynthShape& s : Shapes()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<SynthTensor> SynthTensors(const SynthShape& s) {
  const uint64_t embd = s.n_embd, ff = s.n_ff, vocab = s.n_vocab;
  const uint64_t q_dim = uint64_t{s.n_head} * s.head_dim;
  const uint64_t kv_dim = uint64_t{s.n_head_kv} * s.head_dim;
  auto matrix = [](std::string name, uint64_t ne0, uint64_t ne1) {
    return SynthTensor{std::move(name), {ne0, ne1}, kGgmlF16, SynthInit::kRandom};
  };
  auto vec = [](std::string name, uint64_t n, SynthInit init) {
    return SynthTensor{std::move(name), {n}, kGgmlF32, init};
  };

  // (Hugging Face name, tensor): the converter walks a checkpoint's tensors in the order the
  // safetensors header lists them, which is sorted by name ("model.layers.10." before ".2.").
  std::vector<std::pair<std::string, SynthTensor>> hf;
  hf.emplace_back("model.embed_tokens.weight", matrix("token_embd.weight", embd, vocab));
  if (!s.tied_embeddings) hf.emplace_back("lm_head.weight", matrix("output.weight", embd, vocab));
  hf.emplace_back("model.norm.weight", vec("output_norm.weight", embd, SynthInit::kOnes));
  for (uint32_t i = 0; i < s.n_layer; ++i) {
    const std::string h = "model.layers." + std::to_string(i) + ".";
    const std::string g = "blk." + std::to_string(i) + ".";
    hf.emplace_back(h + "input_layernorm.weight",
                    vec(g + "attn_norm.weight", embd, SynthInit::kOnes));
    hf.emplace_back(h + "mlp.down_proj.weight", matrix(g + "ffn_down.weight", ff, embd));
    hf.emplace_back(h + "mlp.gate_proj.weight", matrix(g + "ffn_gate.weight", embd, ff));
    hf.emplace_back(h + "mlp.up_proj.weight", matrix(g + "ffn_up.weight", embd, ff));
    hf.emplace_back(h + "post_attention_layernorm.weight",
                    vec(g + "ffn_norm.weight", embd, SynthInit::kOnes));
    hf.emplace_back(h + "self_attn.k_proj.weight", matrix(g + "attn_k.weight", embd, kv_dim));
    hf.emplace_back(h + "self_attn.o_proj.weight", matrix(g + "attn_output.weight", q_dim, embd));
    hf.emplace_back(h + "self_attn.q_proj.weight", matrix(g + "attn_q.weight", embd, q_dim));
    hf.emplace_back(h + "self_attn.v_proj.weight", matrix(g + "attn_v.weight", embd, kv_dim));
    if (s.qkv_bias) {
      hf.emplace_back(h + "self_attn.k_proj.bias",
                      vec(g + "attn_k.bias", kv_dim, SynthInit::kRandom));
      hf.emplace_back(h + "self_attn.q_proj.bias",
                      vec(g + "attn_q.bias", q_dim, SynthInit::kRandom));
      hf.emplace_back(h + "self_attn.v_proj.bias",
                      vec(g + "attn_v.bias", kv_dim, SynthInit::kRandom));
    }
  }
  std::sort(hf.begin(), hf.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  std::vector<SynthTensor> out;
  out.reserve(hf.size() + 1);
  // convert_hf_to_gguf.py yields generate_extra_tensors() (rope_freqs) before the checkpoint's.
  if (s.rope_scaling_factor != 0.0f) {
    out.push_back(vec("rope_freqs.weight", s.head_dim / 2, SynthInit::kRopeFreqs));
  }
  for (auto& [hf_name, t] : hf) out.push_back(std::move(t));
  return out;
}

uint64_t SynthParameterCount(const SynthShape& shape) {
  uint64_t n = 0;
  for (const SynthTensor& t : SynthTensors(shape)) {
    uint64_t e = 1;
    for (uint64_t d : t.dims) e *= d;
    n += e;
  }
  return n;
}

std::vector<float> SynthRopeFactors(const SynthShape& s) {
  // convert_hf_to_gguf.py LlamaModel.generate_extra_tensors, in float32 as torch computes it.
  std::vector<float> factors;
  const float low_wavelen = static_cast<float>(s.rope_original_context) / s.rope_low_freq_factor;
  const float high_wavelen = static_cast<float>(s.rope_original_context) / s.rope_high_freq_factor;
  for (uint32_t i = 0; i < s.head_dim; i += 2) {
    const float freq = 1.0f / std::pow(s.rope_freq_base, static_cast<float>(i) / s.head_dim);
    const float wavelen = static_cast<float>(2 * std::numbers::pi) / freq;
    if (wavelen < high_wavelen) {
      factors.push_back(1.0f);
    } else if (wavelen > low_wavelen) {
      factors.push_back(s.rope_scaling_factor);
    } else {
      const float smooth = (s.rope_original_context / wavelen - s.rope_low_freq_factor) /
                           (s.rope_high_freq_factor - s.rope_low_freq_factor);
      factors.push_back(1.0f / ((1.0f - smooth) / s.rope_scaling_factor + smooth));
    }
  }
  return factors;
}

std::vector<gguf::KeyValue> SynthMetadata(const SynthShape& s) {
  using gguf::Value;
  const std::string& a = s.arch;
  std::vector<gguf::KeyValue> kv = {
      {"general.architecture", Value::String(a)},
      {"general.type", Value::String("model")},
      {"general.name", Value::String("synthetic " + s.display_name)},
      {"general.size_label", Value::String(SizeLabel(SynthParameterCount(s)))},
      {"hearth.synthetic", Value::Bool(true)},
      {a + ".block_count", Value::U32(s.n_layer)},
      {a + ".context_length", Value::U32(s.n_ctx_train)},
      {a + ".embedding_length", Value::U32(s.n_embd)},
      {a + ".feed_forward_length", Value::U32(s.n_ff)},
      {a + ".attention.head_count", Value::U32(s.n_head)},
      {a + ".attention.head_count_kv", Value::U32(s.n_head_kv)},
      {a + ".rope.freq_base", Value::F32(s.rope_freq_base)},
      {a + ".attention.layer_norm_rms_epsilon", Value::F32(s.rms_norm_eps)},
  };
  if (s.head_dim_in_config) {
    kv.push_back({a + ".attention.key_length", Value::U32(s.head_dim)});
    kv.push_back({a + ".attention.value_length", Value::U32(s.head_dim)});
  }
  kv.push_back({"general.file_type", Value::U32(kLlamaFtypeMostlyF16)});
  if (a == "llama") {
    kv.push_back({a + ".vocab_size", Value::U32(s.n_vocab)});
    kv.push_back({a + ".rope.dimension_count", Value::U32(s.head_dim)});
  }
  kv.push_back({"general.quantization_version", Value::U32(kGgmlQuantVersion)});
  return kv;
}

}  // namespace hearth::engine
