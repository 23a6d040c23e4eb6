#pragma once
// Internal to the Go-template interpreter: the parse tree, shaped like Go's text/template/parse.
// Not a public API; included only by go_template*.cc.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "gotmpl/go_template.h"
#include "gotmpl/template_value.h"

namespace hearth::gotmpl::ast {

struct Pos {
  int line = 1;
  int column = 1;
};

struct Pipe;

// One operand of a command (Go's FieldNode, VariableNode, ChainNode, IdentifierNode, ...).
struct Operand {
  enum class Kind {
    kField,     // .A.B            fields = {A, B}
    kVariable,  // $x.A / $        name = "$x", fields = {A}
    kDot,       // .
    kNil,
    kBool,
    kNumber,  // is_int: int64 `i`, else float `f`
    kString,
    kFunction,  // an identifier: a function call with no arguments when used as an operand
    kPipe,      // (pipeline), with `fields` when chained: (pipeline).A.B
  };
  Kind kind = Kind::kDot;
  Pos pos;
  std::string name;
  std::vector<std::string> fields;
  bool b = false;
  bool is_int = false;
  int64_t i = 0;
  double f = 0;
  std::string s;  // kString: the unquoted text; kNumber: the literal as written
  std::shared_ptr<Pipe> pipe;
};

struct Command {
  Pos pos;
  std::vector<Operand> args;
};

struct Pipe {
  Pos pos;
  bool is_assign = false;         // $x = ... (else declarations: $x := ...)
  std::vector<std::string> decl;  // declared or assigned variables
  std::vector<Command> cmds;
};

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith, kBreak, kContinue };
  Kind kind = Kind::kText;
  Pos pos;
  std::string text;            // kText
  std::shared_ptr<Pipe> pipe;  // kAction, kIf, kRange, kWith
  std::vector<Node> list;      // branch bodies
  std::vector<Node> else_list;
  bool has_else = false;
};

// A parsed template: the root list.
struct Tree {
  std::vector<Node> root;
  size_t node_count = 0;
};

// Parses Go template text. InvalidArgument "line L, column C: <what>" on a syntax error, an
// undefined function or variable, or nesting deeper than the parser's limit.
Result<std::shared_ptr<const Tree>> ParseTree(std::string_view text,
                                              const std::vector<std::string>& functions);

// Executes `tree` with `data` as dot. Errors as GoTemplate::Execute, without the "template: "
// prefix.
Result<std::string> ExecuteTree(const Tree& tree, const TemplateValue& data,
                                const ExecOptions& options);

// Calls builtin `name` (not and/or, which the executor evaluates lazily) on evaluated `args`.
// InvalidArgument describes a wrong argument count or type.
Result<TemplateValue> CallBuiltin(const std::string& name, const std::vector<TemplateValue>& args,
                                  std::chrono::system_clock::time_point now);

}  // namespace hearth::gotmpl::ast
