#include "gateway/remote.h"

#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "api/anthropic/client.h"
#include "api/client.h"
#include "api/gemini/client.h"
#include "api/ollama/client.h"
#include "api/openai/client.h"
#include "net/sse.h"

namespace hearth::gateway {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
constexpr size_t kMaxErrorBody = 1u << 20;

enum class Dialect { kOpenAI, kAnthropic, kGemini, kOllama };

Dialect DialectOf(Provider p) {
  switch (p) {
    case Provider::kAnthropic: return Dialect::kAnthropic;
    case Provider::kGemini: return Dialect::kGemini;
    case Provider::kOllama:
    case Provider::kOllamaChat: return Dialect::kOllama;
    default: return Dialect::kOpenAI;
  }
}

std::string Base(const Deployment& d, std::string_view fallback) {
  std::string b = d.api_base.empty() ? std::string(fallback) : d.api_base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b;
}

std::string Dump(const api::OrderedJson& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// `message` with every occurrence of `key` replaced by its redacted form.
Status Redact(const Status& s, const Secret& key) {
  if (s.ok() || key.empty()) return s;
  std::string m = s.message();
  for (size_t at = m.find(key.reveal()); at != std::string::npos; at = m.find(key.reveal(), at)) {
    m.replace(at, key.reveal().size(), key.Redacted());
  }
  return Status(s.code(), m).WithUpstream(s.upstream());
}

Status DecodeError(Dialect d, int http, std::string_view body, std::string_view retry_after) {
  switch (d) {
    case Dialect::kOpenAI: return api::openai::DecodeError(http, body, retry_after);
    case Dialect::kAnthropic: return api::anthropic::DecodeError(http, body, retry_after);
    case Dialect::kGemini: return api::gemini::DecodeError(http, body, retry_after);
    case Dialect::kOllama: return api::ollama::DecodeError(http, body, retry_after);
  }
  return Internal("unknown dialect");
}

// Turns a streamed body into chunks, whatever the dialect's framing (SSE or NDJSON).
class StreamDecoder {
 public:
  StreamDecoder(Dialect d, bool completion)
      : dialect_(d),
        openai_(completion ? api::openai::ChatStreamDecoder::Endpoint::kCompletion
                           : api::openai::ChatStreamDecoder::Endpoint::kChat) {}

  Status Feed(std::string_view bytes, std::vector<chat::Chunk>& out) {
    if (dialect_ == Dialect::kOllama) {
      std::vector<std::string> lines;
      HEARTH_RETURN_IF_ERROR(lines_.Feed(bytes, &lines));
      for (const std::string& l : lines) HEARTH_RETURN_IF_ERROR(ollama_.Feed(l, out));
      return Status();
    }
    std::vector<net::SseEvent> events;
    HEARTH_RETURN_IF_ERROR(sse_.Feed(bytes, &events));
    for (const net::SseEvent& e : events) {
      switch (dialect_) {
        case Dialect::kOpenAI: HEARTH_RETURN_IF_ERROR(openai_.Feed(e.data, out)); break;
        case Dialect::kAnthropic: HEARTH_RETURN_IF_ERROR(anthropic_.Feed(e.event, e.data, out)); break;
        case Dialect::kGemini: HEARTH_RETURN_IF_ERROR(gemini_.Feed(e.data, out)); break;
        case Dialect::kOllama: break;
      }
    }
    return Status();
  }

  Status Finish(std::vector<chat::Chunk>& out) {
    switch (dialect_) {
      case Dialect::kOpenAI: return openai_.Finish(out);
      case Dialect::kAnthropic: return anthropic_.Finish(out);
      case Dialect::kGemini: return gemini_.Finish(out);
      case Dialect::kOllama: {
        std::vector<std::string> lines;
        HEARTH_RETURN_IF_ERROR(lines_.Finish(&lines));
        for (const std::string& l : lines) HEARTH_RETURN_IF_ERROR(ollama_.Feed(l, out));
        return ollama_.Finish(out);
      }
    }
    return Internal("unknown dialect");
  }

 private:
  Dialect dialect_;
  net::SseParser sse_;
  net::LineSplitter lines_;
  api::openai::ChatStreamDecoder openai_;
  api::anthropic::MessageStreamDecoder anthropic_;
  api::gemini::StreamDecoder gemini_;
  api::ollama::StreamDecoder ollama_;
};

// One streamed attempt: waits (Wait) until the first chunk or a failure, then streams the rest
// into the sink on the client's I/O thread.
class Attempt final : public net::ResponseHandler {
 public:
  Attempt(Dialect d, bool completion, std::string provider, Secret key, chat::ChunkSink sink)
      : dialect_(d),
        provider_(std::move(provider)),
        key_(std::move(key)),
        sink_(std::move(sink)),
        decoder_(d, completion) {}

  // OK once streaming began; else the failure (nothing reached the sink).
  Status Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return phase_ != Phase::kWaiting; });
    return phase_ == Phase::kFailed ? failure_ : Status();
  }

  bool OnHead(const net::ResponseHead& head) override {
    http_status_ = head.status;
    if (head.status < 200 || head.status >= 300) {
      error_body_ = true;
      retry_after_ = head.Header("retry-after");
      return true;
    }
    const std::string type = head.Header("content-type");
    const bool ndjson = dialect_ == Dialect::kOllama;
    const bool ok = ndjson ? (type.find("ndjson") != std::string::npos ||
                              type.find("json") != std::string::npos || type.empty())
                           : type.find("text/event-stream") != std::string::npos;
    if (!ok) {
      End(DataLoss(provider_ + ": expected " + (ndjson ? "an NDJSON" : "an event") +
                   " stream, got content type '" + type + "'"));
      return false;
    }
    return true;
  }

  bool OnData(std::string_view bytes) override {
    if (error_body_) {
      if (error_text_.size() < kMaxErrorBody) error_text_.append(bytes.substr(0, kMaxErrorBody));
      return true;
    }
    if (ended_) return false;
    std::vector<chat::Chunk> out;
    Status s = decoder_.Feed(bytes, out);
    Deliver(out);
    if (!s.ok()) {
      End(s.WithContext(provider_ + " stream"));
      return false;
    }
    return !ended_;
  }

  void OnDone(Status status) override {
    if (ended_) return;
    if (error_body_ && (status.ok() || status.code() != StatusCode::kCancelled)) {
      End(Redact(DecodeError(dialect_, http_status_, error_text_, retry_after_), key_));
      return;
    }
    if (!status.ok()) {
      End(Redact(status.WithContext(provider_), key_));
      return;
    }
    std::vector<chat::Chunk> out;
    Status s = decoder_.Finish(out);
    Deliver(out);
    if (!s.ok()) {
      End(s.WithContext(provider_ + " stream"));
    } else if (!ended_) {
      End(DataLoss(provider_ + ": the stream ended without its final event"));
    }
  }

 private:
  enum class Phase { kWaiting, kStreaming, kFailed };

  void Deliver(std::vector<chat::Chunk>& chunks) {
    for (chat::Chunk& c : chunks) {
      if (ended_) return;
      Start();
      const bool done = c.done;
      if (done) ended_ = true;
      if (!sink_(std::move(c)) && !done) {
        // The client went away: end with a cancelled done chunk, close the upstream.
        End(Cancelled("the client cancelled the request"));
      }
    }
  }

  void Start() {
    std::lock_guard lock(mu_);
    if (phase_ != Phase::kWaiting) return;
    phase_ = Phase::kStreaming;
    cv_.notify_all();
  }

  // Ends the attempt: before streaming, as Generate's error; after, as a done chunk.
  void End(Status status) {
    if (ended_) return;
    ended_ = true;
    {
      std::lock_guard lock(mu_);
      if (phase_ == Phase::kWaiting) {
        phase_ = Phase::kFailed;
        failure_ = std::move(status);
        cv_.notify_all();
        return;
      }
    }
    chat::Chunk last;
    last.done = true;
    last.done_reason = status.code() == StatusCode::kCancelled ? chat::DoneReason::kCancelled
                                                                 : chat::DoneReason::kError;
    last.error = status.code() == StatusCode::kCancelled ? Status() : std::move(status);
    if (last.done_reason == chat::DoneReason::kCancelled) last.error = Status();
    sink_(std::move(last));
  }

  const Dialect dialect_;
  const std::string provider_;
  const Secret key_;
  chat::ChunkSink sink_;
  StreamDecoder decoder_;
  // I/O-thread state (calls for one request never run concurrently).
  int http_status_ = 0;
  bool error_body_ = false;
  std::string retry_after_, error_text_;
  bool ended_ = false;
  // Shared with the waiting caller.
  std::mutex mu_;
  std::condition_variable cv_;
  Phase phase_ = Phase::kWaiting;
  Status failure_;
};

