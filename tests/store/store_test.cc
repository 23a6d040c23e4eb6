// The store on disk: blob publication, manifests, resolve, list, copy, delete, prune, verify.
#include "store/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "store/sha256.h"
#include "store_testing.h"
#include "testing/test_env.h"

namespace hearth::store {
namespace {

namespace fs = std::filesystem;
using hearth::testing::ReadAll;
using hearth::testing::SharedModel;
using hearth::testing::WriteAll;
using testing::Files;
using testing::FileSize;
using testing::MakeManifest;
using testing::OpenTemp;

ModelName Name(const std::string& text) { return ModelName::Parse(text).value(); }

void SetOld(const std::string& path, int seconds_ago) {
  timespec times[2];
  clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= seconds_ago;
  times[1] = times[0];
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

TEST(StoreTest, OpenCreatesOllamasLayout) {
  std::string root;
  auto s = OpenTemp(&root);
  ASSERT_TRUE(s);
  EXPECT_TRUE(fs::is_directory(root + "/blobs"));
  EXPECT_TRUE(fs::is_directory(root + "/manifests"));
  EXPECT_EQ(s->root(), root);
  const Digest d{std::string(64, 'e')};
  EXPECT_EQ(s->BlobPath(d), root + "/blobs/sha256-" + d.hex);
  EXPECT_EQ(s->PartialPath(d), root + "/blobs/sha256-" + d.hex + "-partial");
  EXPECT_EQ(s->PartialPath(d, 3), root + "/blobs/sha256-" + d.hex + "-partial-3");
  EXPECT_EQ(Store::Open("").status().code(), StatusCode::kInvalidArgument);
  const std::string file = hearth::testing::TempDir() + "/file";
  WriteAll(file, "x");
  EXPECT_EQ(Store::Open(file).status().code(), StatusCode::kIOError);
}

TEST(StoreTest, DefaultRootFollowsHearthModels) {
  const char* old = std::getenv("HEARTH_MODELS");
  const std::string saved = old ? old : "";
  setenv("HEARTH_MODELS", "/srv/models", 1);
  EXPECT_EQ(Store::DefaultRoot(), "/srv/models");
  unsetenv("HEARTH_MODELS");
  EXPECT_EQ(Store::DefaultRoot(), std::string(std::getenv("HOME")) + "/.hearth/models");
  if (old) setenv("HEARTH_MODELS", saved.c_str(), 1);
}

TEST(StoreTest, PutBytesPublishesAVerifiedBlobOnce) {
  std::string root;
  auto s = OpenTemp(&root);
  auto d = s->PutBytes("hello");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_TRUE(s->HasBlob(*d));
  EXPECT_EQ(ReadAll(s->BlobPath(*d)), "hello");
  EXPECT_EQ(s->ReadBlobText(*d).value(), "hello");
  auto again = s->PutBytes("hello");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *d);
  EXPECT_EQ(Files(root + "/blobs"), std::vector<std::string>{d->FileName()});  // no temp left
  EXPECT_EQ(s->ReadBlobText(*d, 3).status().code(), StatusCode::kResourceExhausted);
}

TEST(StoreTest, BlobWriterChecksTheExpectedDigest) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest wrong = Sha256Of("other");
  auto w = s->NewBlob(wrong, false);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("payload", 7).ok());
  auto c = (*w)->Commit();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(c.status().message(), "blob digest mismatch: expected " + wrong.ToString() + ", got " +
                                      Sha256Of("payload").ToString() + " (7 bytes)");
  EXPECT_EQ((*w)->Write("x", 1).code(), StatusCode::kFailedPrecondition);
  w->reset();
  EXPECT_TRUE(Files(root + "/blobs").empty());
  EXPECT_FALSE(s->HasBlob(wrong));

