// The store's blob side: streaming writers that verify and publish atomically, imports, small
// layers, partial-download promotion, and the pins that keep fresh blobs from being pruned.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "gguf/gguf.h"
#include "store/internal.h"
#include "store/sha256.h"
#include "store/store.h"

namespace hearth::store {
namespace fs = std::filesystem;
using internal::UniqueFd;

namespace {

constexpr size_t kCopyChunk = 1 << 20;

Status CheckDigest(const Digest& d) {
  if (d.IsValid()) return Status();
  return InvalidArgument("invalid digest " + internal::Quote("sha256:" + d.hex) +
                         ": want 64 lowercase hex digits");
}

Status MismatchError(const Digest& expected, const Digest& got, uint64_t size) {
  return DataLoss("blob digest mismatch: expected " + expected.ToString() + ", got " +
                  got.ToString() + " (" + std::to_string(size) + " bytes)");
}

Status CheckGguf(const std::string& path) {
  auto f = gguf::ReadFile(path, gguf::ReadOptions{/*keep_string_arrays=*/false});
  if (f.ok()) return Status();
  return Status(f.status().code(), "not a valid GGUF file: " + f.status().message());
}

// Removes "<blob>-partial" and every "<blob>-partial-N" file of `d`.
void RemovePartials(const std::string& blobs_dir, const Digest& d) {
  const std::string prefix = d.FileName() + "-partial";
  std::error_code ec;
  for (fs::directory_iterator it(blobs_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n == prefix || n.rfind(prefix + "-", 0) == 0) ::unlink(it->path().c_str());
  }
}

}  // namespace

// A BlobWriter streaming into a hidden temp file in the blobs directory. The temp file carries a
// shared flock for its whole life, so Prune in any process leaves it alone.
class BlobWriterImpl final : public Store::BlobWriter {
 public:
  BlobWriterImpl(Store* store, UniqueFd fd, std::string temp, std::optional<Digest> expected,
                 bool gguf)
      : store_(store),
        fd_(std::move(fd)),
        temp_(std::move(temp)),
        expected_(std::move(expected)),
        gguf_(gguf) {}
  ~BlobWriterImpl() override {
    if (!published_) ::unlink(temp_.c_str());
  }

  Status Write(const void* data, size_t size) override {
    if (done_) return FailedPrecondition("blob writer already committed");
    if (!error_.ok()) return error_;
    error_ = internal::WriteFull(fd_.get(), data, size, "blob temp file " + temp_);
    if (!error_.ok()) return error_;
    hash_.Update(data, size);
    size_ += size;
    return Status();
  }

  Result<Digest> Commit() override {
    if (done_) return FailedPrecondition("blob writer already committed");
    done_ = true;
    HEARTH_RETURN_IF_ERROR(error_);
    HEARTH_RETURN_IF_ERROR(internal::Fsync(fd_.get(), temp_));
    const Digest d = hash_.Finish();
    if (expected_ && *expected_ != d) return MismatchError(*expected_, d, size_);
    if (gguf_) HEARTH_RETURN_IF_ERROR(CheckGguf(temp_));
    HEARTH_ASSIGN_OR_RETURN(UniqueFd lock, internal::LockExclusive(store_->LockPath()));
    HEARTH_RETURN_IF_ERROR(store_->PublishLocked(temp_, fd_.get(), d, size_));
    published_ = true;
    return d;
  }