class RemoteBackend final : public chat::Backend {
 public:
  RemoteBackend(Deployment d, RemoteOptions o)
      : d_(std::move(d)), o_(std::move(o)), dialect_(DialectOf(d_.provider)),
        provider_(ProviderName(d_.provider)) {}

  Status Generate(chat::Request request, chat::ChunkSink sink) override {
    net::Request nr;
    HEARTH_RETURN_IF_ERROR(EncodeGenerate(request, &nr));
    nr.timeouts = Timeouts(/*stream=*/true);
    nr.cancel = request.cancel;
    auto attempt = std::make_shared<Attempt>(
        dialect_, request.kind == chat::RequestKind::kGenerate && dialect_ == Dialect::kOpenAI,
        provider_, d_.api_key, std::move(sink));
    o_.client->Start(std::move(nr), attempt);
    return attempt->Wait();
  }

  Result<chat::EmbedResult> Embed(chat::EmbedRequest request) override {
    api::ClientOptions co{.model = d_.model, .stream = false, .sampling_extensions = false};
    net::Request nr;
    nr.headers = AuthHeaders();
    nr.headers.emplace_back("Content-Type", "application/json");
    switch (dialect_) {
      case Dialect::kAnthropic:
        return InvalidArgument("embeddings are not supported by provider anthropic");
      case Dialect::kOpenAI: {
        HEARTH_ASSIGN_OR_RETURN(auto j, api::openai::EncodeEmbeddingsRequest(request, co));
        nr.url = Base(d_, "https://api.openai.com/v1") + "/embeddings";
        nr.body = Dump(j);
        break;
      }
      case Dialect::kGemini: {
        HEARTH_ASSIGN_OR_RETURN(auto j, api::gemini::EncodeBatchEmbedRequest(request, co));
        nr.url = Base(d_, "https://generativelanguage.googleapis.com") +
                 api::gemini::BatchEmbedContentsPath(d_.model);
        nr.body = Dump(j);
        break;
      }
      case Dialect::kOllama: {
        HEARTH_ASSIGN_OR_RETURN(auto j, api::ollama::EncodeEmbedRequest(request, co));
        nr.url = Base(d_, "http://127.0.0.1:11434") + "/api/embed";
        nr.body = Dump(j);
        break;
      }
    }
    nr.timeouts = Timeouts(/*stream=*/false);
    nr.cancel = request.cancel;
    auto r = o_.client->Fetch(std::move(nr));
    if (!r.ok()) return Redact(r.status().WithContext(provider_), d_.api_key);
    if (r->head.status < 200 || r->head.status >= 300) {
      return Redact(DecodeError(dialect_, r->head.status, r->body, r->head.Header("retry-after")),
                    d_.api_key);
    }
    Result<chat::EmbedResult> out = Internal("unreachable");
    switch (dialect_) {
      case Dialect::kOpenAI: out = api::openai::DecodeEmbeddingsResponse(r->body); break;
      case Dialect::kGemini: out = api::gemini::DecodeEmbedResponse(r->body); break;
      case Dialect::kOllama: out = api::ollama::DecodeEmbedResponse(r->body); break;
      case Dialect::kAnthropic: break;
    }
    if (out.ok()) out->model = request.model;
    return out;
  }

