#include "gotmpl/tool_parser.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <nlohmann/json.hpp>

#include "gotmpl/go_template.h"

namespace hearth::gotmpl {
namespace {

using json = nlohmann::json;

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

// Length of the longest suffix of `text` that is a proper prefix of `tag` (0 when none).
size_t PartialSuffix(std::string_view text, std::string_view tag) {
  for (size_t n = std::min(text.size(), tag.size() - 1); n > 0; --n) {
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  }
  return 0;
}

}  // namespace

std::string ToolCallTag(const GoTemplate& tmpl) { return tmpl.ToolCallTag(); }

// --- ToolCallParser ------------------------------------------------------------------------

ToolCallParser::ToolCallParser(const std::vector<Tool>& tools, std::string tag)
    : tag_(tag.empty() ? "{" : std::move(tag)) {
  for (const Tool& t : tools) {
    ToolSpec spec{t.name, {}, {}};
    json schema = json::parse(t.parameters_json, nullptr, /*allow_exceptions=*/false);
    if (schema.is_object()) {
      auto props = schema.find("properties");
      if (props != schema.end() && props->is_object())
        for (auto it = props->begin(); it != props->end(); ++it)
          spec.properties.push_back(it.key());
      auto req = schema.find("required");
      if (req != schema.end() && req->is_array())
        for (const auto& r : *req)
          if (r.is_string()) spec.required.push_back(r.get<std::string>());
    }
    if (!spec.name.empty()) tools_.push_back(std::move(spec));
  }
}

ToolCallParser::Output ToolCallParser::Add(std::string_view text) {
  Output out;
  if (state_ == State::kDone) {
    out.content = std::string(text);
    return out;
  }
  buffer_.append(text);
  if (state_ == State::kLookingForTag) {
    size_t at = buffer_.find(tag_);
    const bool found = at != std::string::npos;
    if (!found) at = buffer_.size() - PartialSuffix(buffer_, tag_);
    out.content = buffer_.substr(0, at);
    buffer_.erase(0, at);
    // With a bare "{" or "[" tag, only output that starts with JSON may be a call.
    if ((tag_ == "{" || tag_ == "[") && !IsBlank(out.content)) {
      state_ = State::kDone;
      out.content += buffer_;
      buffer_.clear();
      return out;
    }
    if (!found) return out;
    state_ = State::kCalling;
  }
  ToolCall call;
  while (ParseOne(&call)) out.calls.push_back(std::move(call));
  if (Done()) {
    state_ = State::kDone;
    out.content += buffer_;
    buffer_.clear();
  }
  return out;
}

std::string ToolCallParser::Finish() {
  std::string rest;
  if (calls_ == 0) rest.swap(buffer_);
  buffer_.clear();
  state_ = State::kDone;
  return rest;
}

// The first balanced JSON object in `s` (from its first '{'), parsed; sets *end past it.
static bool FirstObject(std::string_view s, json* out, size_t* end) {
  int depth = 0;
  size_t start = std::string_view::npos;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"' && start != std::string_view::npos) {
      in_string = true;
    } else if (c == '{') {
      if (start == std::string_view::npos) start = i;
      ++depth;
    } else if (c == '}' && start != std::string_view::npos && --depth == 0) {
      *out = json::parse(s.substr(start, i + 1 - start), nullptr, false);
      *end = i + 1;
      return !out->is_discarded();
    }
  }
  return false;
}

