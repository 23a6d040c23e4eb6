// GGUF reader: a bounded, validating parser over a file or a byte span, plus File accessors and
// Value factories. Every length and count is checked against the bytes that remain before it is
// used, so nothing is allocated from an unchecked number.

#include "gguf/gguf.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <sstream>
#include <unordered_map>

namespace hearth::gguf {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr uint64_t kDefaultAlignment = 32;
// Smallest possible metadata entry: u64 key length + 1 key byte + u32 type + 1 value byte.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;
// Smallest possible tensor info: u64 name length + 1 name byte + u32 n_dims + u32 type + u64
// offset.
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 4 + 8;
constexpr size_t kFileBufferBytes = 1 << 20;

template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

// Bytes of one element of a fixed-size value type; 0 for string and array.
uint64_t FixedSize(ValueType t) {
  switch (t) {
    case ValueType::kUint8:
    case ValueType::kInt8:
    case ValueType::kBool:
      return 1;
    case ValueType::kUint16:
    case ValueType::kInt16:
      return 2;
    case ValueType::kUint32:
    case ValueType::kInt32:
    case ValueType::kFloat32:
      return 4;
    case ValueType::kUint64:
    case ValueType::kInt64:
    case ValueType::kFloat64:
      return 8;
    case ValueType::kString:
    case ValueType::kArray:
      return 0;
  }
  return 0;
}

bool IsIntegerType(ValueType t) {
  switch (t) {
    case ValueType::kUint8:
    case ValueType::kInt8:
    case ValueType::kUint16:
    case ValueType::kInt16:
    case ValueType::kUint32:
    case ValueType::kInt32:
    case ValueType::kUint64:
    case ValueType::kInt64:
      return true;
    default:
      return false;
  }
}

std::string Printable(const uint8_t* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += (p[i] >= 0x20 && p[i] < 0x7f) ? static_cast<char>(p[i]) : '?';
  return s;
}

std::string Hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

std::string DimsString(const std::vector<uint64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// A forward-only bounded byte source over memory or a std::FILE of known size. Callers check
// Has(n) before Read(n); reads never go past `size`.
class Source {
 public:
  explicit Source(std::span<const uint8_t> bytes) : mem_(bytes.data()), size_(bytes.size()) {}
  Source(std::FILE* file, uint64_t size) : file_(file), size_(size), buf_(kFileBufferBytes) {}

  uint64_t pos() const { return pos_; }
  uint64_t size() const { return size_; }
  uint64_t remaining() const { return size_ - pos_; }
  bool Has(uint64_t n) const { return n <= remaining(); }

  // REQUIRES: Has(n). IOError if the OS read fails, DataLoss if the file shrank.
  Status Read(void* dst, uint64_t n) {
    auto* out = static_cast<uint8_t*>(dst);
    if (mem_ != nullptr) {
      if (n) std::memcpy(out, mem_ + pos_, n);
      pos_ += n;
      return Status::Ok();
    }
    while (n > 0) {
      if (pos_ < buf_begin_ || pos_ >= buf_begin_ + buf_len_) HEARTH_RETURN_IF_ERROR(Fill());
      const uint64_t at = pos_ - buf_begin_;
      const uint64_t take = std::min<uint64_t>(n, buf_len_ - at);
      std::memcpy(out, buf_.data() + at, take);
      out += take;
      pos_ += take;
      n -= take;
    }
    return Status::Ok();
  }

  // REQUIRES: Has(n).
  void Skip(uint64_t n) { pos_ += n; }

 private:
  Status Fill() {
    if (file_pos_ != pos_) {
      if (fseeko(file_, static_cast<off_t>(pos_), SEEK_SET) != 0) {
        return IOError(Cat("seek to offset ", pos_, " failed: ", std::strerror(errno)));
      }
      file_pos_ = pos_;
    }
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf_.size(), remaining()));
    const size_t got = std::fread(buf_.data(), 1, want, file_);
    file_pos_ += got;
    if (got != want) {
      if (std::ferror(file_))
        return IOError(Cat("read at offset ", pos_, " failed: ", std::strerror(errno)));
      return DataLoss(Cat("file ended at offset ", pos_ + got,
                          " while reading; it shrank below its size ", size_));
    }
    buf_begin_ = pos_;
    buf_len_ = got;
    return Status::Ok();
  }