  auto good = s->NewBlob(Sha256Of("payload"), false);
  ASSERT_TRUE((*good)->Write("pay", 3).ok());
  ASSERT_TRUE((*good)->Write("load", 4).ok());
  EXPECT_EQ((*good)->Commit().value(), Sha256Of("payload"));
  EXPECT_EQ((*good)->Commit().status().code(), StatusCode::kFailedPrecondition);
}

TEST(StoreTest, AbandonedWriterLeavesNothing) {
  std::string root;
  auto s = OpenTemp(&root);
  {
    auto w = s->NewBlob(std::nullopt, false);
    ASSERT_TRUE((*w)->Write("partial", 7).ok());
    EXPECT_EQ(Files(root + "/blobs").size(), 1u);  // the hidden temp file
  }
  EXPECT_TRUE(Files(root + "/blobs").empty());
}

TEST(StoreTest, ImportFileValidatesGgufBeforePublishing) {
  std::string root;
  auto s = OpenTemp(&root);
  const std::string model = SharedModel("stories260K-f32.gguf");
  auto d = s->ImportFile(model, true);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->hex, "3c4a7c3a8313e00ae6a6b64df717828f4ba18391ea31ffb01abe9a2c4f7bb9a9");
  EXPECT_EQ(FileSize(s->BlobPath(*d)), FileSize(model));

  auto v1 = s->ImportFile(SharedModel("invalid/tinyllamas-stories-260k-f32.gguf-v1.gguf"), true);
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.status().message().find("not a valid GGUF file"), std::string::npos)
      << v1.status().message();
  const std::string junk = hearth::testing::TempDir() + "/junk.gguf";
  WriteAll(junk, "GGUF but not really");
  EXPECT_FALSE(s->ImportFile(junk, true).ok());
  EXPECT_TRUE(s->ImportFile(junk, false).ok());  // fine as an opaque blob
  auto missing = s->ImportFile("/nonexistent/x.gguf", true);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "file not found: /nonexistent/x.gguf");
  // Only the two accepted blobs exist; rejected imports left no temp files.
  EXPECT_EQ(Files(root + "/blobs").size(), 2u);
}

TEST(StoreTest, ManifestNeedsAllItsBlobs) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest model = s->PutBytes("weights").value();
  Manifest m = MakeManifest(*s, model, 7);
  m.layers.push_back({kMediaTemplate, Sha256Of("never stored"), 12, "", ""});
  Status st = s->WriteManifest(Name("m"), m);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message(), "cannot write the manifest of m:latest: blob " +
                              Sha256Of("never stored").ToString() + " is missing");
  m.layers.pop_back();
  m.layers[0].size = 8;
  st = s->WriteManifest(Name("m"), m);
  EXPECT_EQ(st.message(), "cannot write the manifest of m:latest: blob " + model.ToString() +
                              " has 7 bytes, the manifest says 8");
  EXPECT_FALSE(fs::exists(root + "/manifests/registry.ollama.ai/library/m/latest"));
  m.layers[0].size = 7;
  ASSERT_TRUE(s->WriteManifest(Name("m"), m).ok());
  const std::string bytes = ReadAll(root + "/manifests/registry.ollama.ai/library/m/latest");
  EXPECT_EQ(bytes, m.Serialize() + "\n");
  EXPECT_EQ(s->ReadManifestBytes(Name("m")).value(), bytes);
  EXPECT_EQ(s->ReadManifest(Name("m"))->Serialize(), m.Serialize());
  // The directory holds only the manifest: the temp file was renamed.
  EXPECT_EQ(Files(root + "/manifests/registry.ollama.ai/library/m"),
            std::vector<std::string>{"latest"});
}

TEST(StoreTest, WriteManifestBytesKeepsTheBytes) {
  auto s = OpenTemp();
  const Digest model = s->PutBytes("weights").value();
  Manifest m = MakeManifest(*s, model, 7);
  const std::string pretty = "{\n  \"schemaVersion\": 2,\n" + m.Serialize().substr(19);
  ASSERT_TRUE(Manifest::Parse(pretty).ok());
  ASSERT_TRUE(s->WriteManifestBytes(Name("a/b:c"), pretty).ok());
  EXPECT_EQ(s->ReadManifestBytes(Name("a/b:c")).value(), pretty);
  EXPECT_EQ(s->Resolve(Name("a/b:c"))->manifest_digest, Sha256Of(pretty));
  EXPECT_EQ(s->WriteManifestBytes(Name("x"), "{}").code(), StatusCode::kInvalidArgument);
}

