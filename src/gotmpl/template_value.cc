#include "gotmpl/template_value.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "gotmpl/go_format.h"

namespace hearth::gotmpl {
namespace {

const TemplateValue::Entries& EmptyEntries() {
  static const TemplateValue::Entries empty;
  return empty;
}
const std::vector<TemplateValue::Field>& EmptyFields() {
  static const std::vector<TemplateValue::Field> empty;
  return empty;
}

constexpr int kMaxJsonDepth = 64;

TemplateValue FromJsonValue(const nlohmann::ordered_json& j, int depth) {
  using V = nlohmann::ordered_json::value_t;
  if (depth > kMaxJsonDepth) return TemplateValue();
  switch (j.type()) {
    case V::boolean:
      return TemplateValue::Bool(j.get<bool>());
    case V::number_integer:
    case V::number_unsigned:
    case V::number_float:
      return TemplateValue::Float(j.get<double>());
    case V::string:
      return TemplateValue::String(j.get<std::string>());
    case V::array: {
      std::vector<TemplateValue> items;
      for (const auto& e : j) items.push_back(FromJsonValue(e, depth + 1));
      return TemplateValue::List(std::move(items));
    }
    case V::object: {
      TemplateValue::Entries entries;
      for (auto it = j.begin(); it != j.end(); ++it) {
        entries.emplace_back(it.key(), FromJsonValue(it.value(), depth + 1));
      }
      return TemplateValue::Map(std::move(entries));
    }
    default:
      return TemplateValue();
  }
}

bool IsEmptyForJson(const TemplateValue& v) {
  switch (v.kind()) {
    case TemplateValue::Kind::kNil:
      return true;
    case TemplateValue::Kind::kBool:
      return !v.boolean();
    case TemplateValue::Kind::kInt:
      return v.integer() == 0;
    case TemplateValue::Kind::kFloat:
      return v.floating() == 0;
    case TemplateValue::Kind::kString:
      return v.str().empty();
    case TemplateValue::Kind::kList:
      return v.items().empty();
    case TemplateValue::Kind::kMap:
      return v.entries().empty();
    case TemplateValue::Kind::kRecord:
      return false;
  }
  return false;
}

}  // namespace

TemplateValue TemplateValue::Bool(bool b) {
  TemplateValue v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}
TemplateValue TemplateValue::Int(int64_t i) {
  TemplateValue v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}
TemplateValue TemplateValue::Float(double f) {
  TemplateValue v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}
TemplateValue TemplateValue::String(std::string s) {
  TemplateValue v;
  v.kind_ = Kind::kString;
  v.s_ = std::move(s);
  return v;
}
TemplateValue TemplateValue::List(std::vector<TemplateValue> items) {
  TemplateValue v;
  v.kind_ = Kind::kList;
  v.list_size_ = items.size();
  v.list_ = std::make_shared<const std::vector<TemplateValue>>(std::move(items));
  return v;
}
TemplateValue TemplateValue::NilList() {
  TemplateValue v;
  v.kind_ = Kind::kList;
  v.container_nil_ = true;
  return v;
}
TemplateValue TemplateValue::Map(Entries entries, bool keep_order) {
  Entries unique;
  for (auto& e : entries) {
    auto it = std::find_if(unique.begin(), unique.end(),
                           [&](const auto& u) { return u.first == e.first; });
    if (it != unique.end())
      it->second = std::move(e.second);
    else
      unique.push_back(std::move(e));
  }
  if (!keep_order) {
    std::sort(unique.begin(), unique.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  TemplateValue v;
  v.kind_ = Kind::kMap;
  v.map_ = std::make_shared<const Entries>(std::move(unique));
  return v;
}
TemplateValue TemplateValue::NilMap() {
  TemplateValue v;
  v.kind_ = Kind::kMap;
  v.container_nil_ = true;
  return v;
}
TemplateValue TemplateValue::Record(std::string type_name, std::vector<Field> fields,
                                    bool pointer) {
  TemplateValue v;
  v.kind_ = Kind::kRecord;
  v.s_ = std::move(type_name);
  v.pointer_ = pointer;
  v.fields_ = std::make_shared<const std::vector<Field>>(std::move(fields));
  return v;
}

Result<TemplateValue> TemplateValue::FromJson(std::string_view json) {
  auto j = nlohmann::ordered_json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("invalid JSON");
  return FromJsonValue(j, 0);
}

TemplateValue TemplateValue::PrintsAsJson() const {
  TemplateValue v = *this;
  v.prints_json_ = true;
  return v;
}

TemplateValue TemplateValue::WithJson(std::string json) const {
  TemplateValue v = *this;
  v.json_ = std::make_shared<const std::string>(std::move(json));
  return v;
}

TemplateValue TemplateValue::WithPrint(std::string text) const {
  TemplateValue v = *this;
  v.print_ = std::make_shared<const std::string>(std::move(text));
  return v;
}

std::span<const TemplateValue> TemplateValue::items() const {
  if (!list_) return {};
  return std::span<const TemplateValue>(*list_).subspan(list_begin_, list_size_);
}

TemplateValue TemplateValue::SubList(size_t begin, size_t end) const {
  TemplateValue v = *this;
  v.container_nil_ = false;
  if (!v.list_) v.list_ = std::make_shared<const std::vector<TemplateValue>>();
  v.list_begin_ = list_begin_ + begin;
  v.list_size_ = end - begin;
  return v;
}
const TemplateValue::Entries& TemplateValue::entries() const {
  return map_ ? *map_ : EmptyEntries();
}
const std::vector<TemplateValue::Field>& TemplateValue::fields() const {
  return fields_ ? *fields_ : EmptyFields();
}
const std::string& TemplateValue::type_name() const { return s_; }

bool TemplateValue::Truth() const {
  switch (kind_) {
    case Kind::kNil:
      return false;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_ != 0;
    case Kind::kFloat:
      return f_ != 0;
    case Kind::kString:
      return !s_.empty();
    case Kind::kList:
      return !items().empty();
    case Kind::kMap:
      return !entries().empty();
    case Kind::kRecord:
      return true;
  }
  return false;
}

const TemplateValue* TemplateValue::Lookup(std::string_view key) const {
  if (kind_ == Kind::kMap) {
    for (const auto& [k, v] : entries()) {
      if (k == key) return &v;
    }
  } else if (kind_ == Kind::kRecord) {
    for (const Field& f : fields()) {
      if (f.name == key) return &f.value;
    }
  }
  return nullptr;
}

std::string TemplateValue::GoType() const {
  switch (kind_) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "[]interface {}";
    case Kind::kMap:
      return "map[string]interface {}";
    case Kind::kRecord:
      return (pointer_ ? "*" : "") + s_;
  }
  return "?";
}

std::string TemplateValue::Print() const {
  if (print_) return *print_;
  if (prints_json_) return Json();
  switch (kind_) {
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return b_ ? "true" : "false";
    case Kind::kInt:
      return std::to_string(i_);
    case Kind::kFloat:
      return GoFormatFloat(f_);
    case Kind::kString:
      return s_;
    case Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < items().size(); ++i) {
        if (i) out += " ";
        out += items()[i].Print();
      }
      return out + "]";
    }
    case Kind::kMap: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, v] : entries()) {
        if (!first) out += " ";
        first = false;
        out += k + ":" + v.Print();
      }
      return out + "]";
    }
    case Kind::kRecord: {
      std::string out = pointer_ ? "&{" : "{";
      bool first = true;
      for (const Field& f : fields()) {
        if (!first) out += " ";
        first = false;
        out += f.value.Print();
      }
      return out + "}";
    }
  }
  return "";
}

