#pragma once
// Synthetic models: GGUF files with random weights but the exact architecture, hyper-parameters,
// tensor names and shapes, tokenizer and (after quantization) per-tensor type mix of a named real
// model. They load and run like the real model (same memory, same speed) but produce gibberish,
// which makes them the fixtures for performance and capacity tests without downloading weights.
//
// Thread-compatible: the functions share no state, except that Synthesize initialises libllama's
// backend (engine::InitBackend) for quantization.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf.h"

namespace hearth::engine {

// A token that a shape's real tokenizer has but the default vocabulary GGUF lacks (it holds a
// "[PAD<id>]" placeholder at that id), e.g. Qwen2.5's FIM tokens.
struct SynthAddedToken {
  int32_t id = 0;
  const char* text = "";
  int32_t type = 3;  // llama_token_type: 3 control, 4 user-defined
};

// The hyper-parameters of one real model, as in its Hugging Face config.json.
struct SynthShape {
  std::string name;                 // "qwen2.5-coder:1.5b"
  std::string display_name;         // "Qwen2.5-Coder-1.5B"
  std::string arch;                 // general.architecture: "qwen2", "llama", "bert", "nomic-bert"
  std::string vocab_file;           // default vocabulary GGUF, e.g. "ggml-vocab-qwen2.gguf"
  uint32_t n_vocab = 0;             // vocab_size (rows of token_embd)
  uint32_t n_ctx_train = 0;         // max_position_embeddings
  uint32_t n_embd = 0;              // hidden_size
  uint32_t n_ff = 0;                // intermediate_size
  uint32_t n_layer = 0;             // num_hidden_layers
  uint32_t n_head = 0;              // num_attention_heads
  uint32_t n_head_kv = 0;           // num_key_value_heads
  uint32_t head_dim = 0;            // head_dim (n_embd / n_head when the config has none)
  bool head_dim_in_config = false;  // the config states head_dim (=> attention.key_length keys)
  float rope_freq_base = 10000.0f;  // rope_theta
  float rms_norm_eps = 1e-6f;       // decoders only
  bool tied_embeddings = false;     // tie_word_embeddings: no output.weight
  bool qkv_bias = false;            // attention q/k/v projections have biases (qwen2)
  // rope_scaling of type "llama3" (stored as the rope_freqs.weight tensor); factor 0 = none.
  float rope_scaling_factor = 0.0f;
  float rope_low_freq_factor = 1.0f;
  float rope_high_freq_factor = 4.0f;
  uint32_t rope_original_context = 8192;
  std::vector<SynthAddedToken> added_tokens;
  // Written as tokenizer.chat_template when the vocabulary has none; empty = none.
  std::string fallback_chat_template;

