// Synthesize: tokenizer copied from a vocabulary GGUF, random weights streamed as f16, then
// libllama's own quantizer for q8_0 / q4_K_M.

#include "engine/synth.h"

#include <llama.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "engine/backend.h"

namespace hearth::engine {
namespace {

namespace fs = std::filesystem;

constexpr float kWeightRange = 0.02f;       // random weights are uniform in [-0.02, 0.02)
constexpr size_t kChunkElements = 1 << 20;  // elements generated and written at a time
constexpr uint32_t kTokenTypeControl = 3;

struct TypeSpec {
  const char* name;
  llama_ftype ftype;
  bool quantize;
};

std::optional<TypeSpec> ParseType(const std::string& type) {
  static const TypeSpec kTypes[] = {
      {"f16", LLAMA_FTYPE_MOSTLY_F16, false},
      {"q8_0", LLAMA_FTYPE_MOSTLY_Q8_0, true},
      {"q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M, true},
  };
  for (const TypeSpec& t : kTypes) {
    const std::string n = t.name;
    if (n.size() == type.size() && std::equal(n.begin(), n.end(), type.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return t;
    }
  }
  return std::nullopt;
}

std::string JoinNames() {
  std::string s;
  for (const std::string& n : SynthModelNames()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// splitmix64: fast, and good enough for weights nobody trains.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// Seed of one tensor: independent of tensor order and chunking.
uint64_t TensorSeed(uint64_t seed, const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return Rng(h ^ (seed * 0x9E3779B97F4A7C15ull)).Next();
}

// Removes the listed files when destroyed, unless Release()d.
class Cleanup {
 public:
  void Add(std::string path) { paths_.push_back(std::move(path)); }
  void Release() { paths_.clear(); }
  ~Cleanup() {
    std::error_code ec;
    for (const std::string& p : paths_) fs::remove(p, ec);
  }

 private:
  std::vector<std::string> paths_;
};

gguf::KeyValue* FindKv(std::vector<gguf::KeyValue>& kv, const std::string& key) {
  for (gguf::KeyValue& e : kv) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

}  // namespace

Result<std::vector<gguf::KeyValue>> SynthTokenizerMetadata(const SynthShape& shape,
                                                           const std::string& path) {
  auto vocab = gguf::ReadFile(path);
  if (!vocab.ok()) return vocab.status().WithContext("vocabulary " + path);
  std::vector<gguf::KeyValue> kv;
  for (gguf::KeyValue& e : vocab->kv) {
    if (e.key.rfind("tokenizer.", 0) == 0) kv.push_back(std::move(e));
  }
  gguf::KeyValue* tokens = FindKv(kv, "tokenizer.ggml.tokens");
  if (tokens == nullptr || tokens->value.type != gguf::ValueType::kArray ||
      tokens->value.elem_type != gguf::ValueType::kString) {
    return InvalidArgument("vocabulary " + path + " has no tokenizer.ggml.tokens string array");
  }
  std::vector<std::string>& text = tokens->value.strings;
  const uint64_t n = text.size();
  if (n > shape.n_vocab) {
    return InvalidArgument("vocabulary " + path + " has " + std::to_string(n) +
                           " tokens, more than the " + std::to_string(shape.n_vocab) + " of " +
                           shape.name);
  }
  gguf::KeyValue* types = FindKv(kv, "tokenizer.ggml.token_type");
  gguf::KeyValue* scores = FindKv(kv, "tokenizer.ggml.scores");
  for (gguf::KeyValue* a : {types, scores}) {
    if (a == nullptr) continue;
    const size_t have = a == types ? a->value.ints.size() : a->value.floats.size();
    if (a->value.type != gguf::ValueType::kArray || have != n) {
      return InvalidArgument("vocabulary " + path + ": " + a->key +
                             " does not have one number per token");
    }
  }
  // Pad with the shape's type, else the one the vocabulary already gives its "[PAD<id>]"
  // placeholders, else control.
  int64_t pad_type = kTokenTypeControl;
  if (shape.pad_token_type != 0) {
    pad_type = shape.pad_token_type;
  } else if (types != nullptr) {
    for (uint64_t i = n; i-- > 0;) {
      if (text[i] == "[PAD" + std::to_string(i) + "]") {
        pad_type = types->value.ints[i];
        break;
      }
    }
  }
  for (uint64_t i = n; i < shape.n_vocab; ++i) {
    text.push_back("[PAD" + std::to_string(i) + "]");
    if (types != nullptr) types->value.ints.push_back(pad_type);
    if (scores != nullptr) scores->value.floats.push_back(-1000.0);
  }
  for (gguf::KeyValue* a : {tokens, types, scores}) {
    if (a != nullptr) a->value.array_len = shape.n_vocab;
  }
  for (const SynthAddedToken& t : shape.added_tokens) {
    const auto id = static_cast<size_t>(t.id);
    if (id < text.size() && text[id] == "[PAD" + std::to_string(id) + "]") {
      text[id] = t.text;
      if (types != nullptr) types->value.ints[id] = t.type;
    }
  }
  if (FindKv(kv, "tokenizer.chat_template") == nullptr && !shape.fallback_chat_template.empty()) {
    kv.push_back({"tokenizer.chat_template", gguf::Value::String(shape.fallback_chat_template)});
  }
  // BertModel.set_vocab writes type_vocab_size; llama.cpp sizes token_types.weight by it.
  if (shape.n_token_types != 0) {
    const gguf::Value count = gguf::Value::U32(shape.n_token_types);
    if (gguf::KeyValue* e = FindKv(kv, "tokenizer.ggml.token_type_count")) {
      e->value = count;
    } else {
      kv.push_back({"tokenizer.ggml.token_type_count", count});
    }
  }
  return kv;
}

namespace {

using Progress = std::function<void(const std::string&, double)>;

// Streams an f16 conversion of `shape` with random weights to `path`.
Status WriteF16(const SynthShape& shape, const std::vector<gguf::KeyValue>& kv, uint64_t seed,
                const std::string& path, const Progress& progress) {
  gguf::Writer writer;
  for (const gguf::KeyValue& e : kv) writer.Set(e.key, e.value);
  const std::vector<SynthTensor> tensors = SynthTensors(shape);
  for (const SynthTensor& t : tensors)
    HEARTH_RETURN_IF_ERROR(writer.AddTensor(t.name, t.dims, t.type));
  HEARTH_RETURN_IF_ERROR(writer.Begin(path));

  const std::vector<float> rope =
      shape.rope_scaling_factor != 0 ? SynthRopeFactors(shape) : std::vector<float>();
  const double total = static_cast<double>(writer.total_bytes());
  uint64_t written = 0, reported = 0;
  std::vector<float> f32(kChunkElements);
  std::vector<ggml_fp16_t> f16(kChunkElements);
  const float scale = kWeightRange / 2147483648.0f;
  for (const SynthTensor& t : tensors) {
    uint64_t n = 1;
    for (uint64_t d : t.dims) n *= d;
    Rng rng(TensorSeed(seed, t.name));
    for (uint64_t off = 0; off < n; off += kChunkElements) {
      const size_t m = static_cast<size_t>(std::min<uint64_t>(kChunkElements, n - off));
      switch (t.init) {
        case SynthInit::kOnes:
          std::fill_n(f32.begin(), m, 1.0f);
          break;
        case SynthInit::kRopeFreqs:
          for (size_t j = 0; j < m; ++j) f32[j] = off + j < rope.size() ? rope[off + j] : 1.0f;
          break;
        case SynthInit::kRandom:
          for (size_t j = 0; j < m; j += 2) {
            const uint64_t r = rng.Next();
            f32[j] = static_cast<float>(static_cast<int32_t>(r)) * scale;
            if (j + 1 < m) f32[j + 1] = static_cast<float>(static_cast<int32_t>(r >> 32)) * scale;
          }
          break;
      }
      std::span<const uint8_t> bytes;
      if (t.type == GGML_TYPE_F16) {
        ggml_fp32_to_fp16_row(f32.data(), f16.data(), static_cast<int64_t>(m));
        bytes = {reinterpret_cast<const uint8_t*>(f16.data()), m * sizeof(ggml_fp16_t)};
      } else {
        bytes = {reinterpret_cast<const uint8_t*>(f32.data()), m * sizeof(float)};
      }
      HEARTH_RETURN_IF_ERROR(writer.Write(bytes));
      written += bytes.size();
      if (progress && written - reported >= (64u << 20)) {
        progress("writing f16", written / total);
        reported = written;
      }
    }
  }
  HEARTH_RETURN_IF_ERROR(writer.Finish());
  if (progress) progress("writing f16", 1.0);
  return Status::Ok();
}

// Rough size of the quantized file, for progress only.
double EstimateQuantizedBytes(const SynthShape& shape, const TypeSpec& spec) {
  double bytes = 0;
  for (const SynthTensor& t : SynthTensors(shape)) {
    double n = 1;
    for (uint64_t d : t.dims) n *= static_cast<double>(d);
    if (t.dims.size() < 2) {
      bytes += 4 * n;
    } else if (spec.ftype == LLAMA_FTYPE_MOSTLY_Q8_0) {
      bytes += n * 34 / 32;
    } else {
      const bool k_ok = t.dims[0] % 256 == 0;
      const bool big = t.name == "token_embd.weight" || t.name == "output.weight";
      const bool mixed = t.name.find("attn_v") != std::string::npos ||
                         t.name.find("ffn_down") != std::string::npos;
      const double q6 = k_ok ? 210.0 / 256 : 34.0 / 32, q4 = k_ok ? 144.0 / 256 : 22.0 / 32;
      bytes += n * (big ? q6 : mixed ? (q6 + q4) / 2 : q4);
    }
  }
  return bytes;
}

Status Quantize(const SynthShape& shape, const TypeSpec& spec, const std::string& in,
                const std::string& out, const Progress& progress) {
  InitBackend();
  llama_model_quantize_params params = llama_model_quantize_default_params();
  params.nthread = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  params.ftype = spec.ftype;
  const std::string stage = std::string("quantizing ") + spec.name;
  if (progress) progress(stage, 0.0);
  std::atomic<bool> done{false};
  uint32_t rc = 0;
  std::thread worker([&] {
    rc = llama_model_quantize(in.c_str(), out.c_str(), &params);
    done.store(true);
  });
  const double estimate = EstimateQuantizedBytes(shape, spec);
  while (!done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (progress && !done.load()) {
      std::error_code ec;
      const auto size = fs::file_size(out, ec);
      if (!ec) progress(stage, std::min(0.99, static_cast<double>(size) / estimate));
    }
  }
  worker.join();
  if (rc != 0) {
    return Internal("llama_model_quantize failed to convert " + in + " to " + spec.name +
                    " (see libllama's log above)");
  }
  if (progress) progress(stage, 1.0);
  return Status::Ok();
}

}  // namespace

Status Synthesize(const SynthOptions& options) {
  const SynthShape* shape = FindSynthShape(options.model);
  if (shape == nullptr) {
    return InvalidArgument("unknown model '" + options.model + "'; known models: " + JoinNames());
  }
  const std::optional<TypeSpec> spec = ParseType(options.type);
  if (!spec) return InvalidArgument("unknown type '" + options.type + "'; use f16, q8_0 or q4_K_M");
  if (options.out_path.empty()) return InvalidArgument("no output path");
  if (options.vocab_path.empty()) return InvalidArgument("no vocabulary path");

  HEARTH_ASSIGN_OR_RETURN(std::vector<gguf::KeyValue> tokenizer,
                          SynthTokenizerMetadata(*shape, options.vocab_path));
  std::vector<gguf::KeyValue> kv = SynthMetadata(*shape);
  for (gguf::KeyValue& e : tokenizer) kv.push_back(std::move(e));
  tokenizer.clear();

  const std::string partial = options.out_path + ".partial";
  Cleanup cleanup;
  cleanup.Add(partial);
  if (!spec->quantize) {
    HEARTH_RETURN_IF_ERROR(WriteF16(*shape, kv, options.seed, partial, options.progress));
  } else {
    const std::string f16_path = options.out_path + ".f16.tmp";
    cleanup.Add(f16_path);
    HEARTH_RETURN_IF_ERROR(WriteF16(*shape, kv, options.seed, f16_path, options.progress));
    kv.clear();
    HEARTH_RETURN_IF_ERROR(Quantize(*shape, *spec, f16_path, partial, options.progress));
    std::error_code ec;
    fs::remove(f16_path, ec);
  }
  // What we hand out must pass our own reader.
  gguf::ReadOptions ropts;
  ropts.keep_string_arrays = false;
  if (auto check = gguf::ReadFile(partial, ropts); !check.ok()) {
    return Internal("the synthesized file fails validation: " + check.status().message());
  }
  std::error_code ec;
  fs::rename(partial, options.out_path, ec);
  if (ec)
    return IOError("cannot rename " + partial + " to " + options.out_path + ": " + ec.message());
  cleanup.Release();
  if (options.progress) options.progress("done", 1.0);
  return Status::Ok();
}

}  // namespace hearth::engine
