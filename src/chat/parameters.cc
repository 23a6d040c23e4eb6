#include "chat/parameters.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>

namespace hearth::chat {
namespace {

Status ParseFloat(const std::string& name, const std::string& v, float& out) {
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || errno == ERANGE || !std::isfinite(d))
    return InvalidArgument("invalid value for parameter " + name + ": \"" + v + "\" is not a number");
  out = static_cast<float>(d);
  return Status();
}

template <typename Int>
Status ParseInt(const std::string& name, const std::string& v, Int& out) {
  Int x{};
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size())
    return InvalidArgument("invalid value for parameter " + name + ": \"" + v +
                           "\" is not an integer");
  out = x;
  return Status();
}

}  // namespace

Status ApplyParameter(GenerationOptions& o, const std::string& name, const std::string& value) {
  SamplingOptions& s = o.sampling;
  using Fn = std::function<Status()>;
  const std::map<std::string, Fn> table = {
      {"temperature", [&] { return ParseFloat(name, value, s.temperature); }},
      {"top_k", [&] { return ParseInt(name, value, s.top_k); }},
      {"top_p", [&] { return ParseFloat(name, value, s.top_p); }},
      {"min_p", [&] { return ParseFloat(name, value, s.min_p); }},
      {"typical_p", [&] { return ParseFloat(name, value, s.typical_p); }},
      {"repeat_penalty", [&] { return ParseFloat(name, value, s.repeat_penalty); }},
      {"repeat_last_n", [&] { return ParseInt(name, value, s.repeat_last_n); }},
      {"presence_penalty", [&] { return ParseFloat(name, value, s.presence_penalty); }},
      {"frequency_penalty", [&] { return ParseFloat(name, value, s.frequency_penalty); }},
      {"seed", [&] { return ParseInt(name, value, s.seed); }},
      {"num_predict", [&] { return ParseInt(name, value, o.num_predict); }},
      {"stop",
       [&] {
         if (value.empty()) return InvalidArgument("invalid value for parameter stop: empty");
         o.stop.push_back(value);
         return Status();
       }},
  };
  auto it = table.find(name);
  if (it != table.end()) return it->second();
  static const char* kLoadTime[] = {"num_ctx", "num_batch", "num_thread", "num_gpu", "main_gpu",
                                    "use_mmap", "num_keep"};
  for (const char* k : kLoadTime)
    if (name == k) return FailedPrecondition(name + " is a load-time parameter");
  return InvalidArgument("unknown parameter '" + name + "'");
}

}  // namespace hearth::chat
