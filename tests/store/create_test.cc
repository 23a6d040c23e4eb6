// CreateModel and ShowModel on a real store with stories260K: the layers, config, progress lines
// and show fields Ollama would produce, and clean failures that leave no manifest behind.
#include "store/create.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "gguf/gguf.h"
#include "store/model_facts.h"
#include "store/sha256.h"
#include "store/show.h"
#include "store_testing.h"
#include "testing/test_env.h"

namespace hearth::store {
namespace {

namespace fs = std::filesystem;
using hearth::testing::SharedModel;

const char kStories[] = "sha256:3c4a7c3a8313e00ae6a6b64df717828f4ba18391ea31ffb01abe9a2c4f7bb9a9";

struct Created {
  Status status;
  std::vector<std::string> progress;
};

Created Create(Store& s, const std::string& name, const std::string& modelfile,
               const std::string& dir = "/") {
  Created c;
  auto mf = ParseModelfile(modelfile);
  if (!mf.ok()) {
    c.status = mf.status();
    return c;
  }
  CreateOptions o;
  o.base_dir = dir;
  o.progress = [&](const std::string& line) { c.progress.push_back(line); };
  c.status = CreateModel(s, ModelName::Parse(name).value(), *mf, o);
  return c;
}

std::string Sha(const std::string& bytes) { return Sha256Of(bytes).ToString(); }

// A minimal LoRA adapter GGUF (general.type "adapter").
std::string WriteAdapter(const std::string& dir) {
  const std::string path = dir + "/lora.gguf";
  gguf::Writer w;
  w.Set("general.architecture", gguf::Value::String("llama"));
  w.Set("general.type", gguf::Value::String("adapter"));
  w.Set("adapter.type", gguf::Value::String("lora"));
  EXPECT_TRUE(w.AddTensor("blk.0.attn_q.weight.lora_a", {64, 2}, 0).ok());
  EXPECT_TRUE(w.Begin(path).ok());
  const std::vector<uint8_t> zeros(64 * 2 * 4, 0);
  EXPECT_TRUE(w.Write(zeros).ok());
  EXPECT_TRUE(w.Finish().ok());
  return path;
}

const std::string kModelfile = std::string("FROM ") + SharedModel("stories260K-f32.gguf") +
                               "\n"
                               "PARAMETER temperature 0.7\n"
                               "PARAMETER stop <|im_end|>\n"
                               "SYSTEM Be brief.\n"
                               "TEMPLATE {{ .Prompt }}\n"
                               "LICENSE MIT\n"
                               "MESSAGE user hi\n"
                               "MESSAGE assistant hello\n";
const char kParams[] = "{\"stop\":[\"\\u003c|im_end|\\u003e\"],\"temperature\":0.7}\n";
const char kMessages[] =
    "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]\n";

TEST(CreateTest, FromGgufWritesOllamaLayersConfigAndProgress) {
  auto s = testing::OpenTemp();
  ASSERT_TRUE(s);
  Created c = Create(*s, "story", kModelfile);
  ASSERT_TRUE(c.status.ok()) << c.status.message();
  EXPECT_EQ(c.progress, (std::vector<std::string>{
                            "gathering model components",
                            std::string("copying file ") + kStories + " 100%",
                            "parsing GGUF",
                            std::string("using existing layer ") + kStories,
                            "creating new layer " + Sha("{{ .Prompt }}"),
                            "creating new layer " + Sha("Be brief."),
                            "creating new layer " + Sha("MIT"),
                            "creating new layer " + Sha(kParams),
                            "creating new layer " + Sha(kMessages),
                            "writing manifest",
                            "success",
                        }));
  auto m = s->ReadManifest(ModelName::Parse("story").value());
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->layers.size(), 6u);
  const char* types[] = {kMediaModel, kMediaTemplate, kMediaSystem,
                         kMediaLicense, kMediaParams, kMediaMessages};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(m->layers[i].media_type, types[i]) << i;
  EXPECT_EQ(m->layers[0].digest.ToString(), kStories);
  EXPECT_EQ(m->layers[0].size, 1185344u);
  EXPECT_EQ(m->layers[0].from, "stories260K-f32.gguf");
  EXPECT_EQ(*s->ReadBlobText(m->layers[4].digest), kParams);
  EXPECT_EQ(*s->ReadBlobText(m->layers[5].digest), kMessages);
  EXPECT_EQ(*s->ReadBlobText(m->config.digest),
            R"({"model_format":"gguf","model_family":"llama","model_families":["llama"],)"
            R"("model_type":"293K","file_type":"unknown","context_length":512,)"
            R"("embedding_length":64,"architecture":"amd64","os":"linux"})"
            "\n");

