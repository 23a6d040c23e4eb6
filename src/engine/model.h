#pragma once
// A loaded GGUF model: weights (mmap), vocabulary and metadata. Only src/engine sees libllama.
// A Model is immutable after Load and thread-safe for all const methods (tokenization is
// read-only in libllama); share it with std::shared_ptr<const Model>.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct llama_model;

namespace hearth::engine {

using Token = int32_t;

struct Capabilities {
  bool completion = false;  // a decoder that generates text
  bool insert = false;      // fill-in-the-middle: has FIM prefix/suffix/middle tokens
  bool embedding = false;   // an embedding model (pooling, no generation)
  bool tools = false;       // the chat template renders a tools list
  bool thinking = false;    // the chat template supports a thinking switch
};

struct SpecialToken {
  Token id = -1;  // -1 when the model has none
  std::string text;
};

struct ModelInfo {
  std::string path;
  std::string name;           // general.name, or the file name
  std::string architecture;   // general.architecture, e.g. "llama", "qwen2"
  std::string file_type;      // e.g. "F32", "Q4_0", "Q4_K_M"
  uint64_t parameter_count = 0;
  uint64_t file_size = 0;
  uint64_t weights_bytes = 0;  // tensor bytes as loaded
  int32_t context_length = 0;  // training context
  int32_t embedding_length = 0;
  int32_t block_count = 0;
  int32_t head_count = 0;
  int32_t head_count_kv = 0;
  int32_t vocab_size = 0;
  std::string vocab_type;     // "spm", "bpe", "wpm", ...
  std::string chat_template;  // Jinja source; empty when the model has none
  bool has_chat_template = false;
  bool add_bos = false;
  SpecialToken bos, eos, eot, fim_prefix, fim_suffix, fim_middle;
  Capabilities capabilities;
  bool synthetic = false;  // written by `hearth dev synth`
};

struct LoadOptions {
  bool vocab_only = false;  // tokenizer only, no weights
  int32_t n_gpu_layers = -1;  // -1: all layers on a GPU when one exists
};

class Model;
using ModelPtr = std::shared_ptr<const Model>;

class Model {
 public:
  // Validates `path` with hearth's own bounds-checked GGUF reader first (libllama never opens a
  // file that fails it), then loads it with mmap. Returns NotFound for a missing file,
  // InvalidArgument/DataLoss for a bad file, Internal when libllama refuses a valid-looking one.
  static Result<ModelPtr> Load(const std::string& path, const LoadOptions& options = {});

  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const { return info_; }

  // Tokenizes `text`. `add_special` adds BOS/EOS as the vocabulary asks; `parse_special` turns
  // special-token text such as "<|im_start|>" into its token instead of plain text.
  std::vector<Token> Tokenize(std::string_view text, bool add_special, bool parse_special) const;
  // The bytes of one token (may be part of a UTF-8 character). Control tokens give "" unless
  // `special`.
  std::string TokenPiece(Token token, bool special = false) const;
  // Concatenated pieces of `tokens`.
  std::string Detokenize(const std::vector<Token>& tokens, bool special = false) const;
  // Fill-in-the-middle prompt in prefix-suffix-middle order, as llama-server builds it:
  // [BOS] <fim_prefix> prefix <fim_suffix> suffix <fim_middle>. FailedPrecondition when the model
  // has no FIM tokens (no insert capability).
  Result<std::vector<Token>> FimPrompt(std::string_view prefix, std::string_view suffix) const;
  // True iff `token` ends generation (EOS, EOT, ...).
  bool IsEndOfGeneration(Token token) const;

  // For the engine: the libllama handle.
  llama_model* raw() const { return model_; }

 private:
  Model() = default;
  llama_model* model_ = nullptr;
  ModelInfo info_;
};

}  // namespace hearth::engine
