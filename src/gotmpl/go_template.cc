#include "gotmpl/go_template.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "gotmpl/go_template_ast.h"

namespace hearth::gotmpl {
namespace {

using ast::Command;
using ast::Node;
using ast::Operand;
using ast::Pipe;
using ast::Tree;

Status Prefixed(const Status& s) { return Status(s.code(), "template: " + s.message()); }

// --- Vars: Ollama's template.Identifiers --------------------------------------------------

void PipeIdentifiers(const Pipe& p, std::vector<std::string>& out);

void OperandIdentifiers(const Operand& op, std::vector<std::string>& out) {
  switch (op.kind) {
    case Operand::Kind::kField:
      out.insert(out.end(), op.fields.begin(), op.fields.end());
      break;
    case Operand::Kind::kVariable:
      out.push_back(op.name);
      out.insert(out.end(), op.fields.begin(), op.fields.end());
      break;
    case Operand::Kind::kPipe:
      if (op.fields.empty()) PipeIdentifiers(*op.pipe, out);  // a ChainNode contributes nothing
      break;
    default:
      break;
  }
}

void PipeIdentifiers(const Pipe& p, std::vector<std::string>& out) {
  for (const Command& c : p.cmds) {
    for (const Operand& a : c.args) OperandIdentifiers(a, out);
  }
}

void ListIdentifiers(const std::vector<Node>& list, std::vector<std::string>& out) {
  for (const Node& n : list) {
    if (n.pipe) PipeIdentifiers(*n.pipe, out);
    ListIdentifiers(n.list, out);
    ListIdentifiers(n.else_list, out);
  }
}

// --- CutAfterResponse: Ollama's deleteNode ------------------------------------------------

class Cutter {
 public:
  // Returns the list with every node after the first .Response field removed; nullopt when the
  // list itself is visited after the cut.
  std::optional<std::vector<Node>> List(const std::vector<Node>& list) {
    if (cut_) return std::nullopt;
    std::vector<Node> out;
    for (const Node& n : list) {
      if (auto kept = Walk(n)) out.push_back(std::move(*kept));
    }
    return out;
  }

 private:
  std::optional<Node> Walk(const Node& n) {
    if (cut_) return std::nullopt;
    Node copy = n;
    switch (n.kind) {
      case Node::Kind::kIf:
      case Node::Kind::kWith:
      case Node::Kind::kRange: {
        copy.list = List(n.list).value_or(std::vector<Node>());
        if (n.has_else) copy.else_list = List(n.else_list).value_or(std::vector<Node>());
        return copy;
      }
      case Node::Kind::kAction: {
        auto pipe = WalkPipe(*n.pipe);
        if (!pipe) return std::nullopt;
        copy.pipe = std::move(pipe);
        return copy;
      }
      default:
        return copy;
    }
  }

  std::shared_ptr<Pipe> WalkPipe(const Pipe& p) {
    if (cut_) return nullptr;
    auto out = std::make_shared<Pipe>(p);
    out->cmds.clear();
    for (const Command& c : p.cmds) {
      Command kept = c;
      kept.args.clear();
      for (const Operand& a : c.args) {
        if (auto arg = WalkOperand(a)) kept.args.push_back(std::move(*arg));
      }
      if (kept.args.empty()) return nullptr;
      out->cmds.push_back(std::move(kept));
    }
    if (out->cmds.empty()) return nullptr;
    return out;
  }

  std::optional<Operand> WalkOperand(const Operand& a) {
    if (a.kind == Operand::Kind::kField &&
        std::find(a.fields.begin(), a.fields.end(), "Response") != a.fields.end()) {
      cut_ = true;
      return a;
    }
    if (cut_) return std::nullopt;
    if (a.kind == Operand::Kind::kPipe && a.fields.empty()) {
      auto pipe = WalkPipe(*a.pipe);
      if (!pipe) return std::nullopt;
      Operand copy = a;
      copy.pipe = std::move(pipe);
      return copy;
    }
    return a;
  }

  bool cut_ = false;
};

// --- InferThinkingTags: Ollama's thinking.InferTags ---------------------------------------

class TagFinder {
 public:
  void List(const std::vector<Node>& list) {
    lists_.push_back(&list);
    for (const Node& n : list) Visit(n);
    lists_.pop_back();
  }
  std::string open, close;