void TemplateValue::AppendJson(std::string& out) const {
  if (json_) {
    out += *json_;
    return;
  }
  switch (kind_) {
    case Kind::kNil:
      out += "null";
      return;
    case Kind::kBool:
      out += b_ ? "true" : "false";
      return;
    case Kind::kInt:
      out += std::to_string(i_);
      return;
    case Kind::kFloat:
      out += GoJsonFloat(f_);
      return;
    case Kind::kString:
      AppendGoJsonString(out, s_);
      return;
    case Kind::kList: {
      if (container_nil_) {
        out += "null";
        return;
      }
      out += "[";
      for (size_t i = 0; i < items().size(); ++i) {
        if (i) out += ",";
        items()[i].AppendJson(out);
      }
      out += "]";
      return;
    }
    case Kind::kMap: {
      if (container_nil_) {
        out += "null";
        return;
      }
      out += "{";
      bool first = true;
      for (const auto& [k, v] : entries()) {
        if (!first) out += ",";
        first = false;
        AppendGoJsonString(out, k);
        out += ":";
        v.AppendJson(out);
      }
      out += "}";
      return;
    }
    case Kind::kRecord: {
      out += "{";
      bool first = true;
      for (const Field& f : fields()) {
        if (f.json_name == "-" || (f.omit_empty && IsEmptyForJson(f.value))) continue;
        if (!first) out += ",";
        first = false;
        AppendGoJsonString(out, f.json_name.empty() ? f.name : f.json_name);
        out += ":";
        f.value.AppendJson(out);
      }
      out += "}";
      return;
    }
  }
}

std::string TemplateValue::Json() const {
  std::string out;
  AppendJson(out);
  return out;
}

int64_t TemplateValue::Length() const {
  switch (kind_) {
    case Kind::kString:
      return static_cast<int64_t>(s_.size());
    case Kind::kList:
      return static_cast<int64_t>(items().size());
    case Kind::kMap:
      return static_cast<int64_t>(entries().size());
    default:
      return -1;
  }
}

}  // namespace hearth::gotmpl
