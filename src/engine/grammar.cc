#include "engine/grammar.h"

#include <json-schema-to-grammar.h>
#include <json.h>

#include <exception>

namespace hearth::engine {

Result<std::string> GrammarFor(const chat::OutputFormat& format) {
  using Kind = chat::OutputFormat::Kind;
  std::string schema_text;
  switch (format.kind) {
    case Kind::kNone: return std::string();
    case Kind::kGrammar:
      if (format.text.empty()) return InvalidArgument("grammar is empty");
      return format.text;
    case Kind::kJson: schema_text = R"({"type":"object"})"; break;
    case Kind::kJsonSchema: schema_text = format.text; break;
  }
  try {
    common_json schema = common_json::parse(schema_text);
    if (!schema.is_object()) return InvalidArgument("format: the JSON schema must be an object");
    std::string gbnf = json_schema_to_grammar(schema, /*force_gbnf=*/true);
    if (gbnf.empty()) return InvalidArgument("format: the JSON schema produced no grammar");
    return gbnf;
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("format: invalid JSON schema: ") + e.what());
  }
}

}  // namespace hearth::engine