 private:
  void Visit(const Node& n) {
    const bool is_range = n.kind == Node::Kind::kRange;
    if (is_range) ranges_.push_back(&n);
    if (n.pipe) VisitPipe(*n.pipe);
    if (n.kind == Node::Kind::kIf || n.kind == Node::Kind::kWith || is_range) {
      List(n.list);
      if (n.has_else) List(n.else_list);
    }
    if (is_range) ranges_.pop_back();
  }
  void VisitPipe(const Pipe& p) {
    for (const Command& c : p.cmds) {
      for (const Operand& a : c.args) {
        if (a.kind == Operand::Kind::kField && !a.fields.empty() && a.fields[0] == "Thinking") {
          Found();
        } else if (a.kind == Operand::Kind::kPipe && a.fields.empty()) {
          VisitPipe(*a.pipe);
        }
      }
    }
  }
  static bool PipeUsesField(const Pipe& p, const std::string& field) {
    for (const Command& c : p.cmds) {
      for (const Operand& a : c.args) {
        if (a.kind == Operand::Kind::kField && !a.fields.empty() && a.fields[0] == field) {
          return true;
        }
        if (a.kind == Operand::Kind::kPipe && a.fields.empty() && PipeUsesField(*a.pipe, field)) {
          return true;
        }
      }
    }
    return false;
  }
  void Found() {
    if (ranges_.empty() || !PipeUsesField(*ranges_.back()->pipe, "Messages")) return;
    if (lists_.empty() || lists_.back()->empty()) return;
    const std::vector<Node>& l = *lists_.back();
    auto trim = [](const std::string& s) {
      size_t b = 0, e = s.size();
      while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
      while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
      return s.substr(b, e - b);
    };
    if (l.front().kind == Node::Kind::kText) open = trim(l.front().text);
    if (l.back().kind == Node::Kind::kText) close = trim(l.back().text);
  }
  std::vector<const std::vector<Node>*> lists_;
  std::vector<const Node*> ranges_;
};

}  // namespace

const std::vector<std::string>& TemplateFunctionNames() {
  static const std::vector<std::string> names = {"and",
                                                 "or",
                                                 "not",
                                                 "eq",
                                                 "ne",
                                                 "lt",
                                                 "le",
                                                 "gt",
                                                 "ge",
                                                 "len",
                                                 "index",
                                                 "slice",
                                                 "print",
                                                 "printf",
                                                 "println",
                                                 "json",
                                                 "currentDate",
                                                 "yesterdayDate",
                                                 "toTypeScriptType"};
  return names;
}

Result<GoTemplate> GoTemplate::Parse(std::string_view source) {
  auto tree = ast::ParseTree(source, TemplateFunctionNames());
  if (!tree.ok()) return Prefixed(tree.status());
  return GoTemplate(std::string(source), std::move(*tree));
}

Result<std::string> GoTemplate::Execute(const TemplateValue& data,
                                        const ExecOptions& options) const {
  auto out = ast::ExecuteTree(*tree_, data, options);
  if (!out.ok()) return Prefixed(out.status());
  return out;
}

std::vector<std::string> GoTemplate::Vars() const {
  std::vector<std::string> ids;
  ListIdentifiers(tree_->root, ids);
  for (std::string& s : ids) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

bool GoTemplate::HasVar(std::string_view lower) const {
  const std::vector<std::string> v = Vars();
  return std::find(v.begin(), v.end(), lower) != v.end();
}

GoTemplate GoTemplate::WithResponseAppended() const {
  auto tree = std::make_shared<Tree>(*tree_);
  Node n;
  n.kind = Node::Kind::kAction;
  n.pipe = std::make_shared<Pipe>();
  Command c;
  Operand op;
  op.kind = Operand::Kind::kField;
  op.fields = {"Response"};
  c.args.push_back(op);
  n.pipe->cmds.push_back(std::move(c));
  tree->root.push_back(std::move(n));
  return GoTemplate(source_, std::move(tree));
}

GoTemplate GoTemplate::CutAfterResponse() const {
  auto tree = std::make_shared<Tree>();
  tree->root = Cutter().List(tree_->root).value_or(std::vector<Node>());
  tree->node_count = tree_->node_count;
  return GoTemplate(source_, std::move(tree));
}

// --- ToolCallTag: Ollama's tools.parseTag ------------------------------------------------------

namespace {

bool IsToolCallsIf(const Node& n) {
  if (n.kind != Node::Kind::kIf || !n.pipe) return false;
  for (const Command& c : n.pipe->cmds)
    for (const Operand& a : c.args)
      if (a.kind == Operand::Kind::kField &&
          std::find(a.fields.begin(), a.fields.end(), "ToolCalls") != a.fields.end())
        return true;
  return false;
}

const Node* FindToolCallsIf(const std::vector<Node>& nodes) {
  for (const Node& n : nodes) {
    if (IsToolCallsIf(n)) return &n;
    if (n.kind == Node::Kind::kIf || n.kind == Node::Kind::kRange || n.kind == Node::Kind::kWith) {
      if (const Node* f = FindToolCallsIf(n.list)) return f;
      if (n.has_else)
        if (const Node* f = FindToolCallsIf(n.else_list)) return f;
    }
  }
  return nullptr;
}

// The first non-blank text, depth-first, stopping at an action or after a nested block.
const Node* FirstText(const std::vector<Node>& nodes) {
  for (const Node& n : nodes) {
    switch (n.kind) {
      case Node::Kind::kText: {
        bool blank = true;
        for (char c : n.text) blank = blank && std::isspace(static_cast<unsigned char>(c));
        if (!blank) return &n;
        break;
      }
      case Node::Kind::kIf:
      case Node::Kind::kRange:
      case Node::Kind::kWith: {
        if (const Node* t = FirstText(n.list)) return t;
        if (n.has_else)
          if (const Node* t = FirstText(n.else_list)) return t;
        return nullptr;
      }
      case Node::Kind::kAction: return nullptr;
      default: break;
    }
  }
  return nullptr;
}

}  // namespace

std::string GoTemplate::ToolCallTag() const {
  const Node* block = FindToolCallsIf(tree_->root);
  const Node* text = block ? FirstText(block->list) : nullptr;
  if (!text) return "{";
  std::string tag;  // up to the first '{', with CRLF as LF
  for (char c : text->text) {
    if (c == '{') break;
    if (c != '\r') tag.push_back(c);
  }
  size_t b = 0, e = tag.size();
  while (b < e && std::isspace(static_cast<unsigned char>(tag[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(tag[e - 1]))) --e;
  tag = tag.substr(b, e - b);
  return tag.empty() ? "{" : tag;
}

std::pair<std::string, std::string> GoTemplate::InferThinkingTags() const {
  TagFinder f;
  f.List(tree_->root);
  return {f.open, f.close};
}

}  // namespace hearth::gotmpl
