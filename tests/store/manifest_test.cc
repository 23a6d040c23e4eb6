// Manifest JSON: Ollama's schema round-trips; malformed manifests fail with the field named.
#include "store/manifest.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth::store {
namespace {

const std::string kA(64, 'a');
const std::string kB(64, 'b');
const std::string kC(64, 'c');

// A manifest as Ollama writes it (json.Encoder: compact, trailing newline).
std::string OllamaManifest() {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
         R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:)" +
         kA +
         R"(","size":485},"layers":[{"mediaType":"application/vnd.ollama.image.model",)"
         R"("digest":"sha256:)" +
         kB + R"(","size":1185344,"from":"/root/.ollama/models/blobs/sha256-)" + kB +
         R"("},{"mediaType":"application/vnd.ollama.image.params","digest":"sha256:)" + kC +
         R"(","size":30}]})" + "\n";
}

TEST(ManifestTest, ParsesOllamaManifest) {
  auto m = Manifest::Parse(OllamaManifest());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->schema_version, 2);
  EXPECT_EQ(m->media_type, kManifestMediaType);
  EXPECT_EQ(m->config.media_type, kConfigMediaType);
  EXPECT_EQ(m->config.digest.hex, kA);
  EXPECT_EQ(m->config.size, 485u);
  ASSERT_EQ(m->layers.size(), 2u);
  EXPECT_EQ(m->layers[0].media_type, kMediaModel);
  EXPECT_EQ(m->layers[0].from, "/root/.ollama/models/blobs/sha256-" + kB);
  EXPECT_EQ(m->layers[1].digest.hex, kC);
  EXPECT_EQ(m->TotalSize(), 485u + 1185344u + 30u);
  ASSERT_NE(m->Find(kMediaParams), nullptr);
  EXPECT_EQ(m->Find(kMediaParams)->size, 30u);
  EXPECT_EQ(m->Find(kMediaTemplate), nullptr);
}

TEST(ManifestTest, SerializeIsOllamasByteFormat) {
  auto m = Manifest::Parse(OllamaManifest());
  ASSERT_TRUE(m.ok());
  // Same field order and compact form as Go's encoder (which adds only the newline).
  EXPECT_EQ(m->Serialize() + "\n", OllamaManifest());
  auto again = Manifest::Parse(m->Serialize());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Serialize(), m->Serialize());
}

TEST(ManifestTest, OptionalFieldsRoundTrip) {
  Manifest m;
  m.config = {kConfigMediaType, Digest{kA}, 10, "", ""};
  m.layers.push_back({"application/vnd.ollama.image.tensor", Digest{kB}, 7, "", "blk.0.weight"});
  auto back = Manifest::Parse(m.Serialize());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->layers[0].name, "blk.0.weight");
  EXPECT_EQ(back->layers[0].from, "");
  EXPECT_EQ(m.Serialize().find("\"from\""), std::string::npos);  // omitempty, as Ollama
}

TEST(ManifestTest, GgufLayerTypes) {
  for (const char* t : {kMediaModel, kMediaEmbed, kMediaAdapter, kMediaProjector, kMediaDraft}) {
    EXPECT_TRUE(IsGgufLayer(t)) << t;
  }
  for (const char* t : {kMediaTemplate, kMediaSystem, kMediaLicense, kMediaParams, kMediaMessages,
                        kConfigMediaType, "application/vnd.ollama.image.tensor"}) {
    EXPECT_FALSE(IsGgufLayer(t)) << t;
  }
}

TEST(ManifestTest, UnknownFieldsAreIgnoredAsOllamaDoes) {
  std::string j = OllamaManifest();
  j.insert(1, R"("annotations":{"x":"y"},)");
  EXPECT_TRUE(Manifest::Parse(j).ok());
}

struct Malformed {
  std::string json;
  std::string error;
};

std::string WithConfig(const std::string& config) {
  return R"({"schemaVersion":2,"config":)" + config + R"(,"layers":[]})";
}
std::string WithLayer(const std::string& layer) {
  return R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:)" + kA +
         R"(","size":1},"layers":[)" + layer + "]}";
}

