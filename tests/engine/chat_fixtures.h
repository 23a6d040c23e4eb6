#pragma once
// Shared helpers of the chat-template tests (tools_test.cc, chat_output_test.cc): real models'
// Jinja templates from the llama.cpp build's share/hearth/templates, the tiny shared models.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/chat_output.h"
#include "engine/chat_template.h"
#include "testing/test_env.h"

namespace hearth::engine::chat_testing {

using hearth::testing::SharedModel;
inline std::string ReadTemplate(const std::string& name) {
  std::ifstream in(std::string(HEARTH_TEMPLATES_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "missing template " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline ModelPtr Load(const std::string& file, bool vocab_only) {
  LoadOptions o;
  o.vocab_only = vocab_only;
  auto m = Model::Load(SharedModel(file), o);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

inline std::unique_ptr<ChatTemplate> Template(const ModelPtr& m, const std::string& file) {
  auto t = ChatTemplate::Create(m->raw(), ReadTemplate(file));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? std::move(t).value() : nullptr;
}

inline std::vector<chat::Tool> Tools() {
  return {{"get_weather", "Weather for a city",
           R"({"type":"object","properties":{"city":{"type":"string","enum":["Paris","Rome"]}},)"
           R"("required":["city"]})"},
          {"get_time", "Time in a zone",
           R"({"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"]})"}};
}

inline std::vector<chat::Message> Ask() { return {{"user", "Weather in Paris?", "", {}, "", ""}}; }

inline constexpr char kQwen25[] = "Qwen-Qwen2.5-7B-Instruct.jinja";
inline constexpr char kQwen3[] = "Qwen-Qwen3-0.6B.jinja";

// Pushes `text` in pieces of `step` bytes; returns the folded deltas.
inline OutputDelta Feed(ChatOutputParser* p, const std::string& text, size_t step) {
  OutputDelta all;
  auto fold = [&all](OutputDelta d) {
    all.content += d.content;
    all.thinking += d.thinking;
    for (auto& c : d.tool_calls) all.tool_calls.push_back(std::move(c));
  };
  for (size_t i = 0; i < text.size(); i += step) fold(p->Push(text.substr(i, step)));
  fold(p->Finish());
  return all;
}

}  // namespace hearth::engine::chat_testing
