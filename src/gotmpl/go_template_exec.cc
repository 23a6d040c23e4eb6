// The executor: Go's text/template exec.go semantics over our parse tree and TemplateValue.
#include <optional>

#include "gotmpl/go_template_ast.h"

namespace hearth::gotmpl::ast {
namespace {

using Kind = TemplateValue::Kind;

#define EXEC_TRY(expr) HEARTH_RETURN_IF_ERROR(expr)

class Exec {
 public:
  Exec(const TemplateValue& data, const ExecOptions& options)
      : limits_(options.limits), now_(options.now.value_or(std::chrono::system_clock::now())) {
    vars_.push_back({"$", data});
  }

  Result<std::string> Run(const Tree& tree, const TemplateValue& data) {
    Flow flow = Flow::kNormal;
    EXEC_TRY(Walk(data, tree.root, flow));
    return std::move(out_);
  }

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  struct Var {
    std::string name;
    TemplateValue value;
  };

  static Status ErrorAt(Pos p, const std::string& what) {
    return InvalidArgument("line " + std::to_string(p.line) + ", column " +
                           std::to_string(p.column) + ": " + what);
  }
  Status Step(Pos p) {
    if (++steps_ > limits_.max_steps) {
      return ResourceExhausted("line " + std::to_string(p.line) + ", column " +
                               std::to_string(p.column) + ": execution exceeds " +
                               std::to_string(limits_.max_steps) + " steps");
    }
    return Status();
  }
  Status Write(std::string_view s) {
    if (out_.size() + s.size() > limits_.max_output_bytes) {
      return ResourceExhausted("output exceeds " + std::to_string(limits_.max_output_bytes) +
                               " bytes");
    }
    out_.append(s);
    return Status();
  }

