#pragma once
// GoTemplate: hearth's own interpreter for the subset of Go's text/template that Ollama model
// templates use:
//   {{ .Field.Chain }} {{ $var }} {{ $.Root }} {{ $x := pipeline }} {{ $x = pipeline }}
//   {{ if }} {{ else if }} {{ else with }} {{ else }} {{ end }} {{ with }} {{ range }} (over
//   lists, maps in key order, and integers; "$i, $e :=" forms) {{ break }} {{ continue }}
//   pipelines "a | b", parentheses, literals (strings, raw strings, numbers, chars, true/false/nil)
//   functions: and or not eq ne lt le gt ge len index slice print printf println, and Ollama's
//   json currentDate yesterdayDate toTypeScriptType
//   trim markers {{- -}} and comments {{/* */}}
// Semantics follow Go (truthiness, short-circuit and/or, missing map keys print "<no value>",
// eq's type rules, fmt's printing); {{define}}/{{template}}/{{block}} are rejected.
//
// Hostile templates fail with an error naming the line and column ("template: line 3, column 9:
// function \"exec\" not defined"), never a crash: parsing bounds nesting depth and size, and
// execution bounds the output bytes and evaluation steps, so `{{ range 1000000000 }}` ends in a
// ResourceExhausted error instead of hanging. Immutable after Parse; thread-safe to Execute
// concurrently.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gotmpl/template_value.h"

namespace hearth::gotmpl {

namespace ast {
struct Tree;
}

struct TemplateLimits {
  size_t max_output_bytes = 32u << 20;
  uint64_t max_steps = 20'000'000;  // nodes walked, commands run, loop iterations
};

struct ExecOptions {
  TemplateLimits limits;
  // The time currentDate/yesterdayDate report (local date); unset: the system clock.
  std::optional<std::chrono::system_clock::time_point> now;
};

class GoTemplate {
 public:
  // Parses `source`. InvalidArgument "template: line L, column C: ..." on a syntax error, an
  // unknown function or an undefined variable.
  static Result<GoTemplate> Parse(std::string_view source);

  // Executes with `data` as dot (and $). InvalidArgument "template: line L, column C: ..." for
  // an execution error (a missing struct field, range over a non-list, a bad comparison, ...);
  // ResourceExhausted when a limit is hit.
  Result<std::string> Execute(const TemplateValue& data, const ExecOptions& options = {}) const;

  const std::string& source() const { return source_; }

  // Ollama's Template.Vars(): the lower-cased identifiers of every field and variable the
  // template mentions (outside chained parenthesised expressions), sorted and unique.
  std::vector<std::string> Vars() const;
  bool HasVar(std::string_view lower) const;

  // A copy with the action {{ .Response }} appended (Ollama's parse touch-up for templates that
  // mention neither .Messages nor .Response).
  GoTemplate WithResponseAppended() const;
  // Ollama's legacy last-turn template: a copy in which everything after the first .Response
  // field is removed (the field itself is kept).
  GoTemplate CutAfterResponse() const;
  // Ollama's thinking.InferTags: the trimmed first and last text of the list that holds a
  // .Thinking reference inside {{ range .Messages }}; empty strings when there is none.
  std::pair<std::string, std::string> InferThinkingTags() const;
  // Ollama's tools.parseTag: see gotmpl::ToolCallTag (gotmpl/tool_parser.h).
  std::string ToolCallTag() const;

 private:
  GoTemplate(std::string source, std::shared_ptr<const ast::Tree> tree)
      : source_(std::move(source)), tree_(std::move(tree)) {}
  std::string source_;
  std::shared_ptr<const ast::Tree> tree_;
};

// The names of the functions templates may call.
const std::vector<std::string>& TemplateFunctionNames();

}  // namespace hearth::gotmpl
