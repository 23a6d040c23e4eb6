#include "engine/model.h"

#include <llama.h>

#include <filesystem>
#include <mutex>

#include "engine/backend.h"
#include "engine/chat_template.h"
#include "gguf/gguf.h"

namespace hearth::engine {
namespace {

// Ollama's quantization_level spelling for the file types it names.
std::string FileTypeName(llama_ftype ftype) {
  switch (static_cast<int>(ftype) & ~LLAMA_FTYPE_GUESSED) {
    case LLAMA_FTYPE_ALL_F32: return "F32";
    case LLAMA_FTYPE_MOSTLY_F16: return "F16";
    case LLAMA_FTYPE_MOSTLY_BF16: return "BF16";
    case LLAMA_FTYPE_MOSTLY_Q4_0: return "Q4_0";
    case LLAMA_FTYPE_MOSTLY_Q4_1: return "Q4_1";
    case LLAMA_FTYPE_MOSTLY_Q5_0: return "Q5_0";
    case LLAMA_FTYPE_MOSTLY_Q5_1: return "Q5_1";
    case LLAMA_FTYPE_MOSTLY_Q8_0: return "Q8_0";
    case LLAMA_FTYPE_MOSTLY_Q2_K: return "Q2_K";
    case LLAMA_FTYPE_MOSTLY_Q3_K_S: return "Q3_K_S";
    case LLAMA_FTYPE_MOSTLY_Q3_K_M: return "Q3_K_M";
    case LLAMA_FTYPE_MOSTLY_Q3_K_L: return "Q3_K_L";
    case LLAMA_FTYPE_MOSTLY_Q4_K_S: return "Q4_K_S";
    case LLAMA_FTYPE_MOSTLY_Q4_K_M: return "Q4_K_M";
    case LLAMA_FTYPE_MOSTLY_Q5_K_S: return "Q5_K_S";
    case LLAMA_FTYPE_MOSTLY_Q5_K_M: return "Q5_K_M";
    case LLAMA_FTYPE_MOSTLY_Q6_K: return "Q6_K";
    default: return llama_ftype_name(ftype);
  }
}

const char* VocabTypeName(enum llama_vocab_type t) {
  switch (t) {
    case LLAMA_VOCAB_TYPE_SPM: return "spm";
    case LLAMA_VOCAB_TYPE_BPE: return "bpe";
    case LLAMA_VOCAB_TYPE_WPM: return "wpm";
    case LLAMA_VOCAB_TYPE_UGM: return "ugm";
    case LLAMA_VOCAB_TYPE_RWKV: return "rwkv";
    default: return "none";
  }
}

std::string MetaString(const llama_model* m, const char* key) {
  char buf[512];
  int32_t n = llama_model_meta_val_str(m, key, buf, sizeof(buf));
  if (n < 0) return "";
  if (static_cast<size_t>(n) < sizeof(buf)) return std::string(buf, n);
  std::string big(n + 1, '\0');
  llama_model_meta_val_str(m, key, big.data(), big.size());
  big.resize(n);
  return big;
}

}  // namespace

Result<ModelPtr> Model::Load(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound("model file not found: " + path);
  }
  // Our own bounds-checked reader first: libllama never sees a file that fails it.
  gguf::ReadOptions ropts;
  ropts.keep_string_arrays = false;
  auto header = gguf::ReadFile(path, ropts);
  if (!header.ok()) return header.status().WithContext(path);

  InitBackend();
  llama_model_params mp = llama_model_default_params();
  mp.vocab_only = options.vocab_only;
  mp.n_gpu_layers = options.n_gpu_layers;
  llama_model* raw = llama_model_load_from_file(path.c_str(), mp);
  if (!raw) return Internal("llama.cpp could not load " + path + " (see the log above)");

