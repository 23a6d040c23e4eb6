#include "gateway/config_load.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

namespace hearth::gateway {
namespace {

constexpr double kMaxSeconds = 1e7;  // ~115 days: anything longer is a typo, and fits in Millis

// A value for a message: quoted, control characters replaced, long values cut.
std::string Quote(std::string_view v) {
  constexpr size_t kMax = 80;
  std::string out = "\"";
  for (char c : v.substr(0, kMax)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  if (v.size() > kMax) out += "...";
  return out + "\"";
}

const char* TypeName(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

struct Field {
  std::string key;
  YAML::Node k, v;
};

// A name in a fallback list or alias that must be checked once model_list is known.
struct Ref {
  std::string path;
  YAML::Node node;
  std::string name;
};

using FallbackMap = std::map<std::string, std::vector<std::string>>;

constexpr const char* kSupportedProviders =
    "supported: openai/, hosted_vllm/, anthropic/, gemini/, ollama/, ollama_chat/, local/; "
    "bare gpt-*, o1*, o3*, o4*, claude-* and gemini-* names are inferred";

// "openai/gpt-4o" -> {kOpenAI, "gpt-4o"}; bare names inferred as LiteLLM does.
std::optional<std::pair<Provider, std::string>> SplitModel(const std::string& s) {
  static const std::pair<const char*, Provider> kPrefixes[] = {
      {"openai/", Provider::kOpenAI},         {"hosted_vllm/", Provider::kHostedVllm},
      {"anthropic/", Provider::kAnthropic},   {"gemini/", Provider::kGemini},
      {"ollama/", Provider::kOllama},         {"ollama_chat/", Provider::kOllamaChat},
      {"local/", Provider::kLocal},
  };
  for (const auto& [prefix, provider] : kPrefixes) {
    if (StartsWith(s, prefix)) return std::make_pair(provider, s.substr(std::strlen(prefix)));
  }
  if (s.find('/') != std::string::npos) return std::nullopt;
  auto family = [&](std::string_view f) {  // "o1", "o1-mini", "o1.5" but not "o10x"
    return s == f || (StartsWith(s, f) && (s[f.size()] == '-' || s[f.size()] == '.'));
  };
  if (StartsWith(s, "gpt-") || family("o1") || family("o3") || family("o4")) {
    return std::make_pair(Provider::kOpenAI, s);
  }
  if (StartsWith(s, "claude-")) return std::make_pair(Provider::kAnthropic, s);
  if (StartsWith(s, "gemini-")) return std::make_pair(Provider::kGemini, s);
  return std::nullopt;
}

class Parser {
 public:
  Parser(std::string source, const EnvLookup& env) : source_(std::move(source)), env_(env) {}

  Result<Config> Run(const YAML::Node& root);

 private:
  std::string At(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null()) return source_;
    return source_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  Status Err(const std::string& path, const YAML::Node& n, const std::string& what) const {
    return InvalidArgument((path.empty() ? "" : path + ": ") + what + " (" + At(n) + ")");
  }
  Status Visit(const std::string& path, const YAML::Node& n) {
    if (++visited_ > kMaxConfigNodes) {
      return Err(path, n,
                 "the config is too large or too deeply aliased (more than " +
                     std::to_string(kMaxConfigNodes) + " nodes to read)");
    }
    return Status::Ok();
  }
  void Unimplemented(const std::string& path, const YAML::Node& key) {
    std::string entry = path + " (" + At(key) + ")";
    if (unimplemented_seen_.insert(entry).second) cfg_.unimplemented_keys.push_back(entry);
  }

  Result<std::vector<Field>> Fields(const YAML::Node& map, const std::string& path);
  Result<std::vector<YAML::Node>> Items(const YAML::Node& seq, const std::string& path);

  // Scalars. `env` allows "os.environ/NAME".
  Result<std::string> Text(const YAML::Node& n, const std::string& path, bool env);
  Result<std::string> Name(const YAML::Node& n, const std::string& path);  // non-empty, no env
  Result<int64_t> Int(const YAML::Node& n, const std::string& path, int64_t min, int64_t max,
                      bool env = false);
  Result<double> Number(const YAML::Node& n, const std::string& path, bool positive,
                        bool env = false);
  Result<bool> Bool(const YAML::Node& n, const std::string& path);
  Result<Millis> Seconds(const YAML::Node& n, const std::string& path, bool positive,
                         bool env = false);

  Status ParseDeployment(const YAML::Node& n, const std::string& path, Deployment* d,
                     YAML::Node* id_node);
  Status Params(const YAML::Node& n, const std::string& path, Deployment* d);
  Status Info(const YAML::Node& n, const std::string& path, Deployment* d, YAML::Node* id_node);
  Status ModelList(const YAML::Node& n);
  Status Router(const YAML::Node& n);
  Status Litellm(const YAML::Node& n);
  Status General(const YAML::Node& n);
  Status Hearth(const YAML::Node& n);
  Status Fallbacks(const YAML::Node& n, const std::string& path, FallbackMap* out);
  Status NameList(const YAML::Node& n, const std::string& path, std::vector<std::string>* out);
  Status Policy(const YAML::Node& n, const std::string& path, const char* suffix,
                std::map<ErrorClass, int>* out);
  Status Aliases(const YAML::Node& n, const std::string& path);
  Status CheckRefs();

  std::string source_;
  const EnvLookup& env_;
  Config cfg_;
  size_t visited_ = 0;
  std::set<std::string> unimplemented_seen_;
  std::vector<Ref> refs_;        // fallback names: group, alias or explicit id
  std::vector<Ref> alias_refs_;  // alias targets: groups only
  std::map<std::string, YAML::Node> alias_nodes_;
  std::set<std::string> explicit_ids_;
  bool router_num_retries_set_ = false;
  bool router_default_fallbacks_set_ = false;
};

Result<std::vector<Field>> Parser::Fields(const YAML::Node& map, const std::string& path) {
  std::vector<Field> out;
  if (map.IsNull()) return out;
  if (!map.IsMap()) return Err(path, map, std::string("expected a mapping, got ") + TypeName(map));
  std::set<std::string> seen;
  for (const auto& kv : map) {
    HEARTH_RETURN_IF_ERROR(Visit(path, kv.first));
    if (!kv.first.IsScalar()) {
      return Err(path, kv.first, std::string("keys must be strings, got ") + TypeName(kv.first));
    }
    std::string key = kv.first.Scalar();
    std::string key_path = path.empty() ? key : path + "." + key;
    if (!seen.insert(key).second) return Err(key_path, kv.first, "duplicate key");
    out.push_back({std::move(key), kv.first, kv.second});
  }
  return out;
}

Result<std::vector<YAML::Node>> Parser::Items(const YAML::Node& seq, const std::string& path) {
  std::vector<YAML::Node> out;
  if (seq.IsNull()) return out;
  if (!seq.IsSequence()) return Err(path, seq, std::string("expected a list, got ") + TypeName(seq));
  for (const auto& item : seq) {
    HEARTH_RETURN_IF_ERROR(Visit(path, item));
    out.push_back(item);
  }
  return out;
}

Result<std::string> Parser::Text(const YAML::Node& n, const std::string& path, bool env) {
  if (!n.IsScalar()) return Err(path, n, std::string("expected a string, got ") + TypeName(n));
  const std::string& s = n.Scalar();
  constexpr std::string_view kEnv = "os.environ/";
  if (!env || !StartsWith(s, kEnv)) return s;
  const std::string name = s.substr(kEnv.size());
  if (name.empty()) return Err(path, n, "os.environ/ needs a variable name");
  std::optional<std::string> value = env_ ? env_(name) : ProcessEnv()(name);
  if (!value) return Err(path, n, "environment variable " + name + " is not set");
  if (value->empty()) return Err(path, n, "environment variable " + name + " is empty");
  return *value;
}

Result<std::string> Parser::Name(const YAML::Node& n, const std::string& path) {
  HEARTH_ASSIGN_OR_RETURN(std::string s, Text(n, path, false));
  if (s.empty()) return Err(path, n, "must not be empty");
  return s;
}

Result<int64_t> Parser::Int(const YAML::Node& n, const std::string& path, int64_t min,
                            int64_t max, bool env) {
  if (!n.IsScalar()) return Err(path, n, std::string("expected a number, got ") + TypeName(n));
  HEARTH_ASSIGN_OR_RETURN(std::string s, Text(n, path, env));
  int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  const char* what = min > 0 ? "a positive integer" : min == 0 ? "a non-negative integer"
                                                               : "an integer";
  if (s.empty() || ec != std::errc() || p != end || v < min) {
    return Err(path, n, Quote(s) + " is not " + what);
  }
  if (v > max) return Err(path, n, Quote(s) + " is too large (at most " + std::to_string(max) + ")");
  return v;
}

Result<double> Parser::Number(const YAML::Node& n, const std::string& path, bool positive,
                              bool env) {
  if (!n.IsScalar()) return Err(path, n, std::string("expected a number, got ") + TypeName(n));
  HEARTH_ASSIGN_OR_RETURN(std::string s, Text(n, path, env));
  double v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  const char* what = positive ? "a number greater than 0" : "a non-negative number";
  if (s.empty() || ec != std::errc() || p != end || !std::isfinite(v) || v < 0 ||
      (positive && v == 0)) {
    return Err(path, n, Quote(s) + " is not " + what);
  }
  return v;
}

Result<bool> Parser::Bool(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) return Err(path, n, std::string("expected true or false, got ") + TypeName(n));
  const std::string s = Lower(n.Scalar());
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return Err(path, n, Quote(n.Scalar()) + " is not true or false");
}

Result<Millis> Parser::Seconds(const YAML::Node& n, const std::string& path, bool positive,
                               bool env) {
  HEARTH_ASSIGN_OR_RETURN(double s, Number(n, path, positive, env));
  if (s > kMaxSeconds) {
    return Err(path, n, Quote(n.Scalar()) + " seconds is too long (at most " +
                            std::to_string(static_cast<int64_t>(kMaxSeconds)) + ")");
  }
  return Millis(static_cast<int64_t>(std::ceil(s * 1000.0)));
}

// --- model_list ------------------------------------------------------------------------------

Status Parser::Params(const YAML::Node& n, const std::string& path, Deployment* d) {
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(n, path));
  std::optional<Field> model, api_base;
  for (const Field& f : fields) {
    const std::string p = path + "." + f.key;
    const YAML::Node& v = f.v;
    if (v.IsNull() && f.key != "model") continue;  // LiteLLM's None: unset
    if (f.key == "model") {
      model = f;
    } else if (f.key == "api_base") {
      api_base = f;
      HEARTH_ASSIGN_OR_RETURN(d->api_base, Text(v, p, true));
    } else if (f.key == "api_key") {
      HEARTH_ASSIGN_OR_RETURN(std::string key, Text(v, p, true));
      d->api_key = Secret(std::move(key));
    } else if (f.key == "api_version") {
      HEARTH_ASSIGN_OR_RETURN(d->api_version, Text(v, p, true));
    } else if (f.key == "rpm") {
      HEARTH_ASSIGN_OR_RETURN(d->rpm, Int(v, p, 0, INT64_MAX, true));
    } else if (f.key == "tpm") {
      HEARTH_ASSIGN_OR_RETURN(d->tpm, Int(v, p, 0, INT64_MAX, true));
    } else if (f.key == "weight") {
      HEARTH_ASSIGN_OR_RETURN(d->weight, Number(v, p, true, true));
    } else if (f.key == "order") {
      HEARTH_ASSIGN_OR_RETURN(int64_t order, Int(v, p, 1, INT_MAX, true));
      d->order = static_cast<int>(order);
    } else if (f.key == "timeout") {
      HEARTH_ASSIGN_OR_RETURN(d->timeout, Seconds(v, p, true, true));
    } else if (f.key == "stream_timeout") {
      HEARTH_ASSIGN_OR_RETURN(d->stream_timeout, Seconds(v, p, true, true));
    } else if (f.key == "max_parallel_requests") {
      HEARTH_ASSIGN_OR_RETURN(int64_t m, Int(v, p, 1, INT_MAX, true));
      d->max_parallel_requests = static_cast<int>(m);
    } else if (f.key == "input_cost_per_token") {
      HEARTH_ASSIGN_OR_RETURN(d->input_cost_per_token, Number(v, p, false, true));
    } else if (f.key == "output_cost_per_token") {
      HEARTH_ASSIGN_OR_RETURN(d->output_cost_per_token, Number(v, p, false, true));
    } else if (f.key == "cache_read_input_token_cost") {
      HEARTH_ASSIGN_OR_RETURN(d->cache_read_input_token_cost, Number(v, p, false, true));
    } else if (f.key == "drop_params") {
      HEARTH_ASSIGN_OR_RETURN(bool drop, Bool(v, p));
      if (drop) {
        return Err(p, v,
                   "true is refused: hearth never drops a request parameter silently; a "
                   "parameter a backend cannot honour is answered with a 400 naming it. Remove "
                   "drop_params");
      }
    } else if (f.key == "additional_drop_params") {
      HEARTH_ASSIGN_OR_RETURN(std::vector<YAML::Node> items, Items(v, p));
      if (!items.empty()) {
        return Err(p, v,
                   "is refused: hearth never drops a request parameter silently; a parameter a "
                   "backend cannot honour is answered with a 400 naming it");
      }
    } else {
      Unimplemented(p, f.k);
    }
  }
  if (!model || model->v.IsNull()) {
    return Err(path, model ? model->v : n, "model is missing (e.g. model: openai/gpt-4o)");
  }
  const std::string mp = path + ".model";
  HEARTH_ASSIGN_OR_RETURN(std::string text, Text(model->v, mp, true));
  std::optional<std::pair<Provider, std::string>> split = SplitModel(text);
  if (!split) {
    const size_t slash = text.find('/');
    std::string why = slash == std::string::npos
                          ? "no provider prefix and no known model family"
                          : "provider " + Quote(text.substr(0, slash)) + " is not supported";
    return Err(mp, model->v, Quote(text) + ": " + why + " (" + kSupportedProviders + ")");
  }
  d->provider = split->first;
  d->model = std::move(split->second);
  if (d->model.empty()) return Err(mp, model->v, Quote(text) + " names no model after the provider");
  if (api_base) {
    const std::string& b = d->api_base;
    if (d->provider == Provider::kLocal) {
      return Err(path + ".api_base", api_base->v,
                 "local/ models run in this hearth's own scheduler and take no api_base");
    }
    if (!StartsWith(Lower(b), "http://") && !StartsWith(Lower(b), "https://")) {
      return Err(path + ".api_base", api_base->v,
                 (StartsWith(api_base->v.Scalar(), "os.environ/") ? std::string("the value")
                                                                  : Quote(b)) +
                     " is not an http:// or https:// URL");
    }
  } else if (d->provider == Provider::kHostedVllm) {
    return Err(path, n, "hosted_vllm/ needs api_base (the vLLM server's URL, e.g. http://host:8000/v1)");
  }
  return Status::Ok();
}

Status Parser::Info(const YAML::Node& n, const std::string& path, Deployment* d,
                    YAML::Node* id_node) {
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(n, path));
  for (const Field& f : fields) {
    const std::string p = path + "." + f.key;
    if (f.v.IsNull()) continue;
    if (f.key == "id") {
      HEARTH_ASSIGN_OR_RETURN(d->id, Name(f.v, p));
      *id_node = f.v;
    } else if (f.key == "max_input_tokens") {
      HEARTH_ASSIGN_OR_RETURN(d->max_input_tokens, Int(f.v, p, 1, INT64_MAX));
    } else if (f.key == "max_output_tokens") {
      HEARTH_ASSIGN_OR_RETURN(d->max_output_tokens, Int(f.v, p, 1, INT64_MAX));
    } else {
      Unimplemented(p, f.k);
    }
  }
  return Status::Ok();
}

Status Parser::ParseDeployment(const YAML::Node& n, const std::string& path, Deployment* d,
                               YAML::Node* id_node) {
  if (!n.IsMap()) {
    return Err(path, n, std::string("expected a mapping with model_name and litellm_params, got ") +
                            TypeName(n));
  }
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(n, path));
  bool has_name = false, has_params = false;
  for (const Field& f : fields) {
    const std::string p = path + "." + f.key;
    if (f.key == "model_name") {
      HEARTH_ASSIGN_OR_RETURN(d->model_name, Name(f.v, p));
      has_name = true;
    } else if (f.key == "litellm_params") {
      if (!f.v.IsMap()) {
        return Err(p, f.v, std::string("expected a mapping, got ") + TypeName(f.v));
      }
      HEARTH_RETURN_IF_ERROR(Params(f.v, p, d));
      has_params = true;
    } else if (f.key == "model_info") {
      HEARTH_RETURN_IF_ERROR(Info(f.v, p, d, id_node));
    } else {
      Unimplemented(p, f.k);
    }
  }
  if (!has_name) return Err(path, n, "model_name is missing");
  if (!has_params) return Err(path, n, "litellm_params is missing");
  d->source = At(n);
  return Status::Ok();
}