  const uint8_t* mem_ = nullptr;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
  std::vector<uint8_t> buf_;
  uint64_t buf_begin_ = 0;
  uint64_t buf_len_ = 0;
  uint64_t file_pos_ = 0;
};

class Parser {
 public:
  Parser(Source& src, const ReadOptions& options) : src_(src), options_(options) {}

  Result<File> Parse() {
    File f;
    f.file_size = src_.size();
    HEARTH_RETURN_IF_ERROR(ParseHeader(&f));
    HEARTH_RETURN_IF_ERROR(ParseMetadata(&f));
    HEARTH_RETURN_IF_ERROR(ParseTensorInfos(&f));
    HEARTH_RETURN_IF_ERROR(CheckTensorData(&f));
    return f;
  }

 private:
  // Returns DataLoss naming `what` when fewer than `n` bytes remain.
  template <typename What>
  Status Need(uint64_t n, const What& what) {
    if (src_.Has(n)) return Status::Ok();
    return DataLoss(Cat("truncated: ", what(), " needs ", n, " bytes at offset ", src_.pos(),
                        " but the file (", src_.size(), " bytes) has only ", src_.remaining(),
                        " left"));
  }

  template <typename T, typename What>
  Status ReadPod(T* v, const What& what) {
    HEARTH_RETURN_IF_ERROR(Need(sizeof(T), what));
    return src_.Read(v, sizeof(T));  // GGUF is little-endian, as are the hosts we build for
  }

  // Reads a u64-length-prefixed string of at most `max_len` bytes; keeps it when `out` is set.
  template <typename What>
  Status ReadString(std::string* out, uint64_t max_len, const What& what) {
    uint64_t len = 0;
    HEARTH_RETURN_IF_ERROR(ReadPod(&len, [&] { return Cat("the length of ", what()); }));
    if (len > max_len) {
      return InvalidArgument(Cat(what(), " at offset ", src_.pos() - 8, " has length ", len,
                                 ", over the limit of ", max_len, " bytes"));
    }
    HEARTH_RETURN_IF_ERROR(Need(len, what));
    if (out == nullptr) {
      src_.Skip(len);
      return Status::Ok();
    }
    out->resize(static_cast<size_t>(len));
    return src_.Read(out->data(), len);
  }

  Status ParseHeader(File* f) {
    if (src_.size() < 4) {
      return InvalidArgument(Cat("not a GGUF file: it is ", src_.size(),
                                 " bytes long, shorter than the 4-byte GGUF magic"));
    }
    uint8_t magic[4];
    HEARTH_RETURN_IF_ERROR(src_.Read(magic, 4));
    uint32_t magic_u32 = 0;
    std::memcpy(&magic_u32, magic, 4);
    if (magic_u32 != kMagic) {
      return InvalidArgument(Cat("not a GGUF file: it starts with '", Printable(magic, 4), "' (",
                                 Hex(magic, 4), "), not the magic 'GGUF'"));
    }
    HEARTH_RETURN_IF_ERROR(ReadPod(&f->version, [] { return std::string("the GGUF version"); }));
    if (f->version == 1) return InvalidArgument("GGUF v1 is not supported (only v2 and v3 are)");
    if (f->version != 2 && f->version != 3) {
      if ((f->version & 0xFFFF) == 0) {
        return InvalidArgument(
            Cat("unsupported GGUF version ", f->version, " (0x", std::hex, f->version, std::dec,
                "); a big-endian GGUF? Only little-endian v2 and v3 are supported"));
      }
      return InvalidArgument(Cat("unsupported GGUF version ", f->version, " (only v2 and v3 are)"));
    }
    HEARTH_RETURN_IF_ERROR(ReadPod(&n_tensors_, [] { return std::string("the tensor count"); }));
    HEARTH_RETURN_IF_ERROR(ReadPod(&n_kv_, [] { return std::string("the metadata key count"); }));
    if (n_tensors_ > kMaxTensorCount) {
      return InvalidArgument(
          Cat("header claims ", n_tensors_, " tensors, over the limit of ", kMaxTensorCount));
    }
    if (n_kv_ > kMaxKvCount) {
      return InvalidArgument(
          Cat("header claims ", n_kv_, " metadata keys, over the limit of ", kMaxKvCount));
    }
    const uint64_t min_bytes = n_kv_ * kMinKvBytes + n_tensors_ * kMinTensorInfoBytes;
    if (!src_.Has(min_bytes)) {
      return DataLoss(Cat("header claims ", n_tensors_, " tensors and ", n_kv_,
                          " metadata keys, which need at least ", min_bytes, " bytes, but only ",
                          src_.remaining(), " bytes follow the header"));
    }
    return Status::Ok();
  }