TEST(ManifestTest, HostileManifestsFailNamingTheField) {
  const std::string good_layer = R"({"mediaType":"m","digest":"sha256:)" + kB + R"(","size":2})";
  const Malformed cases[] = {
      {"", "manifest: not valid JSON"},
      {"{", "manifest: not valid JSON"},
      {"[]", "manifest: want a JSON object, got an array"},
      {"{\"schemaVersion\":2,\"config\":{}", "manifest: not valid JSON"},
      {R"({"config":{},"layers":[]})", "manifest: schemaVersion: missing"},
      {R"({"schemaVersion":"2"})", "manifest: schemaVersion: want an integer, got a string"},
      {R"({"schemaVersion":1})", "manifest: schemaVersion: want 2, got 1"},
      {R"({"schemaVersion":2.5})",
       "manifest: schemaVersion: want an integer, got a fractional number"},
      {R"({"schemaVersion":2,"mediaType":7,"config":{},"layers":[]})",
       "manifest: mediaType: want a string, got an integer"},
      {R"({"schemaVersion":2,"layers":[]})", "manifest: config: missing"},
      {WithConfig("[]"), "manifest: config: want an object, got an array"},
      {WithConfig("{}"), "manifest: config.mediaType: missing"},
      {WithConfig(R"({"mediaType":"","digest":"sha256:)" + kA + R"(","size":1})"),
       "manifest: config.mediaType: empty"},
      {WithConfig(R"({"mediaType":"x","size":1})"), "manifest: config.digest: missing"},
      {WithConfig(R"({"mediaType":"x","digest":"sha256:../../etc/passwd","size":1})"),
       "manifest: config.digest: invalid digest \"sha256:../../etc/passwd\": want 64 hex digits "
       "after \"sha256:\", got 16"},
      {WithConfig(R"({"mediaType":"x","digest":"sha256:)" + kA + R"("})"),
       "manifest: config.size: missing"},
      {WithConfig(R"({"mediaType":"x","digest":"sha256:)" + kA + R"(","size":-1})"),
       "manifest: config.size: negative"},
      {WithConfig(R"({"mediaType":"x","digest":"sha256:)" + kA + R"(","size":1.5})"),
       "manifest: config.size: want an integer, got a fractional number"},
      {WithConfig(R"({"mediaType":"x","digest":"sha256:)" + kA + R"(","size":"1"})"),
       "manifest: config.size: want an integer, got a string"},
      {WithConfig(R"({"mediaType":"x","digest":"sha256:)" + kA +
                  R"(","size":18446744073709551615})"),
       "manifest: config.size: out of range"},
      {WithConfig(R"({"mediaType":"x","digest":"sha256:)" + kA +
                  R"(","size":99999999999999999999999})"),
       "manifest: config.size: want an integer, got a fractional number"},
      {R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:)" + kA + R"(","size":1}})",
       "manifest: layers: missing"},
      {R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:)" + kA +
           R"(","size":1},"layers":{}})",
       "manifest: layers: want an array, got an object"},
      {WithLayer(good_layer + ",null"), "manifest: layers[1]: want an object, got null"},
      {WithLayer(good_layer + R"(,{"mediaType":"m","digest":"sha256-)" + kC + R"(x","size":2})"),
       "manifest: layers[1].digest: invalid digest \"sha256-" + kC +
           "x\": want 64 hex digits after \"sha256:\", got 65"},
      {WithLayer(R"({"mediaType":"m","digest":"sha256:)" + kB + R"(","size":2,"from":3})"),
       "manifest: layers[0].from: want a string, got an integer"},
      {WithLayer(R"({"mediaType":["m"],"digest":"sha256:)" + kB + R"(","size":2})"),
       "manifest: layers[0].mediaType: want a string, got an array"},
      {std::string(40, '[') + std::string(40, ']'), "manifest: nested deeper than 32 levels"},
      {"{\"schemaVersion\":2,\"x\":\"\xff\"}", "manifest: not valid JSON"},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.json);
    auto m = Manifest::Parse(c.json);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(m.status().message(), c.error);
  }
}

TEST(ManifestTest, BoundsSizeAndLayerCount) {
  std::string huge(kMaxManifestBytes + 1, ' ');
  EXPECT_EQ(Manifest::Parse(huge).status().message(),
            "manifest: larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  std::string layers;
  for (size_t i = 0; i <= kMaxManifestLayers; ++i) layers += (i ? ",0" : "0");
  EXPECT_EQ(Manifest::Parse(WithLayer(layers)).status().message(),
            "manifest: layers: more than 100000 layers");
  // Brackets inside strings do not count as nesting.
  EXPECT_TRUE(Manifest::Parse(WithLayer(R"({"mediaType":")" + std::string(100, '[') +
                                        R"(","digest":"sha256:)" + kB + R"(","size":2})"))
                  .ok());
}

}  // namespace
}  // namespace hearth::store
