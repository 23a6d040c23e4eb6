#pragma once
// Conversions shared by the API dialects: keep_alive durations, Ollama `options`, tool
// definitions in the OpenAI/Ollama shape, and small setters for typed options. Pure functions;
// thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"

namespace hearth::api {

// Ollama's keep_alive as a JSON value: a number of seconds, or a string read by
// hearth::ParseKeepAlive (base/duration.h: a Go duration "5m", "-1m", or a bare integer "300" of
// seconds). Negative means forever, zero unload after. `path` names the field in errors.
Result<std::chrono::nanoseconds> ParseKeepAlive(const Json& value, std::string_view path);

// Ollama's `options` object: every known option type-checked (a wrong type is InvalidArgument
// naming "options.<name>"), unknown and deprecated names ignored as Ollama ignores them. Integer
// options accept any number and truncate it toward zero as Ollama's FromMap does; `stop` must be
// an array of strings.
Status ParseOptions(const Fields& options, std::vector<chat::OptionSetting>* out);

// Appends option `name` (must be a known option of the matching type) to `out`.
void AddFloatOption(std::vector<chat::OptionSetting>* out, std::string_view name, double v);
void AddIntOption(std::vector<chat::OptionSetting>* out, std::string_view name, int64_t v);
void AddStopOption(std::vector<chat::OptionSetting>* out, std::string v);

// Tool definitions as Ollama and OpenAI send them: [{"type":"function","function":{"name",
// "description","parameters"}}]. `function.name` is required.
Status ParseFunctionTools(const Json& tools, std::string_view path, std::vector<chat::Tool>* out);

// A JSON Schema (or any JSON value) as a compact string; schema objects are required to be
// objects.
Result<std::string> SchemaText(const Json& schema, std::string_view path);

// The Ollama "think" field: a boolean or "low" | "medium" | "high" | "max".
Status ParseThink(const Json& value, std::string_view path, chat::ThinkSetting* out);

// Parses `text` as a JSON object with key order preserved; the string itself when it is not
// one (a tool call whose arguments the model got wrong is still shown to the client).
OrderedJson ArgumentsObject(const std::string& arguments_json);

// Collapses a chunk stream: appends content, thinking, tool calls and logprobs of `chunk` to
// `acc`, and takes every done-only field from the done chunk.
void FoldChunk(chat::Chunk& acc, chat::Chunk&& chunk);

}  // namespace hearth::api