  Status ParseMetadata(File* f) {
    std::unordered_map<std::string, uint64_t> seen;
    for (uint64_t i = 0; i < n_kv_; ++i) {
      const uint64_t entry_offset = src_.pos();
      KeyValue kv;
      HEARTH_RETURN_IF_ERROR(
          ReadString(&kv.key, kMaxKeyLength, [&] { return Cat("the key of metadata entry ", i); }));
      if (kv.key.empty()) {
        return DataLoss(
            Cat("metadata entry ", i, " at offset ", entry_offset, " has an empty key"));
      }
      auto [it, inserted] = seen.emplace(kv.key, i);
      if (!inserted) {
        return DataLoss(Cat("duplicate metadata key '", kv.key, "' (entries ", it->second, " and ",
                            i, ", the second at offset ", entry_offset, ")"));
      }
      HEARTH_RETURN_IF_ERROR(ParseValue(kv.key, &kv.value));
      f->kv.push_back(std::move(kv));
    }
    f->alignment = kDefaultAlignment;
    if (const Value* a = f->Find("general.alignment")) {
      if (a->type != ValueType::kUint32) {
        return InvalidArgument(
            Cat("general.alignment must be a u32 but is a ", ValueTypeName(a->type)));
      }
      const uint64_t align = static_cast<uint32_t>(a->i);
      if (align == 0 || (align & (align - 1)) != 0) {
        return InvalidArgument(Cat("general.alignment is ", align, ", not a power of two"));
      }
      f->alignment = align;
    }
    return Status::Ok();
  }

  Status ReadType(const std::string& key, const char* role, ValueType* out) {
    uint32_t raw = 0;
    HEARTH_RETURN_IF_ERROR(
        ReadPod(&raw, [&] { return Cat("the ", role, " of metadata key '", key, "'"); }));
    if (raw > static_cast<uint32_t>(ValueType::kFloat64)) {
      return InvalidArgument(Cat("metadata key '", key, "' has unknown ", role, " ", raw,
                                 " at offset ", src_.pos() - 4));
    }
    *out = static_cast<ValueType>(raw);
    return Status::Ok();
  }

  Status ParseValue(const std::string& key, Value* v) {
    HEARTH_RETURN_IF_ERROR(ReadType(key, "value type", &v->type));
    if (v->type != ValueType::kArray) return ParseScalar(key, v->type, v);

    HEARTH_RETURN_IF_ERROR(ReadType(key, "array element type", &v->elem_type));
    if (v->elem_type == ValueType::kArray) {
      return InvalidArgument(
          Cat("metadata key '", key, "' is an array of arrays, which is not supported"));
    }
    HEARTH_RETURN_IF_ERROR(ReadPod(
        &v->array_len, [&] { return Cat("the array length of metadata key '", key, "'"); }));
    const uint64_t n = v->array_len;
    if (n > kMaxArrayLength) {
      return InvalidArgument(Cat("metadata key '", key, "' is an array of ", n,
                                 " elements, over the limit of ", kMaxArrayLength));
    }
    // Strings need at least their 8-byte length each.
    const uint64_t elem_min = v->elem_type == ValueType::kString ? 8 : FixedSize(v->elem_type);
    if (!src_.Has(n * elem_min)) {
      return DataLoss(Cat("truncated: metadata key '", key, "' is an array of ", n, " ",
                          ValueTypeName(v->elem_type), " needing at least ", n * elem_min,
                          " bytes at offset ", src_.pos(), ", but only ", src_.remaining(),
                          " bytes remain"));
    }
    if (v->elem_type == ValueType::kString) {
      if (options_.keep_string_arrays) v->strings.reserve(static_cast<size_t>(n));
      for (uint64_t j = 0; j < n; ++j) {
        std::string s;
        HEARTH_RETURN_IF_ERROR(
            ReadString(options_.keep_string_arrays ? &s : nullptr, kMaxStringLength,
                       [&] { return Cat("element ", j, " of metadata key '", key, "'"); }));
        if (options_.keep_string_arrays) v->strings.push_back(std::move(s));
      }
      return Status::Ok();
    }
    const bool is_float =
        v->elem_type == ValueType::kFloat32 || v->elem_type == ValueType::kFloat64;
    if (is_float) {
      v->floats.reserve(static_cast<size_t>(n));
    } else {
      v->ints.reserve(static_cast<size_t>(n));
    }
    Value elem;
    for (uint64_t j = 0; j < n; ++j) {
      HEARTH_RETURN_IF_ERROR(ParseScalar(key, v->elem_type, &elem));
      if (is_float) {
        v->floats.push_back(elem.f);
      } else {
        v->ints.push_back(v->elem_type == ValueType::kBool ? elem.b : elem.i);
      }
    }
    return Status::Ok();
  }