TEST(StoreTest, ResolveFindsEveryLayer) {
  auto s = OpenTemp();
  const Digest model = s->ImportFile(SharedModel("stories260K-f32.gguf"), true).value();
  const Digest adapter = s->PutBytes("lora").value();
  Manifest m = MakeManifest(*s, model, FileSize(SharedModel("stories260K-f32.gguf")),
                            {{kMediaTemplate, "{{ .Prompt }}"},
                             {kMediaSystem, "be brief"},
                             {kMediaLicense, "MIT"},
                             {kMediaParams, R"({"temperature":0})"},
                             {kMediaMessages, R"([{"role":"user","content":"hi"}])"}});
  m.layers.push_back({kMediaAdapter, adapter, 4, "", ""});
  ASSERT_TRUE(s->WriteManifest(Name("stories:260k"), m).ok());
  auto r = s->Resolve(Name("stories:260k"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->model_path, s->BlobPath(model));
  EXPECT_EQ(r->adapter_paths, std::vector<std::string>{s->BlobPath(adapter)});
  EXPECT_EQ(r->template_text, "{{ .Prompt }}");
  EXPECT_EQ(r->system, "be brief");
  EXPECT_EQ(r->license, "MIT");
  EXPECT_EQ(r->params_json, R"({"temperature":0})");
  EXPECT_EQ(r->messages_json, R"([{"role":"user","content":"hi"}])");
  EXPECT_EQ(r->manifest_digest, Sha256Of(s->ReadManifestBytes(Name("stories:260k")).value()));
  EXPECT_EQ(r->name.Display(), "stories:260k");
  EXPECT_LE(std::chrono::system_clock::now() - r->modified, std::chrono::hours(1));

  auto missing = s->Resolve(Name("nope"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "model \"nope:latest\" not found");
}

TEST(StoreTest, ResolveDefaultsAndMissingBlobs) {
  auto s = OpenTemp();
  const Digest model = s->PutBytes("weights").value();
  ASSERT_TRUE(s->WriteManifest(Name("m"), MakeManifest(*s, model, 7)).ok());
  auto r = s->Resolve(Name("m"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->params_json, "{}");
  EXPECT_EQ(r->messages_json, "[]");
  EXPECT_EQ(r->template_text, "");
  ASSERT_EQ(unlink(s->BlobPath(model).c_str()), 0);
  auto gone = s->Resolve(Name("m"));
  EXPECT_EQ(gone.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(gone.status().message(),
            "model m:latest: blob " + model.ToString() + " is missing (run `hearth store verify`)");
  // A manifest without a model layer cannot be run.
  Manifest no_model = MakeManifest(*s, s->PutBytes("w").value(), 1);
  no_model.layers[0].media_type = kMediaLicense;
  ASSERT_TRUE(s->WriteManifest(Name("license-only"), no_model).ok());
  EXPECT_EQ(s->Resolve(Name("license-only")).status().code(), StatusCode::kInvalidArgument);
}

TEST(StoreTest, NamesMatchStoredModelsIgnoringCase) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest model = s->PutBytes("weights").value();
  ASSERT_TRUE(s->WriteManifest(Name("mistral:7b"), MakeManifest(*s, model, 7)).ok());
  auto r = s->Resolve(Name("MISTRAL:7B"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name.Display(), "mistral:7b");
  EXPECT_TRUE(s->ReadManifest(Name("Mistral:7b")).ok());
  ASSERT_TRUE(s->Copy(Name("Mistral:7B"), Name("Other")).ok());
  ASSERT_TRUE(s->Copy(Name("other"), Name("OTHER:LATEST")).ok());  // the same model: no-op
  std::vector<std::string> names;
  for (const ListedModel& l : s->List()) names.push_back(l.name.Display());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"Other:latest", "mistral:7b"}));
  ASSERT_TRUE(s->Delete(Name("MISTRAL:7b")).ok());
  EXPECT_EQ(s->Resolve(Name("mistral:7b")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s->Delete(Name("MISTRAL:7b")).message(), "model 'MISTRAL:7b' not found");
}

TEST(StoreTest, ListIsNewestFirstWithSizes) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest model = s->PutBytes("weights").value();
  Manifest m = MakeManifest(*s, model, 7);
  ASSERT_TRUE(s->WriteManifest(Name("old"), m).ok());
  ASSERT_TRUE(s->WriteManifest(Name("team/new:v2"), m).ok());
  SetOld(root + "/manifests/registry.ollama.ai/library/old/latest", 3600);
  // Junk in the manifests tree is skipped, as `ollama list` does.
  fs::create_directories(root + "/manifests/registry.ollama.ai/library/bad");
  WriteAll(root + "/manifests/registry.ollama.ai/library/bad/latest", "not json");
  WriteAll(root + "/manifests/stray-file", "{}");
  auto list = s->List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name.Display(), "team/new:v2");
  EXPECT_EQ(list[1].name.Display(), "old:latest");
  EXPECT_EQ(list[0].size, m.TotalSize());
  EXPECT_EQ(list[0].manifest_digest, Sha256Of(m.Serialize() + "\n"));
  EXPECT_GT(list[0].modified, list[1].modified);
}

