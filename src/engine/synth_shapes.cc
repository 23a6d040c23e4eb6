// The model shapes `hearth dev synth` knows: hyper-parameters from each model's Hugging Face
// config.json, tensor names and shapes as llama.cpp's convert_hf_to_gguf.py (conversion/*.py)
// writes them and src/models/{qwen2,llama,bert,nomic-bert}.cpp load them (llama.cpp v0.5.0).

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
constexpr uint32_t kPoolingMean = 1;     // llama_pooling_type LLAMA_POOLING_TYPE_MEAN
constexpr int32_t kTokenTypeUnused = 5;  // llama_token_type LLAMA_TOKEN_TYPE_UNUSED

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

// sentence-transformers/all-MiniLM-L6-v2 (Ollama's all-minilm:22m): a BertModel with GELU,
// learned absolute positions, biases on every linear layer, two token types, and mean pooling
// (its modules.json Pooling, which the converter writes as pooling_type). Its vocabulary is
// bert-base-uncased's 30522 WordPiece tokens, the same list as bge-small-en-v1.5's.
SynthShape AllMiniLmL6() {
  SynthShape s;
  s.name = "all-minilm:22m";
  s.display_name = "all-MiniLM-L6-v2";
  s.arch = "bert";
  s.vocab_file = "ggml-vocab-bert-bge.gguf";
  s.n_vocab = 30522;
  s.n_ctx_train = 512;
  s.n_embd = 384;
  s.n_ff = 1536;
  s.n_layer = 6;
  s.n_head = 12;
  s.n_head_kv = 12;
  s.head_dim = 32;
  s.encoder = true;
  s.layer_norm_eps = 1e-12f;
  s.pooling_type = kPoolingMean;
  s.learned_positions = true;
  s.gelu_ffn = true;
  s.linear_bias = true;
  s.n_token_types = 2;
  s.pad_token_type = kTokenTypeUnused;
  return s;
}

// nomic-ai/nomic-embed-text-v1.5 (Ollama's nomic-embed-text): a NomicBertModel with RoPE
// (rotary_emb_base 1000), SwiGLU (fc11 up, fc12 gate, fc2 down), a fused Wqkv, no linear
// biases, and mean pooling. The converter writes n_positions 8192 as a 2048 context (the trained
// length). config.json's vocab_size is 30528: the 30522 bert-base-uncased tokens padded with
// six "[PAD<id>]" entries typed unused, as the converter's get_vocab_base pads them.
SynthShape NomicEmbedTextV15() {
  SynthShape s;
  s.name = "nomic-embed-text";
  s.display_name = "nomic-embed-text-v1.5";
  s.arch = "nomic-bert";
  s.vocab_file = "ggml-vocab-bert-bge.gguf";
  s.n_vocab = 30528;
  s.n_ctx_train = 2048;
  s.n_embd = 768;
  s.n_ff = 3072;
  s.n_layer = 12;
  s.n_head = 12;
  s.n_head_kv = 12;
  s.head_dim = 64;
  s.rope_freq_base = 1000.0f;
  s.encoder = true;
  s.layer_norm_eps = 1e-12f;
  s.pooling_type = kPoolingMean;
  s.fused_qkv = true;
  s.n_token_types = 2;
  s.pad_token_type = kTokenTypeUnused;
  return s;
}

