#include "cli/create_client.h"

#include <filesystem>
#include <map>

#include "gotmpl/go_format.h"
#include "store/create.h"
#include "store/name.h"
#include "store/sha256.h"

namespace hearth::cli {
namespace {

using nlohmann::json;
using store::Directive;
using store::ModelfileCommand;
namespace fs = std::filesystem;

class RequestBuilder {
 public:
  RequestBuilder(const ApiClient& api, const std::string& base_dir,
                 const std::function<void(const std::string&)>& progress)
      : api_(api), base_dir_(base_dir), progress_(progress) {}

  // A local file: uploaded (unless the server has it) and returned as (file name, digest);
  // empty name when `c` names no local file.
  Result<std::pair<std::string, std::string>> LocalFile(const ModelfileCommand& c) {
    const std::string where = std::string(store::DirectiveName(c.directive)) + " " + c.value;
    if (auto d = store::Digest::Parse(c.value); d.ok()) return std::pair{c.value, d->ToString()};
    auto path = store::ExpandModelfilePath(c.value, base_dir_);
    if (!path.ok()) return path.status().WithContext(where);
    std::error_code ec;
    const fs::file_status st = fs::status(*path, ec);
    if (ec || !fs::exists(st)) return std::pair<std::string, std::string>();
    if (fs::is_directory(st)) {
      return InvalidArgument(where + ": is a directory; only GGUF files are supported");
    }
    HEARTH_ASSIGN_OR_RETURN(store::Digest digest, store::Sha256File(*path));
    HEARTH_ASSIGN_OR_RETURN(bool has, api_.HasBlob(digest));
    if (!has) HEARTH_RETURN_IF_ERROR(api_.UploadBlob(digest, *path).WithContext(where));
    if (progress_) progress_("copying file " + digest.ToString() + " 100%");
    return std::pair{fs::path(*path).filename().string(), digest.ToString()};
  }

  // Adds `file` -> `digest` to `map`, renaming a repeated file name.
  static void Put(json& map, std::string file, const std::string& digest) {
    if (file.rfind("sha256:", 0) == 0) file = "sha256-" + file.substr(7) + ".gguf";
    std::string key = file;
    for (int i = 2; map.contains(key); ++i) key = std::to_string(i) + "-" + file;
    map[key] = digest;
  }

 private:
  const ApiClient& api_;
  std::string base_dir_;
  const std::function<void(const std::string&)>& progress_;
};

json ParameterJson(const chat::ParameterValue& v) {
  switch (v.type) {
    case chat::ParameterType::kInt:
      return v.i;
    case chat::ParameterType::kFloat:
      return json::parse(gotmpl::GoFormatFloat(v.f, 32), nullptr, false);
    case chat::ParameterType::kBool:
      return v.b;
    case chat::ParameterType::kStringList:
      return v.s;
  }
  return nullptr;
}

}  // namespace

Result<json> BuildCreateRequest(const ApiClient& api, const std::string& model,
                                const store::Modelfile& modelfile, const std::string& base_dir,
                                const std::function<void(const std::string&)>& progress) {
  RequestBuilder files(api, base_dir, progress);
  json req = {{"model", model}};
  json from_files = json::object(), adapters = json::object(), drafts = json::object();
  json licenses = json::array(), messages = json::array(), params = json::object();
  std::string from;
  bool have_from = false;
  for (const ModelfileCommand& c : modelfile.commands) {
    switch (c.directive) {
      case Directive::kFrom: {
        HEARTH_ASSIGN_OR_RETURN(auto file, files.LocalFile(c));
        have_from = true;
        if (!file.first.empty() && c.value.rfind("sha256:", 0) != 0) {
          RequestBuilder::Put(from_files, file.first, file.second);
        } else {
          if (!from.empty()) {
            return InvalidArgument("FROM " + c.value + ": only one FROM may name a model");
          }
          from = c.value;
        }
        break;
      }
      case Directive::kAdapter:
      case Directive::kDraft: {
        HEARTH_ASSIGN_OR_RETURN(auto file, files.LocalFile(c));
        const char* what = c.directive == Directive::kAdapter ? "ADAPTER " : "DRAFT ";
        if (file.first.empty()) return NotFound(what + c.value + ": no such file");
        RequestBuilder::Put(c.directive == Directive::kAdapter ? adapters : drafts, file.first,
                            file.second);
        break;
      }
      case Directive::kTemplate:
        req["template"] = c.value;
        break;
      case Directive::kSystem:
        req["system"] = c.value;
        break;
      case Directive::kLicense:
        licenses.push_back(c.value);
        break;
      case Directive::kMessage:
        messages.push_back({{"role", c.name}, {"content", c.value}});
        break;
      case Directive::kParameter:
        if (c.parameter.type == chat::ParameterType::kStringList) {
          if (!params.contains(c.name)) params[c.name] = json::array();
          params[c.name].push_back(c.parameter.s);
        } else {
          params[c.name] = ParameterJson(c.parameter);
        }
        break;
      case Directive::kRequires:
        req["requires"] = c.value;
        break;
      case Directive::kRenderer:
        req["renderer"] = c.value;
        break;
      case Directive::kParser:
        req["parser"] = c.value;
        break;
    }
  }
  if (!have_from) return InvalidArgument("no FROM line");
  if (!from.empty()) req["from"] = from;
  if (!from_files.empty()) req["files"] = from_files;
  if (!adapters.empty()) req["adapters"] = adapters;
  if (!drafts.empty()) req["draft_files"] = drafts;
  if (!licenses.empty()) req["license"] = licenses;
  if (!messages.empty()) req["messages"] = messages;
  if (!params.empty()) req["parameters"] = params;
  return req;
}

Status CreateViaServer(const ApiClient& api, const std::string& model,
                       const store::Modelfile& modelfile, const std::string& base_dir,
                       const std::function<void(const std::string&)>& progress) {
  std::string last;
  auto emit = [&](const std::string& status) {
    if (status == last || !progress) return;
    last = status;
    progress(status);
  };
  emit("gathering model components");
  HEARTH_ASSIGN_OR_RETURN(json req, BuildCreateRequest(api, model, modelfile, base_dir, emit));
  req["stream"] = true;
  return api.Stream("/api/create", req, [&](const json& m) {
    auto it = m.find("status");
    if (it != m.end() && it->is_string()) emit(it->get<std::string>());
    return Status();
  });
}

}  // namespace hearth::cli