 private:
  Store* store_;
  UniqueFd fd_;
  std::string temp_;
  std::optional<Digest> expected_;
  bool gguf_;
  Sha256 hash_;
  uint64_t size_ = 0;
  Status error_;
  bool done_ = false;
  bool published_ = false;
};

Result<std::unique_ptr<Store::BlobWriter>> Store::NewBlob(std::optional<Digest> expected,
                                                          bool gguf) {
  if (expected) HEARTH_RETURN_IF_ERROR(CheckDigest(*expected));
  const std::string temp = BlobsDir() + "/.tmp-" + internal::RandomHex();
  HEARTH_ASSIGN_OR_RETURN(UniqueFd fd, internal::OpenFile(temp, O_RDWR | O_CREAT | O_EXCL, 0644));
  Status s = internal::LockShared(fd.get());
  if (!s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  return std::unique_ptr<BlobWriter>(
      new BlobWriterImpl(this, std::move(fd), temp, std::move(expected), gguf));
}

Status Store::PublishLocked(const std::string& temp, int fd, const Digest& d, uint64_t size) {
  // A prune may have removed an abandoned-looking temp file; never publish a path that is no
  // longer the file we verified.
  struct stat mine, now;
  if (::fstat(fd, &mine) != 0 || ::stat(temp.c_str(), &now) != 0 || mine.st_ino != now.st_ino ||
      mine.st_dev != now.st_dev) {
    return Status(StatusCode::kUnavailable, "the temp file " + temp + " disappeared; retry");
  }
  HEARTH_RETURN_IF_ERROR(PinLocked(d));
  const std::string blob = BlobPath(d);
  struct stat existing;
  if (::stat(blob.c_str(), &existing) == 0 && S_ISREG(existing.st_mode) &&
      static_cast<uint64_t>(existing.st_size) == size) {
    // Same content already published (content addressing): keep it, refresh its mtime.
    ::unlink(temp.c_str());
    ::utimensat(AT_FDCWD, blob.c_str(), nullptr, 0);
    return Status();
  }
  if (::rename(temp.c_str(), blob.c_str()) != 0) {
    return IOError(internal::ErrnoMessage("cannot rename " + temp + " to " + blob, errno));
  }
  return internal::FsyncDir(BlobsDir());
}

Result<Digest> Store::ImportFile(const std::string& path, bool gguf) {
  auto src = internal::OpenFile(path, O_RDONLY | O_NONBLOCK);  // a FIFO must not hang us
  if (!src.ok() && src.status().code() == StatusCode::kNotFound) {
    return NotFound("file not found: " + path);
  }
  if (!src.ok()) return src.status();
  struct stat st;
  if (::fstat(src->get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument(path + " is not a regular file");
  }
  // Fail fast on a bad header; the copy is validated again before it is published.
  if (gguf) HEARTH_RETURN_IF_ERROR(CheckGguf(path).WithContext(path));
  HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> w, NewBlob(std::nullopt, gguf));
  std::vector<char> buf(kCopyChunk);
  while (true) {
    HEARTH_ASSIGN_OR_RETURN(size_t n, internal::ReadSome(src->get(), buf.data(), buf.size(), path));
    if (n == 0) break;
    HEARTH_RETURN_IF_ERROR(w->Write(buf.data(), n));
  }
  auto d = w->Commit();
  if (!d.ok()) return d.status().WithContext(path);
  return d;
}

Result<Digest> Store::PutBytes(std::string_view bytes) {
  HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> w, NewBlob(std::nullopt, false));
  HEARTH_RETURN_IF_ERROR(w->Write(bytes.data(), bytes.size()));
  return w->Commit();
}

Result<std::string> Store::ReadBlobText(const Digest& d, size_t max_bytes) const {
  HEARTH_RETURN_IF_ERROR(CheckDigest(d));
  auto text = internal::ReadFileBounded(BlobPath(d), max_bytes);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) {
    return NotFound("blob " + d.ToString() + " not found");
  }
  if (!text.ok()) return text.status().WithContext("blob " + d.ToString());
  const Digest got = Sha256Of(*text);
  if (got != d) {
    return DataLoss("blob " + d.ToString() + " is corrupt (its content hashes to " +
                    got.ToString() + ")");
  }
  return text;
}

bool Store::RetainBlob(const Digest& d) {
  if (!d.IsValid()) return false;
  auto lock = internal::LockExclusive(LockPath());
  if (!lock.ok() || !HasBlob(d) || !PinLocked(d).ok()) return false;
  ::utimensat(AT_FDCWD, BlobPath(d).c_str(), nullptr, 0);
  return true;
}