  template <typename T, typename What>
  Status ReadInt(Value* v, const What& what) {
    T x;
    HEARTH_RETURN_IF_ERROR(ReadPod(&x, what));
    v->i = static_cast<int64_t>(x);  // u64 above INT64_MAX keeps its bits
    return Status::Ok();
  }

  template <typename T, typename What>
  Status ReadFloat(Value* v, const What& what) {
    T x;
    HEARTH_RETURN_IF_ERROR(ReadPod(&x, what));
    v->f = x;
    return Status::Ok();
  }

  // REQUIRES: t != kArray.
  Status ParseScalar(const std::string& key, ValueType t, Value* v) {
    auto what = [&] { return Cat("the ", ValueTypeName(t), " value of metadata key '", key, "'"); };
    switch (t) {
      case ValueType::kUint8:
        return ReadInt<uint8_t>(v, what);
      case ValueType::kInt8:
        return ReadInt<int8_t>(v, what);
      case ValueType::kUint16:
        return ReadInt<uint16_t>(v, what);
      case ValueType::kInt16:
        return ReadInt<int16_t>(v, what);
      case ValueType::kUint32:
        return ReadInt<uint32_t>(v, what);
      case ValueType::kInt32:
        return ReadInt<int32_t>(v, what);
      case ValueType::kUint64:
        return ReadInt<uint64_t>(v, what);
      case ValueType::kInt64:
        return ReadInt<int64_t>(v, what);
      case ValueType::kFloat32:
        return ReadFloat<float>(v, what);
      case ValueType::kFloat64:
        return ReadFloat<double>(v, what);
      case ValueType::kBool: {
        uint8_t x;
        HEARTH_RETURN_IF_ERROR(ReadPod(&x, what));
        v->b = x != 0;
        return Status::Ok();
      }
      case ValueType::kString:
        return ReadString(&v->s, kMaxStringLength,
                          [&] { return Cat("the string value of metadata key '", key, "'"); });
      case ValueType::kArray:
        break;
    }
    return Internal("ParseScalar on an array");
  }

