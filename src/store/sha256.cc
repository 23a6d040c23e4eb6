#include "store/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <vector>

#include "base/check.h"
#include "store/internal.h"

namespace hearth::store {

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  // Allocation failure or a missing SHA-256 in libcrypto is not recoverable input.
  HEARTH_CHECK(ctx_->md != nullptr);
  HEARTH_CHECK(EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) == 1);
}

Sha256::~Sha256() = default;

void Sha256::Update(const void* data, size_t size) {
  if (size > 0) HEARTH_CHECK(EVP_DigestUpdate(ctx_->md, data, size) == 1);
}

Digest Sha256::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HEARTH_CHECK(EVP_DigestFinal_ex(ctx_->md, out, &len) == 1 && len == 32);
  static const char kHex[] = "0123456789abcdef";
  Digest d;
  d.hex.resize(64);
  for (unsigned i = 0; i < 32; ++i) {
    d.hex[2 * i] = kHex[out[i] >> 4];
    d.hex[2 * i + 1] = kHex[out[i] & 15];
  }
  return d;
}

Digest Sha256Of(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes.data(), bytes.size());
  return h.Finish();
}

Result<Digest> Sha256File(const std::string& path, uint64_t* size) {
  HEARTH_ASSIGN_OR_RETURN(internal::UniqueFd fd, internal::OpenFile(path, O_RDONLY | O_NONBLOCK));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument(path + " is not a regular file");
  }
  Sha256 h;
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  while (true) {
    HEARTH_ASSIGN_OR_RETURN(size_t n, internal::ReadSome(fd.get(), buf.data(), buf.size(), path));
    if (n == 0) break;
    h.Update(buf.data(), n);
    total += n;
  }
  if (size) *size = total;
  return h.Finish();
}

}  // namespace hearth::store
