// ggml tensor type facts, numbered as in ggml's `enum ggml_type`. Block sizes and bytes per block
// follow ggml's type_traits table and the block structs in ggml-common.h (llama.cpp v0.5.0);
// numbers whose support ggml removed (4, 5, 31-33, 36-38) are unknown here, as they are to ggml's
// GGUF loader (blck_size 0).

#include <array>
#include <limits>

#include "gguf/gguf.h"

namespace hearth::gguf {
namespace {

constexpr uint32_t kQK_K = 256;

struct Row {
  const char* name;  // nullptr: unknown or removed type
  uint32_t block_size;
  uint32_t type_size;
};

// Indexed by ggml_type number.
constexpr std::array<Row, 43> kTypes = {{
    {"f32", 1, 4},           // 0
    {"f16", 1, 2},           // 1
    {"q4_0", 32, 18},        // 2: f16 d + 16 nibble bytes
    {"q4_1", 32, 20},        // 3: f16 d, m + 16
    {nullptr, 0, 0},         // 4: q4_2, removed
    {nullptr, 0, 0},         // 5: q4_3, removed
    {"q5_0", 32, 22},        // 6: f16 d + u32 qh + 16
    {"q5_1", 32, 24},        // 7: f16 d, m + u32 qh + 16
    {"q8_0", 32, 34},        // 8: f16 d + 32
    {"q8_1", 32, 36},        // 9: f16 d, s + 32
    {"q2_K", kQK_K, 84},     // 10
    {"q3_K", kQK_K, 110},    // 11
    {"q4_K", kQK_K, 144},    // 12
    {"q5_K", kQK_K, 176},    // 13
    {"q6_K", kQK_K, 210},    // 14
    {"q8_K", kQK_K, 292},    // 15
    {"iq2_xxs", kQK_K, 66},  // 16
    {"iq2_xs", kQK_K, 74},   // 17
    {"iq3_xxs", kQK_K, 98},  // 18
    {"iq1_s", kQK_K, 50},    // 19
    {"iq4_nl", 32, 18},      // 20
    {"iq3_s", kQK_K, 110},   // 21
    {"iq2_s", kQK_K, 82},    // 22
    {"iq4_xs", kQK_K, 136},  // 23
    {"i8", 1, 1},            // 24
    {"i16", 1, 2},           // 25
    {"i32", 1, 4},           // 26
    {"i64", 1, 8},           // 27
    {"f64", 1, 8},           // 28
    {"iq1_m", kQK_K, 56},    // 29
    {"bf16", 1, 2},          // 30
    {nullptr, 0, 0},         // 31: q4_0_4_4, removed
    {nullptr, 0, 0},         // 32: q4_0_4_8, removed
    {nullptr, 0, 0},         // 33: q4_0_8_8, removed
    {"tq1_0", kQK_K, 54},    // 34
    {"tq2_0", kQK_K, 66},    // 35
    {nullptr, 0, 0},         // 36: iq4_nl_4_4, removed
    {nullptr, 0, 0},         // 37: iq4_nl_4_8, removed
    {nullptr, 0, 0},         // 38: iq4_nl_8_8, removed
    {"mxfp4", 32, 17},       // 39: e8m0 scale + 16
    {"nvfp4", 64, 36},       // 40: 4 e4m3 scales + 32
    {"q1_0", 128, 18},       // 41: f16 d + 16
    {"q2_0", 64, 18},        // 42: f16 d + 16
}};

}  // namespace

std::optional<TypeTraits> GetTypeTraits(uint32_t type) {
  if (type >= kTypes.size() || kTypes[type].name == nullptr) return std::nullopt;
  const Row& r = kTypes[type];
  return TypeTraits{r.name, r.block_size, r.type_size};
}

std::optional<uint64_t> TensorBytes(uint32_t type, std::span<const uint64_t> dims) {
  std::optional<TypeTraits> t = GetTypeTraits(type);
  if (!t || dims.size() > kMaxDims) return std::nullopt;
  const uint64_t ne0 = dims.empty() ? 1 : dims[0];
  if (ne0 % t->block_size != 0) return std::nullopt;
  uint64_t rows = 1;
  for (size_t i = 1; i < dims.size(); ++i) {
    if (__builtin_mul_overflow(rows, dims[i], &rows)) return std::nullopt;
  }
  uint64_t row_bytes = 0;
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(ne0 / t->block_size, uint64_t{t->type_size}, &row_bytes) ||
      __builtin_mul_overflow(row_bytes, rows, &bytes) ||
      bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return bytes;
}

}  // namespace hearth::gguf