TEST(StoreTest, CopySharesBlobsAndDeletePrunesThem) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest model = s->PutBytes("weights").value();
  Manifest m = MakeManifest(*s, model, 7, {{kMediaSystem, "sys"}});
  ASSERT_TRUE(s->WriteManifest(Name("a"), m).ok());
  ASSERT_TRUE(s->Copy(Name("a"), Name("ns/b:t")).ok());
  EXPECT_EQ(s->ReadManifestBytes(Name("ns/b:t")).value(), s->ReadManifestBytes(Name("a")).value());
  EXPECT_TRUE(s->Copy(Name("a"), Name("a")).ok());
  Status missing = s->Copy(Name("nope"), Name("x"));
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "model \"nope:latest\" not found");

  s.reset();  // drop this Store's pins: only manifests keep blobs now
  s = Store::Open(root).value();
  ASSERT_TRUE(s->Delete(Name("a")).ok());
  EXPECT_TRUE(s->HasBlob(model));                                            // still used by ns/b:t
  EXPECT_FALSE(fs::exists(root + "/manifests/registry.ollama.ai/library"));  // empty dirs go
  ASSERT_TRUE(s->Delete(Name("ns/b:t")).ok());
  EXPECT_TRUE(Files(root + "/blobs").empty());
  EXPECT_TRUE(fs::is_empty(root + "/manifests"));
  Status again = s->Delete(Name("ns/b:t"));
  EXPECT_EQ(again.code(), StatusCode::kNotFound);
  EXPECT_EQ(again.message(), "model 'ns/b:t' not found");
}

