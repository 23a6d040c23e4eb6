#pragma once
// Drives one Backend::Generate for one Call, independent of the API dialect: the dialect gives
// the stream format and how chunks, folded answers and errors are written. Internal to the
// inference routes. Thread-safe.

#include <functional>

#include "chat/request.h"
#include "chat/backend.h"
#include "http/call.h"

namespace hearth::server {

struct GenerateWriters {
  http::StreamFormat format = http::StreamFormat::kNdjson;
  // Streaming: writes the frames of one chunk (never a kError chunk); false = stop.
  std::function<bool(http::StreamWriter& w, const chat::Chunk& chunk)> chunk;
  // Not streaming: the response for the folded answer.
  std::function<http::Response(const chat::Chunk& folded)> folded;
  // The response for an error before anything was sent.
  std::function<http::Response(const Status& status)> error;
  // Streaming: the final frame(s) for an error after the headers; default StreamWriter::Fail.
  std::function<void(http::StreamWriter& w, const Status& status)> stream_error;
};

// Starts `request` on `backend` and answers `call` through `writers`, streaming or not. Returns
// at once; the answer may complete on a backend thread. Sets request.cancel to the call's token.
void RunGenerate(chat::Backend* backend, const http::CallPtr& call, chat::Request request, bool stream,
                 GenerateWriters writers);

}  // namespace hearth::server
