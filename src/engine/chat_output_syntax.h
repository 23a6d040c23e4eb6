#pragma once
// Engine-internal: the definition behind the opaque engine::OutputSyntax.

#include <chat.h>

#include "engine/chat_output.h"

namespace hearth::engine {

struct OutputSyntax {
  common_chat_parser_params params;
};

}  // namespace hearth::engine