  Status ParseTensorInfos(File* f) {
    std::unordered_map<std::string, uint64_t> seen;
    for (uint64_t i = 0; i < n_tensors_; ++i) {
      const uint64_t info_offset = src_.pos();
      TensorInfo t;
      HEARTH_RETURN_IF_ERROR(
          ReadString(&t.name, kMaxTensorNameLength, [&] { return Cat("the name of tensor ", i); }));
      if (t.name.empty()) {
        return DataLoss(Cat("tensor ", i, " at offset ", info_offset, " has an empty name"));
      }
      auto [it, inserted] = seen.emplace(t.name, i);
      if (!inserted) {
        return DataLoss(Cat("duplicate tensor name '", t.name, "' (tensors ", it->second, " and ",
                            i, ", the second at offset ", info_offset, ")"));
      }
      const std::string& name = t.name;
      uint32_t n_dims = 0;
      HEARTH_RETURN_IF_ERROR(
          ReadPod(&n_dims, [&] { return Cat("the dimension count of tensor '", name, "'"); }));
      if (n_dims > kMaxDims) {
        return DataLoss(Cat("tensor '", name, "' has ", n_dims, " dimensions; at most ", kMaxDims,
                            " are allowed (offset ", src_.pos() - 4, ")"));
      }
      t.n_elements = 1;
      for (uint32_t d = 0; d < n_dims; ++d) {
        uint64_t ne = 0;
        HEARTH_RETURN_IF_ERROR(
            ReadPod(&ne, [&] { return Cat("dimension ", d, " of tensor '", name, "'"); }));
        t.dims.push_back(ne);
        if (ne == 0 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return DataLoss(Cat("tensor '", name, "' has invalid dimension ", d, " = ", ne));
        }
        if (__builtin_mul_overflow(t.n_elements, ne, &t.n_elements) ||
            t.n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return DataLoss(Cat("tensor '", name, "' with shape ", DimsString(t.dims),
                              "... has more elements than fit in int64"));
        }
      }
      HEARTH_RETURN_IF_ERROR(
          ReadPod(&t.type, [&] { return Cat("the type of tensor '", name, "'"); }));
      const std::optional<TypeTraits> traits = GetTypeTraits(t.type);
      if (!traits) {
        return InvalidArgument(
            Cat("tensor '", name, "' has unknown or unsupported ggml type ", t.type));
      }
      const uint64_t ne0 = t.dims.empty() ? 1 : t.dims[0];
      if (ne0 % traits->block_size != 0) {
        return DataLoss(Cat("tensor '", name, "' of type ", t.type, " (", traits->name, ") has ",
                            ne0, " elements per row, not a multiple of block size (",
                            traits->block_size, ")"));
      }
      const std::optional<uint64_t> bytes = TensorBytes(t.type, t.dims);
      if (!bytes) {
        return DataLoss(Cat("tensor '", name, "' with shape ", DimsString(t.dims), " of type ",
                            traits->name, " has a size in bytes that overflows"));
      }
      t.size_bytes = *bytes;
      HEARTH_RETURN_IF_ERROR(
          ReadPod(&t.offset, [&] { return Cat("the data offset of tensor '", name, "'"); }));
      if (t.offset % f->alignment != 0) {
        return DataLoss(Cat("tensor '", name, "' has data offset ", t.offset,
                            ", not a multiple of the alignment ", f->alignment));
      }
      f->tensors.push_back(std::move(t));
    }
    return Status::Ok();
  }

  Status CheckTensorData(File* f) {
    f->data_offset = src_.pos();
    if (f->tensors.empty()) return Status::Ok();
    const uint64_t pad = (f->alignment - f->data_offset % f->alignment) % f->alignment;
    if (!src_.Has(pad)) {
      return DataLoss(
          Cat("truncated: the tensor data section would start at offset ", f->data_offset + pad,
              " (after alignment padding), past the end of the file (", f->file_size, " bytes)"));
    }
    f->data_offset += pad;
    const uint64_t data_bytes = f->file_size - f->data_offset;
    std::vector<size_t> order(f->tensors.size());
    for (size_t i = 0; i < order.size(); ++i) {
      order[i] = i;
      const TensorInfo& t = f->tensors[i];
      if (t.offset > data_bytes || t.size_bytes > data_bytes - t.offset) {
        return DataLoss(Cat("tensor '", t.name, "': offset ", t.offset, " + size ", t.size_bytes,
                            " exceeds the data section (", data_bytes, " bytes from offset ",
                            f->data_offset, "; file size ", f->file_size, ")"));
      }
    }
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return f->tensors[a].offset < f->tensors[b].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
      const TensorInfo& a = f->tensors[order[k - 1]];
      const TensorInfo& b = f->tensors[order[k]];
      if (a.offset + a.size_bytes > b.offset) {
        return DataLoss(Cat("tensors '", a.name, "' [", a.offset, ", ", a.offset + a.size_bytes,
                            ") and '", b.name, "' [", b.offset, ", ", b.offset + b.size_bytes,
                            ") overlap"));
      }
    }
    return Status::Ok();
  }

  Source& src_;
  const ReadOptions& options_;
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kUint8:
      return "u8";
    case ValueType::kInt8:
      return "i8";
    case ValueType::kUint16:
      return "u16";
    case ValueType::kInt16:
      return "i16";
    case ValueType::kUint32:
      return "u32";
    case ValueType::kInt32:
      return "i32";
    case ValueType::kFloat32:
      return "f32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "str";
    case ValueType::kArray:
      return "arr";
    case ValueType::kUint64:
      return "u64";
    case ValueType::kInt64:
      return "i64";
    case ValueType::kFloat64:
      return "f64";
  }
  return "?";
}

