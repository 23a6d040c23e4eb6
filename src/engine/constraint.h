#pragma once
// A grammar the chat template builds for tool calls (llama.cpp's common chat API), as the engine
// enforces it while sampling. Plain value types; thread-compatible. No libllama types.

#include <string>
#include <vector>

#include "engine/model.h"

namespace hearth::engine {

// What wakes a lazy grammar: until one of these appears in the output, sampling is free; from
// the trigger on, the grammar constrains every token.
struct GrammarTrigger {
  enum class Kind {
    kToken,        // `token` was sampled (value is its text)
    kWord,         // the output contains `value` literally
    kPattern,      // the output matches the regex `value` (from where the match starts)
    kPatternFull,  // the whole output so far matches the regex `value`
  };
  Kind kind = Kind::kWord;
  std::string value;
  Token token = -1;  // kToken only
};

struct GrammarConstraint {
  std::string gbnf;  // empty: no tool grammar (the request's output format applies)
  // false: every token is constrained (tool_choice required / named function). true: only after a
  // trigger (tool_choice auto); needs at least one trigger.
  bool lazy = false;
  std::vector<GrammarTrigger> triggers;
  // Special tokens (e.g. "<tool_call>") that are sampled and streamed as text, so the output
  // parser sees them. Other control tokens stay invisible.
  std::vector<std::string> preserved_tokens;
  // The generation prompt the template already placed at the end of the prompt (e.g. "<think>"):
  // a non-lazy grammar consumes it first, as llama-server does.
  std::string prefill;

  bool empty() const { return gbnf.empty(); }
};

}  // namespace hearth::engine
