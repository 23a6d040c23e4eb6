#include "cli/settings.h"

#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "base/duration.h"
#include "http/server.h"  // ParseHostPort

namespace hearth::cli {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

class Reader {
 public:
  explicit Reader(const gateway::EnvLookup& env) : env_(env ? env : gateway::ProcessEnv()) {}

  // The variable's value; nullopt when unset or empty.
  std::optional<std::string> Get(const std::string& name) const {
    std::optional<std::string> v = env_(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  }

  static Status Bad(const std::string& name, const std::string& value, const std::string& why) {
    return InvalidArgument(name + "=" + value + ": " + why);
  }

  // A non-negative integer <= max; 0 -> nullopt (the default). Unset -> nullopt.
  Result<std::optional<int64_t>> Count(const std::string& name, int64_t max) const {
    std::optional<std::string> v = Get(name);
    if (!v) return std::optional<int64_t>();
    int64_t n = 0;
    const std::string s(Trim(*v));
    const char* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, n);
    if (ec == std::errc::result_out_of_range && p == end && s[0] != '-') {
      return Bad(name, *v, "more than " + std::to_string(max));
    }
    if (s.empty() || ec != std::errc() || p != end || n < 0) {
      return Bad(name, *v, "not a non-negative integer");
    }
    if (n > max) return Bad(name, *v, "more than " + std::to_string(max));
    if (n == 0) return std::optional<int64_t>();
    return std::optional<int64_t>(n);
  }

  // A positive integer (0 is an error here: these have no "0 = default" convention).
  Result<std::optional<uint64_t>> Positive(const std::string& name) const {
    std::optional<std::string> v = Get(name);
    if (!v) return std::optional<uint64_t>();
    uint64_t n = 0;
    const std::string s(Trim(*v));
    const char* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, n);
    if (s.empty() || ec != std::errc() || p != end || n == 0) {
      return Bad(name, *v, "not a positive integer");
    }
    return std::optional<uint64_t>(n);
  }

  // Go's strconv.ParseBool spellings plus yes/no/on/off. Unset -> nullopt.
  Result<std::optional<bool>> Bool(const std::string& name) const {
    std::optional<std::string> v = Get(name);
    if (!v) return std::optional<bool>();
    std::string s(Trim(*v));
    for (char& c : s) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    for (const char* t : {"1", "t", "true", "yes", "on"}) {
      if (s == t) return std::optional<bool>(true);
    }
    for (const char* f : {"0", "f", "false", "no", "off"}) {
      if (s == f) return std::optional<bool>(false);
    }
    return Bad(name, *v, "not a boolean (1, true, yes, on or 0, false, no, off)");
  }

  std::string Home() const {
    if (std::optional<std::string> h = Get("HOME")) return *h;
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir && *pw->pw_dir) return pw->pw_dir;
    return ".";
  }

 private:
  gateway::EnvLookup env_;
};

// Keys may not contain whitespace or control characters (they travel in a header).
Status CheckKey(std::string_view key, const std::string& where) {
  for (char c : key) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return InvalidArgument(where + ": an API key contains whitespace or control characters");
    }
  }
  return Status::Ok();
}