Result<File> ReadBuffer(std::span<const uint8_t> bytes, const ReadOptions& options) {
  Source src(bytes);
  return Parser(src, options).Parse();
}

Result<File> ReadFile(const std::string& path, const ReadOptions& options) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    const int err = errno;
    if (err == ENOENT) return NotFound(Cat("no such file: ", path));
    return IOError(Cat("cannot open ", path, ": ", std::strerror(err)));
  }
  struct stat st {};
  if (fstat(fileno(file.get()), &st) != 0) {
    return IOError(Cat("cannot stat ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) return InvalidArgument(Cat("not a regular file: ", path));
  Source src(file.get(), static_cast<uint64_t>(st.st_size));
  return Parser(src, options).Parse();
}

const Value* File::Find(const std::string& key) const {
  for (const KeyValue& kv : this->kv) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

std::optional<std::string> File::GetString(const std::string& key) const {
  const Value* v = Find(key);
  if (v == nullptr || v->type != ValueType::kString) return std::nullopt;
  return v->s;
}

std::optional<int64_t> File::GetInt(const std::string& key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type == ValueType::kBool) return v->b ? 1 : 0;
  if (!IsIntegerType(v->type)) return std::nullopt;
  return v->i;
}

std::optional<double> File::GetFloat(const std::string& key) const {
  const Value* v = Find(key);
  if (v == nullptr || (v->type != ValueType::kFloat32 && v->type != ValueType::kFloat64)) {
    return std::nullopt;
  }
  return v->f;
}

const TensorInfo* File::FindTensor(const std::string& name) const {
  for (const TensorInfo& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

uint64_t File::ParameterCount() const {
  uint64_t n = 0;
  for (const TensorInfo& t : tensors) n += t.n_elements;
  return n;
}

Value Value::String(std::string v) {
  Value out;
  out.type = ValueType::kString;
  out.s = std::move(v);
  return out;
}

Value Value::U32(uint32_t v) {
  Value out;
  out.type = ValueType::kUint32;
  out.i = v;
  return out;
}

Value Value::I32(int32_t v) {
  Value out;
  out.type = ValueType::kInt32;
  out.i = v;
  return out;
}

Value Value::U64(uint64_t v) {
  Value out;
  out.type = ValueType::kUint64;
  out.i = static_cast<int64_t>(v);
  return out;
}

Value Value::I64(int64_t v) {
  Value out;
  out.type = ValueType::kInt64;
  out.i = v;
  return out;
}

Value Value::F32(float v) {
  Value out;
  out.type = ValueType::kFloat32;
  out.f = v;
  return out;
}

Value Value::F64(double v) {
  Value out;
  out.type = ValueType::kFloat64;
  out.f = v;
  return out;
}

Value Value::Bool(bool v) {
  Value out;
  out.type = ValueType::kBool;
  out.b = v;
  return out;
}

Value Value::StringArray(std::vector<std::string> v) {
  Value out;
  out.type = ValueType::kArray;
  out.elem_type = ValueType::kString;
  out.array_len = v.size();
  out.strings = std::move(v);
  return out;
}

Value Value::I32Array(std::vector<int32_t> v) {
  Value out;
  out.type = ValueType::kArray;
  out.elem_type = ValueType::kInt32;
  out.array_len = v.size();
  out.ints.assign(v.begin(), v.end());
  return out;
}

Value Value::U32Array(std::vector<uint32_t> v) {
  Value out;
  out.type = ValueType::kArray;
  out.elem_type = ValueType::kUint32;
  out.array_len = v.size();
  out.ints.assign(v.begin(), v.end());
  return out;
}

Value Value::F32Array(std::vector<float> v) {
  Value out;
  out.type = ValueType::kArray;
  out.elem_type = ValueType::kFloat32;
  out.array_len = v.size();
  out.floats.assign(v.begin(), v.end());
  return out;
}

}  // namespace hearth::gguf
