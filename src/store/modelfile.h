#pragma once
// Ollama's Modelfile: the parser (as Ollama's parser/parser.go reads it, with errors that name
// the line and column) and the writer of `show --modelfile` / `show --parameters` text.
//
//   # comment
//   FROM llama3.2            (or a .gguf path, or sha256:<digest>)
//   PARAMETER temperature 0.7
//   PARAMETER stop "<|im_end|>"          (repeatable)
//   TEMPLATE """{{ .Prompt }}"""         (""" or " quoted values may span lines)
//   SYSTEM You are terse.
//   ADAPTER ./lora.gguf
//   LICENSE MIT                          (repeatable)
//   MESSAGE user Hello                   (role: system, user or assistant)
//   DRAFT ./draft.gguf
//   REQUIRES 0.14.0                      RENDERER name     PARSER name
//
// Directives are case-insensitive; parameter names are case-sensitive, as in Ollama. Pure
// functions; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "chat/parameters.h"

namespace hearth::store {

enum class Directive {
  kFrom,
  kParameter,
  kTemplate,
  kSystem,
  kAdapter,
  kLicense,
  kMessage,
  kDraft,
  kRequires,
  kRenderer,
  kParser,
};

// "FROM", "PARAMETER", ...
const char* DirectiveName(Directive d);

struct ModelfileCommand {
  Directive directive = Directive::kFrom;
  std::string name;   // PARAMETER: the parameter name; MESSAGE: the role; otherwise empty
  std::string value;  // unquoted; REQUIRES: normalised ("v0.14" -> "0.14")
  chat::ParameterValue parameter;  // PARAMETER: the typed value
  int line = 0;                    // 1-based position of the directive keyword
  int column = 0;
};

struct Modelfile {
  std::vector<ModelfileCommand> commands;  // file order
  // Non-fatal findings, e.g. "line 4: parameter mirostat is deprecated" (the command is dropped,
  // as Ollama drops it).
  std::vector<std::string> warnings;
};

inline constexpr size_t kMaxModelfileBytes = 16u << 20;

// Parses a Modelfile. Accepts UTF-8 (with or without BOM) and UTF-16 with a BOM; CRLF and CR line
// ends read as LF; other control characters are dropped as Ollama drops them. Errors are
// InvalidArgument "line L, column C: <what>", e.g.
//   line 3, column 1: unknown command 'FORM'
//   line 2, column 11: unknown parameter 'temprature'
//   line 2, column 23: invalid value for parameter top_k: "ten" is not an integer
//   line 5, column 10: unterminated """ value
// and, with no position, "no FROM line". Texts over kMaxModelfileBytes are rejected.
Result<Modelfile> ParseModelfile(std::string_view text);

// The parameters a Modelfile sets, in file order, as (name, value) pairs.
std::vector<std::pair<std::string, chat::ParameterValue>> ModelfileParameters(const Modelfile& m);

// Ollama's params layer: a JSON object with sorted keys, ints as integers, floats as float32
// shortest digits, use_mmap as a bool and stop as an array, encoded as Go's json.Encoder writes it
// (HTML-safe escapes, trailing newline). Keys of `base_json` (the FROM model's params layer, may
// be empty) that `params` does not set are kept, as Ollama merges them. InvalidArgument when
// `base_json` is not a JSON object.
Result<std::string> EncodeParams(const std::vector<std::pair<std::string, chat::ParameterValue>>& params,
                                 std::string_view base_json);

// `show --parameters` text: one "%-30s %#v" line per value (stop once per element), sorted by
// name, joined by "\n" without a trailing newline; "" for "{}" or an empty string. DataLoss when
// `params_json` is not a JSON object.
Result<std::string> FormatParameters(std::string_view params_json);

// What `show --modelfile` prints, gathered from a model in the store.
struct ModelfileView {
  std::string display_name;  // the "# FROM <name>" hint
  std::string model_path;    // blob path of the model layer
  std::vector<std::string> adapter_paths;
  std::string draft_path;
  std::vector<std::string> projector_paths;
  std::string template_text;  // the template layer; empty: no TEMPLATE line
  std::string system;
  std::string renderer;
  std::string parser;
  std::string params_json;  // the params layer; empty or "{}" when none
  std::vector<std::string> licenses;
  std::string messages_json;  // the messages layer; empty or "[]" when none
};

// Ollama's `show --modelfile` text (Model.String() with its header comment, written by "hearth
// show"): FROM, ADAPTER, DRAFT, projector FROMs, TEMPLATE, SYSTEM, RENDERER, PARSER, PARAMETERs,
// LICENSEs, MESSAGEs, each value quoted as Ollama quotes it. DataLoss when the params or messages
// JSON is malformed.
Result<std::string> FormatModelfile(const ModelfileView& view);

// Ollama's quoting of a value in generated Modelfiles: values with a newline or leading/trailing
// space are wrapped in "..." (or """...""" when they contain a double quote); others are unquoted.
std::string QuoteModelfileValue(std::string_view s);

}  // namespace hearth::store