TEST(StoreTest, PruneKeepsBlobsALiveStoreJustWrote) {
  std::string root;
  auto writer = OpenTemp(&root);
  auto pruner = Store::Open(root).value();
  const Digest fresh = writer->PutBytes("not yet in a manifest").value();
  ASSERT_TRUE(pruner->Prune().ok());
  EXPECT_TRUE(writer->HasBlob(fresh));  // pinned by `writer`, which is alive
  // Once a manifest references it the pin is dropped; the manifest keeps it.
  Manifest m = MakeManifest(*writer, fresh, 21);
  ASSERT_TRUE(writer->WriteManifest(Name("m"), m).ok());
  const std::string stale_pin = root + "/.pins/999999999-dead";
  WriteAll(stale_pin, Sha256Of("orphan").hex + "\n");  // a pin file nobody holds a lock on
  const Digest orphan = writer->PutBytes("orphan").value();
  writer.reset();
  ASSERT_TRUE(pruner->Prune().ok());
  EXPECT_FALSE(pruner->HasBlob(orphan));
  EXPECT_FALSE(fs::exists(stale_pin));
  EXPECT_TRUE(pruner->HasBlob(fresh));
  EXPECT_TRUE(fs::is_empty(root + "/.pins"));
  // RetainBlob protects an existing blob for a manifest still to come.
  auto other = Store::Open(root).value();
  ASSERT_TRUE(pruner->Delete(Name("m")).ok());
  EXPECT_FALSE(pruner->HasBlob(fresh));
  const Digest kept = other->PutBytes("kept").value();
  auto third = Store::Open(root).value();
  EXPECT_TRUE(third->RetainBlob(kept));
  other.reset();
  ASSERT_TRUE(pruner->Prune().ok());
  EXPECT_TRUE(pruner->HasBlob(kept));
  EXPECT_FALSE(third->RetainBlob(Sha256Of("absent")));
}

TEST(StoreTest, PruneRemovesStaleTempAndPartialFiles) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest d = Sha256Of("download");
  const std::string old_partial = s->PartialPath(d);
  const std::string fresh_partial = s->PartialPath(d, 0);
  const std::string locked_partial = s->PartialPath(d, 1);
  const std::string ollama_temp = root + "/blobs/sha256-123456789";
  for (const auto& p : {old_partial, fresh_partial, locked_partial, ollama_temp}) WriteAll(p, "x");
  SetOld(old_partial, 7200);
  SetOld(locked_partial, 7200);
  SetOld(ollama_temp, 7200);
  const int fd = open(locked_partial.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_SH), 0);  // a pull in progress holds it
  const std::string manifest_temp = root + "/manifests/h/n/m/.t.tmp-0123";
  fs::create_directories(root + "/manifests/h/n/m");
  WriteAll(manifest_temp, "{");
  ASSERT_TRUE(s->Prune(std::chrono::hours(1)).ok());
  EXPECT_FALSE(fs::exists(old_partial));
  EXPECT_FALSE(fs::exists(ollama_temp));
  EXPECT_TRUE(fs::exists(fresh_partial));
  EXPECT_TRUE(fs::exists(locked_partial));
  EXPECT_FALSE(fs::exists(manifest_temp));
  EXPECT_FALSE(fs::exists(root + "/manifests/h"));
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_FALSE(fs::exists(fresh_partial));
  EXPECT_TRUE(fs::exists(locked_partial));
  close(fd);
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_FALSE(fs::exists(locked_partial));
}

TEST(StoreTest, PruneKeepsBlobsWhenAManifestIsUnreadable) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest model = s->PutBytes("weights").value();
  ASSERT_TRUE(s->WriteManifest(Name("m"), MakeManifest(*s, model, 7)).ok());
  const std::string path = root + "/manifests/registry.ollama.ai/library/m/latest";
  WriteAll(path, "{broken");
  s.reset();
  s = Store::Open(root).value();
  Status st = s->Prune();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message(),
            "not pruning blobs: the manifest registry.ollama.ai/library/m/latest "
            "cannot be read (run `hearth store verify --repair`)");
  EXPECT_TRUE(s->HasBlob(model));
}

