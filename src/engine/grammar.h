#pragma once
// Turns an output-format constraint into a GBNF grammar for llama.cpp's grammar sampler.
// Thread-safe (pure).

#include <string>

#include "base/status.h"
#include "chat/options.h"

namespace hearth::engine {

// Returns the GBNF for `format` ("" for kNone). A JSON schema goes through llama.cpp's
// json_schema_to_grammar; an invalid or unsupported schema is InvalidArgument naming the problem.
Result<std::string> GrammarFor(const chat::OutputFormat& format);

}  // namespace hearth::engine