  // The same Modelfile again: every layer already exists; the manifest is byte-identical.
  const std::string before = *s->ReadManifestBytes(ModelName::Parse("story").value());
  Created again = Create(*s, "story", kModelfile);
  ASSERT_TRUE(again.status.ok()) << again.status.message();
  for (size_t i = 3; i < 9; ++i) EXPECT_EQ(again.progress[i].rfind("using existing layer ", 0), 0u);
  EXPECT_EQ(*s->ReadManifestBytes(ModelName::Parse("story").value()), before);
}

TEST(CreateTest, FromStoreNameReusesLayersAndMergesParams) {
  auto s = testing::OpenTemp();
  ASSERT_TRUE(s);
  ASSERT_TRUE(Create(*s, "base", kModelfile).status.ok());
  Created c = Create(*s, "child:v2",
                     "FROM base\nSYSTEM New system.\nPARAMETER top_k 20\nLICENSE Apache-2.0\n");
  ASSERT_TRUE(c.status.ok()) << c.status.message();
  const std::string params =
      "{\"stop\":[\"\\u003c|im_end|\\u003e\"],\"temperature\":0.7,\"top_k\":20}\n";
  EXPECT_EQ(c.progress, (std::vector<std::string>{
                            "gathering model components",
                            std::string("using existing layer ") + kStories,
                            "using existing layer " + Sha("{{ .Prompt }}"),
                            "using existing layer " + Sha("MIT"),
                            "using existing layer " + Sha(kMessages),
                            "creating new layer " + Sha("New system."),
                            "creating new layer " + Sha("Apache-2.0"),
                            "creating new layer " + Sha(params),
                            "writing manifest",
                            "success",
                        }));
  auto m = s->ReadManifest(ModelName::Parse("child:v2").value());
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->layers.size(), 7u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(m->layers[i].from, "base:latest") << i;
  EXPECT_EQ(m->layers[4].from, "");

  auto info = ShowModel(*s, ModelName::Parse("child:v2").value(), false);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->system, "New system.");
  EXPECT_EQ(info->license, "MIT\nApache-2.0");
  EXPECT_EQ(info->parameters,
            "stop                           \"<|im_end|>\"\n"
            "temperature                    0.7\n"
            "top_k                          20");
  EXPECT_EQ(info->parent_model, "base:latest");
  EXPECT_EQ(info->parameter_size, "293K");
  EXPECT_EQ(info->family, "llama");
  EXPECT_EQ(info->families, (std::vector<std::string>{"llama"}));
  EXPECT_EQ(info->template_text, "{{ .Prompt }}");
  EXPECT_EQ(info->capabilities, (std::vector<std::string>{"completion"}));
  EXPECT_EQ(info->messages.size(), 2u);
  ASSERT_TRUE(info->model.has_value());
  EXPECT_EQ(info->model->tensors.size(), 48u);
  // Deleting the base keeps every blob the child still uses.
  ASSERT_TRUE(s->Delete(ModelName::Parse("base").value()).ok());
  EXPECT_TRUE(ShowModel(*s, ModelName::Parse("child:v2").value(), false).ok());
}

