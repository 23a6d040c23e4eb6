#include "scheduler/output.h"

#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "gotmpl/go_template.h"
#include "gotmpl/output_parser.h"
#include "engine/grammar.h"

namespace hearth::scheduler {
namespace {

// Ordered: the grammar keeps the schema's property order, and the name must come first (the
// tool-call parser finds the name, then the arguments after it).
using Json = nlohmann::ordered_json;

class PlainOutput final : public OutputParser {
 public:
  void Add(std::string_view text, chat::Chunk& chunk) override { chunk.content.append(text); }
  void Finish(chat::Chunk&) override {}
};

class JinjaOutput final : public OutputParser {
 public:
  explicit JinjaOutput(engine::OutputSyntaxPtr syntax) : parser_(std::move(syntax)) {}
  void Add(std::string_view text, chat::Chunk& chunk) override { Fill(parser_.Push(text), chunk); }
  void Finish(chat::Chunk& final_chunk) override { Fill(parser_.Finish(), final_chunk); }

 private:
  static void Fill(engine::OutputDelta&& d, chat::Chunk& chunk) {
    chunk.content += d.content;
    chunk.thinking += d.thinking;
    AssignToolCallIds(d.tool_calls);
    for (auto& c : d.tool_calls) chunk.tool_calls.push_back(std::move(c));
  }
  engine::ChatOutputParser parser_;
};

class GoOutput final : public OutputParser {
 public:
  GoOutput(std::string open, std::string close, const std::vector<chat::Tool>& tools,
           std::string tag)
      : parser_(std::move(open), std::move(close), tools, std::move(tag)) {}
  void Add(std::string_view text, chat::Chunk& chunk) override { Fill(parser_.Add(text), chunk); }
  void Finish(chat::Chunk& final_chunk) override { Fill(parser_.Finish(), final_chunk); }

 private:
  static void Fill(gotmpl::ParsedOutput&& p, chat::Chunk& chunk) {
    chunk.content += p.content;
    chunk.thinking += p.thinking;
    AssignToolCallIds(p.tool_calls);
    for (auto& c : p.tool_calls) chunk.tool_calls.push_back(std::move(c));
  }
  gotmpl::OllamaOutputParser parser_;
};

// A GBNF string literal for `s`.
std::string GbnfLiteral(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out.push_back(c);
    }
  }
  return out + "\"";
}

constexpr char kCallRule[] = "hearth-tool-call";

}  // namespace

std::unique_ptr<OutputParser> MakePlainParser() { return std::make_unique<PlainOutput>(); }

std::unique_ptr<OutputParser> MakeJinjaParser(engine::OutputSyntaxPtr syntax) {
  if (!syntax) return MakePlainParser();
  return std::make_unique<JinjaOutput>(std::move(syntax));
}

std::unique_ptr<OutputParser> MakeGoParser(const gotmpl::OllamaTemplate& go,
                                           const std::vector<chat::Tool>& tools, bool thinking) {
  auto tree = gotmpl::GoTemplate::Parse(go.source());
  if (!tree.ok()) return MakePlainParser();  // cannot happen: `go` parsed the same source
  std::string open, close;
  if (thinking) std::tie(open, close) = tree->InferThinkingTags();
  if (tools.empty() && (open.empty() || close.empty())) return MakePlainParser();
  return std::make_unique<GoOutput>(std::move(open), std::move(close), tools,
                                    tools.empty() ? std::string() : gotmpl::ToolCallTag(*tree));
}

Result<engine::GrammarConstraint> GoToolGrammar(const gotmpl::OllamaTemplate& go,
                                                const std::vector<chat::Tool>& tools,
                                                const std::string& function) {
  if (tools.empty())
    return InvalidArgument("tool_choice: a call is required but there are no tools");
  Json any_of = Json::array();
  for (const chat::Tool& t : tools) {
    if (!function.empty() && t.name != function) continue;
    Json params = Json::object({{"type", "object"}});
    if (!t.parameters_json.empty()) {
      params = Json::parse(t.parameters_json, nullptr, /*allow_exceptions=*/false);
      if (!params.is_object())
        return InvalidArgument("tools: the parameters of '" + t.name + "' are not a JSON object");
    }
    Json call = {{"type", "object"},
                 {"properties", {{"name", {{"const", t.name}}}, {"arguments", params}}},
                 {"required", Json::array({"name", "arguments"})}};
    any_of.push_back(std::move(call));
  }
  if (any_of.empty()) return InvalidArgument("tool_choice: no tool named '" + function + "'");
  chat::OutputFormat format;
  format.kind = chat::OutputFormat::Kind::kJsonSchema;
  format.text = (any_of.size() == 1 ? any_of[0] : Json{{"anyOf", any_of}}).dump();
  auto gbnf = engine::GrammarFor(format);
  if (!gbnf.ok()) return gbnf.status().WithContext("tools");

  auto tree = gotmpl::GoTemplate::Parse(go.source());
  if (!tree.ok()) return tree.status().WithContext("template");
  const std::string tag = gotmpl::ToolCallTag(*tree);
  // The schema's root becomes the call rule; the root puts the tag (if any) before it. The
  // converter's whitespace rule allows runs of newlines and tabs between tokens, which a small
  // model may loop on until its token budget runs out: one optional space is enough.
  std::ostringstream out;
  out << "root ::= " << (tag == "{" ? "" : GbnfLiteral(tag) + " \" \"? ") << kCallRule << "\n";
  std::istringstream in(*gbnf);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("root ::=", 0) == 0) {
      out << kCallRule << line.substr(4) << "\n";
    } else if (line.rfind("space ::=", 0) == 0) {
      out << "space ::= \" \"?\n";
    } else {
      out << line << "\n";
    }
  }
  engine::GrammarConstraint g;
  g.gbnf = out.str();
  g.lazy = false;
  return g;
}

void AssignToolCallIds(std::vector<chat::ToolCall>& calls) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  for (chat::ToolCall& c : calls) {
    if (!c.id.empty()) continue;
    c.id = "call_";
    for (int i = 0; i < 16; ++i) c.id.push_back(kAlphabet[pick(rng)]);
  }
}

}  // namespace hearth::scheduler
