#pragma once
// Internal to the Go-template interpreter: the lexer, a restatement of Go's text/template/parse
// lex.go (delimiters {{ }}, trim markers "{{- " and " -}}", comments {{/* */}}).

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gotmpl/go_template_ast.h"

namespace hearth::gotmpl::ast {

enum class Tok {
  kEOF,
  kText,
  kLeftDelim,
  kRightDelim,
  kSpace,
  kIdentifier,
  kField,     // ".Name"
  kVariable,  // "$name" or "$"
  kDot,
  kString,  // the unquoted value
  kNumber,  // as written
  kChar,    // a character constant, value = the code point as decimal
  kBool,
  kNil,
  kPipe,
  kLeftParen,
  kRightParen,
  kDeclare,  // :=
  kAssign,   // =
  kComma,
  kKeyword,  // if else end range with break continue define template block
};

struct Token {
  Tok type = Tok::kEOF;
  std::string val;
  Pos pos;
};

// Splits `text` into tokens ending with kEOF. InvalidArgument "line L, column C: <what>" for an
// unclosed action or comment, an unterminated string, a bad character or number.
Result<std::vector<Token>> Lex(std::string_view text);

// Describes a token for "unexpected ..." errors, as Go does: "\"}\"", "<if>", "EOF".
std::string Describe(const Token& t);

}  // namespace hearth::gotmpl::ast
