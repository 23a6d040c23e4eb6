// Streaming GGUF v3 writer: the header is serialized in memory, tensor data is streamed.

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/check.h"
#include "gguf/gguf.h"

namespace hearth::gguf {
namespace {

constexpr uint64_t kDefaultAlignment = 32;
constexpr size_t kWriteBufferBytes = 4 << 20;

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));  // GGUF is little-endian
}

void PutString(std::string* out, const std::string& s) {
  Put<uint64_t>(out, s.size());
  out->append(s);
}

// Appends one scalar of type `t`: integers from `i`, floats from `f`, bools from `b`.
void PutScalar(std::string* out, ValueType t, int64_t i, double f, bool b) {
  switch (t) {
    case ValueType::kUint8:
      Put(out, static_cast<uint8_t>(i));
      break;
    case ValueType::kInt8:
      Put(out, static_cast<int8_t>(i));
      break;
    case ValueType::kUint16:
      Put(out, static_cast<uint16_t>(i));
      break;
    case ValueType::kInt16:
      Put(out, static_cast<int16_t>(i));
      break;
    case ValueType::kUint32:
      Put(out, static_cast<uint32_t>(i));
      break;
    case ValueType::kInt32:
      Put(out, static_cast<int32_t>(i));
      break;
    case ValueType::kUint64:
      Put(out, static_cast<uint64_t>(i));
      break;
    case ValueType::kInt64:
      Put(out, i);
      break;
    case ValueType::kFloat32:
      Put(out, static_cast<float>(f));
      break;
    case ValueType::kFloat64:
      Put(out, f);
      break;
    case ValueType::kBool:
      Put(out, static_cast<uint8_t>(b ? 1 : 0));
      break;
    case ValueType::kString:
    case ValueType::kArray:
      break;  // not scalars; rejected by CheckValue
  }
}

bool ValidType(ValueType t) {
  return static_cast<uint32_t>(t) <= static_cast<uint32_t>(ValueType::kFloat64);
}

Status CheckValue(const std::string& key, const Value& v) {
  if (key.empty()) return InvalidArgument("metadata key is empty");
  if (!ValidType(v.type)) return InvalidArgument("metadata key '" + key + "' has an invalid type");
  if (v.type != ValueType::kArray) return Status::Ok();
  if (!ValidType(v.elem_type) || v.elem_type == ValueType::kArray) {
    return InvalidArgument("metadata key '" + key + "' has an invalid array element type");
  }
  uint64_t have = 0;
  if (v.elem_type == ValueType::kString) {
    have = v.strings.size();
  } else if (v.elem_type == ValueType::kFloat32 || v.elem_type == ValueType::kFloat64) {
    have = v.floats.size();
  } else {
    have = v.ints.size();
  }
  if (have != v.array_len) {
    return InvalidArgument("metadata key '" + key + "': array_len " + std::to_string(v.array_len) +
                           " but " + std::to_string(have) + " elements are present");
  }
  return Status::Ok();
}

void PutValue(std::string* out, const Value& v) {
  Put<uint32_t>(out, static_cast<uint32_t>(v.type));
  if (v.type == ValueType::kString) {
    PutString(out, v.s);
    return;
  }
  if (v.type != ValueType::kArray) {
    PutScalar(out, v.type, v.i, v.f, v.b);
    return;
  }
  Put<uint32_t>(out, static_cast<uint32_t>(v.elem_type));
  Put<uint64_t>(out, v.array_len);
  if (v.elem_type == ValueType::kString) {
    for (const std::string& s : v.strings) PutString(out, s);
  } else if (v.elem_type == ValueType::kFloat32 || v.elem_type == ValueType::kFloat64) {
    for (double f : v.floats) PutScalar(out, v.elem_type, 0, f, false);
  } else {
    for (int64_t i : v.ints) PutScalar(out, v.elem_type, i, 0, i != 0);
  }
}

uint64_t PadTo(uint64_t n, uint64_t alignment) { return (alignment - n % alignment) % alignment; }

}  // namespace

Writer::Writer(uint64_t alignment) : alignment_(alignment) {
  HEARTH_CHECK(alignment != 0 && (alignment & (alignment - 1)) == 0);
}

Writer::~Writer() {
  if (out_ != nullptr) std::fclose(out_);
  if (!finished_ && !path_.empty()) std::remove(path_.c_str());
}

void Writer::Set(std::string key, Value value) {
  HEARTH_CHECK(out_ == nullptr);
  for (KeyValue& kv : kv_) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  kv_.push_back(KeyValue{std::move(key), std::move(value)});
}