  // Encoder-only embedding models (the BERT family): bidirectional attention
  // (<arch>.attention.causal false), LayerNorm with weight and bias after attention and after the
  // FFN (not RMSNorm before them), a normed input embedding, no output head. The defaults
  // describe the decoders above.
  bool encoder = false;
  float layer_norm_eps = 0;        // layer_norm_eps (attention.layer_norm_epsilon); encoders
  uint32_t pooling_type = 0;       // <arch>.pooling_type: 1 mean, 2 cls; 0 = not written
  bool learned_positions = false;  // position_embd.weight (BERT); false = RoPE
  bool fused_qkv = false;          // one attn_qkv.weight (nomic-bert); false = attn_q/k/v
  bool gelu_ffn = false;           // ffn_up + ffn_down with GELU (BERT); else SwiGLU gate/up/down
  bool linear_bias = false;        // every linear layer of an encoder has a bias (BERT)
  uint32_t n_token_types = 0;      // type_vocab_size: rows of token_types.weight and the
                                   // tokenizer.ggml.token_type_count written; 0 = none
  // llama_token_type of the "[PAD<id>]" entries padding the vocabulary; 0 = the type of the
  // vocabulary's own placeholders, else control.
  int32_t pad_token_type = 0;
};

// Names of the model shapes `Synthesize` knows, e.g. "qwen2.5-coder:0.5b".
std::vector<std::string> SynthModelNames();
// Returns the shape called `name`, or nullptr.
const SynthShape* FindSynthShape(const std::string& name);

// How a synthetic tensor is filled.
enum class SynthInit {
  kOnes,       // norms
  kRandom,     // weights and biases: uniform in [-0.02, 0.02), deterministic from the seed
  kRopeFreqs,  // llama3 rope scaling factors, computed as convert_hf_to_gguf.py does
};

struct SynthTensor {
  std::string name;
  std::vector<uint64_t> dims;  // ne[0] first
  uint32_t type = 0;  // ggml type in the f16 file: 0 (f32) for 1-D tensors, position_embd and
                      // token_types (as the converter keeps them), else 1 (f16)
  SynthInit init = SynthInit::kRandom;
};

// The tensors of an f16 conversion of `shape`, in the order convert_hf_to_gguf.py writes them
// for a single-file checkpoint (generated rope_freqs first, then Hugging Face names sorted).
// Encoders have no output head (the converter drops BERT's pooler and MLM head).
std::vector<SynthTensor> SynthTensors(const SynthShape& shape);
// Sum of the element counts of SynthTensors(shape).
uint64_t SynthParameterCount(const SynthShape& shape);
// The general.* and <arch>.* metadata of an f16 conversion of `shape` (no tokenizer keys), in the
// converter's order; general.name is "synthetic <display_name>" and hearth.synthetic is true.
std::vector<gguf::KeyValue> SynthMetadata(const SynthShape& shape);
// rope_freqs.weight values (head_dim / 2 factors) for a shape with llama3 rope scaling.
std::vector<float> SynthRopeFactors(const SynthShape& shape);
// Every tokenizer.* key of the vocabulary GGUF at `vocab_path`, with tokens, token_type and
// scores padded by "[PAD<id>]" entries (typed shape.pad_token_type, else like the vocabulary's own
// [PAD] placeholders, else control) up to shape.n_vocab, shape.added_tokens written over their
// placeholders, shape.fallback_chat_template added when the vocabulary has no template, and
// tokenizer.ggml.token_type_count set to shape.n_token_types when that is not 0. Returns
// InvalidArgument when the vocabulary has more tokens than the shape or no token list, and the
// reader's error for a missing or bad file.
Result<std::vector<gguf::KeyValue>> SynthTokenizerMetadata(const SynthShape& shape,
                                                           const std::string& vocab_path);

struct SynthOptions {
  std::string model;            // a SynthModelNames() entry
  std::string type = "q4_K_M";  // f16 | q8_0 | q4_K_M
  std::string vocab_path;       // vocabulary GGUF whose tokenizer.* keys are copied
  std::string out_path;
  uint64_t seed = 1;
  // Called with a stage ("writing f16", "quantizing q4_K_M", "done") and the fraction of that
  // stage completed, from the calling thread. Quantization progress is estimated from the size of
  // the growing output. May be empty.
  std::function<void(const std::string& stage, double fraction)> progress;
};

// Writes a synthetic GGUF of `options.model` to `options.out_path`: the metadata of
// SynthMetadata, every tokenizer.* key of the vocabulary (token arrays padded with "[PAD<id>]"
// entries up to the shape's vocabulary size, the shape's added tokens filled in, its fallback chat
// template added when the vocabulary has none), and SynthTensors with random weights. f16 is
// streamed tensor by tensor; q8_0 and q4_K_M quantize an f16 temp file next to the output with
// llama_model_quantize, so the per-tensor type mix is what real quantization produces. The file
// is written as out_path + ".partial" and renamed when complete; temp files are removed on
// success and on error. Returns InvalidArgument for an unknown model or type or a vocabulary
// larger than the shape's, NotFound/DataLoss for a missing or bad vocabulary file, IOError when
// writing fails, Internal when quantization fails.
Status Synthesize(const SynthOptions& options);

}  // namespace hearth::engine
