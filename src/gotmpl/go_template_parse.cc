// The parser: a restatement of Go's text/template/parse parse.go over our tokens.
#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "gotmpl/go_template_ast.h"
#include "gotmpl/go_template_lex.h"

namespace hearth::gotmpl::ast {
namespace {

constexpr int kMaxDepth = 100;         // nested control structures and parentheses
constexpr size_t kMaxNodes = 1 << 20;  // nodes and operands in one template

// Parse errors unwind through Status returns; PARSE_TRY keeps the code close to Go's.
#define PARSE_TRY(expr) HEARTH_RETURN_IF_ERROR(expr)

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::vector<std::string>& functions)
      : toks_(std::move(tokens)), functions_(functions) {}

  Result<std::shared_ptr<const Tree>> Run() {
    auto tree = std::make_shared<Tree>();
    vars_ = {"$"};
    while (Peek().type != Tok::kEOF) {
      Node n;
      bool is_end = false, is_else = false;
      PARSE_TRY(TextOrAction(n, is_end, is_else));
      if (is_end || is_else) {
        return ErrorAt(n.pos, is_end ? "unexpected {{end}}" : "unexpected {{else}}");
      }
      tree->root.push_back(std::move(n));
    }
    tree->node_count = nodes_;
    return std::shared_ptr<const Tree>(std::move(tree));
  }

 private:
  const Token& Peek() const { return toks_[std::min(i_, toks_.size() - 1)]; }
  // Always advances, so one `--i_` backs up exactly one token (Peek clamps at the EOF token).
  const Token& Next() {
    const Token& t = Peek();
    ++i_;
    last_pos_ = t.pos;
    return t;
  }
  const Token& PeekNonSpace() {
    while (Peek().type == Tok::kSpace) Next();
    return Peek();
  }
  const Token& NextNonSpace() {
    PeekNonSpace();
    return Next();
  }
  Status ErrorAt(Pos p, const std::string& what) const {
    return InvalidArgument("line " + std::to_string(p.line) + ", column " +
                           std::to_string(p.column) + ": " + what);
  }
  Status Unexpected(const Token& t, const std::string& context) const {
    return ErrorAt(t.pos, "unexpected " + Describe(t) + " in " + context);
  }
  Status Count() {
    if (++nodes_ > kMaxNodes) return ErrorAt(last_pos_, "template too large");
    return Status();
  }
  Status Enter() {
    if (++depth_ > kMaxDepth) return ErrorAt(last_pos_, "template nesting too deep");
    return Status();
  }
  bool HasVar(const std::string& name) const {
    return std::find(vars_.begin(), vars_.end(), name) != vars_.end();
  }

  // Parses one text or action into `n`, or reports that it was {{end}} or {{else}}.
  Status TextOrAction(Node& n, bool& is_end, bool& is_else) {
    PARSE_TRY(Count());
    const Token& t = PeekNonSpace();
    if (t.type == Tok::kText) {
      Next();
      n.kind = Node::Kind::kText;
      n.pos = t.pos;
      n.text = t.val;
      return Status();
    }
    if (t.type == Tok::kLeftDelim) {
      Next();
      return Action(n, is_end, is_else);
    }
    return Unexpected(t, "input");
  }

  // Parses nodes until {{end}} or {{else}}; `is_else` tells which ended the list.
  Status ItemList(std::vector<Node>& list, bool& is_else) {
    for (;;) {
      if (PeekNonSpace().type == Tok::kEOF) return ErrorAt(Peek().pos, "unexpected EOF");
      Node n;
      bool is_end = false;
      is_else = false;
      PARSE_TRY(TextOrAction(n, is_end, is_else));
      if (is_end || is_else) return Status();
      list.push_back(std::move(n));
    }
  }

  Status Action(Node& n, bool& is_end, bool& is_else) {
    const Token& t = NextNonSpace();
    n.pos = t.pos;
    if (t.type == Tok::kKeyword) {
      const std::string& k = t.val;
      if (k == "end") {
        const Token& close = NextNonSpace();
        if (close.type != Tok::kRightDelim) return Unexpected(close, "end");
        is_end = true;
        return Status();
      }
      if (k == "else") {
        const Token& p = PeekNonSpace();
        if (!(p.type == Tok::kKeyword && (p.val == "if" || p.val == "with"))) {
          const Token& close = NextNonSpace();
          if (close.type != Tok::kRightDelim) return Unexpected(close, "else");
        }
        is_else = true;
        return Status();
      }
      if (k == "if") return Control(n, Node::Kind::kIf, "if");
      if (k == "with") return Control(n, Node::Kind::kWith, "with");
      if (k == "range") return Control(n, Node::Kind::kRange, "range");
      if (k == "break" || k == "continue") {
        const Token& close = NextNonSpace();
        if (close.type != Tok::kRightDelim) return Unexpected(close, "{{" + k + "}}");
        if (range_depth_ == 0) return ErrorAt(t.pos, "{{" + k + "}} outside {{range}}");
        n.kind = k == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
        return Status();
      }
      return ErrorAt(t.pos, "{{" + k + "}} is not supported in model templates");
    }
    --i_;  // back up: the token starts the pipeline
    n.kind = Node::Kind::kAction;
    // Variables declared by an action persist until the enclosing {{end}}.
    return Pipeline(n.pipe, "command", Tok::kRightDelim);
  }