  std::shared_ptr<Model> model(new Model());
  model->model_ = raw;
  ModelInfo& info = model->info_;
  const llama_vocab* vocab = llama_model_get_vocab(raw);
  info.path = path;
  info.name = header->GetString("general.name").value_or(std::filesystem::path(path).stem().string());
  info.architecture = header->GetString("general.architecture").value_or("");
  info.file_type = FileTypeName(llama_model_ftype(raw));
  info.parameter_count = header->ParameterCount();
  info.file_size = header->file_size;
  info.synthetic = header->GetInt("hearth.synthetic").value_or(0) != 0;
  info.vocab_size = llama_vocab_n_tokens(vocab);
  info.vocab_type = VocabTypeName(llama_vocab_type(vocab));
  info.add_bos = llama_vocab_get_add_bos(vocab);
  if (!options.vocab_only) {
    info.weights_bytes = llama_model_size(raw);
    info.context_length = llama_model_n_ctx_train(raw);
    info.embedding_length = llama_model_n_embd(raw);
    info.block_count = llama_model_n_layer(raw);
    info.head_count = llama_model_n_head(raw);
    info.head_count_kv = llama_model_n_head_kv(raw);
  }
  auto special = [&](Token id) {
    SpecialToken t;
    if (id >= 0) {
      t.id = id;
      t.text = llama_vocab_get_text(vocab, id);
    }
    return t;
  };
  info.bos = special(llama_vocab_bos(vocab));
  info.eos = special(llama_vocab_eos(vocab));
  info.eot = special(llama_vocab_eot(vocab));
  info.fim_prefix = special(llama_vocab_fim_pre(vocab));
  info.fim_suffix = special(llama_vocab_fim_suf(vocab));
  info.fim_middle = special(llama_vocab_fim_mid(vocab));

  const char* tmpl = llama_model_chat_template(raw, nullptr);
  info.chat_template = tmpl ? tmpl : "";
  info.has_chat_template = !info.chat_template.empty();
  const bool pooled = !MetaString(raw, (info.architecture + ".pooling_type").c_str()).empty();
  info.capabilities.embedding = pooled || !llama_model_has_decoder(raw);
  info.capabilities.completion = !info.capabilities.embedding;
  info.capabilities.insert = info.fim_prefix.id >= 0 && info.fim_suffix.id >= 0 &&
                             info.fim_middle.id >= 0 && info.capabilities.completion;
  if (info.has_chat_template) {
    auto chat = ChatTemplate::Create(raw, "");
    if (!chat.ok()) return chat.status().WithContext(path);
    info.capabilities.tools = (*chat)->supports_tools();
    info.capabilities.thinking = (*chat)->supports_thinking();
  }
  return ModelPtr(std::move(model));
}

Model::~Model() {
  if (model_) llama_model_free(model_);
}

std::vector<Token> Model::Tokenize(std::string_view text, bool add_special,
                                   bool parse_special) const {
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  std::vector<Token> tokens(text.size() + 8);
  int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                             static_cast<int32_t>(tokens.size()), add_special, parse_special);
  if (n < 0) {
    tokens.resize(-n);
    n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                       static_cast<int32_t>(tokens.size()), add_special, parse_special);
  }
  tokens.resize(n < 0 ? 0 : n);
  return tokens;
}

std::string Model::TokenPiece(Token token, bool special) const {
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  char buf[256];
  int32_t n = llama_token_to_piece(vocab, token, buf, sizeof(buf), 0, special);
  if (n >= 0) return std::string(buf, n);
  std::string big(-n, '\0');
  n = llama_token_to_piece(vocab, token, big.data(), static_cast<int32_t>(big.size()), 0, special);
  big.resize(n < 0 ? 0 : n);
  return big;
}

std::string Model::Detokenize(const std::vector<Token>& tokens, bool special) const {
  std::string out;
  for (Token t : tokens) out += TokenPiece(t, special);
  return out;
}

Result<std::vector<Token>> Model::FimPrompt(std::string_view prefix,
                                            std::string_view suffix) const {
  if (!info_.capabilities.insert)
    return FailedPrecondition("model " + info_.name + " does not support insert");
  std::vector<Token> out;
  if (info_.add_bos && info_.bos.id >= 0) out.push_back(info_.bos.id);
  out.push_back(info_.fim_prefix.id);
  for (Token t : Tokenize(prefix, false, false)) out.push_back(t);
  out.push_back(info_.fim_suffix.id);
  for (Token t : Tokenize(suffix, false, false)) out.push_back(t);
  out.push_back(info_.fim_middle.id);
  return out;
}

bool Model::IsEndOfGeneration(Token token) const {
  return llama_vocab_is_eog(llama_model_get_vocab(model_), token);
}

}  // namespace hearth::engine