Status Parser::ModelList(const YAML::Node& n) {
  HEARTH_ASSIGN_OR_RETURN(std::vector<YAML::Node> items, Items(n, "model_list"));
  std::vector<YAML::Node> id_nodes;
  for (size_t i = 0; i < items.size(); ++i) {
    Deployment d;
    YAML::Node id_node;
    HEARTH_RETURN_IF_ERROR(
        ParseDeployment(items[i], "model_list[" + std::to_string(i) + "]", &d, &id_node));
    id_nodes.push_back(d.id.empty() ? items[i] : id_node);
    if (!d.id.empty()) explicit_ids_.insert(d.id);
    cfg_.model_list.push_back(std::move(d));
  }
  // Derive missing ids; every id must be unique (explicit or derived).
  std::map<std::string, size_t> per_group;
  std::map<std::string, size_t> seen;  // id -> index
  for (size_t i = 0; i < cfg_.model_list.size(); ++i) {
    Deployment& d = cfg_.model_list[i];
    const size_t nth = per_group[d.model_name]++;
    const bool derived = d.id.empty();
    if (derived) d.id = d.model_name + "/" + std::to_string(nth);
    auto [it, inserted] = seen.emplace(d.id, i);
    if (!inserted) {
      const std::string p = "model_list[" + std::to_string(i) + "]" + (derived ? "" : ".model_info.id");
      return Err(p, id_nodes[i],
                 (derived ? "the derived id " : std::string("model_info.id ")) + Quote(d.id) +
                     " is already used by model_list[" + std::to_string(it->second) +
                     "]; ids must be unique");
    }
  }
  return Status::Ok();
}