const std::vector<SynthShape>& Shapes() {
  static const std::vector<SynthShape> shapes = {
      Qwen25Coder("qwen2.5-coder:0.5b", "Qwen2.5-Coder-0.5B", 151936, 896, 4864, 24, 14, 2, true),
      Qwen25Coder("qwen2.5-coder:1.5b", "Qwen2.5-Coder-1.5B", 151936, 1536, 8960, 28, 12, 2, true),
      Qwen25Coder("qwen2.5-coder:7b", "Qwen2.5-Coder-7B", 152064, 3584, 18944, 28, 28, 4, false),
      Llama32("llama3.2:1b", "Llama-3.2-1B", 2048, 16, 32, 64),
      Llama32("llama3.2:3b", "Llama-3.2-3B", 3072, 28, 24, 128),
      AllMiniLmL6(),
      NomicEmbedTextV15(),
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

SynthTensor Matrix(std::string name, uint64_t ne0, uint64_t ne1) {
  return SynthTensor{std::move(name), {ne0, ne1}, kGgmlF16, SynthInit::kRandom};
}

// A 2-D tensor the converter keeps in f32 in an f16 file (position_embd, token_types).
SynthTensor Table(std::string name, uint64_t ne0, uint64_t ne1) {
  return SynthTensor{std::move(name), {ne0, ne1}, kGgmlF32, SynthInit::kRandom};
}

SynthTensor Vec(std::string name, uint64_t n, SynthInit init) {
  return SynthTensor{std::move(name), {n}, kGgmlF32, init};
}

using HfTensors = std::vector<std::pair<std::string, SynthTensor>>;

// The converter walks a checkpoint's tensors in the order the safetensors header lists them,
// which is sorted by name ("model.layers.10." before ".2.").
void SortByHfName(HfTensors* hf) {
  std::sort(hf->begin(), hf->end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

// Decoders as src/models/{qwen2,llama}.cpp load them.
std::vector<SynthTensor> DecoderTensors(const SynthShape& s) {
  const uint64_t embd = s.n_embd, ff = s.n_ff, vocab = s.n_vocab;
  const uint64_t q_dim = uint64_t{s.n_head} * s.head_dim;
  const uint64_t kv_dim = uint64_t{s.n_head_kv} * s.head_dim;

  HfTensors hf;  // (Hugging Face name, tensor)
  hf.emplace_back("model.embed_tokens.weight", Matrix("token_embd.weight", embd, vocab));
  if (!s.tied_embeddings) hf.emplace_back("lm_head.weight", Matrix("output.weight", embd, vocab));
  hf.emplace_back("model.norm.weight", Vec("output_norm.weight", embd, SynthInit::kOnes));
  for (uint32_t i = 0; i < s.n_layer; ++i) {
    const std::string h = "model.layers." + std::to_string(i) + ".";
    const std::string g = "blk." + std::to_string(i) + ".";
    hf.emplace_back(h + "input_layernorm.weight",
                    Vec(g + "attn_norm.weight", embd, SynthInit::kOnes));
    hf.emplace_back(h + "mlp.down_proj.weight", Matrix(g + "ffn_down.weight", ff, embd));
    hf.emplace_back(h + "mlp.gate_proj.weight", Matrix(g + "ffn_gate.weight", embd, ff));
    hf.emplace_back(h + "mlp.up_proj.weight", Matrix(g + "ffn_up.weight", embd, ff));
    hf.emplace_back(h + "post_attention_layernorm.weight",
                    Vec(g + "ffn_norm.weight", embd, SynthInit::kOnes));
    hf.emplace_back(h + "self_attn.k_proj.weight", Matrix(g + "attn_k.weight", embd, kv_dim));
    hf.emplace_back(h + "self_attn.o_proj.weight", Matrix(g + "attn_output.weight", q_dim, embd));
    hf.emplace_back(h + "self_attn.q_proj.weight", Matrix(g + "attn_q.weight", embd, q_dim));
    hf.emplace_back(h + "self_attn.v_proj.weight", Matrix(g + "attn_v.weight", embd, kv_dim));
    if (s.qkv_bias) {
      hf.emplace_back(h + "self_attn.k_proj.bias",
                      Vec(g + "attn_k.bias", kv_dim, SynthInit::kRandom));
      hf.emplace_back(h + "self_attn.q_proj.bias",
                      Vec(g + "attn_q.bias", q_dim, SynthInit::kRandom));
      hf.emplace_back(h + "self_attn.v_proj.bias",
                      Vec(g + "attn_v.bias", kv_dim, SynthInit::kRandom));
    }
  }
  SortByHfName(&hf);

  std::vector<SynthTensor> out;
  out.reserve(hf.size() + 1);
  // convert_hf_to_gguf.py yields generate_extra_tensors() (rope_freqs) before the checkpoint's.
  if (s.rope_scaling_factor != 0.0f) {
    out.push_back(Vec("rope_freqs.weight", s.head_dim / 2, SynthInit::kRopeFreqs));
  }
  for (auto& [hf_name, t] : hf) out.push_back(std::move(t));
  return out;
}

// Hugging Face tensor names of one encoder family (they only decide the converter's order).
struct EncoderHfNames {
  const char* emb_norm;  // the embedding LayerNorm
  const char* layer;     // layer prefix, followed by the layer number and "."
  const char* q;
  const char* k;
  const char* v;
  const char* qkv;
  const char* attn_out;
  const char* attn_out_norm;
  const char* ffn_up;
  const char* ffn_gate;
  const char* ffn_down;
  const char* layer_out_norm;
};

// BertModel (conversion/bert.py strips a "bert." prefix; all-MiniLM-L6-v2 has none).
constexpr EncoderHfNames kBertNames = {
    .emb_norm = "embeddings.LayerNorm",
    .layer = "encoder.layer.",
    .q = "attention.self.query",
    .k = "attention.self.key",
    .v = "attention.self.value",
    .qkv = "",
    .attn_out = "attention.output.dense",
    .attn_out_norm = "attention.output.LayerNorm",
    .ffn_up = "intermediate.dense",
    .ffn_gate = "",
    .ffn_down = "output.dense",
    .layer_out_norm = "output.LayerNorm",
};
// NomicBertModel (nomic-embed-text-v1.5's 112 tensors).
constexpr EncoderHfNames kNomicBertNames = {
    .emb_norm = "emb_ln",
    .layer = "encoder.layers.",
    .q = "",
    .k = "",
    .v = "",
    .qkv = "attn.Wqkv",
    .attn_out = "attn.out_proj",
    .attn_out_norm = "norm1",
    .ffn_up = "mlp.fc11",
    .ffn_gate = "mlp.fc12",
    .ffn_down = "mlp.fc2",
    .layer_out_norm = "norm2",
};

// BERT-family encoders as src/models/{bert,nomic-bert}.cpp load them: token_embd,
// [position_embd], [token_types], token_embd_norm, and per layer attn_q/k/v or attn_qkv,
// attn_output, attn_output_norm, ffn_up, [ffn_gate], ffn_down, layer_output_norm; every norm
// with a bias, every linear layer with one when shape.linear_bias. No output head.
std::vector<SynthTensor> EncoderTensors(const SynthShape& s) {
  const EncoderHfNames& n = s.arch == "nomic-bert" ? kNomicBertNames : kBertNames;
  const uint64_t embd = s.n_embd, ff = s.n_ff;
  const uint64_t q_dim = uint64_t{s.n_head} * s.head_dim;
  const uint64_t kv_dim = uint64_t{s.n_head_kv} * s.head_dim;
  HfTensors hf;  // (Hugging Face name, tensor)
  auto norm = [&](const std::string& h, const std::string& g) {
    hf.emplace_back(h + ".weight", Vec(g + ".weight", embd, SynthInit::kOnes));
    hf.emplace_back(h + ".bias", Vec(g + ".bias", embd, SynthInit::kRandom));
  };
  auto linear = [&](const std::string& h, const std::string& g, uint64_t in, uint64_t out) {
    hf.emplace_back(h + ".weight", Matrix(g + ".weight", in, out));
    if (s.linear_bias) hf.emplace_back(h + ".bias", Vec(g + ".bias", out, SynthInit::kRandom));
  };
  hf.emplace_back("embeddings.word_embeddings.weight",
                  Matrix("token_embd.weight", embd, s.n_vocab));
  if (s.learned_positions) {
    hf.emplace_back("embeddings.position_embeddings.weight",
                    Table("position_embd.weight", embd, s.n_ctx_train));
  }
  if (s.n_token_types > 0) {
    hf.emplace_back("embeddings.token_type_embeddings.weight",
                    Table("token_types.weight", embd, s.n_token_types));
  }
  norm(n.emb_norm, "token_embd_norm");
  for (uint32_t i = 0; i < s.n_layer; ++i) {
    const std::string h = n.layer + std::to_string(i) + ".";
    const std::string g = "blk." + std::to_string(i) + ".";
    if (s.fused_qkv) {
      linear(h + n.qkv, g + "attn_qkv", embd, q_dim + 2 * kv_dim);
    } else {
      linear(h + n.q, g + "attn_q", embd, q_dim);
      linear(h + n.k, g + "attn_k", embd, kv_dim);
      linear(h + n.v, g + "attn_v", embd, kv_dim);
    }
    linear(h + n.attn_out, g + "attn_output", q_dim, embd);
    norm(h + n.attn_out_norm, g + "attn_output_norm");
    linear(h + n.ffn_up, g + "ffn_up", embd, ff);
    if (!s.gelu_ffn) linear(h + n.ffn_gate, g + "ffn_gate", embd, ff);
    linear(h + n.ffn_down, g + "ffn_down", ff, embd);
    norm(h + n.layer_out_norm, g + "layer_output_norm");
  }
  SortByHfName(&hf);
  std::vector<SynthTensor> out;
  out.reserve(hf.size());
  for (auto& [hf_name, t] : hf) out.push_back(std::move(t));
  return out;
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
  return s.encoder ? EncoderTensors(s) : DecoderTensors(s);
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
  };
  if (s.encoder) {
    // TextModel.set_gguf_parameters writes what the config states (no num_key_value_heads, no
    // rope for BERT), then BertModel adds causal false and the sentence-transformers pooling.
    if (!s.learned_positions) kv.push_back({a + ".rope.freq_base", Value::F32(s.rope_freq_base)});
    kv.push_back({a + ".attention.layer_norm_epsilon", Value::F32(s.layer_norm_eps)});
    kv.push_back({"general.file_type", Value::U32(kLlamaFtypeMostlyF16)});
    kv.push_back({a + ".attention.causal", Value::Bool(false)});
    if (s.pooling_type != 0) kv.push_back({a + ".pooling_type", Value::U32(s.pooling_type)});
    kv.push_back({"general.quantization_version", Value::U32(kGgmlQuantVersion)});
    return kv;
  }
  kv.push_back({a + ".attention.head_count_kv", Value::U32(s.n_head_kv)});
  kv.push_back({a + ".rope.freq_base", Value::F32(s.rope_freq_base)});
  kv.push_back({a + ".attention.layer_norm_rms_epsilon", Value::F32(s.rms_norm_eps)});
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