TEST(StoreTest, VerifyFindsAndRepairsCorruption) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest model = s->ImportFile(SharedModel("stories260K-q4_0.gguf"), true).value();
  const uint64_t size = FileSize(s->BlobPath(model));
  ASSERT_TRUE(s->WriteManifest(Name("good"), MakeManifest(*s, s->PutBytes("w").value(), 1)).ok());
  ASSERT_TRUE(s->WriteManifest(Name("flipped"), MakeManifest(*s, model, size)).ok());
  const Digest lost = s->PutBytes("lost").value();
  ASSERT_TRUE(s->WriteManifest(Name("lost"), MakeManifest(*s, lost, 4)).ok());
  WriteAll(root + "/manifests/registry.ollama.ai/library/garbage", "][");
  VerifyReport clean_before = s->Verify(false);
  EXPECT_FALSE(clean_before.ok());  // the garbage manifest

  // Flip one byte in the middle of the model blob; delete another blob outright.
  {
    std::string bytes = ReadAll(s->BlobPath(model));
    bytes[bytes.size() / 2] ^= 0x55;
    WriteAll(s->BlobPath(model), bytes);
  }
  ASSERT_EQ(unlink(s->BlobPath(lost).c_str()), 0);
  VerifyReport r = s->Verify(false);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.broken_blobs, std::vector<std::string>{model.FileName()});
  EXPECT_EQ(r.broken_manifests,
            (std::vector<std::string>{"flipped:latest", "registry.ollama.ai/library/garbage",
                                      "lost:latest"}));
  EXPECT_TRUE(r.removed.empty());
  EXPECT_EQ(r.manifests_checked, 4u);
  EXPECT_EQ(r.blobs_checked, 3u);  // model, "w", the shared config; "lost" is gone
  ASSERT_EQ(r.details.size(), 4u);
  EXPECT_EQ(r.details[1], "flipped:latest: blob " + model.ToString() + " is corrupt");
  EXPECT_EQ(r.details[3], "lost:latest: blob " + lost.ToString() + " is missing");
  EXPECT_TRUE(fs::exists(s->BlobPath(model)));  // report only

  VerifyReport repaired = s->Verify(true);
  EXPECT_EQ(repaired.removed.size(), 4u);
  EXPECT_FALSE(fs::exists(s->BlobPath(model)));
  VerifyReport after = s->Verify(false);
  EXPECT_TRUE(after.ok()) << (after.details.empty() ? "" : after.details[0]);
  ASSERT_EQ(s->List().size(), 1u);
  EXPECT_TRUE(s->Resolve(Name("good")).ok());
}

TEST(StoreTest, PromotePartialVerifiesAndPublishes) {
  std::string root;
  auto s = OpenTemp(&root);
  const std::string model = ReadAll(SharedModel("stories260K-q8_0.gguf"));
  const Digest d = Sha256Of(model);
  // One partial file, as a single-stream download leaves it.
  WriteAll(s->PartialPath(d), model);
  WriteAll(s->PartialPath(d, 0), R"({"state":"ollama-style part bookkeeping"})");
  ASSERT_TRUE(s->PromotePartial(d, 0, true).ok());
  EXPECT_EQ(ReadAll(s->BlobPath(d)), model);
  EXPECT_EQ(Files(root + "/blobs"), std::vector<std::string>{d.FileName()});
  // Parts concatenated in order.
  const std::string text = "0123456789abcdef";
  const Digest t = Sha256Of(text);
  WriteAll(s->PartialPath(t, 0), text.substr(0, 5));
  WriteAll(s->PartialPath(t, 1), text.substr(5, 7));
  WriteAll(s->PartialPath(t, 2), text.substr(12));
  ASSERT_TRUE(s->PromotePartial(t, 3, false).ok());
  EXPECT_EQ(s->ReadBlobText(t).value(), text);
  // A wrong download is rejected and its partial files removed.
  const Digest want = Sha256Of("expected");
  WriteAll(s->PartialPath(want), "corrupted");
  Status st = s->PromotePartial(want, 0, false);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_FALSE(s->HasBlob(want));
  EXPECT_FALSE(fs::exists(s->PartialPath(want)));
  WriteAll(s->PartialPath(want, 0), "also ");
  WriteAll(s->PartialPath(want, 1), "wrong");
  EXPECT_EQ(s->PromotePartial(want, 2, false).code(), StatusCode::kDataLoss);
  EXPECT_FALSE(fs::exists(s->PartialPath(want, 0)));
  // A download that is not a GGUF is refused as a GGUF layer.
  const Digest notgguf = Sha256Of("plain text");
  WriteAll(s->PartialPath(notgguf), "plain text");
  EXPECT_FALSE(s->PromotePartial(notgguf, 0, true).ok());
  EXPECT_FALSE(s->HasBlob(notgguf));
  EXPECT_EQ(s->PromotePartial(Sha256Of("never"), 0, false).code(), StatusCode::kNotFound);
}