// --- router_settings / litellm_settings -----------------------------------------------------

Status Parser::NameList(const YAML::Node& n, const std::string& path,
                        std::vector<std::string>* out) {
  HEARTH_ASSIGN_OR_RETURN(std::vector<YAML::Node> items, Items(n, path));
  out->clear();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    HEARTH_ASSIGN_OR_RETURN(std::string name, Name(items[i], p));
    refs_.push_back({p, items[i], name});
    out->push_back(std::move(name));
  }
  return Status::Ok();
}

Status Parser::Fallbacks(const YAML::Node& n, const std::string& path, FallbackMap* out) {
  if (n.IsMap()) {
    return Err(path, n,
               "expected LiteLLM's list of single-key mappings, e.g. "
               "[{\"gpt-4o\": [\"claude-3\", \"local\"]}], got a mapping");
  }
  HEARTH_ASSIGN_OR_RETURN(std::vector<YAML::Node> items, Items(n, path));
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    if (!items[i].IsMap()) {
      return Err(p, items[i],
                 std::string("expected a single-key mapping like {\"gpt-4o\": [\"claude-3\"]}, got ") +
                     TypeName(items[i]));
    }
    HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(items[i], p));
    for (const Field& f : fields) {
      const std::string fp = p + "." + f.key;
      if (f.key.empty()) return Err(p, f.k, "the model group name must not be empty");
      refs_.push_back({p, f.k, f.key});
      if (out->count(f.key) != 0) {
        return Err(fp, f.k, "fallbacks for " + Quote(f.key) + " are given twice");
      }
      if (f.v.IsScalar()) {
        return Err(fp, f.v, "expected a list of model groups, e.g. [" + Quote(f.v.Scalar()) + "]");
      }
      std::vector<std::string> targets;
      HEARTH_RETURN_IF_ERROR(NameList(f.v, fp, &targets));
      (*out)[f.key] = std::move(targets);
    }
  }
  return Status::Ok();
}

