#pragma once
// TemplateValue: the data a Go template sees, modelled on the Go values Ollama passes to
// text/template (map[string]any, []*templateMessage, typed structs, JSON-decoded `any`). Each
// value knows how Go's fmt prints it and how encoding/json marshals it, because templates do both
// ({{ .Tools }}, {{ json .Function.Arguments }}). Immutable value type, cheap to copy (containers
// are shared); thread-compatible.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace hearth::gotmpl {

class TemplateValue {
 public:
  enum class Kind { kNil, kBool, kInt, kFloat, kString, kList, kMap, kRecord };

  // One struct field: `name` is the Go field name templates use (.Role), `json_name` the key
  // json.Marshal writes ("" = the Go name, "-" = never), `omit_empty` Go's ",omitempty".
  struct Field;
  using Entries = std::vector<std::pair<std::string, TemplateValue>>;

  TemplateValue() = default;  // nil
  static TemplateValue Bool(bool b);
  static TemplateValue Int(int64_t i);
  static TemplateValue Float(double f);
  static TemplateValue String(std::string s);
  // A Go slice. NilList() is a nil slice: it prints "[]" but marshals as "null".
  static TemplateValue List(std::vector<TemplateValue> items);
  static TemplateValue NilList();
  // A Go map with string keys. Entries are sorted by key (as Go prints, ranges and marshals
  // maps) unless `keep_order` (Ollama's ordered maps). Later duplicates replace earlier ones.
  static TemplateValue Map(Entries entries, bool keep_order = false);
  static TemplateValue NilMap();  // a nil map: prints "map[]", marshals as "null"
  // A Go struct (`pointer`: a pointer to one, printed "&{...}").
  static TemplateValue Record(std::string type_name, std::vector<Field> fields,
                              bool pointer = false);
  // Decodes JSON as Go's encoding/json decodes into `any`: objects become maps, numbers float64.
  // InvalidArgument when `json` is not valid JSON.
  static Result<TemplateValue> FromJson(std::string_view json);

  // Go types with a String() method (Ollama's templateTools, templateArgs ...) print as their
  // JSON. Returns a copy with that behaviour.
  TemplateValue PrintsAsJson() const;
  // Returns a copy that json.Marshal writes as `json` (a custom MarshalJSON).
  TemplateValue WithJson(std::string json) const;
  // Returns a copy that fmt prints as `text` (a String() method with a fixed result).
  TemplateValue WithPrint(std::string text) const;

  Kind kind() const { return kind_; }
  bool is_nil() const { return kind_ == Kind::kNil; }
  bool boolean() const { return b_; }
  int64_t integer() const { return i_; }
  double floating() const { return f_; }
  const std::string& str() const { return s_; }
  // REQUIRES: kind() is kList / kMap / kRecord respectively (empty for nil containers).
  std::span<const TemplateValue> items() const;
  const Entries& entries() const;
  const std::vector<Field>& fields() const;
  const std::string& type_name() const;
  bool is_nil_container() const { return container_nil_; }

  // A list sharing this list's items [begin, end) (Go's s[i:j], O(1)). REQUIRES: kind() is kList
  // and begin <= end <= items().size().
  TemplateValue SubList(size_t begin, size_t end) const;

  // Go's template truth: false, 0, "", nil and empty containers are false; structs are true.
  bool Truth() const;
  // Map lookup by key or struct field by name. Returns nullptr when absent.
  const TemplateValue* Lookup(std::string_view key) const;
  // Go's type name for errors ("string", "int", "float64", "[]interface {}", ...).
  std::string GoType() const;
  // fmt.Sprint(v). A nil value prints "<nil>" (the executor prints "<no value>" at top level).
  std::string Print() const;
  // json.Marshal(v).
  std::string Json() const;
  void AppendJson(std::string& out) const;
  // Length for `len`: bytes of a string, items of a list or map; -1 otherwise.
  int64_t Length() const;

 private:
  Kind kind_ = Kind::kNil;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;  // string value, or the record's type name
  bool container_nil_ = false;
  bool pointer_ = false;
  bool prints_json_ = false;
  std::shared_ptr<const std::vector<TemplateValue>> list_;
  size_t list_begin_ = 0;  // the slice of *list_ this value shows
  size_t list_size_ = 0;
  std::shared_ptr<const Entries> map_;
  std::shared_ptr<const std::vector<Field>> fields_;
  std::shared_ptr<const std::string> json_;   // custom marshalled form
  std::shared_ptr<const std::string> print_;  // custom printed form
};

struct TemplateValue::Field {
  std::string name;
  TemplateValue value;
  std::string json_name;
  bool omit_empty = false;
};

}  // namespace hearth::gotmpl