Status Store::PromotePartial(const Digest& d, int parts, bool gguf) {
  HEARTH_RETURN_IF_ERROR(CheckDigest(d));
  if (parts > 0) {
    HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> w, NewBlob(d, gguf));
    std::vector<char> buf(kCopyChunk);
    for (int i = 0; i < parts; ++i) {
      const std::string p = PartialPath(d, i);
      HEARTH_ASSIGN_OR_RETURN(UniqueFd in, internal::OpenFile(p, O_RDONLY | O_NONBLOCK));
      while (true) {
        HEARTH_ASSIGN_OR_RETURN(size_t n, internal::ReadSome(in.get(), buf.data(), buf.size(), p));
        if (n == 0) break;
        HEARTH_RETURN_IF_ERROR(w->Write(buf.data(), n));
      }
    }
    auto committed = w->Commit();
    if (committed.ok() || committed.status().code() == StatusCode::kDataLoss) {
      RemovePartials(BlobsDir(), d);
    }
    return committed.status();
  }
  const std::string path = PartialPath(d);
  HEARTH_ASSIGN_OR_RETURN(UniqueFd fd, internal::OpenFile(path, O_RDWR | O_NONBLOCK));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument(path + " is not a regular file");
  }
  HEARTH_RETURN_IF_ERROR(internal::LockShared(fd.get()));  // keeps Prune away meanwhile
  Sha256 h;
  std::vector<char> buf(kCopyChunk);
  uint64_t size = 0;
  while (true) {
    HEARTH_ASSIGN_OR_RETURN(size_t n, internal::ReadSome(fd.get(), buf.data(), buf.size(), path));
    if (n == 0) break;
    h.Update(buf.data(), n);
    size += n;
  }
  const Digest got = h.Finish();
  if (got != d) {
    RemovePartials(BlobsDir(), d);
    return MismatchError(d, got, size);
  }
  if (gguf) {
    Status s = CheckGguf(path);
    if (!s.ok()) {
      RemovePartials(BlobsDir(), d);
      return s;
    }
  }
  HEARTH_RETURN_IF_ERROR(internal::Fsync(fd.get(), path));
  HEARTH_ASSIGN_OR_RETURN(UniqueFd lock, internal::LockExclusive(LockPath()));
  HEARTH_RETURN_IF_ERROR(PublishLocked(path, fd.get(), d, size));
  RemovePartials(BlobsDir(), d);
  return Status();
}

Status Store::PinLocked(const Digest& d) {
  std::lock_guard<std::mutex> g(pin_mu_);
  if (pin_fd_ < 0) {
    std::error_code ec;
    fs::create_directories(PinsDir(), ec);
    if (ec) return IOError("cannot create " + PinsDir() + ": " + ec.message());
    const std::string path =
        PinsDir() + "/" + std::to_string(::getpid()) + "-" + internal::RandomHex();
    HEARTH_ASSIGN_OR_RETURN(UniqueFd fd, internal::OpenFile(path, O_RDWR | O_CREAT | O_EXCL, 0644));
    HEARTH_RETURN_IF_ERROR(internal::LockShared(fd.get()));
    pin_fd_ = fd.release();
    pin_path_ = path;
  }
  ++pins_[d.hex];
  std::string text;
  for (const auto& [hex, count] : pins_) text += hex + "\n";
  if (::ftruncate(pin_fd_, 0) != 0 || ::lseek(pin_fd_, 0, SEEK_SET) != 0) {
    return IOError(internal::ErrnoMessage("cannot rewrite " + pin_path_, errno));
  }
  return internal::WriteFull(pin_fd_, text.data(), text.size(), pin_path_);
}

void Store::ReleasePins(const std::vector<Digest>& digests) {
  if (digests.empty()) return;
  // A failed lock leaves the pins: blobs kept until this Store goes, never lost.
  auto lock = internal::LockExclusive(LockPath());
  if (lock.ok()) UnpinLocked(digests);
}

void Store::UnpinLocked(const Manifest& m) {
  std::vector<Digest> digests{m.config.digest};
  for (const Layer& l : m.layers) digests.push_back(l.digest);
  UnpinLocked(digests);
}

void Store::UnpinLocked(const std::vector<Digest>& digests) {
  std::lock_guard<std::mutex> g(pin_mu_);
  if (pin_fd_ < 0) return;
  bool changed = false;
  for (const Digest& d : digests) {
    auto it = pins_.find(d.hex);
    if (it == pins_.end()) continue;
    if (--it->second == 0) pins_.erase(it);
    changed = true;
  }
  if (!changed) return;
  std::string text;
  for (const auto& [hex, count] : pins_) text += hex + "\n";
  // A failed rewrite leaves extra pins: blobs kept longer, never lost.
  if (::ftruncate(pin_fd_, 0) == 0 && ::lseek(pin_fd_, 0, SEEK_SET) == 0) {
    (void)internal::WriteFull(pin_fd_, text.data(), text.size(), pin_path_);
  }
}

}  // namespace hearth::store