  std::vector<chat::RunningModel> Running() const override { return {}; }
  Status Unload(const std::string& model) override {
    return NotFound("model '" + model + "' is remote (" + provider_ + "), not loaded here");
  }

 private:
  net::Timeouts Timeouts(bool stream) const {
    net::Timeouts t;
    auto pick = [](const std::optional<Millis>& a, const std::optional<Millis>& b) {
      return a ? *a : (b ? *b : Millis{0});
    };
    if (stream) t.first_byte = pick(d_.stream_timeout, o_.router.stream_timeout);
    t.total = pick(d_.timeout, o_.router.timeout);
    t.stall = stream ? o_.settings.stall_timeout : Millis{0};
    if (t.total.count() > 0 && t.connect > t.total) t.connect = t.total;
    return t;
  }

  Headers AuthHeaders() const {
    Headers h;
    const std::string& key = d_.api_key.reveal();
    switch (dialect_) {
      case Dialect::kOpenAI:
      case Dialect::kOllama:
        if (!key.empty()) h.emplace_back("Authorization", "Bearer " + key);
        break;
      case Dialect::kAnthropic:
        if (!key.empty()) h.emplace_back("x-api-key", key);
        h.emplace_back("anthropic-version",
                       d_.api_version.empty() ? "2023-06-01" : d_.api_version);
        break;
      case Dialect::kGemini:
        if (!key.empty()) h.emplace_back("x-goog-api-key", key);
        break;
    }
    return h;
  }

