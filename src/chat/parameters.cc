#include "chat/parameters.h"

#include <cerrno>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace hearth::chat {
namespace {

// clang-format off
constexpr ParameterSpec kSpecs[] = {
    // Predict-time (api.Options).
    {"num_keep", ParameterType::kInt, false},
    {"seed", ParameterType::kInt, false},
    {"num_predict", ParameterType::kInt, false},
    {"top_k", ParameterType::kInt, false},
    {"top_p", ParameterType::kFloat, false},
    {"min_p", ParameterType::kFloat, false},
    {"typical_p", ParameterType::kFloat, false},
    {"repeat_last_n", ParameterType::kInt, false},
    {"temperature", ParameterType::kFloat, false},
    {"repeat_penalty", ParameterType::kFloat, false},
    {"presence_penalty", ParameterType::kFloat, false},
    {"frequency_penalty", ParameterType::kFloat, false},
    {"stop", ParameterType::kStringList, false},
    // Load-time (api.Runner).
    {"num_ctx", ParameterType::kInt, true},
    {"num_batch", ParameterType::kInt, true},
    {"num_gpu", ParameterType::kInt, true},
    {"main_gpu", ParameterType::kInt, true},
    {"use_mmap", ParameterType::kBool, true},
    {"num_thread", ParameterType::kInt, true},
    {"draft_num_predict", ParameterType::kInt, true},
};
// clang-format on

constexpr std::string_view kDeprecated[] = {
    "penalize_newline", "low_vram", "f16_kv", "logits_all", "vocab_only",
    "use_mlock",        "mirostat", "mirostat_tau", "mirostat_eta",
};

Status BadValue(std::string_view name, std::string_view v, const char* what) {
  return InvalidArgument("invalid value for parameter " + std::string(name) + ": \"" +
                         std::string(v) + "\" is not " + what);
}

// Go's strconv.ParseInt(v, 10, 64): optional sign, decimal digits, int64 range.
bool ParseGoInt(std::string_view v, int64_t& out) {
  std::string_view digits = v;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  if (digits.empty() || digits[0] == '+') return false;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc() && p == digits.data() + digits.size();
}

// Go's strconv.ParseFloat(v, 32), minus infinities and NaN (JSON cannot hold them).
bool ParseGoFloat32(std::string_view v, double& out) {
  if (v.empty() || std::isspace(static_cast<unsigned char>(v[0]))) return false;
  const std::string s(v);
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(d)) return false;
  const float f = static_cast<float>(d);
  if (!std::isfinite(f)) return false;
  out = f;
  return true;
}

bool ParseGoBool(std::string_view v, bool& out) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (v == t) return out = true, true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (v == f) return out = false, true;
  }
  return false;
}

template <typename Int>
Status Narrow(std::string_view name, const ParameterValue& v, Int& out) {
  if (v.i < std::numeric_limits<Int>::min() || v.i > std::numeric_limits<Int>::max()) {
    return InvalidArgument("invalid value for parameter " + std::string(name) + ": " +
                           std::to_string(v.i) + " is out of range");
  }
  out = static_cast<Int>(v.i);
  return Status();
}

}  // namespace

const ParameterSpec* FindParameter(std::string_view name) {
  for (const ParameterSpec& s : kSpecs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool IsDeprecatedParameter(std::string_view name) {
  for (std::string_view d : kDeprecated) {
    if (d == name) return true;
  }
  return false;
}

Result<ParameterValue> ParseParameter(std::string_view name, std::string_view value) {
  const ParameterSpec* spec = FindParameter(name);
  if (spec == nullptr) return InvalidArgument("unknown parameter '" + std::string(name) + "'");
  ParameterValue out;
  out.type = spec->type;
  switch (spec->type) {
    case ParameterType::kInt:
      if (!ParseGoInt(value, out.i)) return BadValue(name, value, "an integer");
      break;
    case ParameterType::kFloat:
      if (!ParseGoFloat32(value, out.f)) return BadValue(name, value, "a number");
      break;
    case ParameterType::kBool:
      if (!ParseGoBool(value, out.b)) return BadValue(name, value, "a boolean");
      break;
    case ParameterType::kStringList:
      if (value.empty()) {
        return InvalidArgument("invalid value for parameter " + std::string(name) + ": empty");
      }
      out.s = std::string(value);
      break;
  }
  return out;
}

Status ApplyParameter(GenerationOptions& o, const std::string& name, const std::string& value) {
  HEARTH_ASSIGN_OR_RETURN(ParameterValue v, ParseParameter(name, value));
  SamplingOptions& s = o.sampling;
  if (name == "temperature") s.temperature = static_cast<float>(v.f);
  else if (name == "top_p") s.top_p = static_cast<float>(v.f);
  else if (name == "min_p") s.min_p = static_cast<float>(v.f);
  else if (name == "typical_p") s.typical_p = static_cast<float>(v.f);
  else if (name == "repeat_penalty") s.repeat_penalty = static_cast<float>(v.f);
  else if (name == "presence_penalty") s.presence_penalty = static_cast<float>(v.f);
  else if (name == "frequency_penalty") s.frequency_penalty = static_cast<float>(v.f);
  else if (name == "top_k") return Narrow(name, v, s.top_k);
  else if (name == "repeat_last_n") return Narrow(name, v, s.repeat_last_n);
  else if (name == "seed") s.seed = v.i;
  else if (name == "num_predict") return Narrow(name, v, o.num_predict);
  else if (name == "stop") o.stop.push_back(v.s);
  else if (FindParameter(name)->load_time) return FailedPrecondition(name + " is a load-time parameter");
  else return FailedPrecondition(name + " is not supported by this engine yet");
  return Status();
}

}  // namespace hearth::chat
