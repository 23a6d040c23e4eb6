#include "store/go_json.h"

#include <algorithm>
#include <vector>

#include "gotmpl/go_format.h"

namespace hearth::store {

void AppendGoJson(std::string& out, const nlohmann::ordered_json& j, bool sort_keys) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
    case nlohmann::ordered_json::value_t::discarded:
      out += "null";
      return;
    case nlohmann::ordered_json::value_t::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case nlohmann::ordered_json::value_t::number_integer:
      out += std::to_string(j.get<int64_t>());
      return;
    case nlohmann::ordered_json::value_t::number_unsigned:
      out += std::to_string(j.get<uint64_t>());
      return;
    case nlohmann::ordered_json::value_t::number_float:
      out += gotmpl::GoJsonFloat(j.get<double>());
      return;
    case nlohmann::ordered_json::value_t::string:
      gotmpl::AppendGoJsonString(out, j.get_ref<const std::string&>());
      return;
    case nlohmann::ordered_json::value_t::binary:
      out += "null";
      return;
    case nlohmann::ordered_json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : j) {
        if (!first) out.push_back(',');
        first = false;
        AppendGoJson(out, e, sort_keys);
      }
      out.push_back(']');
      return;
    }
    case nlohmann::ordered_json::value_t::object: {
      std::vector<const std::string*> keys;
      for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(&it.key());
      if (sort_keys) {
        std::sort(keys.begin(), keys.end(),
                  [](const std::string* a, const std::string* b) { return *a < *b; });
      }
      out.push_back('{');
      bool first = true;
      for (const std::string* k : keys) {
        if (!first) out.push_back(',');
        first = false;
        gotmpl::AppendGoJsonString(out, *k);
        out.push_back(':');
        AppendGoJson(out, j.at(*k), sort_keys);
      }
      out.push_back('}');
      return;
    }
  }
}

std::string GoJsonEncode(const nlohmann::ordered_json& j, bool sort_keys) {
  std::string out;
  AppendGoJson(out, j, sort_keys);
  out.push_back('\n');
  return out;
}

}  // namespace hearth::store