bool ToolCallParser::ParseOne(ToolCall* call) {
  // The earliest tool name; among names there, the longest.
  size_t start = buffer_.size();
  for (const ToolSpec& t : tools_) start = std::min(start, buffer_.find(t.name));
  const ToolSpec* tool = nullptr;
  for (const ToolSpec& t : tools_) {
    if (start < buffer_.size() && buffer_.compare(start, t.name.size(), t.name) == 0 &&
        (!tool || t.name.size() > tool->name.size()))
      tool = &t;
  }
  if (!tool) return false;
  // A longer tool name may still be arriving: wait when the name ends the buffer and another
  // tool's name extends it.
  size_t end = start + tool->name.size();
  if (end == buffer_.size()) {
    for (const ToolSpec& t : tools_)
      if (t.name.size() > tool->name.size() &&
          t.name.compare(0, tool->name.size(), tool->name) == 0)
        return false;
  }
  json args = json::object();
  if (!tool->properties.empty()) {
    json data;
    size_t used = 0;
    if (!FirstObject(std::string_view(buffer_).substr(end), &data, &used)) return false;
    // Depth-first: the first object whose keys are all parameters and that has every required one.
    const json* found = nullptr;
    std::function<const json*(const json&)> find = [&](const json& v) -> const json* {
      if (v.is_object()) {
        bool valid = true;
        for (auto it = v.begin(); it != v.end() && valid; ++it)
          valid = std::find(tool->properties.begin(), tool->properties.end(), it.key()) !=
                  tool->properties.end();
        for (const auto& r : tool->required)
          if (valid && !v.contains(r)) valid = false;
        if (valid) return &v;
        for (const auto& item : v)
          if (const json* f = find(item)) return f;
      } else if (v.is_array()) {
        for (const auto& item : v)
          if (const json* f = find(item)) return f;
      }
      return nullptr;
    };
    found = find(data);
    if (!found) return false;
    args = *found;
    end += used;
  }
  call->id.clear();
  call->name = tool->name;
  call->arguments_json = args.dump();
  ++calls_;
  buffer_.erase(0, end);
  return true;
}

// With a bare "{" or "[" tag, the call is over when the brackets balance.
bool ToolCallParser::Done() const {
  char open = 0, close = 0;
  if (tag_ == "{") {
    open = '{';
    close = '}';
  } else if (tag_ == "[") {
    open = '[';
    close = ']';
  } else {
    return false;
  }
  int count = 0;
  for (char c : buffer_) {
    if (c == open) {
      ++count;
    } else if (c == close && --count == 0) {
      return true;
    }
  }
  return false;
}

// --- ThinkingParser ------------------------------------------------------------------------

ThinkingParser::ThinkingParser(std::string open, std::string close)
    : open_(std::move(open)), close_(std::move(close)) {
  if (open_.empty() || close_.empty()) state_ = State::kContent;
}

ThinkingParser::Output ThinkingParser::Add(std::string_view text) {
  Output out;
  buffer_.append(text);
  for (;;) {
    switch (state_) {
      case State::kLookingForOpen: {
        std::string_view rest = TrimLeft(buffer_);
        if (rest.empty()) return out;
        if (rest.substr(0, open_.size()) == open_) {
          buffer_ = std::string(TrimLeft(rest.substr(open_.size())));
          state_ = State::kThinking;
          continue;
        }
        if (open_.compare(0, rest.size(), rest) == 0) return out;  // could still be the tag
        state_ = State::kContent;
        continue;
      }
      case State::kThinking: {
        if (!thinking_started_) {  // whitespace right after the open tag is dropped
          buffer_ = std::string(TrimLeft(buffer_));
          thinking_started_ = !buffer_.empty();
        }
        if (buffer_.empty()) return out;
        const size_t at = buffer_.find(close_);
        if (at != std::string::npos) {
          std::string thinking = buffer_.substr(0, at);
          while (!thinking.empty() && std::isspace(static_cast<unsigned char>(thinking.back())))
            thinking.pop_back();
          out.thinking += thinking;
          buffer_.erase(0, at + close_.size());
          state_ = State::kThinkingDoneEatingSpace;
          continue;
        }
        // Hold back a possible start of the close tag and trailing whitespace before it.
        size_t keep = PartialSuffix(buffer_, close_);
        size_t cut = buffer_.size() - keep;
        while (cut > 0 && std::isspace(static_cast<unsigned char>(buffer_[cut - 1]))) --cut;
        out.thinking += buffer_.substr(0, cut);
        buffer_.erase(0, cut);
        return out;
      }
      case State::kThinkingDoneEatingSpace: {
        std::string_view rest = TrimLeft(buffer_);
        if (rest.empty()) {
          buffer_.clear();
          return out;
        }
        buffer_ = std::string(rest);
        state_ = State::kContent;
        continue;
      }
      case State::kContent:
        out.content += buffer_;
        buffer_.clear();
        return out;
    }
  }
}

ThinkingParser::Output ThinkingParser::Finish() {
  Output out;
  if (state_ == State::kThinking) {
    out.thinking = std::move(buffer_);  // unclosed: the held-back tail is still thinking
  } else if (state_ == State::kLookingForOpen) {
    out.content = std::move(buffer_);
  }
  buffer_.clear();
  state_ = State::kContent;
  return out;
}

}  // namespace hearth::gotmpl
