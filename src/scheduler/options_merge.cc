#include "scheduler/options_merge.h"

#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "chat/parameters.h"

namespace hearth::scheduler {
namespace {

using Json = nlohmann::json;

// The text form of a checked value, which ParseParameter reads back unchanged.
std::string ValueText(const chat::ParameterValue& v) {
  switch (v.type) {
    case chat::ParameterType::kInt:
      return std::to_string(v.i);
    case chat::ParameterType::kFloat: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.9g", v.f);
      return buf;
    }
    case chat::ParameterType::kBool:
      return v.b ? "true" : "false";
    case chat::ParameterType::kStringList:
      return v.s;
  }
  return "";
}

// Applies one option to `out`; load-time ones go to out.load, unimplemented ones are dropped.
Status Apply(MergedOptions& out, const std::string& name, const std::string& value) {
  const chat::ParameterSpec* spec = chat::FindParameter(name);
  if (spec == nullptr) {
    if (chat::IsDeprecatedParameter(name)) return Status();  // Ollama warns and ignores
    return InvalidArgument("unknown parameter '" + name + "'");
  }
  Status s = chat::ApplyParameter(out.generation, name, value);
  if (s.code() != StatusCode::kFailedPrecondition) return s;
  // Type-checked, but not a generation option.
  HEARTH_ASSIGN_OR_RETURN(chat::ParameterValue v, chat::ParseParameter(name, value));
  auto narrow = [&](int32_t& field) -> Status {
    if (v.i < 0 || v.i > std::numeric_limits<int32_t>::max())
      return InvalidArgument("invalid value for parameter " + name + ": " + std::to_string(v.i) +
                             " is out of range");
    field = static_cast<int32_t>(v.i);
    return Status();
  };
  if (name == "num_ctx") return narrow(out.load.num_ctx);
  if (name == "num_batch") return narrow(out.load.num_batch);
  if (name == "num_thread") return narrow(out.load.num_thread);
  return Status();
}

Status ApplyParamsLayer(MergedOptions& out, std::string_view params_json) {
  if (params_json.empty()) return Status();
  const Json j = Json::parse(params_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgument("invalid params layer: not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    std::vector<std::string> values;
    const Json& v = it.value();
    auto text_of = [](const Json& e, std::string& t) {
      if (e.is_string()) {
        t = e.get<std::string>();
      } else if (e.is_boolean()) {
        t = e.get<bool>() ? "true" : "false";
      } else if (e.is_number_integer()) {
        t = e.dump();
      } else if (e.is_number()) {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%.9g", e.get<double>());
        t = buf;
      } else {
        return false;
      }
      return true;
    };
    if (v.is_array()) {
      for (const Json& e : v) {
        std::string t;
        if (!text_of(e, t)) return InvalidArgument("invalid params layer: " + name);
        values.push_back(std::move(t));
      }
    } else {
      std::string t;
      if (!text_of(v, t)) return InvalidArgument("invalid params layer: " + name);
      values.push_back(std::move(t));
    }
    for (const std::string& t : values) {
      Status s = Apply(out, name, t);
      if (!s.ok()) return InvalidArgument("invalid params layer: " + s.message());
    }
  }
  return Status();
}

}  // namespace

Result<MergedOptions> MergeOptions(std::string_view params_json,
                                   const std::vector<chat::OptionSetting>& request_options) {
  MergedOptions out;
  HEARTH_RETURN_IF_ERROR(ApplyParamsLayer(out, params_json));
  bool stop_replaced = false;
  for (const auto& [name, value] : request_options) {
    if (name == "stop" && !stop_replaced) {
      out.generation.stop.clear();
      stop_replaced = true;
    }
    Status s = Apply(out, name, ValueText(value));
    if (!s.ok()) return InvalidArgument("option " + name + ": " + s.message());
  }
  return out;
}

}  // namespace hearth::scheduler
