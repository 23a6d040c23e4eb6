#pragma once
// Answering a long store operation (pull, push, create) as Ollama's streamResponse and
// waitForStream do: a stream of api.ProgressResponse NDJSON objects ending in the operation's
// own "success" or an {"error"} frame, or, when not streaming, one answer: the last progress
// object (200) or the error (its HTTP status). Internal to the server module.

#include <functional>
#include <string>

#include "base/status.h"
#include "http/call.h"
#include "registry/registry_client.h"

namespace hearth::server {

// {"status", "digest", "total", "completed"}; the last three only when non-empty / non-zero.
std::string ProgressJson(const registry::TransferProgress& p);

// Runs `work` on the calling (worker) thread and answers `c` with its progress and outcome.
// `work` may call its ProgressFn from any thread.
void RunProgressCall(const http::CallPtr& c, bool stream,
                     const std::function<Status(const registry::ProgressFn&)>& work);

}  // namespace hearth::server