Status Writer::AddTensor(std::string name, std::vector<uint64_t> dims, uint32_t type) {
  HEARTH_CHECK(out_ == nullptr);
  if (name.empty() || name.size() > kMaxTensorNameLength) {
    return InvalidArgument("tensor name '" + name + "' must be 1-" +
                           std::to_string(kMaxTensorNameLength) + " bytes");
  }
  for (const TensorInfo& t : tensors_) {
    if (t.name == name) return InvalidArgument("duplicate tensor name '" + name + "'");
  }
  if (dims.size() > kMaxDims)
    return InvalidArgument("tensor '" + name + "' has more than 4 dimensions");
  uint64_t n = 1;
  for (uint64_t d : dims) {
    if (d == 0 || __builtin_mul_overflow(n, d, &n)) {
      return InvalidArgument("tensor '" + name + "' has a zero or overflowing dimension");
    }
  }
  std::optional<TypeTraits> traits = GetTypeTraits(type);
  if (!traits)
    return InvalidArgument("tensor '" + name + "' has unknown ggml type " + std::to_string(type));
  std::optional<uint64_t> bytes = TensorBytes(type, dims);
  if (!bytes) {
    return InvalidArgument("tensor '" + name + "': row length " +
                           std::to_string(dims.empty() ? 1 : dims[0]) +
                           " is not a multiple of the " + traits->name + " block size " +
                           std::to_string(traits->block_size));
  }
  uint64_t offset = 0;
  if (!tensors_.empty()) {
    const TensorInfo& last = tensors_.back();
    offset = last.offset + last.size_bytes + PadTo(last.size_bytes, alignment_);
  }
  TensorInfo t;
  t.name = std::move(name);
  t.dims = std::move(dims);
  t.type = type;
  t.offset = offset;
  t.size_bytes = *bytes;
  t.n_elements = n;
  tensors_.push_back(std::move(t));
  return Status::Ok();
}

Status Writer::Begin(const std::string& path) {
  HEARTH_CHECK(out_ == nullptr && path_.empty());
  bool has_alignment_key = false;
  for (const KeyValue& kv : kv_) {
    HEARTH_RETURN_IF_ERROR(CheckValue(kv.key, kv.value));
    has_alignment_key |= kv.key == "general.alignment";
  }
  std::vector<KeyValue> extra;
  if (alignment_ != kDefaultAlignment && !has_alignment_key) {
    extra.push_back({"general.alignment", Value::U32(static_cast<uint32_t>(alignment_))});
  }

  std::string header;
  Put<uint32_t>(&header, 0x46554747);  // "GGUF"
  Put<uint32_t>(&header, 3);
  Put<uint64_t>(&header, tensors_.size());
  Put<uint64_t>(&header, kv_.size() + extra.size());
  for (const std::vector<KeyValue>* list : {&kv_, &extra}) {
    for (const KeyValue& kv : *list) {
      PutString(&header, kv.key);
      PutValue(&header, kv.value);
    }
  }
  for (const TensorInfo& t : tensors_) {
    PutString(&header, t.name);
    Put<uint32_t>(&header, static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) Put<uint64_t>(&header, d);
    Put<uint32_t>(&header, t.type);
    Put<uint64_t>(&header, t.offset);
  }
  header.append(PadTo(header.size(), alignment_), '\0');
  total_bytes_ = header.size();
  if (!tensors_.empty()) {
    const TensorInfo& last = tensors_.back();
    total_bytes_ += last.offset + last.size_bytes + PadTo(last.size_bytes, alignment_);
  }

  path_ = path;
  out_ = std::fopen(path.c_str(), "wb");
  if (out_ == nullptr) {
    const int err = errno;
    path_.clear();  // nothing of ours to remove
    return IOError("cannot create " + path + ": " + std::strerror(err));
  }
  std::setvbuf(out_, nullptr, _IOFBF, kWriteBufferBytes);
  if (std::fwrite(header.data(), 1, header.size(), out_) != header.size()) {
    return IOError("writing the GGUF header to " + path + " failed: " + std::strerror(errno));
  }
  current_ = 0;
  written_in_current_ = 0;
  return Status::Ok();
}

Status Writer::WritePadding(uint64_t n) {
  static const char kZeros[64] = {};
  while (n > 0) {
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, sizeof(kZeros)));
    if (std::fwrite(kZeros, 1, take, out_) != take) {
      return IOError("writing to " + path_ + " failed: " + std::strerror(errno));
    }
    n -= take;
  }
  return Status::Ok();
}

Status Writer::Write(std::span<const uint8_t> bytes) {
  HEARTH_CHECK(out_ != nullptr);
  while (!bytes.empty()) {
    if (current_ >= tensors_.size()) {
      return InvalidArgument("Write: " + std::to_string(bytes.size()) +
                             " bytes beyond the last declared tensor");
    }
    const TensorInfo& t = tensors_[current_];
    const uint64_t take = std::min<uint64_t>(bytes.size(), t.size_bytes - written_in_current_);
    if (std::fwrite(bytes.data(), 1, take, out_) != take) {
      return IOError("writing tensor '" + t.name + "' to " + path_ +
                     " failed: " + std::strerror(errno));
    }
    bytes = bytes.subspan(take);
    written_in_current_ += take;
    if (written_in_current_ == t.size_bytes) {
      HEARTH_RETURN_IF_ERROR(WritePadding(PadTo(t.size_bytes, alignment_)));
      ++current_;
      written_in_current_ = 0;
    }
  }
  return Status::Ok();
}

Status Writer::Finish() {
  HEARTH_CHECK(out_ != nullptr);
  if (current_ < tensors_.size()) {
    const TensorInfo& t = tensors_[current_];
    return FailedPrecondition("tensor '" + t.name + "' received " +
                              std::to_string(written_in_current_) + " of " +
                              std::to_string(t.size_bytes) + " bytes (" +
                              std::to_string(tensors_.size() - current_) + " tensors incomplete)");
  }
  const bool flush_ok = std::fflush(out_) == 0 && !std::ferror(out_);
  const int err = errno;
  const bool close_ok = std::fclose(out_) == 0;
  out_ = nullptr;
  if (!flush_ok || !close_ok) {
    return IOError("finishing " + path_ + " failed: " + std::strerror(flush_ok ? errno : err));
  }
  finished_ = true;
  return Status::Ok();
}

}  // namespace hearth::gguf