  Status Control(Node& n, Node::Kind kind, const std::string& context) {
    PARSE_TRY(Enter());
    const size_t vars_mark = vars_.size();
    n.kind = kind;
    PARSE_TRY(Pipeline(n.pipe, context, Tok::kRightDelim));
    if (kind == Node::Kind::kRange) ++range_depth_;
    bool is_else = false;
    PARSE_TRY(ItemList(n.list, is_else));
    if (kind == Node::Kind::kRange) --range_depth_;
    if (is_else) {
      n.has_else = true;
      const Token& p = Peek();
      const bool chain =
          p.type == Tok::kKeyword && ((kind == Node::Kind::kIf && p.val == "if") ||
                                      (kind == Node::Kind::kWith && p.val == "with"));
      if (chain) {
        // {{else if b}} is {{else}}{{if b}}...{{end}}{{end}}: the inner {{end}} closes both.
        Next();
        Node inner;
        inner.pos = p.pos;
        PARSE_TRY(Count());
        PARSE_TRY(Control(inner, kind, context));
        n.else_list.push_back(std::move(inner));
      } else {
        bool again = false;
        PARSE_TRY(ItemList(n.else_list, again));
        if (again) return ErrorAt(last_pos_, "expected end; found {{else}}");
      }
    }
    vars_.resize(vars_mark);
    --depth_;
    return Status();
  }