Status ReadApiKeys(const Reader& r, ServeSettings* s) {
  if (std::optional<std::string> v = r.Get("HEARTH_API_KEYS")) {
    std::string_view rest(*v);
    int n = 0;
    while (true) {
      const size_t comma = rest.find(',');
      const std::string_view key = Trim(rest.substr(0, comma));
      ++n;
      if (!key.empty()) {
        HEARTH_RETURN_IF_ERROR(CheckKey(key, "HEARTH_API_KEYS (key " + std::to_string(n) + ")"));
        s->api_keys.emplace_back(key);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (std::optional<std::string> path = r.Get("HEARTH_API_KEYS_FILE")) {
    std::ifstream in(*path);
    if (!in) return IOError("HEARTH_API_KEYS_FILE=" + *path + ": cannot open the file");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      const std::string_view key = Trim(line);
      if (key.empty() || key[0] == '#') continue;
      HEARTH_RETURN_IF_ERROR(
          CheckKey(key, "HEARTH_API_KEYS_FILE=" + *path + " (line " + std::to_string(n) + ")"));
      s->api_keys.emplace_back(key);
    }
    if (in.bad()) return IOError("HEARTH_API_KEYS_FILE=" + *path + ": cannot read the file");
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& ServeVariables() {
  static const std::vector<std::string> kVars = {
      "HEARTH_HOST",           "HEARTH_MODELS",         "HEARTH_ORIGINS",
      "HEARTH_API_KEYS",       "HEARTH_API_KEYS_FILE",  "HEARTH_KEEP_ALIVE",
      "HEARTH_MAX_LOADED_MODELS", "HEARTH_MAX_QUEUE",   "HEARTH_NUM_PARALLEL",
      "HEARTH_CONTEXT_LENGTH", "HEARTH_NUM_THREADS",    "HEARTH_NOPRUNE",
      "HEARTH_PULL_PART_BYTES", "HEARTH_PULL_STALL_MS", "HEARTH_PULL_RETRY_MS",
      "HEARTH_CONFIG",
  };
  return kVars;
}

Result<ServeSettings> LoadServeSettings(const gateway::EnvLookup& env) {
  const Reader r(env);
  ServeSettings s;

  if (std::optional<std::string> v = r.Get("HEARTH_HOST")) {
    Status st = http::ParseHostPort(*v, &s.host, &s.port);
    if (!st.ok()) return Reader::Bad("HEARTH_HOST", *v, st.message());
  }
  const std::string home = r.Home();
  s.models_dir = r.Get("HEARTH_MODELS").value_or(home + "/.hearth/models");
  if (std::optional<std::string> v = r.Get("HEARTH_ORIGINS")) {
    std::string_view rest(*v);
    while (true) {
      const size_t comma = rest.find(',');
      const std::string_view origin = Trim(rest.substr(0, comma));
      if (!origin.empty()) s.origins.emplace_back(origin);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  HEARTH_RETURN_IF_ERROR(ReadApiKeys(r, &s));

  if (std::optional<std::string> v = r.Get("HEARTH_KEEP_ALIVE")) {
    Result<std::chrono::nanoseconds> d = ParseKeepAlive(*v);
    if (!d.ok()) return Reader::Bad("HEARTH_KEEP_ALIVE", *v, d.status().message());
    s.keep_alive = *d;
  }
  auto count = [&](const char* name, int64_t max, auto* out) -> Status {
    HEARTH_ASSIGN_OR_RETURN(std::optional<int64_t> n, r.Count(name, max));
    if (n) *out = static_cast<typename std::remove_reference_t<decltype(*out)>::value_type>(*n);
    return Status::Ok();
  };
  HEARTH_RETURN_IF_ERROR(count("HEARTH_MAX_LOADED_MODELS", 1000, &s.max_loaded_models));
  HEARTH_RETURN_IF_ERROR(count("HEARTH_MAX_QUEUE", 1'000'000, &s.max_queue));
  HEARTH_RETURN_IF_ERROR(count("HEARTH_NUM_PARALLEL", 256, &s.num_parallel));
  HEARTH_RETURN_IF_ERROR(count("HEARTH_CONTEXT_LENGTH", 1 << 24, &s.context_length));
  if (s.context_length && *s.context_length < 16) {
    return Reader::Bad("HEARTH_CONTEXT_LENGTH", *r.Get("HEARTH_CONTEXT_LENGTH"),
                       "less than 16 tokens");
  }
  HEARTH_RETURN_IF_ERROR(count("HEARTH_NUM_THREADS", 4096, &s.num_threads));

  HEARTH_ASSIGN_OR_RETURN(std::optional<bool> noprune, r.Bool("HEARTH_NOPRUNE"));
  s.prune = !noprune.value_or(false);
  HEARTH_ASSIGN_OR_RETURN(s.pull_part_bytes, r.Positive("HEARTH_PULL_PART_BYTES"));
  HEARTH_ASSIGN_OR_RETURN(std::optional<uint64_t> stall, r.Positive("HEARTH_PULL_STALL_MS"));
  HEARTH_ASSIGN_OR_RETURN(std::optional<uint64_t> retry, r.Positive("HEARTH_PULL_RETRY_MS"));
  if (stall) s.pull_stall = std::chrono::milliseconds(*stall);
  if (retry) s.pull_retry = std::chrono::milliseconds(*retry);

  std::error_code ec;
  if (std::optional<std::string> v = r.Get("HEARTH_CONFIG")) {
    if (!std::filesystem::is_regular_file(*v, ec)) {
      return Reader::Bad("HEARTH_CONFIG", *v,
                         std::filesystem::exists(*v, ec) ? "not a regular file" : "no such file");
    }
    s.config_path = *v;
  } else if (const std::string def = home + "/.hearth/config.yaml";
             std::filesystem::exists(def, ec)) {
    s.config_path = def;  // LoadConfigFile reports it if it is not a readable file
  }
  return s;
}

}  // namespace hearth::cli