Status Parser::Policy(const YAML::Node& n, const std::string& path, const char* suffix,
                      std::map<ErrorClass, int>* out) {
  static const std::pair<const char*, ErrorClass> kClasses[] = {
      {"BadRequestError", ErrorClass::kBadRequest},
      {"AuthenticationError", ErrorClass::kAuthentication},
      {"TimeoutError", ErrorClass::kTimeout},
      {"RateLimitError", ErrorClass::kRateLimit},
      {"ContentPolicyViolationError", ErrorClass::kContentPolicy},
      {"InternalServerError", ErrorClass::kInternalServer},
  };
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(n, path));
  for (const Field& f : fields) {
    const std::string p = path + "." + f.key;
    bool known = false;
    for (const auto& [name, cls] : kClasses) {
      if (f.key != std::string(name) + suffix) continue;
      known = true;
      if (f.v.IsNull()) break;
      HEARTH_ASSIGN_OR_RETURN(int64_t v, Int(f.v, p, 0, 1000));
      (*out)[cls] = static_cast<int>(v);
    }
    if (!known) Unimplemented(p, f.k);
  }
  return Status::Ok();
}

Status Parser::Aliases(const YAML::Node& n, const std::string& path) {
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(n, path));
  for (const Field& f : fields) {
    const std::string p = path + "." + f.key;
    if (f.key.empty()) return Err(path, f.k, "an alias must not be empty");
    std::string target;
    YAML::Node target_node = f.v;
    if (f.v.IsMap()) {  // {model: group, hidden: bool}
      HEARTH_ASSIGN_OR_RETURN(std::vector<Field> sub, Fields(f.v, p));
      bool has_model = false;
      for (const Field& s : sub) {
        const std::string sp = p + "." + s.key;
        if (s.key == "model") {
          HEARTH_ASSIGN_OR_RETURN(target, Name(s.v, sp));
          target_node = s.v;
          has_model = true;
        } else if (s.key == "hidden") {
          if (s.v.IsNull()) continue;
          HEARTH_ASSIGN_OR_RETURN(bool hidden, Bool(s.v, sp));
          if (hidden) cfg_.router.hidden_aliases.insert(f.key);
        } else {
          Unimplemented(sp, s.k);
        }
      }
      if (!has_model) return Err(p, f.v, "model is missing (the group this alias names)");
    } else {
      HEARTH_ASSIGN_OR_RETURN(target, Name(f.v, p));
    }
    cfg_.router.model_group_alias[f.key] = target;
    alias_nodes_[f.key] = f.k;
    alias_refs_.push_back({p, target_node, target});
  }
  return Status::Ok();
}