  Status Pipeline(std::shared_ptr<Pipe>& out, const std::string& context, Tok end) {
    auto pipe = std::make_shared<Pipe>();
    pipe->pos = PeekNonSpace().pos;
    // Declarations: "$x :=", "$x =", "$i, $e :=" (range only).
    for (;;) {
      if (PeekNonSpace().type != Tok::kVariable) break;
      const size_t mark = i_;
      const Token v = Next();
      const Token& after = PeekNonSpace();
      if (after.type == Tok::kDeclare || after.type == Tok::kAssign) {
        pipe->is_assign = after.type == Tok::kAssign;
        Next();
        if (pipe->is_assign && !HasVar(v.val)) {
          return ErrorAt(v.pos, "undefined variable \"" + v.val + "\"");
        }
        pipe->decl.push_back(v.val);
        vars_.push_back(v.val);
        break;
      }
      if (after.type == Tok::kComma) {
        Next();
        pipe->decl.push_back(v.val);
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          const Token& p = PeekNonSpace();
          if (p.type == Tok::kVariable || p.type == Tok::kRightDelim ||
              p.type == Tok::kRightParen) {
            continue;
          }
          return ErrorAt(p.pos, "range can only initialize variables");
        }
        return ErrorAt(v.pos, "too many declarations in " + context);
      }
      i_ = mark;  // an ordinary operand
      break;
    }
    for (;;) {
      const Token& t = NextNonSpace();
      if (t.type == end) {
        if (pipe->cmds.empty()) return ErrorAt(t.pos, "missing value for " + context);
        for (size_t k = 1; k < pipe->cmds.size(); ++k) {
          const Operand::Kind first = pipe->cmds[k].args[0].kind;
          if (first == Operand::Kind::kBool || first == Operand::Kind::kDot ||
              first == Operand::Kind::kNil || first == Operand::Kind::kNumber ||
              first == Operand::Kind::kString) {
            return ErrorAt(pipe->cmds[k].pos,
                           "non executable command in pipeline stage " + std::to_string(k + 1));
          }
        }
        out = std::move(pipe);
        return Status();
      }
      switch (t.type) {
        case Tok::kBool:
        case Tok::kChar:
        case Tok::kDot:
        case Tok::kField:
        case Tok::kIdentifier:
        case Tok::kNumber:
        case Tok::kNil:
        case Tok::kString:
        case Tok::kVariable:
        case Tok::kLeftParen: {
          --i_;
          Command c;
          PARSE_TRY(ParseCommand(c));
          pipe->cmds.push_back(std::move(c));
          continue;
        }
        default:
          return Unexpected(t, context);
      }
    }
  }

  Status ParseCommand(Command& c) {
    c.pos = PeekNonSpace().pos;
    for (;;) {
      PeekNonSpace();
      Operand op;
      bool got = false;
      PARSE_TRY(ParseOperand(op, got));
      if (got) c.args.push_back(std::move(op));
      const Token& t = Next();
      if (t.type == Tok::kSpace) continue;
      if (t.type == Tok::kRightDelim || t.type == Tok::kRightParen) {
        --i_;
      } else if (t.type != Tok::kPipe) {
        return Unexpected(t, "operand");
      }
      break;
    }
    if (c.args.empty()) return ErrorAt(c.pos, "empty command");
    return Status();
  }

  Status ParseOperand(Operand& op, bool& got) {
    PARSE_TRY(Term(op, got));
    if (!got || Peek().type != Tok::kField) return Status();
    std::vector<std::string> chain;
    while (Peek().type == Tok::kField) chain.push_back(Next().val.substr(1));
    switch (op.kind) {
      case Operand::Kind::kField:
      case Operand::Kind::kVariable:
      case Operand::Kind::kPipe:
        op.fields.insert(op.fields.end(), chain.begin(), chain.end());
        return Status();
      case Operand::Kind::kFunction:
        return ErrorAt(op.pos, "function call " + op.name + " cannot be followed by a field");
      default:
        return ErrorAt(op.pos, "unexpected . after term");
    }
  }

  Status Term(Operand& op, bool& got) {
    got = true;
    const Token& t = NextNonSpace();
    op.pos = t.pos;
    PARSE_TRY(Count());
    switch (t.type) {
      case Tok::kIdentifier:
        if (std::find(functions_.begin(), functions_.end(), t.val) == functions_.end()) {
          return ErrorAt(t.pos, "function \"" + t.val + "\" not defined");
        }
        op.kind = Operand::Kind::kFunction;
        op.name = t.val;
        return Status();
      case Tok::kDot:
        op.kind = Operand::Kind::kDot;
        return Status();
      case Tok::kNil:
        op.kind = Operand::Kind::kNil;
        return Status();
      case Tok::kVariable:
        if (!HasVar(t.val)) return ErrorAt(t.pos, "undefined variable \"" + t.val + "\"");
        op.kind = Operand::Kind::kVariable;
        op.name = t.val;
        return Status();
      case Tok::kField:
        op.kind = Operand::Kind::kField;
        op.fields = {t.val.substr(1)};
        return Status();
      case Tok::kBool:
        op.kind = Operand::Kind::kBool;
        op.b = t.val == "true";
        return Status();
      case Tok::kChar:
        op.kind = Operand::Kind::kNumber;
        op.is_int = true;
        op.i = std::strtoll(t.val.c_str(), nullptr, 10);
        op.s = t.val;
        return Status();
      case Tok::kNumber:
        return Number(t, op);
      case Tok::kString:
        op.kind = Operand::Kind::kString;
        op.s = t.val;
        return Status();
      case Tok::kLeftParen: {
        PARSE_TRY(Enter());
        op.kind = Operand::Kind::kPipe;
        PARSE_TRY(Pipeline(op.pipe, "parenthesized pipeline", Tok::kRightParen));
        --depth_;
        return Status();
      }
      default:
        --i_;
        got = false;
        return Status();
    }
  }

  Status Number(const Token& t, Operand& op) {
    op.kind = Operand::Kind::kNumber;
    op.s = t.val;
    std::string clean;
    for (char c : t.val) {
      if (c != '_') clean += c;
    }
    const bool hex = clean.find("0x") != std::string::npos || clean.find("0X") != std::string::npos;
    const bool floaty = !hex && clean.find_first_of(".eEpP") != std::string::npos;
    errno = 0;
    char* end = nullptr;
    if (!floaty) {
      std::string digits = clean;
      int base = 10;
      size_t sign = (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) ? 1 : 0;
      const std::string prefix = digits.substr(sign, 2);
      if (prefix == "0x" || prefix == "0X")
        base = 16;
      else if (prefix == "0o" || prefix == "0O")
        base = 8;
      else if (prefix == "0b" || prefix == "0B")
        base = 2;
      else if (digits.size() > sign + 1 && digits[sign] == '0')
        base = 8;
      if (base != 10 && (prefix[1] < '0' || prefix[1] > '9')) digits.erase(sign, 2);
      const long long v = std::strtoll(digits.c_str(), &end, base);
      if (end == digits.c_str() + digits.size() && errno == 0 && digits.size() > sign) {
        op.is_int = true;
        op.i = v;
        op.f = static_cast<double>(v);
        return Status();
      }
    }
    errno = 0;
    const double f = std::strtod(clean.c_str(), &end);
    if (end != clean.c_str() + clean.size() || errno == ERANGE || clean.empty()) {
      return ErrorAt(t.pos, "illegal number syntax: \"" + t.val + "\"");
    }
    op.is_int = false;
    op.f = f;
    return Status();
  }

  std::vector<Token> toks_;
  const std::vector<std::string>& functions_;
  size_t i_ = 0;
  Pos last_pos_;
  std::vector<std::string> vars_;
  int range_depth_ = 0;
  int depth_ = 0;
  size_t nodes_ = 0;
};

}  // namespace

Result<std::shared_ptr<const Tree>> ParseTree(std::string_view text,
                                              const std::vector<std::string>& functions) {
  HEARTH_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text));
  return Parser(std::move(tokens), functions).Run();
}

}  // namespace hearth::gotmpl::ast
