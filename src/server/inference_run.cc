#include "server/inference_run.h"

#include <memory>
#include <mutex>

#include "api/common.h"

namespace hearth::server {
namespace {

struct RunState {
  std::mutex mu;
  http::CallPtr call;
  GenerateWriters writers;
  bool stream = false;
  http::StreamWriterPtr writer;  // once the stream has started
  chat::Chunk acc;         // not streaming: the answer so far
  bool finished = false;
};

bool Cancelled(const http::Call& call) { return call.cancel() && call.cancel()->IsCancelled(); }

Status ChunkError(const chat::Chunk& chunk) {
  if (!chunk.error.ok()) return chunk.error;
  return Internal("generation failed");
}

// Returns whether the backend should continue.
bool OnChunk(RunState& s, chat::Chunk&& chunk) {
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.finished) return false;
  const bool failed = chunk.done && chunk.done_reason == chat::DoneReason::kError;
  if (!s.stream) {
    if (failed) {
      s.finished = true;
      s.call->Respond(s.writers.error(ChunkError(chunk)));
      return false;
    }
    const bool done = chunk.done;
    api::FoldChunk(s.acc, std::move(chunk));
    if (done) {
      s.finished = true;
      s.call->Respond(s.writers.folded(s.acc));
      return false;
    }
    return !Cancelled(*s.call);
  }
  if (s.writer == nullptr) {
    if (failed) {  // nothing sent yet: the error still gets its HTTP status
      s.finished = true;
      s.call->Respond(s.writers.error(ChunkError(chunk)));
      return false;
    }
    s.writer = s.call->StartStream(s.writers.format);
    if (s.writer == nullptr) {
      s.finished = true;
      return false;
    }
  }
  if (failed) {
    s.finished = true;
    if (s.writers.stream_error) {
      s.writers.stream_error(*s.writer, ChunkError(chunk));
      s.writer->Finish();
    } else {
      s.writer->Fail(ChunkError(chunk).message());
    }
    return false;
  }
  const bool ok = s.writers.chunk(*s.writer, chunk);
  if (chunk.done) {
    s.finished = true;
    s.writer->Finish();
    return false;
  }
  return ok && s.writer->IsOpen() && !Cancelled(*s.call);
}

}  // namespace

void RunGenerate(chat::Backend* backend, const http::CallPtr& call, chat::Request request, bool stream,
                 GenerateWriters writers) {
  auto state = std::make_shared<RunState>();
  state->call = call;
  state->writers = std::move(writers);
  state->stream = stream;
  request.cancel = call->cancel();
  Status st = backend->Generate(std::move(request), [state](chat::Chunk&& chunk) {
    return OnChunk(*state, std::move(chunk));
  });
  if (!st.ok()) {
    std::lock_guard<std::mutex> lock(state->mu);
    if (!state->finished) {
      state->finished = true;
      call->Respond(state->writers.error(st));
    }
  }
}

}  // namespace hearth::server