Status Parser::Router(const YAML::Node& n) {
  const std::string path = "router_settings";
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(n, path));
  RouterSettings& r = cfg_.router;
  for (const Field& f : fields) {
    const std::string p = path + "." + f.key;
    const YAML::Node& v = f.v;
    if (v.IsNull()) {
      // LiteLLM's None: the default. Still note keys we do not implement.
      static const std::set<std::string> kKnown = {
          "routing_strategy", "num_retries", "allowed_fails", "cooldown_time", "timeout",
          "stream_timeout", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks",
          "default_fallbacks", "retry_policy", "allowed_fails_policy", "enable_pre_call_checks",
          "model_group_alias"};
      if (kKnown.count(f.key) == 0) Unimplemented(p, f.k);
      continue;
    }
    if (f.key == "routing_strategy") {
      HEARTH_ASSIGN_OR_RETURN(std::string s, Text(v, p, false));
      static const std::pair<const char*, RoutingStrategy> kStrategies[] = {
          {"simple-shuffle", RoutingStrategy::kSimpleShuffle},
          {"least-busy", RoutingStrategy::kLeastBusy},
          {"latency-based-routing", RoutingStrategy::kLatencyBased},
          {"cost-based-routing", RoutingStrategy::kCostBased},
          {"usage-based-routing", RoutingStrategy::kUsageBased},
          {"usage-based-routing-v2", RoutingStrategy::kUsageBased},
      };
      bool found = false;
      for (const auto& [name, strategy] : kStrategies) {
        if (s == name) {
          r.routing_strategy = strategy;
          found = true;
        }
      }
      if (!found) {
        return Err(p, v,
                   Quote(s) + " is not a routing strategy (simple-shuffle, least-busy, "
                              "latency-based-routing, cost-based-routing, usage-based-routing, "
                              "usage-based-routing-v2)");
      }
    } else if (f.key == "num_retries") {
      HEARTH_ASSIGN_OR_RETURN(int64_t x, Int(v, p, 0, 1000));
      r.num_retries = static_cast<int>(x);
      router_num_retries_set_ = true;
    } else if (f.key == "allowed_fails") {
      HEARTH_ASSIGN_OR_RETURN(int64_t x, Int(v, p, 0, INT_MAX));
      r.allowed_fails = static_cast<int>(x);
    } else if (f.key == "cooldown_time") {
      HEARTH_ASSIGN_OR_RETURN(r.cooldown_time, Seconds(v, p, false));
    } else if (f.key == "timeout") {
      HEARTH_ASSIGN_OR_RETURN(r.timeout, Seconds(v, p, true));
    } else if (f.key == "stream_timeout") {
      HEARTH_ASSIGN_OR_RETURN(r.stream_timeout, Seconds(v, p, true));
    } else if (f.key == "fallbacks") {
      HEARTH_RETURN_IF_ERROR(Fallbacks(v, p, &r.fallbacks));
    } else if (f.key == "context_window_fallbacks") {
      HEARTH_RETURN_IF_ERROR(Fallbacks(v, p, &r.context_window_fallbacks));
    } else if (f.key == "content_policy_fallbacks") {
      HEARTH_RETURN_IF_ERROR(Fallbacks(v, p, &r.content_policy_fallbacks));
    } else if (f.key == "default_fallbacks") {
      HEARTH_RETURN_IF_ERROR(NameList(v, p, &r.default_fallbacks));
      router_default_fallbacks_set_ = true;
    } else if (f.key == "retry_policy") {
      HEARTH_RETURN_IF_ERROR(Policy(v, p, "Retries", &r.retry_policy));
    } else if (f.key == "allowed_fails_policy") {
      HEARTH_RETURN_IF_ERROR(Policy(v, p, "AllowedFails", &r.allowed_fails_policy));
    } else if (f.key == "enable_pre_call_checks") {
      HEARTH_ASSIGN_OR_RETURN(r.enable_pre_call_checks, Bool(v, p));
    } else if (f.key == "model_group_alias") {
      HEARTH_RETURN_IF_ERROR(Aliases(v, p));
    } else {
      Unimplemented(p, f.k);
    }
  }
  return Status::Ok();
}