  Status EncodeGenerate(const chat::Request& r, net::Request* nr) const {
    const bool vllm_like = d_.provider == Provider::kHostedVllm || !d_.api_base.empty();
    api::ClientOptions co{.model = d_.model, .stream = true,
                          .sampling_extensions = dialect_ == Dialect::kOpenAI && vllm_like};
    const bool generate = r.kind == chat::RequestKind::kGenerate;
    Result<api::OrderedJson> body = Internal("unreachable");
    switch (dialect_) {
      case Dialect::kOpenAI:
        body = generate ? api::openai::EncodeCompletionRequest(r, co)
                        : api::openai::EncodeChatRequest(r, co);
        nr->url = Base(d_, "https://api.openai.com/v1") +
                  (generate ? "/completions" : "/chat/completions");
        break;
      case Dialect::kAnthropic:
        body = api::anthropic::EncodeMessagesRequest(r, co);
        nr->url = Base(d_, "https://api.anthropic.com") + "/v1/messages";
        break;
      case Dialect::kGemini:
        body = api::gemini::EncodeGenerateContentRequest(r, co);
        nr->url = Base(d_, "https://generativelanguage.googleapis.com") +
                  api::gemini::GenerateContentPath(d_.model, /*stream=*/true);
        break;
      case Dialect::kOllama:
        body = generate ? api::ollama::EncodeGenerateRequest(r, co)
                        : api::ollama::EncodeChatRequest(r, co);
        nr->url = Base(d_, "http://127.0.0.1:11434") + (generate ? "/api/generate" : "/api/chat");
        break;
    }
    if (!body.ok()) return body.status();
    nr->body = Dump(*body);
    nr->headers = AuthHeaders();
    nr->headers.emplace_back("Content-Type", "application/json");
    nr->headers.emplace_back("Accept", dialect_ == Dialect::kOllama ? "application/x-ndjson"
                                                                    : "text/event-stream");
    return Status();
  }

  const Deployment d_;
  const RemoteOptions o_;
  const Dialect dialect_;
  const std::string provider_;
};

}  // namespace

Result<std::shared_ptr<chat::Backend>> MakeRemoteBackend(const Deployment& d,
                                                         const RemoteOptions& o) {
  if (d.provider == Provider::kLocal) {
    return InvalidArgument("deployment " + d.id + " is local/, not a remote backend");
  }
  if (o.client == nullptr) return InvalidArgument("remote backends need an HTTP client");
  return std::shared_ptr<chat::Backend>(std::make_shared<RemoteBackend>(d, o));
}

DeploymentFactory RemoteFactory(RemoteOptions o) {
  return [o](const Deployment& d) { return MakeRemoteBackend(d, o); };
}

}  // namespace hearth::gateway
