// Model names and digests: Ollama's rules and defaults, and hostile input with exact messages.
#include "store/name.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth::store {
namespace {

struct GoodName {
  std::string text;
  std::string host, ns, model, tag;
  std::string display;
};

TEST(ModelNameTest, ParsesOllamaFormsWithDefaults) {
  const GoodName cases[] = {
      {"llama3", "registry.ollama.ai", "library", "llama3", "latest", "llama3:latest"},
      {"qwen2.5-coder:1.5b", "registry.ollama.ai", "library", "qwen2.5-coder", "1.5b",
       "qwen2.5-coder:1.5b"},
      {"jmorgan/tiny_model:v1", "registry.ollama.ai", "jmorgan", "tiny_model", "v1",
       "jmorgan/tiny_model:v1"},
      {"example.com/team/m:Q4_K_M", "example.com", "team", "m", "Q4_K_M",
       "example.com/team/m:Q4_K_M"},
      {"mirror:11434/library/stories:260k", "mirror:11434", "library", "stories", "260k",
       "mirror:11434/library/stories:260k"},
      {"hf.co/bartowski/Qwen2.5-Coder-1.5B-Instruct-GGUF:Q4_K_M", "hf.co", "bartowski",
       "Qwen2.5-Coder-1.5B-Instruct-GGUF", "Q4_K_M",
       "hf.co/bartowski/Qwen2.5-Coder-1.5B-Instruct-GGUF:Q4_K_M"},
      {"https://mirror.local/library/m:t", "mirror.local", "library", "m", "t",
       "mirror.local/library/m:t"},
      {"http://10.0.0.2:8080/ns/m", "10.0.0.2:8080", "ns", "m", "latest",
       "10.0.0.2:8080/ns/m:latest"},
      {"_x/_y:_z", "registry.ollama.ai", "_x", "_y", "_z", "_x/_y:_z"},
      {"REGISTRY.OLLAMA.AI/LIBRARY/Mistral", "REGISTRY.OLLAMA.AI", "LIBRARY", "Mistral", "latest",
       "Mistral:latest"},
      {"m:" + std::string(80, 't'), "registry.ollama.ai", "library", "m", std::string(80, 't'),
       "m:" + std::string(80, 't')},
  };
  for (const GoodName& c : cases) {
    SCOPED_TRACE(c.text);
    auto n = ModelName::Parse(c.text);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(n->host, c.host);
    EXPECT_EQ(n->ns, c.ns);
    EXPECT_EQ(n->model, c.model);
    EXPECT_EQ(n->tag, c.tag);
    EXPECT_EQ(n->Display(), c.display);
    EXPECT_TRUE(n->Validate().ok());
    EXPECT_EQ(n->ManifestPath(), "manifests/" + c.host + "/" + c.ns + "/" + c.model + "/" + c.tag);
    // Full() parses back to the same name.
    auto again = ModelName::Parse(n->Full());
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(*again, *n);
  }
}

TEST(ModelNameTest, HuggingFaceHosts) {
  EXPECT_TRUE(ModelName::Parse("hf.co/u/r:Q8_0")->IsHuggingFace());
  EXPECT_TRUE(ModelName::Parse("huggingface.co/u/r")->IsHuggingFace());
  EXPECT_FALSE(ModelName::Parse("u/r")->IsHuggingFace());
}

struct BadInput {
  std::string text;
  std::string error;
};

TEST(ModelNameTest, RejectsHostileNamesWithReasons) {
  const std::string long_model(81, 'm');
  const std::string long_host(351, 'h');
  const BadInput cases[] = {
      {"", "invalid model name \"\": the name is empty"},
      {"../../etc/passwd", "invalid model name \"../../etc/passwd\": contains \"..\""},
      {"library/..", "invalid model name \"library/..\": contains \"..\""},
      {"a/../b", "invalid model name \"a/../b\": contains \"..\""},
      {"m:..", "invalid model name \"m:..\": contains \"..\""},
      {"/etc/passwd", "invalid model name \"/etc/passwd\": is an absolute path"},
      {"a\\b", "invalid model name \"a\\\\b\": contains a backslash"},
      {"..\\..\\x", "invalid model name \"..\\\\..\\\\x\": contains a backslash"},
      {std::string("a\0b", 3), "invalid model name \"a\\x00b\": contains a control character 0x00"},
      {"a\nb", "invalid model name \"a\\x0ab\": contains a control character 0x0a"},
      {"a\x7f", "invalid model name \"a\\x7f\": contains a control character 0x7f"},
      {"m:", "invalid model name \"m:\": the tag after ':' is empty"},
      {"ns/", "invalid model name \"ns/\": the model is empty"},
      {"a//b", "invalid model name \"a//b\": the namespace is empty"},
      {"a/b/c/d",
       "invalid model name \"a/b/c/d\": too many '/'-separated parts "
       "(want [host/][namespace/]model[:tag])"},
      {".hidden",
       "invalid model name \".hidden\": model \".hidden\" must start with a letter, "
       "digit or '_'"},
      {"-m", "invalid model name \"-m\": model \"-m\" must start with a letter, digit or '_'"},
      {"m:-t", "invalid model name \"m:-t\": tag \"-t\" must start with a letter, digit or '_'"},
      {"a.b/m", "invalid model name \"a.b/m\": namespace \"a.b\" may not contain '.'"},
      {"my model",
       "invalid model name \"my model\": model \"my model\" contains an invalid "
       "character ' '"},
      {"m@sha256",
       "invalid model name \"m@sha256\": model \"m@sha256\" contains an invalid "
       "character '@'"},
      {"m+Q4", "invalid model name \"m+Q4\": model \"m+Q4\" contains an invalid character '+'"},
      {"caf\xc3\xa9",
       "invalid model name \"caf\\xc3\\xa9\": model \"caf\\xc3\\xa9\" contains an "
       "invalid character 0xc3"},
      {"ns:1/m",
       "invalid model name \"ns:1/m\": namespace \"ns:1\" contains an invalid "
       "character ':'"},
      {"h/n/m:a:b",
       "invalid model name \"h/n/m:a:b\": model \"m:a\" contains an invalid "
       "character ':'"},
      {long_model, "invalid model name \"" + std::string(81, 'm').substr(0, 96) + "\": model \"" +
                       long_model + "\" is longer than 80 characters"},
      {long_host + "/n/m", "invalid model name \"" + long_host.substr(0, 96) + "...\": host \"" +
                               long_host.substr(0, 96) + "...\" is longer than 350 characters"},
      {std::string(700, 'a'),
       "invalid model name \"" + std::string(96, 'a') + "...\": longer than 602 bytes"},
      {"ftp://h/n/m",
       "invalid model name \"ftp://h/n/m\": only http:// and https:// may prefix "
       "a name"},
      {"https://m",
       "invalid model name \"https://m\": a name with http:// or https:// needs "
       "host/namespace/model"},
      {"h/n/m://x",
       "invalid model name \"h/n/m://x\": only http:// and https:// may prefix "
       "a name"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.text);
    auto n = ModelName::Parse(c.text);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(n.status().message(), c.error);
  }
}

TEST(ModelNameTest, ValidateCatchesHandBuiltNames) {
  ModelName good{"registry.ollama.ai", "library", "m", "latest"};
  EXPECT_TRUE(good.Validate().ok());
  const ModelName bad[] = {
      {"registry.ollama.ai", "library", "..", "latest"},
      {"registry.ollama.ai", "library", "m", "../../../x"},
      {"registry.ollama.ai", "lib/rary", "m", "t"},
      {"/abs", "library", "m", "t"},
      {"h", "n", "m", ""},
      {"h..x", "n", "m", "t"},
      {"h", "n", std::string("m\0", 2), "t"},
  };
  for (const ModelName& n : bad) {
    SCOPED_TRACE(n.Full());
    EXPECT_EQ(n.Validate().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(n.ManifestPath(), "");  // never a path for an invalid name
  }
  EXPECT_EQ(ModelName({"h", "n", "m", "a/b"}).Validate().message(),
            "invalid model name \"h/n/m:a/b\": tag \"a/b\" contains an invalid character '/'");
}

TEST(DigestTest, ParsesBothSpellings) {
  const std::string hex(64, 'a');
  auto a = Digest::Parse("sha256:" + hex);
  auto b = Digest::Parse("sha256-" + hex);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->ToString(), "sha256:" + hex);
  EXPECT_EQ(a->FileName(), "sha256-" + hex);
  EXPECT_TRUE(a->IsValid());
}

TEST(DigestTest, RejectsHostileDigests) {
  const std::string hex(64, '0');
  const BadInput cases[] = {
      {"", "invalid digest \"\": want sha256:<64 hex digits>"},
      {hex, "invalid digest \"" + hex + "\": want sha256:<64 hex digits>"},
      {"sha512:" + hex, "invalid digest \"sha512:" + hex + "\": want sha256:<64 hex digits>"},
      {"SHA256:" + hex, "invalid digest \"SHA256:" + hex + "\": want sha256:<64 hex digits>"},
      {"sha256:abc", "invalid digest \"sha256:abc\": want 64 hex digits after \"sha256:\", got 3"},
      {"sha256:" + hex + "0",
       "invalid digest \"sha256:" + hex + "0\": want 64 hex digits after \"sha256:\", got 65"},
      {"sha256:" + std::string(64, 'A'),
       "invalid digest \"sha256:" + std::string(64, 'A') + "\": 'A' is not a lowercase hex digit"},
      // CVE-2024-37032: a digest that walks out of the blob directory.
      {"sha256:../../../../../../etc/passwd" + std::string(30, '0'),
       "invalid digest \"sha256:../../../../../../etc/passwd" + std::string(30, '0') +
           "\": want 64 hex digits after \"sha256:\", got 58"},
      {"sha256:" + std::string(58, '0') + "/../..",
       "invalid digest \"sha256:" + std::string(58, '0') +
           "/../..\": '/' is not a lowercase hex "
           "digit"},
      {"sha256-" + hex.substr(0, 63) + std::string("\0", 1),
       "invalid digest \"sha256-" + hex.substr(0, 63) +
           "\\x00\": 0x00 is not a lowercase hex "
           "digit"},
      {"sha256:" + hex + "-partial",
       "invalid digest \"sha256:" + hex +
           "-partial\": want 64 hex digits after \"sha256:\", got 72"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.text);
    auto d = Digest::Parse(c.text);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status().message(), c.error);
  }
  EXPECT_FALSE(Digest{"../x"}.IsValid());
  EXPECT_FALSE(Digest{std::string(64, 'G')}.IsValid());
}

}  // namespace
}  // namespace hearth::store
