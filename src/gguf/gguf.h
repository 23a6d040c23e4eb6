#pragma once
// Bounds-checked GGUF reading and streaming GGUF writing, with no dependency on libllama or ggml.
//
// Every GGUF that hearth opens passes Read* first: the engine never hands libllama a file that
// fails it, and the store never admits one. The reader treats the file as hostile: every count,
// string length, array length, dimension product and tensor offset + size is checked against the
// file size and sane limits before anything is allocated, so a truncated, corrupted or malicious
// header yields a DataLoss/InvalidArgument Status naming the problem, never a crash or an
// unbounded allocation. Thread-compatible.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace hearth::gguf {

// GGUF metadata value types, numbered as in the GGUF spec.
// clang-format off
enum class ValueType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6,
  kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};
// clang-format on

// One metadata value. Scalars use the field matching their type class; arrays keep their
// element type and elements (strings in `strings`, integers/bools in `ints`, floats in `floats`).
struct Value {
  ValueType type = ValueType::kUint32;
  ValueType elem_type = ValueType::kUint32;  // meaningful when type == kArray
  int64_t i = 0;   // all integer types (uint64 values above INT64_MAX keep their bits)
  double f = 0;    // kFloat32, kFloat64
  bool b = false;  // kBool
  std::string s;   // kString
  uint64_t array_len = 0;
  std::vector<std::string> strings;  // kArray of kString (empty if skipped, see ReadOptions)
  std::vector<int64_t> ints;         // kArray of integer or bool types
  std::vector<double> floats;        // kArray of float types

  static Value String(std::string v);
  static Value U32(uint32_t v);
  static Value I32(int32_t v);
  static Value U64(uint64_t v);
  static Value I64(int64_t v);
  static Value F32(float v);
  static Value F64(double v);
  static Value Bool(bool v);
  static Value StringArray(std::vector<std::string> v);
  static Value I32Array(std::vector<int32_t> v);
  static Value U32Array(std::vector<uint32_t> v);
  static Value F32Array(std::vector<float> v);

  // Element count: array_len for arrays, 1 for scalars.
  uint64_t size() const { return type == ValueType::kArray ? array_len : 1; }
  // Field-wise equality (floats compare exactly).
  friend bool operator==(const Value&, const Value&) = default;
};

// Returns the spec's short name of `type`, e.g. "u32", "str", "arr"; "?" when out of range.
const char* ValueTypeName(ValueType type);

struct KeyValue {
  std::string key;
  Value value;
  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> dims;  // ne[0] first, as in ggml
  uint32_t type = 0;           // ggml_type number
  uint64_t offset = 0;         // relative to File::data_offset
  uint64_t size_bytes = 0;     // computed from dims and type
  uint64_t n_elements = 0;
  friend bool operator==(const TensorInfo&, const TensorInfo&) = default;
};

struct File {
  uint32_t version = 0;
  uint64_t alignment = 32;
  uint64_t data_offset = 0;  // absolute offset of the tensor data section
  uint64_t file_size = 0;
  std::vector<KeyValue> kv;
  std::vector<TensorInfo> tensors;

  // Returns the value for `key`, or nullptr.
  const Value* Find(const std::string& key) const;
  std::optional<std::string> GetString(const std::string& key) const;
  // Any integer or bool type, as int64.
  std::optional<int64_t> GetInt(const std::string& key) const;
  // f32 or f64 only.
  std::optional<double> GetFloat(const std::string& key) const;
  // Returns the tensor named `name`, or nullptr.
  const TensorInfo* FindTensor(const std::string& name) const;
  // Sum of tensor element counts.
  uint64_t ParameterCount() const;
};

struct ReadOptions {
  // When false, the elements of string arrays (e.g. tokenizer.ggml.tokens) are validated but not
  // kept, which makes metadata-only reads of large vocabularies cheap.
  bool keep_string_arrays = true;
};

