// Modelfile parser goldens: good files parse to the exact commands, bad files fail with the exact
// line, column and message.
#include "store/modelfile.h"

#include <gtest/gtest.h>

namespace hearth::store {
namespace {

struct Expect {
  Directive directive;
  std::string name;
  std::string value;
  int line;
  int column;
};

void ExpectCommands(const Modelfile& mf, const std::vector<Expect>& want) {
  ASSERT_EQ(mf.commands.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const ModelfileCommand& c = mf.commands[i];
    EXPECT_EQ(c.directive, want[i].directive) << i;
    EXPECT_EQ(c.name, want[i].name) << i;
    EXPECT_EQ(c.value, want[i].value) << i;
    EXPECT_EQ(c.line, want[i].line) << i;
    EXPECT_EQ(c.column, want[i].column) << i;
  }
}

const char kEverything[] = R"(# Mario, as in Ollama's docs
FROM llama3.2
parameter temperature 0.7
PARAMETER stop <|start_header_id|>
PARAMETER stop "<|eot_id|>"
  PARAMETER num_ctx 8192
PARAMETER use_mmap false
TEMPLATE """{{ if .System }}<|start_header_id|>system<|end_header_id|>

{{ .System }}<|eot_id|>{{ end }}"""
SYSTEM You are Mario from Super Mario Bros.   
LICENSE MIT
License """Apache "2.0"
text"""
MESSAGE user Is Toronto in Canada?
message assistant "yes"
ADAPTER ./lora.gguf
Draft ./draft.gguf
REQUIRES v0.14.0
RENDERER qwen3
PARSER    qwen3
)";

TEST(ModelfileTest, ParsesEveryDirective) {
  auto mf = ParseModelfile(kEverything);
  ASSERT_TRUE(mf.ok()) << mf.status().message();
  ExpectCommands(*mf, {
      {Directive::kFrom, "", "llama3.2", 2, 1},
      {Directive::kParameter, "temperature", "0.7", 3, 1},
      {Directive::kParameter, "stop", "<|start_header_id|>", 4, 1},
      {Directive::kParameter, "stop", "<|eot_id|>", 5, 1},
      {Directive::kParameter, "num_ctx", "8192", 6, 3},
      {Directive::kParameter, "use_mmap", "false", 7, 1},
      {Directive::kTemplate, "",
       "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ "
       "end }}",
       8, 1},
      {Directive::kSystem, "", "You are Mario from Super Mario Bros.", 11, 1},
      {Directive::kLicense, "", "MIT", 12, 1},
      {Directive::kLicense, "", "Apache \"2.0\"\ntext", 13, 1},
      {Directive::kMessage, "user", "Is Toronto in Canada?", 15, 1},
      {Directive::kMessage, "assistant", "yes", 16, 1},
      {Directive::kAdapter, "", "./lora.gguf", 17, 1},
      {Directive::kDraft, "", "./draft.gguf", 18, 1},
      {Directive::kRequires, "", "0.14.0", 19, 1},
      {Directive::kRenderer, "", "qwen3", 20, 1},
      {Directive::kParser, "", "qwen3", 21, 1},
  });
  EXPECT_TRUE(mf->warnings.empty());
  const auto& p = mf->commands;
  EXPECT_EQ(p[1].parameter.type, chat::ParameterType::kFloat);
  EXPECT_FLOAT_EQ(static_cast<float>(p[1].parameter.f), 0.7f);
  EXPECT_EQ(p[4].parameter.i, 8192);
  EXPECT_EQ(p[5].parameter.type, chat::ParameterType::kBool);
  EXPECT_FALSE(p[5].parameter.b);
}

TEST(ModelfileTest, QuotingFollowsOllama) {
  // A single-quoted value may span lines; it ends where a line's trimmed text closes the quote.
  auto mf = ParseModelfile("FROM x\nSYSTEM \"one\ntwo\"\nTEMPLATE \"\"\"\n{{ .Prompt }}\n\"\"\"\n"
                           "SYSTEM \"\"\nPARAMETER stop \"\"\" \"\"\"\n");
  ASSERT_TRUE(mf.ok()) << mf.status().message();
  ExpectCommands(*mf, {{Directive::kFrom, "", "x", 1, 1},
                       {Directive::kSystem, "", "one\ntwo", 2, 1},
                       {Directive::kTemplate, "", "\n{{ .Prompt }}\n", 4, 1},
                       {Directive::kSystem, "", "", 7, 1},
                       {Directive::kParameter, "stop", " ", 8, 1}});
}

TEST(ModelfileTest, LineEndingsEncodingsAndControlCharacters) {
  // CRLF counts as one line end and never reaches values; a UTF-8 BOM is skipped.
  auto crlf = ParseModelfile("\xef\xbb\xbf" "FROM x\r\nTEMPLATE \"\"\"a\r\nb\"\"\"\r\nSYSTEM s\r\n");
  ASSERT_TRUE(crlf.ok()) << crlf.status().message();
  ExpectCommands(*crlf, {{Directive::kFrom, "", "x", 1, 1},
                         {Directive::kTemplate, "", "a\nb", 2, 1},
                         {Directive::kSystem, "", "s", 4, 1}});
  // UTF-16LE with a BOM, as Windows editors save it.
  std::string utf16 = "\xff\xfe";
  for (char c : std::string("FROM m\nSYSTEM \xe9t\xe9")) {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  // The two 0xe9 bytes above are Latin-1 code units, i.e. U+00E9 in UTF-16.
  auto u16 = ParseModelfile(utf16);
  ASSERT_TRUE(u16.ok()) << u16.status().message();
  EXPECT_EQ(u16->commands[1].value, "\xc3\xa9t\xc3\xa9");
  // Control characters are dropped from values, tabs kept.
  auto ctl = ParseModelfile(std::string("FROM x\nSYSTEM a\x01" "b\tc\x7f", 20));
  ASSERT_TRUE(ctl.ok()) << ctl.status().message();
  EXPECT_EQ(ctl->commands[1].value, "ab\tc");
}

TEST(ModelfileTest, DeprecatedParametersWarnAndAreDropped) {
  auto mf = ParseModelfile("FROM x\nPARAMETER mirostat 1\nPARAMETER penalize_newline true\n");
  ASSERT_TRUE(mf.ok()) << mf.status().message();
  EXPECT_EQ(mf->commands.size(), 1u);
  EXPECT_EQ(mf->warnings, (std::vector<std::string>{"line 2: parameter mirostat is deprecated",
                                                    "line 3: parameter penalize_newline is deprecated"}));
}

struct BadCase {
  const char* text;
  const char* error;
};

TEST(ModelfileTest, BadFilesNameLineAndColumn) {
  const BadCase cases[] = {
      {"FROM x\nPARAMETER temperature 0.7\nFORM y\n", "line 3, column 1: unknown command 'FORM'"},
      {"FROM x\nPARAMETER temprature 0.7", "line 2, column 11: unknown parameter 'temprature'"},
      {"FROM x\nPARAMETER top_k ten",
       "line 2, column 17: invalid value for parameter top_k: \"ten\" is not an integer"},
      {"FROM x\n  parameter temperature 1e999",
       "line 2, column 25: invalid value for parameter temperature: \"1e999\" is not a number"},
      {"FROM x\nPARAMETER use_mmap maybe",
       "line 2, column 20: invalid value for parameter use_mmap: \"maybe\" is not a boolean"},
      {"FROM x\nMESSAGE user \xc3\xa9\xc3\xa9\nPARAMETER top_k 1.5",
       "line 3, column 17: invalid value for parameter top_k: \"1.5\" is not an integer"},
      {"FROM x\nTEMPLATE \"\"\"{{ .Prompt }}\n\nmore", "line 2, column 10: unterminated \"\"\" value"},
      {"FROM x\nSYSTEM \"unterminated\nmore", "line 2, column 8: unterminated quoted value"},
      {"FROM x\nSYSTEM \"closed\" then text", "line 2, column 8: unterminated quoted value"},
      {"PARAMETER temperature 1\n# no model\n", "no FROM line"},
      {"", "no FROM line"},
      {"FROM x\nMESSAGE tool hi",
       "line 2, column 9: message role must be one of \"system\", \"user\", or \"assistant\""},
      {"FROM x\nMESSAGE us3r hi", "line 2, column 9: invalid message role 'us3r'"},
      {"FROM x\nMESSAGE user", "line 2, column 13: missing text for MESSAGE user"},
      {"FROM\n", "line 1, column 5: missing value for FROM"},
      {"FROM x\nSYSTEM    \n", "line 2, column 11: missing value for SYSTEM"},
      {"FROM x\nPARAMETER seed\n", "line 2, column 15: missing value for parameter 'seed'"},
      {"FROM x\nPARAMETER num-ctx 5", "line 2, column 11: invalid parameter name 'num-ctx'"},
      {"FROM x\nREQUIRES 1.x", "line 2, column 10: requires must be a valid semver (e.g. 0.14.0)"},
      {"FROM x\nREQUIRES 01.2.3", "line 2, column 10: requires must be a valid semver (e.g. 0.14.0)"},
      {"FROM x\r\n\tFROM: y", "line 2, column 2: unknown command 'FROM:'"},
      {"FROM \xc3\xa9\n\xc3\x89 x", "line 2, column 1: unknown command '\xc3\x89'"},
      {"FROM x\nFROM\x01 y", "line 2, column 1: unknown command 'FROM\x01'"},
      {"FROM x\nSYSTEM \x01\n", "line 2, column 8: missing value"},
  };
  for (const BadCase& c : cases) {
    auto mf = ParseModelfile(c.text);
    ASSERT_FALSE(mf.ok()) << c.text;
    EXPECT_EQ(mf.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_EQ(mf.status().message(), c.error) << c.text;
  }
}

TEST(ModelfileTest, SemverForms) {
  for (const char* ok : {"0.14.0", "v1", "1.2", "v1.2.3-rc.1+build.5", "2.0.0-alpha"}) {
    auto mf = ParseModelfile(std::string("FROM x\nREQUIRES ") + ok);
    ASSERT_TRUE(mf.ok()) << ok << ": " << mf.status().message();
  }
  EXPECT_EQ(ParseModelfile("FROM x\nREQUIRES v0.14.0")->commands[1].value, "0.14.0");
  for (const char* bad : {"1.2.3.4", "1.2.3-", "1.2.3-01", "vv1", "1..2", "-1"}) {
    EXPECT_FALSE(ParseModelfile(std::string("FROM x\nREQUIRES ") + bad).ok()) << bad;
  }
}

TEST(ModelfileTest, HostileInputNeverCrashes) {
  // Every prefix of a valid file parses or fails cleanly; so does random junk.
  const std::string text = kEverything;
  for (size_t n = 0; n <= text.size(); ++n) (void)ParseModelfile(text.substr(0, n));
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245u + 12345u;
    junk.push_back(static_cast<char>(x >> 16));
  }
  (void)ParseModelfile(junk);
  EXPECT_EQ(ParseModelfile(std::string(kMaxModelfileBytes + 1, ' ')).status().message(),
            "Modelfile is larger than 16 MiB");
}

}  // namespace
}  // namespace hearth::store
