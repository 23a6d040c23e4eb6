// The registry read side: manifests by tag, blobs with Range and HEAD, strict validation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/server_testing.h"

namespace hearth::server {
namespace {

using nlohmann::json;
using testing::Client;
using testing::Fetch;

class RegistryRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ts_ = testing::MakeTestStore();
    server_ = testing::StartStoreServer(ts_.store.get());
    ASSERT_TRUE(server_);
    port_ = server_->port();
    blob_ = hearth::testing::ReadAll(ts_.gguf_path);
    blob_path_ = "/v2/library/stories/blobs/" + ts_.model_digest.ToString();
  }
  testing::TestStore ts_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
  std::string blob_;
  std::string blob_path_;
};

std::string ErrorCode(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j["errors"].is_array() || j["errors"].empty()) return "";
  return j["errors"][0].value("code", "");
}

TEST_F(RegistryRoutesTest, ManifestByTag) {
  const std::string stored =
      ts_.store->ReadManifestBytes(store::ModelName::Parse("stories").value()).value();
  auto r = Fetch(port_, "GET", "/v2/library/stories/manifests/latest", "",
                 "Accept: application/vnd.docker.distribution.manifest.v2+json\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, stored);
  EXPECT_EQ(r->Header("content-type"), store::kManifestMediaType);
  EXPECT_EQ(r->Header("docker-content-digest"), store::Sha256Of(stored).ToString());
  r = Fetch(port_, "HEAD", "/v2/library/stories/manifests/latest");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), std::to_string(stored.size()));

  r = Fetch(port_, "GET", "/v2/library/stories/manifests/v9");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorCode(r->body), "MANIFEST_UNKNOWN");
  for (const char* bad : {"/v2/library/..%2Fetc/manifests/latest", "/v2/lib%5Crary/x/manifests/latest",
                          "/v2/library/stories/manifests/..", "/v2/library/stories/manifests/a%00b"}) {
    r = Fetch(port_, "GET", bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad << " " << r->body;
  }
  r = Fetch(port_, "GET", "/v2/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("docker-distribution-api-version"), "registry/2.0");
}

TEST_F(RegistryRoutesTest, ManifestUnderAnotherHost) {
  const store::Manifest m =
      ts_.store->ReadManifest(store::ModelName::Parse("stories").value()).value();
  ASSERT_TRUE(ts_.store
                  ->WriteManifest(store::ModelName::Parse("mirror.example:5000/team/tool:v2").value(), m)
                  .ok());
  auto r = Fetch(port_, "GET", "/v2/team/tool/manifests/v2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(store::Manifest::Parse(r->body).value().layers.size(), m.layers.size());
}

TEST_F(RegistryRoutesTest, WholeBlobAndHead) {
  auto r = Fetch(port_, "GET", blob_path_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), std::to_string(blob_.size()));
  EXPECT_EQ(r->Header("accept-ranges"), "bytes");
  EXPECT_EQ(r->Header("content-type"), "application/octet-stream");
  EXPECT_EQ(r->Header("docker-content-digest"), ts_.model_digest.ToString());
  EXPECT_TRUE(r->body == blob_);
  r = Fetch(port_, "HEAD", blob_path_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), std::to_string(blob_.size()));
  EXPECT_TRUE(r->body.empty());
  // Keep-alive across two full downloads.
  Client c(port_);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.SendRequest("GET", blob_path_));
    auto again = c.ReadResponse();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->body == blob_);
  }
}

TEST_F(RegistryRoutesTest, RangeRequests) {
  const uint64_t size = blob_.size();
  struct Case {
    std::string range;
    int status;
    uint64_t first, last;  // for 206
  };
  const Case cases[] = {
      {"bytes=0-99", 206, 0, 99},
      {"bytes=100-", 206, 100, size - 1},
      {"bytes=-10", 206, size - 10, size - 1},
      {"bytes=5-" + std::to_string(size + 1000), 206, 5, size - 1},
      {"bytes=" + std::to_string(size - 1) + "-" + std::to_string(size - 1), 206, size - 1, size - 1},
  };
  for (const Case& c : cases) {
    auto r = Fetch(port_, "GET", blob_path_, "", "Range: " + c.range + "\r\n");
    ASSERT_TRUE(r) << c.range;
    EXPECT_EQ(r->status, c.status) << c.range;
    EXPECT_EQ(r->Header("content-range"), "bytes " + std::to_string(c.first) + "-" +
                                              std::to_string(c.last) + "/" + std::to_string(size));
    EXPECT_EQ(r->Header("content-length"), std::to_string(c.last - c.first + 1));
    EXPECT_TRUE(r->body == blob_.substr(c.first, c.last - c.first + 1)) << c.range;
  }
  for (const std::string& unsatisfiable : {"bytes=" + std::to_string(size) + "-", std::string("bytes=-0")}) {
    auto r = Fetch(port_, "GET", blob_path_, "", "Range: " + unsatisfiable + "\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 416) << unsatisfiable;
    EXPECT_EQ(r->Header("content-range"), "bytes */" + std::to_string(size));
  }
  // Ignored (RFC 9110): several ranges, other units, malformed: the whole blob.
  for (const char* ignored : {"bytes=0-1,4-5", "items=0-1", "bytes=9-3", "bytes=abc"}) {
    auto r = Fetch(port_, "GET", blob_path_, "", std::string("Range: ") + ignored + "\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << ignored;
    EXPECT_EQ(r->body.size(), size);
  }
}

TEST_F(RegistryRoutesTest, BlobValidation) {
  const std::string hex = ts_.model_digest.hex;
  std::string upper = hex;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::vector<std::string> bad_paths = {
      "/v2/library/stories/blobs/sha256:" + upper, "/v2/library/stories/blobs/sha256:abc",
      "/v2/library/stories/blobs/..%2F..%2Fmanifests", "/v2/library/stories/blobs/sha512:" + hex,
      "/v2/..%2F/stories/blobs/sha256:" + hex};
  for (const std::string& bad : bad_paths) {
    auto r = Fetch(port_, "GET", bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad << " " << r->body;
  }
  const std::string missing(64, 'a');
  auto r = Fetch(port_, "GET", "/v2/library/stories/blobs/sha256:" + missing);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorCode(r->body), "BLOB_UNKNOWN");
}

}  // namespace
}  // namespace hearth::server