// Limits the reader enforces beyond "fits in the file" (llama.cpp's own limits where it has one).
inline constexpr uint64_t kMaxTensorCount = 1'000'000;
inline constexpr uint64_t kMaxKvCount = 1'000'000;
inline constexpr uint64_t kMaxKeyLength = 65'535;
inline constexpr uint64_t kMaxStringLength = 64ull << 20;  // one string value, 64 MiB
inline constexpr uint64_t kMaxArrayLength = 1ull << 24;    // elements of one array (16 Mi)
inline constexpr uint64_t kMaxTensorNameLength = 63;       // GGML_MAX_NAME - 1
inline constexpr uint32_t kMaxDims = 4;                    // GGML_MAX_DIMS

// Parses and validates the GGUF at `path`: versions 2 and 3, non-empty unique keys, no arrays
// of arrays, a u32 power-of-two general.alignment, unique tensor names, 0-4 dims each > 0 with a
// representable element count, a known type whose block size divides the row, and tensor data
// that is aligned, inside the file and non-overlapping. Only the header (metadata and tensor
// infos) is read; tensor data is not. Returns DataLoss for truncated or inconsistent files,
// InvalidArgument for files that are not GGUF or use an unsupported version/type/limit,
// NotFound when `path` does not exist, IOError when it cannot be read. Parse errors name the
// key or tensor and the byte offset involved, but not `path` (callers add it as context).
Result<File> ReadFile(const std::string& path, const ReadOptions& options = {});
// Same, on bytes in memory (the whole file).
Result<File> ReadBuffer(std::span<const uint8_t> bytes, const ReadOptions& options = {});

// Facts about a ggml tensor type; nullopt for unknown type numbers.
struct TypeTraits {
  const char* name;     // "f32", "q4_K", ...
  uint32_t block_size;  // elements per block
  uint32_t type_size;   // bytes per block
};
std::optional<TypeTraits> GetTypeTraits(uint32_t type);
// Bytes of a tensor of `dims` and `type`; nullopt on unknown type, a row not a multiple of the
// block size, or overflow.
std::optional<uint64_t> TensorBytes(uint32_t type, std::span<const uint64_t> dims);

// Writes a GGUF v3 file: metadata and tensor infos first, then each tensor's data streamed in
// the order the tensors were added, each padded to the alignment. Thread-compatible.
class Writer {
 public:
  // REQUIRES: `alignment` is a power of two.
  explicit Writer(uint64_t alignment = 32);
  // Sets metadata `key`, replacing an earlier value; keys are written in first-Set order.
  // REQUIRES: called before Begin().
  void Set(std::string key, Value value);
  // Declares a tensor; REQUIRES: called before Begin(). Returns InvalidArgument on an unknown
  // type or a row length that is not a multiple of the type's block size.
  Status AddTensor(std::string name, std::vector<uint64_t> dims, uint32_t type);
  // Opens `path` (truncating) and writes the header, metadata and tensor infos. Writes
  // general.alignment when the alignment is not the default 32 and the key was not Set.
  // Returns InvalidArgument for an array whose array_len does not match its element vector
  // (e.g. a string array read with keep_string_arrays = false), IOError when writing fails.
  Status Begin(const std::string& path);
  // Appends the next tensor's bytes; may be called several times per tensor. Moves to the next
  // tensor (writing alignment padding) when the current one is complete. Returns
  // InvalidArgument when more bytes are given than the tensor holds.
  Status Write(std::span<const uint8_t> bytes);
  // Checks every tensor was written completely, flushes and closes. IOError on a failed
  // write/flush/close (e.g. disk full).
  Status Finish();
  // Bytes the whole file will have once finished. REQUIRES: Begin() succeeded.
  uint64_t total_bytes() const { return total_bytes_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // Closes the file; if Finish() has not succeeded, also removes the partial file.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

 private:
  uint64_t alignment_;
  std::vector<KeyValue> kv_;
  std::vector<TensorInfo> tensors_;
  std::FILE* out_ = nullptr;
  size_t current_ = 0;
  uint64_t written_in_current_ = 0;
  uint64_t total_bytes_ = 0;
  bool finished_ = false;
  std::string path_;

  Status WritePadding(uint64_t n);
};

}  // namespace hearth::gguf
