#pragma once
// SHA-256 through OpenSSL's EVP interface, incrementally or over a whole file.
// Sha256 is thread-compatible (one object per stream).

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/name.h"

namespace hearth::store {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t size);
  // The digest of everything Updated so far. REQUIRES: called once.
  Digest Finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// The digest of `bytes`.
Digest Sha256Of(std::string_view bytes);
// Streams the regular file at `path` through SHA-256. NotFound / IOError / InvalidArgument (not
// a regular file); `size` (optional) gets the byte count.
Result<Digest> Sha256File(const std::string& path, uint64_t* size = nullptr);

}  // namespace hearth::store
