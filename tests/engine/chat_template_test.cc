#include "engine/chat_template.h"

#include <gtest/gtest.h>

#include "engine/model.h"
#include "testing/test_env.h"

namespace hearth::engine {
namespace {

using hearth::testing::SharedModel;

ModelPtr Vocab(const std::string& file) {
  LoadOptions o;
  o.vocab_only = true;
  auto m = Model::Load(SharedModel(file), o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return *m;
}

std::vector<chat::Message> Conversation() {
  return {{"system", "You are terse.", "", {}, "", ""},
          {"user", "Hi", "", {}, "", ""},
          {"assistant", "Hello.", "", {}, "", ""},
          {"user", "Add 2+2", "", {}, "", ""}};
}

TEST(ChatTemplateTest, RendersModelJinjaTemplate) {
  ModelPtr m = Vocab("vocab/ggml-vocab-qwen2.gguf");
  auto t = ChatTemplate::Create(m->raw(), "");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_TRUE((*t)->has_template());
  auto r = (*t)->Render(Conversation(), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->raw);
  EXPECT_EQ(r->prompt,
            "<|im_start|>system\nYou are terse.<|im_end|>\n"
            "<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\nHello.<|im_end|>\n"
            "<|im_start|>user\nAdd 2+2<|im_end|>\n"
            "<|im_start|>assistant\n");
  RenderOptions no_gen;
  no_gen.add_generation_prompt = false;
  auto r2 = (*t)->Render(Conversation(), no_gen);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->prompt.rfind("<|im_start|>assistant\n"), r->prompt.rfind("<|im_start|>assistant\nHello"));
}

TEST(ChatTemplateTest, RendersToolsWhenTheTemplateReadsThem) {
  const std::string tmpl =
      "{% if tools %}TOOLS:{% for t in tools %}{{ t.function.name }};{% endfor %}\n{% endif %}"
      "{% for m in messages %}[{{ m.role }}]{{ m.content }}\n{% endfor %}"
      "{% if add_generation_prompt %}[assistant]{% endif %}";
  ModelPtr m = Vocab("vocab/ggml-vocab-qwen2.gguf");
  auto t = ChatTemplate::Create(m->raw(), tmpl);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE((*t)->supports_tools());
  RenderOptions o;
  o.tools.push_back({"get_weather", "Weather for a city",
                     R"({"type":"object","properties":{"city":{"type":"string"}}})"});
  auto r = (*t)->Render({{"user", "Weather in Oslo?", "", {}, "", ""}}, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // trim_blocks, as Hugging Face renders: the newline after a block tag is dropped.
  EXPECT_EQ(r->prompt, "TOOLS:get_weather;[user]Weather in Oslo?\n[assistant]");
}

TEST(ChatTemplateTest, NoTemplateMeansRawPrompt) {
  auto m = Model::Load(SharedModel("stories260K-f32.gguf"));
  ASSERT_TRUE(m.ok());
  auto t = ChatTemplate::Create((*m)->raw(), "");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE((*t)->has_template());
  auto r = (*t)->Render(Conversation(), {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->raw);
  EXPECT_EQ(r->prompt, "HiHello.Add 2+2");  // {{ .Prompt }}{{ .Response }}: no system
}

TEST(ChatTemplateTest, BrokenTemplateIsAClearError) {
  ModelPtr m = Vocab("vocab/ggml-vocab-qwen2.gguf");
  auto bad_syntax = ChatTemplate::Create(m->raw(), "{% for m in messages %}{{ m.content }");
  if (bad_syntax.ok()) {
    auto r = (*bad_syntax)->Render(Conversation(), {});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("chat template"), std::string::npos);
  } else {
    EXPECT_EQ(bad_syntax.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(bad_syntax.status().message().find("chat template"), std::string::npos);
  }
  auto throws = ChatTemplate::Create(m->raw(), "{{ raise_exception('no system role') }}");
  ASSERT_TRUE(throws.ok() || throws.status().code() == StatusCode::kInvalidArgument);
  if (throws.ok()) {
    auto r = (*throws)->Render(Conversation(), {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("no system role"), std::string::npos);
  }
}

}  // namespace
}  // namespace hearth::engine