TEST(StoreTest, HandBuiltHostileDigestsAndNamesNeverBecomePaths) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest evil{"../../../../etc/passwd"};
  EXPECT_EQ(s->BlobPath(evil), root + "/blobs/sha256-invalid");
  EXPECT_FALSE(s->HasBlob(evil));
  EXPECT_FALSE(s->RetainBlob(evil));
  EXPECT_EQ(s->ReadBlobText(evil).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s->NewBlob(evil, false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s->PromotePartial(evil, 0, false).code(), StatusCode::kInvalidArgument);
  const ModelName bad{"registry.ollama.ai", "..", "..", "passwd"};
  EXPECT_EQ(s->Resolve(bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Delete(bad).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Copy(Name("a"), bad).code(), StatusCode::kInvalidArgument);
  Manifest m;
  m.config = {kConfigMediaType, evil, 1, "", ""};
  EXPECT_EQ(s->WriteManifest(Name("x"), m).code(), StatusCode::kInvalidArgument);
}

TEST(StoreTest, HostileFilesInTheStoreNeitherHangNorBlock) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest model = s->PutBytes("weights").value();
  ASSERT_TRUE(s->WriteManifest(Name("m"), MakeManifest(*s, model, 7)).ok());
  // A FIFO where a manifest or a blob should be: reads fail at once instead of blocking.
  fs::create_directories(root + "/manifests/registry.ollama.ai/library/fifo");
  ASSERT_EQ(mkfifo((root + "/manifests/registry.ollama.ai/library/fifo/latest").c_str(), 0644), 0);
  EXPECT_EQ(s->Resolve(Name("fifo")).status().code(), StatusCode::kInvalidArgument);
  const std::string pipe = hearth::testing::TempDir() + "/pipe";
  ASSERT_EQ(mkfifo(pipe.c_str(), 0644), 0);
  EXPECT_EQ(s->ImportFile(pipe, true).status().code(), StatusCode::kInvalidArgument);
  const Digest text = Sha256Of("t");
  ASSERT_EQ(mkfifo(s->PartialPath(text).c_str(), 0644), 0);
  EXPECT_EQ(s->PromotePartial(text, 0, false).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s->List().size(), 1u);
  EXPECT_TRUE(s->Verify(false).ok());
  // Hidden litter in the manifests tree is not a manifest and does not stop pruning.
  WriteAll(root + "/manifests/registry.ollama.ai/.DS_Store", "\x00\x01");
  const Digest orphan = s->PutBytes("orphan").value();
  s.reset();
  s = Store::Open(root).value();
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_FALSE(s->HasBlob(orphan));
  EXPECT_TRUE(s->Resolve(Name("m")).ok());
}

TEST(StoreTest, ConcurrentThreadsShareOneStore) {
  std::string root;
  auto s = OpenTemp(&root);
  const Digest model = s->PutBytes("shared weights").value();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string name = "t" + std::to_string(t) + ":" + std::to_string(i);
        Manifest m = MakeManifest(*s, model, 14, {{kMediaSystem, name}});
        EXPECT_TRUE(s->WriteManifest(Name(name), m).ok());
        if (i % 2) {
          EXPECT_TRUE(s->Delete(Name(name)).ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(s->List().size(), 20u);
  EXPECT_TRUE(s->Verify(false).ok());
  for (const ListedModel& l : s->List()) EXPECT_TRUE(s->Resolve(l.name).ok());
}

}  // namespace
}  // namespace hearth::store