TEST(CreateTest, FromBlobDigestAdapterAndDraft) {
  auto s = testing::OpenTemp();
  ASSERT_TRUE(s);
  ASSERT_TRUE(Create(*s, "base", kModelfile).status.ok());
  const std::string dir = hearth::testing::TempDir();
  const std::string lora = WriteAdapter(dir);
  fs::copy_file(SharedModel("stories260K-q8_0.gguf"), dir + "/draft.gguf");
  Created c = Create(*s, "combo",
                     std::string("FROM ") + kStories + "\nADAPTER ./lora.gguf\nDRAFT " + dir +
                         "/draft.gguf\n",
                     dir);
  ASSERT_TRUE(c.status.ok()) << c.status.message();
  auto m = s->ReadManifest(ModelName::Parse("combo").value());
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->layers.size(), 3u);
  EXPECT_EQ(m->layers[0].media_type, kMediaModel);
  EXPECT_EQ(m->layers[0].from, "");
  EXPECT_EQ(m->layers[1].media_type, kMediaAdapter);
  EXPECT_EQ(m->layers[1].from, "lora.gguf");
  EXPECT_EQ(m->layers[2].media_type, kMediaDraft);
  const std::string config = *s->ReadBlobText(m->config.digest);
  EXPECT_NE(config.find(R"("draft":{"model_format":"gguf","architecture":"llama"})"),
            std::string::npos)
      << config;
  auto r = s->Resolve(ModelName::Parse("combo").value());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->adapter_paths.size(), 1u);
  EXPECT_FALSE(r->draft_path.empty());
}

struct BadCase {
  std::string modelfile;
  StatusCode code;
  std::string error;
};

TEST(CreateTest, FailuresAreClearAndWriteNoManifest) {
  auto s = testing::OpenTemp();
  ASSERT_TRUE(s);
  const std::string dir = hearth::testing::TempDir();
  hearth::testing::WriteAll(dir + "/notes.txt", "not a model");
  const std::string stories = SharedModel("stories260K-f32.gguf");
  const BadCase cases[] = {
      {"FROM nosuch\n", StatusCode::kNotFound,
       "FROM nosuch: model \"nosuch\" not found, try pulling it first"},
      {"FROM " + dir + "\n", StatusCode::kInvalidArgument,
       "FROM " + dir + ": is a directory; only GGUF files are supported"},
      {"FROM sha256:" + std::string(64, '0') + "\n", StatusCode::kNotFound,
       "FROM sha256:" + std::string(64, '0') + ": blob sha256:" + std::string(64, '0') +
           " not found"},
      {"FROM " + stories + "\nADAPTER " + stories + "\n", StatusCode::kInvalidArgument,
       "ADAPTER " + stories + ": not a LoRA adapter (general.type is \"unknown\")"},
      {"FROM " + stories + "\nDRAFT " + stories + "\n", StatusCode::kInvalidArgument,
       "DRAFT must not reference the same local path as FROM: " + stories},
      {"FROM " + stories + "\nADAPTER ./missing.gguf\n", StatusCode::kNotFound,
       "ADAPTER ./missing.gguf: no such file"},
      {"FROM " + stories + "\nDRAFT a.gguf\nDRAFT b.gguf\n", StatusCode::kInvalidArgument,
       "line 3: only one DRAFT model is supported"},
      {"FROM " + stories + "\nTEMPLATE {{ nope }}\n", StatusCode::kInvalidArgument,
       "template error: template: line 1, column 4: function \"nope\" not defined"},
      {"FROM ~nosuchuser12345/x.gguf\n", StatusCode::kNotFound,
       "failed to find user 'nosuchuser12345'"},
  };
  for (const BadCase& b : cases) {
    Created c = Create(*s, "broken", b.modelfile, dir);
    EXPECT_EQ(c.status.code(), b.code) << b.modelfile << c.status.message();
    EXPECT_EQ(c.status.message(), b.error) << b.modelfile;
    EXPECT_EQ(s->ReadManifest(ModelName::Parse("broken").value()).status().code(),
              StatusCode::kNotFound);
  }
}