  size_t Mark() const { return vars_.size(); }
  void Pop(size_t mark) { vars_.resize(mark); }
  const TemplateValue* FindVar(const std::string& name) const {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) return &vars_[i].value;
    }
    return nullptr;
  }
  Status SetVar(Pos p, const std::string& name, TemplateValue v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) {
        vars_[i].value = std::move(v);
        return Status();
      }
    }
    return ErrorAt(p, "undefined variable: " + name);
  }

  Status Walk(const TemplateValue& dot, const std::vector<Node>& list, Flow& flow) {
    for (const Node& n : list) {
      EXEC_TRY(WalkNode(dot, n, flow));
      if (flow != Flow::kNormal) return Status();
    }
    return Status();
  }

  Status WalkNode(const TemplateValue& dot, const Node& n, Flow& flow) {
    EXEC_TRY(Step(n.pos));
    switch (n.kind) {
      case Node::Kind::kText:
        return Write(n.text);
      case Node::Kind::kAction: {
        HEARTH_ASSIGN_OR_RETURN(TemplateValue v, EvalPipeline(dot, *n.pipe));
        if (!n.pipe->decl.empty()) return Status();
        return Write(v.is_nil() ? std::string("<no value>") : v.Print());
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith:
        return IfOrWith(dot, n, flow);
      case Node::Kind::kRange:
        return Range(dot, n, flow);
      case Node::Kind::kBreak:
        flow = Flow::kBreak;
        return Status();
      case Node::Kind::kContinue:
        flow = Flow::kContinue;
        return Status();
    }
    return Status();
  }

  Status IfOrWith(const TemplateValue& dot, const Node& n, Flow& flow) {
    const size_t mark = Mark();
    HEARTH_ASSIGN_OR_RETURN(TemplateValue v, EvalPipeline(dot, *n.pipe));
    Status s;
    if (v.Truth()) {
      s = Walk(n.kind == Node::Kind::kWith ? v : dot, n.list, flow);
    } else if (n.has_else) {
      s = Walk(dot, n.else_list, flow);
    }
    Pop(mark);
    return s;
  }

  Status Range(const TemplateValue& dot, const Node& n, Flow& flow) {
    const size_t outer = Mark();
    HEARTH_ASSIGN_OR_RETURN(TemplateValue v, EvalPipeline(dot, *n.pipe));
    const Pipe& pipe = *n.pipe;
    const size_t mark = Mark();
    bool any = false;
    auto iteration = [&](TemplateValue index, const TemplateValue& elem) -> Status {
      any = true;
      EXEC_TRY(Step(n.pos));
      if (!pipe.decl.empty()) {
        if (pipe.is_assign) {
          EXEC_TRY(SetVar(n.pos, pipe.decl[0], pipe.decl.size() > 1 ? index : elem));
          if (pipe.decl.size() > 1) EXEC_TRY(SetVar(n.pos, pipe.decl[1], elem));
        } else {
          vars_[mark - 1].value = elem;
          if (pipe.decl.size() > 1) vars_[mark - 2].value = std::move(index);
        }
      }
      Flow body = Flow::kNormal;
      Status s = Walk(elem, n.list, body);
      Pop(mark);
      if (body == Flow::kBreak) flow = Flow::kBreak;
      return s;
    };
    Status s;
    switch (v.kind()) {
      case Kind::kList:
        for (size_t i = 0; i < v.items().size() && s.ok(); ++i) {
          s = iteration(TemplateValue::Int(static_cast<int64_t>(i)), v.items()[i]);
          if (flow == Flow::kBreak) break;
        }
        break;
      case Kind::kMap:
        for (const auto& [k, e] : v.entries()) {
          s = iteration(TemplateValue::String(k), e);
          if (!s.ok() || flow == Flow::kBreak) break;
        }
        break;
      case Kind::kInt:
        if (pipe.decl.size() > 1) {
          s = ErrorAt(n.pos, "can't use " + v.Print() + " to iterate over more than one variable");
          break;
        }
        for (int64_t i = 0; i < v.integer() && s.ok(); ++i) {
          s = iteration(TemplateValue::Int(i), TemplateValue::Int(i));
          if (flow == Flow::kBreak) break;
        }
        break;
      case Kind::kNil:
        break;  // a nil value ranges over nothing, as in Go
      default:
        s = ErrorAt(n.pipe->pos, "range can't iterate over " + v.Print());
    }
    flow = Flow::kNormal;  // break/continue never leave the range
    if (s.ok() && !any && n.has_else) s = Walk(dot, n.else_list, flow);
    Pop(outer);
    return s;
  }

  Result<TemplateValue> EvalPipeline(const TemplateValue& dot, const Pipe& pipe) {
    std::optional<TemplateValue> value;
    for (const Command& c : pipe.cmds) {
      HEARTH_ASSIGN_OR_RETURN(TemplateValue v, EvalCommand(dot, c, value));
      value = std::move(v);
    }
    TemplateValue result = value.value_or(TemplateValue());
    for (const std::string& name : pipe.decl) {
      if (pipe.is_assign) {
        EXEC_TRY(SetVar(pipe.pos, name, result));
      } else {
        vars_.push_back({name, result});
      }
    }
    return result;
  }

  Result<TemplateValue> EvalCommand(const TemplateValue& dot, const Command& c,
                                    const std::optional<TemplateValue>& final) {
    EXEC_TRY(Step(c.pos));
    const Operand& first = c.args[0];
    const bool has_args = c.args.size() > 1 || final.has_value();
    switch (first.kind) {
      case Operand::Kind::kFunction:
        return CallFunction(dot, first, c.args, final);
      case Operand::Kind::kField:
      case Operand::Kind::kVariable:
        if (has_args && !first.fields.empty()) {
          return ErrorAt(first.pos, first.fields.back() + " is not a method but has arguments");
        }
        if (has_args)
          return ErrorAt(first.pos, "can't give argument to non-function " + first.name);
        return EvalArg(dot, first);
      case Operand::Kind::kPipe:
        if (has_args) return ErrorAt(first.pos, "can't give argument to non-function (...)");
        return EvalArg(dot, first);
      case Operand::Kind::kNil:
        return ErrorAt(first.pos, "nil is not a command");
      default:
        if (has_args)
          return ErrorAt(first.pos, "can't give argument to non-function " + Text(first));
        return EvalArg(dot, first);
    }
  }

  static std::string Text(const Operand& op) {
    switch (op.kind) {
      case Operand::Kind::kDot:
        return ".";
      case Operand::Kind::kBool:
        return op.b ? "true" : "false";
      case Operand::Kind::kNumber:
        return op.s;
      case Operand::Kind::kString:
        return "\"" + op.s + "\"";
      default:
        return op.name;
    }
  }

  Result<TemplateValue> EvalArg(const TemplateValue& dot, const Operand& op) {
    switch (op.kind) {
      case Operand::Kind::kDot:
        return dot;
      case Operand::Kind::kNil:
        return TemplateValue();
      case Operand::Kind::kBool:
        return TemplateValue::Bool(op.b);
      case Operand::Kind::kNumber:
        return op.is_int ? TemplateValue::Int(op.i) : TemplateValue::Float(op.f);
      case Operand::Kind::kString:
        return TemplateValue::String(op.s);
      case Operand::Kind::kField:
        return Fields(dot, op.fields, op.pos);
      case Operand::Kind::kVariable: {
        const TemplateValue* v = FindVar(op.name);
        if (v == nullptr) return ErrorAt(op.pos, "undefined variable: " + op.name);
        return Fields(*v, op.fields, op.pos);
      }
      case Operand::Kind::kPipe: {
        HEARTH_ASSIGN_OR_RETURN(TemplateValue v, EvalPipeline(dot, *op.pipe));
        return Fields(v, op.fields, op.pos);
      }
      case Operand::Kind::kFunction:
        return CallFunction(dot, op, {op}, std::nullopt);
    }
    return TemplateValue();
  }

  Result<TemplateValue> Fields(const TemplateValue& receiver,
                               const std::vector<std::string>& fields, Pos pos) {
    TemplateValue v = receiver;
    for (const std::string& f : fields) {
      if (v.kind() == Kind::kMap) {
        const TemplateValue* e = v.Lookup(f);
        v = e ? *e : TemplateValue();  // missingkey=zero
      } else if (v.kind() == Kind::kRecord) {
        const TemplateValue* e = v.Lookup(f);
        if (e == nullptr) {
          return ErrorAt(pos, "can't evaluate field " + f + " in type " + v.GoType());
        }
        v = *e;
      } else if (v.is_nil()) {
        return ErrorAt(pos, "nil pointer evaluating interface {}." + f);
      } else {
        return ErrorAt(pos, "can't evaluate field " + f + " in type " + v.GoType());
      }
    }
    return v;
  }

  Result<TemplateValue> CallFunction(const TemplateValue& dot, const Operand& fn,
                                     const std::vector<Operand>& args,
                                     const std::optional<TemplateValue>& final) {
    const size_t argc = args.size() - 1 + (final ? 1 : 0);
    if (fn.name == "and" || fn.name == "or") {
      if (argc == 0) {
        return ErrorAt(fn.pos, "wrong number of args for " + fn.name + ": want at least 1 got 0");
      }
      const bool want = fn.name == "or";
      TemplateValue v;
      for (size_t i = 1; i < args.size(); ++i) {
        HEARTH_ASSIGN_OR_RETURN(v, EvalArg(dot, args[i]));
        if (v.Truth() == want) return v;
      }
      if (final) v = *final;
      return v;
    }
    std::vector<TemplateValue> values;
    values.reserve(argc);
    for (size_t i = 1; i < args.size(); ++i) {
      HEARTH_ASSIGN_OR_RETURN(TemplateValue v, EvalArg(dot, args[i]));
      values.push_back(std::move(v));
    }
    if (final) values.push_back(*final);
    auto r = CallBuiltin(fn.name, values, now_);
    if (!r.ok()) return ErrorAt(fn.pos, r.status().message());
    if (r->kind() == Kind::kString && r->str().size() > limits_.max_output_bytes) {
      return ResourceExhausted("output exceeds " + std::to_string(limits_.max_output_bytes) +
                               " bytes");
    }
    return r;
  }

  const TemplateLimits limits_;
  const std::chrono::system_clock::time_point now_;
  std::vector<Var> vars_;
  std::string out_;
  uint64_t steps_ = 0;
};

}  // namespace

Result<std::string> ExecuteTree(const Tree& tree, const TemplateValue& data,
                                const ExecOptions& options) {
  return Exec(data, options).Run(tree, data);
}

}  // namespace hearth::gotmpl::ast