Status Parser::Litellm(const YAML::Node& n) {
  const std::string path = "litellm_settings";
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(n, path));
  RouterSettings& r = cfg_.router;
  // router_settings wins: only groups (and values) it does not set come from here.
  auto merge = [](const FallbackMap& from, FallbackMap* into) {
    for (const auto& [group, targets] : from) into->emplace(group, targets);
  };
  for (const Field& f : fields) {
    const std::string p = path + "." + f.key;
    const YAML::Node& v = f.v;
    if (f.key == "drop_params") {
      if (v.IsNull()) continue;
      HEARTH_ASSIGN_OR_RETURN(bool drop, Bool(v, p));
      if (drop) {
        return Err(p, v,
                   "true is refused: hearth never drops a request parameter silently; a "
                   "parameter a backend cannot honour is answered with a 400 naming it. Remove "
                   "drop_params");
      }
    } else if (v.IsNull()) {
      static const std::set<std::string> kKnown = {
          "request_timeout", "num_retries", "fallbacks", "context_window_fallbacks",
          "content_policy_fallbacks", "default_fallbacks"};
      if (kKnown.count(f.key) == 0) Unimplemented(p, f.k);
    } else if (f.key == "request_timeout") {
      HEARTH_ASSIGN_OR_RETURN(Millis t, Seconds(v, p, true));
      if (!r.timeout) r.timeout = t;
    } else if (f.key == "num_retries") {
      HEARTH_ASSIGN_OR_RETURN(int64_t x, Int(v, p, 0, 1000));
      if (!router_num_retries_set_) r.num_retries = static_cast<int>(x);
    } else if (f.key == "fallbacks" || f.key == "context_window_fallbacks" ||
               f.key == "content_policy_fallbacks") {
      FallbackMap m;
      HEARTH_RETURN_IF_ERROR(Fallbacks(v, p, &m));
      merge(m, f.key == "fallbacks"                  ? &r.fallbacks
               : f.key == "context_window_fallbacks" ? &r.context_window_fallbacks
                                                     : &r.content_policy_fallbacks);
    } else if (f.key == "default_fallbacks") {
      std::vector<std::string> names;
      HEARTH_RETURN_IF_ERROR(NameList(v, p, &names));
      if (!router_default_fallbacks_set_) r.default_fallbacks = std::move(names);
    } else {
      Unimplemented(p, f.k);
    }
  }
  return Status::Ok();
}