TEST(CreateTest, BadInputNeverReachesTheBlobs) {
  auto s = testing::OpenTemp();
  ASSERT_TRUE(s);
  const std::string dir = hearth::testing::TempDir();
  hearth::testing::WriteAll(dir + "/notes.txt", "not a model");
  // A template error is found before any file is copied into the store.
  Created t = Create(*s, "broken",
                     "FROM " + SharedModel("stories260K-f32.gguf") + "\nTEMPLATE {{ if }}\n", dir);
  EXPECT_EQ(t.status.code(), StatusCode::kInvalidArgument);
  // A file that is not GGUF never becomes a blob.
  Created text = Create(*s, "broken", "FROM ./notes.txt\n", dir);
  EXPECT_FALSE(text.status.ok());
  EXPECT_EQ(text.status.message().rfind("FROM ./notes.txt: ", 0), 0u) << text.status.message();
  EXPECT_TRUE(testing::Files(s->root() + "/blobs").empty());
}

TEST(CreateTest, PathsExpandAsOllamaExpandsThem) {
  const char* old_home = std::getenv("HOME");
  const std::string saved = old_home ? old_home : "";
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(*ExpandModelfilePath("~/models/m.gguf", "/base"), "/home/someone/models/m.gguf");
  EXPECT_EQ(*ExpandModelfilePath("~", "/base"), "/home/someone");
  EXPECT_EQ(*ExpandModelfilePath("m.gguf", "/base/dir"), "/base/dir/m.gguf");
  EXPECT_EQ(*ExpandModelfilePath("../m.gguf", "/base/dir"), "/base/m.gguf");
  EXPECT_EQ(*ExpandModelfilePath("/abs/./x/../m.gguf", "/base"), "/abs/m.gguf");
  EXPECT_EQ(*ExpandModelfilePath("~root/m.gguf", "/base"), "/root/m.gguf");
  if (old_home) ::setenv("HOME", saved.c_str(), 1);
  else ::unsetenv("HOME");
}

TEST(ModelFactsTest, OllamaNamesAndNumbers) {
  EXPECT_EQ(HumanNumber(512), "512");
  EXPECT_EQ(HumanNumber(292800), "293K");
  EXPECT_EQ(HumanNumber(1000000), "1M");
  EXPECT_EQ(HumanNumber(1240000), "1.24M");
  EXPECT_EQ(HumanNumber(8000000000), "8B");
  EXPECT_EQ(HumanNumber(7241732096), "7.2B");
  EXPECT_EQ(FileTypeName(0), "F32");
  EXPECT_EQ(FileTypeName(2), "Q4_0");
  EXPECT_EQ(FileTypeName(7), "Q8_0");
  EXPECT_EQ(FileTypeName(15), "Q4_K_M");
  EXPECT_EQ(FileTypeName(32), "BF16");
  EXPECT_EQ(FileTypeName(4), "unknown");
  EXPECT_EQ(FileTypeName(1024), "unknown");

  auto q8 = gguf::ReadFile(SharedModel("stories260K-q8_0.gguf"));
  ASSERT_TRUE(q8.ok());
  const GgufFacts f = FactsOf(*q8);
  EXPECT_EQ(f.file_type, "Q8_0");
  EXPECT_EQ(f.architecture, "llama");
  EXPECT_EQ(f.media_type, kMediaModel);
  EXPECT_EQ(Capabilities({"vision"}, &f, false, {}, false),
            (std::vector<std::string>{"vision", "completion"}));
  EXPECT_EQ(Capabilities({}, &f, true, {"tools", "insert"}, true),
            (std::vector<std::string>{"completion", "vision", "tools", "insert"}));
}

}  // namespace
}  // namespace hearth::store