Status Parser::General(const YAML::Node& n) {
  const std::string path = "general_settings";
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(n, path));
  for (const Field& f : fields) {
    const std::string p = path + "." + f.key;
    if (f.key == "master_key") {
      if (f.v.IsNull()) continue;
      HEARTH_ASSIGN_OR_RETURN(std::string key, Text(f.v, p, true));
      cfg_.master_key = Secret(std::move(key));
    } else {
      Unimplemented(p, f.k);
    }
  }
  return Status::Ok();
}

Status Parser::Hearth(const YAML::Node& n) {
  const std::string path = "hearth";
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(n, path));
  HearthSettings& h = cfg_.hearth;
  for (const Field& f : fields) {
    const std::string p = path + "." + f.key;
    const YAML::Node& v = f.v;
    if (f.key == "stall_timeout") {
      HEARTH_ASSIGN_OR_RETURN(h.stall_timeout, Seconds(v, p, true));
    } else if (f.key == "max_attempts") {
      HEARTH_ASSIGN_OR_RETURN(int64_t x, Int(v, p, 1, 1000));
      h.max_attempts = static_cast<int>(x);
    } else if (f.key == "retry_backoff_base") {
      HEARTH_ASSIGN_OR_RETURN(h.retry_backoff_base, Seconds(v, p, false));
    } else if (f.key == "retry_backoff_max") {
      HEARTH_ASSIGN_OR_RETURN(h.retry_backoff_max, Seconds(v, p, false));
    } else if (f.key == "max_retry_after") {
      HEARTH_ASSIGN_OR_RETURN(h.max_retry_after, Seconds(v, p, false));
    } else {
      return Err(p, f.k,
                 "unknown key in hearth's own section (known: stall_timeout, max_attempts, "
                 "retry_backoff_base, retry_backoff_max, max_retry_after)");
    }
  }
  if (h.retry_backoff_max < h.retry_backoff_base) {
    return Err(path, n, "retry_backoff_max must not be less than retry_backoff_base");
  }
  return Status::Ok();
}

Status Parser::CheckRefs() {
  std::set<std::string> groups;
  for (const Deployment& d : cfg_.model_list) groups.insert(d.model_name);
  std::string group_list;
  for (const std::string& g : cfg_.Groups()) {
    if (group_list.size() > 200) {
      group_list += ", ...";
      break;
    }
    group_list += (group_list.empty() ? "" : ", ") + g;
  }
  const std::string known = groups.empty() ? "model_list is empty" : "groups: " + group_list;
  for (const auto& [alias, node] : alias_nodes_) {
    if (groups.count(alias) != 0) {
      return Err("router_settings.model_group_alias." + alias, node,
                 "alias " + Quote(alias) + " is also a model group in model_list");
    }
  }
  for (const Ref& r : alias_refs_) {
    if (groups.count(r.name) == 0) {
      return Err(r.path, r.node, Quote(r.name) + " is not a model group in model_list (" + known + ")");
    }
  }
  for (const Ref& r : refs_) {
    if (groups.count(r.name) == 0 && cfg_.router.model_group_alias.count(r.name) == 0 &&
        explicit_ids_.count(r.name) == 0) {
      return Err(r.path, r.node,
                 Quote(r.name) + " is not a model group, alias or model_info.id in model_list (" +
                     known + ")");
    }
  }
  return Status::Ok();
}

Result<Config> Parser::Run(const YAML::Node& root) {
  cfg_.path = source_;
  if (!root.IsDefined() || root.IsNull()) return std::move(cfg_);
  if (!root.IsMap()) {
    return Err("", root, std::string("the top level must be a mapping (model_list, "
                                     "router_settings, ...), got ") + TypeName(root));
  }
  HEARTH_ASSIGN_OR_RETURN(std::vector<Field> fields, Fields(root, ""));
  // Sections in dependency order, whatever their order in the file.
  static const char* const kOrder[] = {"model_list", "router_settings", "litellm_settings",
                                       "general_settings", "hearth"};
  for (const char* section : kOrder) {
    for (const Field& f : fields) {
      if (f.key != section) continue;
      const std::string s = section;
      if (s == "model_list") HEARTH_RETURN_IF_ERROR(ModelList(f.v));
      if (s == "router_settings") HEARTH_RETURN_IF_ERROR(Router(f.v));
      if (s == "litellm_settings") HEARTH_RETURN_IF_ERROR(Litellm(f.v));
      if (s == "general_settings") HEARTH_RETURN_IF_ERROR(General(f.v));
      if (s == "hearth") HEARTH_RETURN_IF_ERROR(Hearth(f.v));
    }
  }
  for (const Field& f : fields) {
    bool known = false;
    for (const char* section : kOrder) known = known || f.key == section;
    if (!known) Unimplemented(f.key, f.k);
  }
  HEARTH_RETURN_IF_ERROR(CheckRefs());
  return std::move(cfg_);
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<Config> ParseConfig(std::string_view yaml_text, std::string_view source_name,
                           const EnvLookup& env) {
  const std::string source(source_name);
  if (yaml_text.size() > kMaxConfigBytes) {
    return InvalidArgument(source + ": the config is " + std::to_string(yaml_text.size()) +
                           " bytes; at most " + std::to_string(kMaxConfigBytes) + " are read");
  }
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml_text));
    if (docs.size() > 1) {
      const YAML::Mark m = docs[1].Mark();
      return InvalidArgument("the config holds " + std::to_string(docs.size()) +
                             " YAML documents; expected one (" + source +
                             (m.is_null() ? "" : ":" + std::to_string(m.line + 1) + ":" +
                                                     std::to_string(m.column + 1)) +
                             ")");
    }
    Parser parser(source, env);
    return parser.Run(docs.empty() ? YAML::Node() : docs[0]);
  } catch (const YAML::DeepRecursion& e) {
    std::string where = source;
    if (!e.mark.is_null()) {
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return InvalidArgument("YAML syntax error: nested too deeply (" + std::to_string(e.depth()) +
                           " levels) (" + where + ")");
  } catch (const YAML::Exception& e) {
    std::string where = source;
    if (!e.mark.is_null()) {
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return InvalidArgument("YAML syntax error: " + e.msg + " (" + where + ")");
  } catch (const std::exception& e) {
    return InvalidArgument(source + ": could not read the YAML: " + e.what());
  }
}

Result<Config> LoadConfigFile(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot open config file " + path + ": " + std::strerror(errno));
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) {
      return InvalidArgument(path + ": the config is larger than " +
                             std::to_string(kMaxConfigBytes) + " bytes");
    }
  }
  if (in.bad()) return IOError("cannot read config file " + path + ": " + std::strerror(errno));
  return ParseConfig(text, path, env);
}

}  // namespace hearth::gateway
