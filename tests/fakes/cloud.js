#!/usr/bin/env node
// A scripted, fault-injecting fake of three cloud LLM APIs (OpenAI, Anthropic, Gemini) for hearth's
// gateway tests: plain Node 20, no packages, loopback only. Prints one line `listening <port>` on
// stdout once it is listening; exits on SIGTERM, SIGINT or when stdin closes.
//
// Usage: node cloud.js [--port 0] [--name fake] [--key K]... [--models a,b] [--delay MS]
//                      [--keep-alive-ms MS] [--ignore-stdin]
//   --port N          port on 127.0.0.1 (default 0: any free port)
//   --name S          this fake's name; it starts every reply, so two fakes can be told apart
//   --key K           an accepted API key (repeatable). Without --key any non-empty key is accepted;
//                     a missing key is always refused.
//   --models a,b      known models: others answer the provider's 404. Default: every model is known.
//   --delay MS        pause between streamed events (default 0)
//   --keep-alive-ms   idle keep-alive timeout of upstream connections (default 5000)
//   --ignore-stdin    do not exit when stdin closes. Without it, a stdin that is at EOF from the
//                     start (/dev/null) ends the fake at once: give it a pipe and close that.
//
// Upstream API (wire formats are the providers'):
//   OpenAI     POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings,
//              GET /v1/models, GET /v1/models/{id}           auth: Authorization: Bearer <key>
//   Anthropic  POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models (when the request
//              has an anthropic-version header)             auth: x-api-key + anthropic-version
//   Gemini     POST /v1beta/models/{model}:generateContent, :streamGenerateContent (?alt=sse: SSE,
//              otherwise a streamed JSON array), :countTokens, :embedContent
//                                                           auth: x-goog-api-key header or ?key=
// Answers are deterministic. Reply text: "<name>:<model> says: <last user text>". Tokens are
// whitespace-separated words (prompt = every text in the request; completion = words of the reply).
// A max token limit (max_tokens, max_completion_tokens, generationConfig.maxOutputTokens) cuts the
// reply to that many words with the provider's "length" reason. If the request has tools and the last
// user text contains "call <tool>" naming one of them, the answer is a call of that tool with
// arguments {} (unless the last message already is a tool result). If the last Anthropic message is
// an assistant message (prefill), the reply is the continuation: " <name>:<model> says: <text>".
// An Anthropic request with thinking {type: "enabled"} first gets a thinking block
// "<name> thinks about: <text>". Streams send the reply as word-sized deltas.
// Embeddings: `dimensions` (default 8) values (byte - 128) / 128 of sha256("<name>:<model>:<text>"),
// exact in float32, so float and base64 answers agree.
//
// Control API (same port; these requests are not logged, not counted, never faulted):
//   POST /_script   body: a JSON list of steps (or {steps: [...]}); appended to the script.
//                   Each upstream request consumes the FIRST not yet used step that matches it;
//                   a request no step matches is answered normally ("ok").
//     step = {match?: {path?, model?, provider?, stream?}, fault: KIND, times?: N (default 1), ...}
//       match.path: the exact path without query ("/v1/chat/completions"), or a prefix ending in
//       "*"; match.model: the request's model (Gemini: from the path); match.provider: "openai" |
//       "anthropic" | "gemini"; match.stream: true/false.
//     Fault kinds and their parameters:
//       ok                      the normal answer. Optional cached_tokens: N (reported as cached
//                               prompt tokens: OpenAI prompt_tokens_details.cached_tokens,
//                               Anthropic cache_read_input_tokens, Gemini cachedContentTokenCount).
//       status                  code (default 500; e.g. 401 404 408 429 500 502 503 529),
//                               retry_after (seconds, or an HTTP date string) -> Retry-After header,
//                               message (overrides the provider's text). The body is the provider's
//                               own error object for that code.
//       context_length          400: OpenAI code context_length_exceeded; Anthropic
//                               invalid_request_error "prompt is too long: N tokens > M maximum";
//                               Gemini INVALID_ARGUMENT "The input token count (N) exceeds the
//                               maximum number of tokens allowed (M)." limit: M (default 8192).
//       content_policy          OpenAI: non-stream 400 code content_policy_violation, stream: the
//                               deltas end with finish_reason "content_filter"; Anthropic:
//                               stop_reason "refusal" (200); Gemini: candidate finishReason
//                               "SAFETY", or with stage: "prompt" promptFeedback.blockReason
//                               "SAFETY" and no candidates.
//       refuse                  the socket is destroyed as soon as the request head is parsed,
//                               before the body is read and before any byte is sent. With
//                               on: "connect" it instead destroys the next NEW connection before
//                               reading anything (match is ignored then; note that this can
//                               be a client's control-API connection too).
//       reset_mid_stream        after: N events (default 2) are sent, then the socket is destroyed.
//                               Non-stream: the headers and half the body, then destroyed.
//       error_mid_stream        after: N events, then the provider's in-stream error (Anthropic
//                               `event: error` overloaded_error; OpenAI `data: {"error":...}`;
//                               Gemini a data line with {"error":...}) and the stream ends.
//       stall_before_first_byte the request is read, nothing is sent until the client goes away
//                               or ms passes (then the normal answer follows). Default: forever.
//       stall_mid_stream        after: N events (default 2), nothing more until the client goes
//                               away or ms passes (then the rest). Non-stream: after half the body.
//       slow_drip               ms (default 200) between events. Non-stream: the body in 8 pieces.
//       malformed_sse           after: N events (default 2), a garbage line (line: the text,
//                               default `data: {"id":"broken`) then the rest of the stream.
//                               Non-stream: 200 application/json whose body is that garbage.
//       wrong_content_type      200 Content-Type text/html with an HTML page (a proxy's).
//       oversized               bytes: N (default 4 MiB). Non-stream: a valid answer whose reply
//                               text is padded so the body is N bytes. Stream: one event whose
//                               data line is about N bytes, then the rest.
//       truncated_json          non-stream: Content-Length-correct body cut in the middle of the
//                               JSON. Stream: after: N events, then an event cut mid-JSON, end.
//     Every step also takes: delay (ms between stream events), headers (extra response headers),
//     body (a raw string replacing the error/answer body where the fault sends one).
//   GET  /_script   the steps not yet used.
//   GET  /_log      every upstream request so far: [{seq, method, path, query, headers, body
//                   (parsed JSON, else the text), time (ms since epoch), provider, model, stream,
//                   fault ("ok" when no step applied), step (the step or null), status}].
//                   A connection destroyed by refuse/on:"connect" logs {method: null, fault}.
//   POST /_reset    clears the script and the log (counters in /_stats stay).
//   GET  /_stats    {open_connections, requests_total, connections_total, open_control_connections}
//                   open_connections: open sockets that are not control-only (an idle keep-alive
//                   socket of a client counts); requests_total: upstream requests received.
'use strict';

const http = require('http');
const crypto = require('crypto');

function parseArgs(argv) {
  const o = {port: 0, name: 'fake', keys: [], models: null, delay: 0, keepAliveMs: 5000};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const num = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${a}: not a number: ${v}`);
      return n;
    };
    switch (a) {
      case '--port': o.port = num(next()); break;
      case '--name': o.name = next(); break;
      case '--key': o.keys.push(next()); break;
      case '--models': o.models = next().split(',').filter((s) => s.length > 0); break;
      case '--delay': o.delay = num(next()); break;
      case '--keep-alive-ms': o.keepAliveMs = num(next()); break;
      case '--ignore-stdin': o.ignoreStdin = true; break;
      default: throw new Error(`unknown flag ${a}`);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
let script = [];
let log = [];
let seq = 0;
const stats = {requests_total: 0, connections_total: 0};
const sockets = new Set();
const kFaults = new Set(['ok', 'status', 'context_length', 'content_policy', 'refuse',
  'reset_mid_stream', 'error_mid_stream', 'stall_before_first_byte', 'stall_mid_stream',
  'slow_drip', 'malformed_sse', 'wrong_content_type', 'oversized', 'truncated_json']);

// ---------------------------------------------------------------------------------------------
// Request understanding

function words(s) {
  const t = String(s ?? '').trim();
  return t.length === 0 ? 0 : t.split(/\s+/).length;
}

// Text of OpenAI / Anthropic content (string or parts).
function contentText(c) {
  if (c == null) return '';
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    return c.map((p) => {
      if (typeof p === 'string') return p;
      if (!p || typeof p !== 'object') return '';
      if (typeof p.text === 'string') return p.text;
      if (p.type === 'tool_result') return contentText(p.content);
      return '';
    }).filter((s) => s.length > 0).join(' ');
  }
  return '';
}

function geminiPartsText(parts) {
  if (!Array.isArray(parts)) return '';
  return parts.map((p) => {
    if (p && typeof p.text === 'string') return p.text;
    if (p && p.functionResponse) return JSON.stringify(p.functionResponse.response ?? {});
    return '';
  }).filter((s) => s.length > 0).join(' ');
}

// Normalized view of a generation request: {model, lastUser, promptText, tools, toolResultLast,
// prefill, maxTokens, stream, includeUsage, thinking}.
function understand(provider, kind, body, pathModel) {
  const b = body && typeof body === 'object' ? body : {};
  const v = {model: String(b.model ?? pathModel ?? ''), lastUser: '', promptText: '', tools: [],
    toolResultLast: false, prefill: null, maxTokens: null, stream: b.stream === true,
    includeUsage: !!(b.stream_options && b.stream_options.include_usage), thinking: false};
  if (provider === 'gemini') {
    v.model = pathModel;
    const contents = Array.isArray(b.contents) ? b.contents : [];
    const texts = [];
    if (b.systemInstruction || b.system_instruction) {
      texts.push(geminiPartsText((b.systemInstruction || b.system_instruction).parts));
    }
    for (const c of contents) {
      const t = geminiPartsText(c && c.parts);
      texts.push(t);
      if (c && c.role !== 'model' && (c.parts || []).some((p) => p && typeof p.text === 'string')) {
        v.lastUser = (c.parts || []).filter((p) => p && typeof p.text === 'string')
            .map((p) => p.text).join(' ');
      }
    }
    const last = contents[contents.length - 1];
    v.toolResultLast = !!(last && (last.parts || []).some((p) => p && p.functionResponse));
    v.promptText = texts.join(' ');
    for (const t of Array.isArray(b.tools) ? b.tools : []) {
      for (const f of (t && (t.functionDeclarations || t.function_declarations)) || []) {
        if (f && f.name) v.tools.push(String(f.name));
      }
    }
    const gc = b.generationConfig || b.generation_config || {};
    const mt = gc.maxOutputTokens ?? gc.max_output_tokens;
    if (Number.isInteger(mt) && mt > 0) v.maxTokens = mt;
    return v;
  }
  if (kind === 'completions') {
    const p = Array.isArray(b.prompt) ? b.prompt.join(' ') : String(b.prompt ?? '');
    v.lastUser = p;
    v.promptText = p;
  } else {
    const msgs = Array.isArray(b.messages) ? b.messages : [];
    const texts = [];
    if (provider === 'anthropic' && b.system != null) texts.push(contentText(b.system));
    for (const m of msgs) {
      if (!m || typeof m !== 'object') continue;
      const t = contentText(m.content);
      texts.push(t);
      if (m.role === 'user') {
        const own = Array.isArray(m.content) ?
            m.content.filter((p) => p && p.type === 'text').map((p) => p.text).join(' ') :
            contentText(m.content);
        if (own.length > 0 || !Array.isArray(m.content)) v.lastUser = own;
      }
    }
    const last = msgs[msgs.length - 1];
    if (last && provider === 'openai') v.toolResultLast = last.role === 'tool';
    if (last && provider === 'anthropic') {
      v.toolResultLast = Array.isArray(last.content) &&
          last.content.some((p) => p && p.type === 'tool_result');
      if (last.role === 'assistant') v.prefill = contentText(last.content);
    }
    v.promptText = texts.join(' ');
    for (const t of Array.isArray(b.tools) ? b.tools : []) {
      const n = t && (t.function ? t.function.name : t.name);
      if (n) v.tools.push(String(n));
    }
    if (provider === 'anthropic' && b.thinking && b.thinking.type === 'enabled') v.thinking = true;
  }
  const mt = b.max_completion_tokens ?? b.max_tokens;
  if (Number.isInteger(mt) && mt > 0) v.maxTokens = mt;
  return v;
}

// The deterministic answer: {text, pieces, toolCall, thinking, finish: 'stop'|'length'|'tool',
// promptTokens, completionTokens}.
function answer(v) {
  const a = {toolCall: null, thinking: null, finish: 'stop'};
  const m = /\bcall\s+([A-Za-z0-9_.-]+)/.exec(v.lastUser);
  if (m && !v.toolResultLast && v.tools.includes(m[1])) a.toolCall = m[1];
  let text = `${opts.name}:${v.model} says: ${v.lastUser}`;
  if (v.prefill != null) text = ` ${text}`;
  let pieces = splitWords(text);
  if (v.maxTokens != null && wordsIn(pieces) > v.maxTokens) {
    pieces = takeWords(pieces, v.maxTokens);
    a.finish = 'length';
  }
  a.text = pieces.join('');
  a.pieces = pieces;
  if (v.thinking) a.thinking = `${opts.name} thinks about: ${v.lastUser}`;
  if (a.toolCall) {
    a.text = '';
    a.pieces = [];
    a.finish = 'tool';
  }
  a.promptTokens = words(v.promptText);
  a.completionTokens = a.toolCall ? 1 : words(a.text) + (a.thinking ? words(a.thinking) : 0);
  return a;
}

// "a b  c" -> ["a", " b", "  c"]: pieces that join back to the text, one word each.
function splitWords(text) {
  const out = text.match(/\s*\S+/g) || [];
  const tail = text.slice(out.join('').length);
  if (tail.length > 0) {
    if (out.length > 0) out[out.length - 1] += tail; else out.push(tail);
  }
  return out;
}
function wordsIn(pieces) { return pieces.filter((p) => p.trim().length > 0).length; }
function takeWords(pieces, n) { return pieces.slice(0, n); }

function rid(prefix) { return prefix + crypto.randomBytes(12).toString('hex'); }

// ---------------------------------------------------------------------------------------------
// Provider error bodies

function openaiError(code, model, message) {
  const e = {message: '', type: 'invalid_request_error', param: null, code: null};
  switch (code) {
    case 400: e.message = 'Invalid request.'; break;
    case 401:
      e.message = 'Incorrect API key provided. You can find your API key at ' +
          'https://platform.openai.com/account/api-keys.';
      e.code = 'invalid_api_key';
      break;
    case 403: e.message = 'You are not allowed to access this resource.'; break;
    case 404:
      e.message = `The model \`${model}\` does not exist or you do not have access to it.`;
      e.code = 'model_not_found';
      break;
    case 408: e.message = 'Request timed out.'; e.type = 'server_error'; e.code = 'timeout'; break;
    case 429:
      e.message = `Rate limit reached for ${model} on requests per min (RPM): Limit 3, Used 3, ` +
          'Requested 1. Please try again in 20s.';
      e.type = 'requests';
      e.code = 'rate_limit_exceeded';
      break;
    case 503:
      e.message = 'The engine is currently overloaded, please try again later.';
      e.type = 'server_error';
      break;
    default:
      e.message = 'The server had an error while processing your request. Sorry about that!';
      e.type = 'server_error';
  }
  if (message) e.message = message;
  return {error: e};
}

function anthropicError(code, message) {
  const types = {400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error',
    404: 'not_found_error', 408: 'timeout_error', 413: 'request_too_large',
    429: 'rate_limit_error', 500: 'api_error', 502: 'api_error', 503: 'api_error',
    504: 'timeout_error', 529: 'overloaded_error'};
  const texts = {400: 'Invalid request', 401: 'invalid x-api-key', 403: 'Permission denied',
    404: 'Not found', 408: 'Request timed out', 413: 'Request exceeds the maximum allowed size',
    429: 'Number of request tokens has exceeded your per-minute rate limit',
    500: 'Internal server error', 529: 'Overloaded'};
  return {type: 'error', error: {type: types[code] || 'api_error',
    message: message || texts[code] || 'Internal server error'}, request_id: rid('req_')};
}

function geminiError(code, message) {
  const status = {400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND', 408: 'DEADLINE_EXCEEDED', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL',
    502: 'UNAVAILABLE', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED', 529: 'UNAVAILABLE'};
  const texts = {400: 'Request contains an invalid argument.',
    401: 'Request had invalid authentication credentials.',
    403: 'The caller does not have permission', 404: 'Requested entity was not found.',
    408: 'The request timed out.',
    429: 'Resource has been exhausted (e.g. check quota).',
    500: 'An internal error has occurred. Please retry or report in ' +
        'https://developers.generativeai.google/guide/troubleshooting',
    503: 'The model is overloaded. Please try again later.'};
  return {error: {code, message: message || texts[code] || 'The service is currently unavailable.',
    status: status[code] || 'UNKNOWN'}};
}

function providerError(ctx, code, message) {
  if (ctx.provider === 'anthropic') return anthropicError(code, message);
  if (ctx.provider === 'gemini') return geminiError(code, message);
  return openaiError(code, ctx.model || 'unknown', message);
}

// ---------------------------------------------------------------------------------------------
// Sending

function sendJson(ctx, status, obj, extra = {}) {
  const body = ctx.step && typeof ctx.step.body === 'string' ? ctx.step.body : JSON.stringify(obj);
  sendRaw(ctx, status, {'Content-Type': 'application/json', ...extra}, body);
}

function baseHeaders(ctx) {
  const h = {};
  if (ctx.provider === 'openai') h['x-request-id'] = rid('req_');
  if (ctx.provider === 'anthropic') h['request-id'] = rid('req_');
  if (ctx.step && ctx.step.headers && typeof ctx.step.headers === 'object') {
    Object.assign(h, ctx.step.headers);
  }
  return h;
}

function sendRaw(ctx, status, headers, body) {
  ctx.entry.status = status;
  const res = ctx.res;
  if (res.destroyed) return;
  res.writeHead(status, {...headers, ...baseHeaders(ctx), 'Content-Length': Buffer.byteLength(body)});
  res.end(body);
}

// With the oversized fault, pads the reply text so build()'s JSON is `bytes` long.
function sized(ctx, a, build) {
  if (ctx.fault !== 'oversized') return build();
  const want = Number.isInteger(ctx.step.bytes) ? ctx.step.bytes : 4 * 1024 * 1024;
  const extra = want - Buffer.byteLength(JSON.stringify(build())) - 1;
  if (extra > 0) a.text += ' ' + 'x'.repeat(extra);
  return build();
}

// Non-stream success body: applies body-level faults.
function sendBody(ctx, obj) {
  const step = ctx.step || {};
  const json = JSON.stringify(obj);
  const headers = {'Content-Type': 'application/json', ...baseHeaders(ctx)};
  const res = ctx.res;
  ctx.entry.status = 200;
  const half = Math.floor(Buffer.byteLength(json) / 2);
  switch (ctx.fault) {
    case 'truncated_json': {
      const cut = Buffer.from(json).subarray(0, half);
      res.writeHead(200, {...headers, 'Content-Length': cut.length});
      return res.end(cut);
    }
    case 'malformed_sse': {
      const g = typeof step.line === 'string' ? step.line : 'data: {"id":"broken';
      res.writeHead(200, {...headers, 'Content-Length': Buffer.byteLength(g)});
      return res.end(g);
    }
    case 'reset_mid_stream':
    case 'stall_mid_stream': {
      const buf = Buffer.from(json);
      res.writeHead(200, {...headers, 'Content-Length': buf.length});
      res.write(buf.subarray(0, half));
      if (ctx.fault === 'reset_mid_stream') {
        return setTimeout(() => res.socket && res.socket.destroy(), 20);
      }
      return ctx.wait(step.ms, () => res.end(buf.subarray(half)));
    }
    case 'slow_drip': {
      const buf = Buffer.from(json);
      res.writeHead(200, {...headers, 'Content-Length': buf.length});
      const n = 8;
      const size = Math.ceil(buf.length / n);
      let i = 0;
      const tick = () => {
        if (res.destroyed) return;
        const piece = buf.subarray(i * size, (i + 1) * size);
        i++;
        if (i >= n || (i * size) >= buf.length) return res.end(piece);
        res.write(piece);
        ctx.wait(step.ms ?? 200, tick);
      };
      return tick();
    }
    default:
      res.writeHead(200, {...headers, 'Content-Length': Buffer.byteLength(json)});
      return res.end(json);
  }
}

// Streams `frames` (complete SSE frames, strings) applying stream faults. `errorFrame` is the
// provider's in-stream error frame.
function sendStream(ctx, frames, errorFrame, contentType = 'text/event-stream; charset=utf-8') {
  const step = ctx.step || {};
  const res = ctx.res;
  const after = Number.isInteger(step.after) && step.after >= 0 ? step.after : 2;
  let delay = ctx.fault === 'slow_drip' ? (step.ms ?? 200) : (step.delay ?? opts.delay);
  ctx.entry.status = 200;
  res.writeHead(200, {'Content-Type': contentType, 'Cache-Control': 'no-cache',
    ...baseHeaders(ctx)});
  res.flushHeaders();
  let list = frames.slice();
  if (ctx.fault === 'malformed_sse') {
    const g = typeof step.line === 'string' ? step.line : 'data: {"id":"broken';
    list.splice(Math.min(after, list.length), 0, g + '\n\n');
  } else if (ctx.fault === 'oversized') {
    const bytes = Number.isInteger(step.bytes) ? step.bytes : 4 * 1024 * 1024;
    list.splice(Math.min(after, list.length), 0, ctx.bigFrame(bytes));
  } else if (ctx.fault === 'truncated_json') {
    const f = list[Math.min(after, list.length - 1)];
    list = list.slice(0, Math.min(after, list.length - 1));
    list.push(f.slice(0, Math.max(1, Math.floor(f.trimEnd().length / 2))));
  } else if (ctx.fault === 'error_mid_stream') {
    list = list.slice(0, after);
    list.push(errorFrame);
  }
  let i = 0;
  const tick = () => {
    if (res.destroyed) return;
    if (i === after && i < list.length) {
      if (ctx.fault === 'reset_mid_stream') return res.socket && res.socket.destroy();
      if (ctx.fault === 'stall_mid_stream' && !ctx.stalled) {
        ctx.stalled = true;
        return ctx.wait(step.ms, tick);
      }
    }
    if (i >= list.length) return res.end();
    res.write(list[i++]);
    if (delay > 0) ctx.wait(delay, tick); else setImmediate(tick);
  };
  tick();
}

function sse(obj) { return `data: ${JSON.stringify(obj)}\n\n`; }
function sseEvent(type, obj) { return `event: ${type}\ndata: ${JSON.stringify(obj)}\n\n`; }

// ---------------------------------------------------------------------------------------------
// OpenAI

function openaiUsage(a, cached) {
  return {prompt_tokens: a.promptTokens, completion_tokens: a.completionTokens,
    total_tokens: a.promptTokens + a.completionTokens,
    prompt_tokens_details: {cached_tokens: cached, audio_tokens: 0},
    completion_tokens_details: {reasoning_tokens: 0, audio_tokens: 0,
      accepted_prediction_tokens: 0, rejected_prediction_tokens: 0}};
}

function openaiChat(ctx, v) {
  const step = ctx.step || {};
  const a = answer(v);
  const cached = Number.isInteger(step.cached_tokens) ? step.cached_tokens : 0;
  const id = rid('chatcmpl-');
  const created = Math.floor(Date.now() / 1000);
  const finish = ctx.fault === 'content_policy' ? 'content_filter' :
      a.finish === 'tool' ? 'tool_calls' : a.finish;
  const call = a.toolCall ? {id: rid('call_'), type: 'function',
    function: {name: a.toolCall, arguments: '{}'}} : null;
  if (!v.stream) {
    if (ctx.fault === 'content_policy') {
      const body = openaiError(400, v.model, step.message ||
          'Your request was rejected as a result of our safety system. Your prompt may contain ' +
          'text that is not allowed by our safety system.');
      body.error.code = 'content_policy_violation';
      return sendJson(ctx, 400, body);
    }
    return sendBody(ctx, sized(ctx, a, openaiChatBody));
  }
  function openaiChatBody() {
    const message = {role: 'assistant', content: call ? null : a.text, refusal: null,
      annotations: []};
    if (call) message.tool_calls = [call];
    return {id, object: 'chat.completion', created, model: v.model,
      choices: [{index: 0, message, logprobs: null, finish_reason: finish}],
      usage: openaiUsage(a, cached), service_tier: 'default', system_fingerprint: 'fp_fake'};
  }
  const chunk = (delta, fr, extra = {}) => ({id, object: 'chat.completion.chunk', created,
    model: v.model, service_tier: 'default', system_fingerprint: 'fp_fake',
    choices: [{index: 0, delta, logprobs: null, finish_reason: fr}],
    ...(v.includeUsage ? {usage: null} : {}), ...extra});
  const frames = [sse(chunk({role: 'assistant', content: call ? null : '', refusal: null}, null))];
  if (call) {
    frames.push(sse(chunk({tool_calls: [{index: 0, id: call.id, type: 'function',
      function: {name: call.function.name, arguments: ''}}]}, null)));
    for (const frag of ['{', '}']) {
      frames.push(sse(chunk({tool_calls: [{index: 0, function: {arguments: frag}}]}, null)));
    }
  }
  for (const p of a.pieces) frames.push(sse(chunk({content: p}, null)));
  frames.push(sse(chunk({}, finish)));
  if (v.includeUsage) {
    frames.push(sse({id, object: 'chat.completion.chunk', created, model: v.model,
      service_tier: 'default', system_fingerprint: 'fp_fake', choices: [],
      usage: openaiUsage(a, cached)}));
  }
  frames.push('data: [DONE]\n\n');
  ctx.bigFrame = (bytes) => sse(chunk({content: 'x'.repeat(Math.max(1, bytes - 300))}, null));
  sendStream(ctx, frames, sse(openaiError(500, v.model,
      'The server had an error while processing your request. Sorry about that!')));
}

function openaiCompletions(ctx, v) {
  const step = ctx.step || {};
  const a = answer({...v, tools: []});
  const id = rid('cmpl-');
  const created = Math.floor(Date.now() / 1000);
  const usage = {prompt_tokens: a.promptTokens, completion_tokens: a.completionTokens,
    total_tokens: a.promptTokens + a.completionTokens};
  const finish = ctx.fault === 'content_policy' ? 'content_filter' : a.finish;
  if (!v.stream) {
    if (ctx.fault === 'content_policy') {
      const body = openaiError(400, v.model, step.message ||
          'Your request was rejected as a result of our safety system.');
      body.error.code = 'content_policy_violation';
      return sendJson(ctx, 400, body);
    }
    return sendBody(ctx, sized(ctx, a, () => ({id, object: 'text_completion', created,
      model: v.model, choices: [{text: a.text, index: 0, logprobs: null, finish_reason: finish}],
      usage})));
  }
  const chunk = (text, fr) => ({id, object: 'text_completion', created, model: v.model,
    choices: [{text, index: 0, logprobs: null, finish_reason: fr}]});
  const frames = a.pieces.map((p) => sse(chunk(p, null)));
  frames.push(sse(chunk('', finish)));
  if (v.includeUsage) {
    frames.push(sse({id, object: 'text_completion', created, model: v.model, choices: [], usage}));
  }
  frames.push('data: [DONE]\n\n');
  ctx.bigFrame = (bytes) => sse(chunk('x'.repeat(Math.max(1, bytes - 200)), null));
  sendStream(ctx, frames, sse(openaiError(500, v.model)));
}

function embedding(model, text, dims) {
  const out = [];
  let block = 0;
  while (out.length < dims) {
    const h = crypto.createHash('sha256').update(`${opts.name}:${model}:${text}:${block++}`).digest();
    for (const byte of h) {
      if (out.length >= dims) break;
      out.push((byte - 128) / 128);
    }
  }
  return out;
}

function openaiEmbeddings(ctx, body) {
  const b = body && typeof body === 'object' ? body : {};
  const model = String(b.model ?? '');
  let inputs = b.input;
  if (typeof inputs === 'string') inputs = [inputs];
  if (!Array.isArray(inputs) || inputs.length === 0) {
    return sendJson(ctx, 400, openaiError(400, model, "'input' is a required property"));
  }
  if (inputs.every((x) => Number.isInteger(x))) inputs = [inputs.join(' ')];
  inputs = inputs.map((x) => Array.isArray(x) ? x.join(' ') : String(x));
  const dims = Number.isInteger(b.dimensions) && b.dimensions > 0 ? b.dimensions : 8;
  const fmt = b.encoding_format ?? 'float';
  if (fmt !== 'float' && fmt !== 'base64') {
    return sendJson(ctx, 400, {error: {message: `'${fmt}' is not one of ['float', 'base64'] - ` +
      "'encoding_format'", type: 'invalid_request_error', param: 'encoding_format', code: null}});
  }
  let tokens = 0;
  const data = inputs.map((text, index) => {
    tokens += words(text);
    const vec = embedding(model, text, dims);
    let e = vec;
    if (fmt === 'base64') {
      const buf = Buffer.alloc(4 * vec.length);
      vec.forEach((x, i) => buf.writeFloatLE(x, 4 * i));
      e = buf.toString('base64');
    }
    return {object: 'embedding', index, embedding: e};
  });
  sendBody(ctx, {object: 'list', data, model,
    usage: {prompt_tokens: tokens, total_tokens: tokens}});
}

function modelList() { return opts.models && opts.models.length > 0 ? opts.models : ['fake-model']; }

// ---------------------------------------------------------------------------------------------
// Anthropic

function anthropicUsage(a, cached, out) {
  return {input_tokens: a.promptTokens, cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached, output_tokens: out, service_tier: 'standard'};
}

function anthropicMessages(ctx, v) {
  const step = ctx.step || {};
  const a = answer(v);
  const cached = Number.isInteger(step.cached_tokens) ? step.cached_tokens : 0;
  const id = rid('msg_');
  const stop = ctx.fault === 'content_policy' ? 'refusal' :
      a.finish === 'tool' ? 'tool_use' : a.finish === 'length' ? 'max_tokens' : 'end_turn';
  const signature = crypto.createHash('sha256').update(a.thinking || '').digest('base64');
  const toolId = rid('toolu_');
  if (!v.stream) {
    return sendBody(ctx, sized(ctx, a, () => {
      const content = [];
      if (a.thinking) content.push({type: 'thinking', thinking: a.thinking, signature});
      if (a.toolCall) content.push({type: 'tool_use', id: toolId, name: a.toolCall, input: {}});
      else content.push({type: 'text', text: a.text});
      return {id, type: 'message', role: 'assistant', model: v.model, content, stop_reason: stop,
        stop_sequence: null, usage: anthropicUsage(a, cached, a.completionTokens)};
    }));
  }
  const frames = [sseEvent('message_start', {type: 'message_start', message: {id, type: 'message',
    role: 'assistant', model: v.model, content: [], stop_reason: null, stop_sequence: null,
    usage: anthropicUsage(a, cached, 1)}})];
  let index = 0;
  let pinged = false;
  const ping = () => {
    if (!pinged) frames.push(sseEvent('ping', {type: 'ping'}));
    pinged = true;
  };
  if (a.thinking) {
    frames.push(sseEvent('content_block_start', {type: 'content_block_start', index,
      content_block: {type: 'thinking', thinking: '', signature: ''}}));
    ping();
    for (const p of splitWords(a.thinking)) {
      frames.push(sseEvent('content_block_delta', {type: 'content_block_delta', index,
        delta: {type: 'thinking_delta', thinking: p}}));
    }
    frames.push(sseEvent('content_block_delta', {type: 'content_block_delta', index,
      delta: {type: 'signature_delta', signature}}));
    frames.push(sseEvent('content_block_stop', {type: 'content_block_stop', index}));
    index++;
  }
  if (a.toolCall) {
    frames.push(sseEvent('content_block_start', {type: 'content_block_start', index,
      content_block: {type: 'tool_use', id: toolId, name: a.toolCall, input: {}}}));
    ping();
    for (const frag of ['{', '}']) {
      frames.push(sseEvent('content_block_delta', {type: 'content_block_delta', index,
        delta: {type: 'input_json_delta', partial_json: frag}}));
    }
  } else {
    frames.push(sseEvent('content_block_start', {type: 'content_block_start', index,
      content_block: {type: 'text', text: ''}}));
    ping();
    for (const p of a.pieces) {
      frames.push(sseEvent('content_block_delta', {type: 'content_block_delta', index,
        delta: {type: 'text_delta', text: p}}));
    }
  }
  frames.push(sseEvent('content_block_stop', {type: 'content_block_stop', index}));
  frames.push(sseEvent('message_delta', {type: 'message_delta',
    delta: {stop_reason: stop, stop_sequence: null}, usage: {output_tokens: a.completionTokens}}));
  frames.push(sseEvent('message_stop', {type: 'message_stop'}));
  ctx.bigFrame = (bytes) => sseEvent('content_block_delta', {type: 'content_block_delta', index,
    delta: {type: 'text_delta', text: 'x'.repeat(Math.max(1, bytes - 200))}});
  const err = anthropicError(529, 'Overloaded');
  delete err.request_id;
  sendStream(ctx, frames, sseEvent('error', err));
}

// ---------------------------------------------------------------------------------------------
// Gemini

function geminiUsage(a, cached, withCandidates = true) {
  const u = {promptTokenCount: a.promptTokens};
  if (withCandidates) u.candidatesTokenCount = a.completionTokens;
  u.totalTokenCount = a.promptTokens + (withCandidates ? a.completionTokens : 0);
  if (cached > 0) u.cachedContentTokenCount = cached;
  u.promptTokensDetails = [{modality: 'TEXT', tokenCount: a.promptTokens}];
  return u;
}

const kSafetyRatings = [
  {category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE'},
  {category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE'},
  {category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE'},
  {category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true},
];

function geminiGenerate(ctx, v, sseMode) {
  const step = ctx.step || {};
  const a = answer(v);
  const cached = Number.isInteger(step.cached_tokens) ? step.cached_tokens : 0;
  const responseId = crypto.randomBytes(9).toString('base64url');
  const safety = ctx.fault === 'content_policy';
  const promptBlocked = safety && step.stage === 'prompt';
  const finish = safety ? 'SAFETY' : a.finish === 'length' ? 'MAX_TOKENS' : 'STOP';
  const partsOf = () => a.toolCall ? [{functionCall: {name: a.toolCall, args: {}}}] :
      [{text: a.text}];
  const wrap = (candidate, usage) => {
    const r = {};
    if (candidate) r.candidates = [candidate];
    if (promptBlocked) r.promptFeedback = {blockReason: 'SAFETY', safetyRatings: kSafetyRatings};
    r.usageMetadata = usage;
    r.modelVersion = v.model;
    r.responseId = responseId;
    return r;
  };
  if (!v.stream) {
    return sendBody(ctx, sized(ctx, a, () => {
      let cand = {content: {parts: partsOf(), role: 'model'}, finishReason: finish, index: 0};
      if (safety) cand = {finishReason: 'SAFETY', index: 0, safetyRatings: kSafetyRatings};
      return wrap(promptBlocked ? null : cand, geminiUsage(a, cached, !promptBlocked));
    }));
  }
  const records = [];
  if (promptBlocked) {
    records.push(wrap(null, geminiUsage(a, cached, false)));
  } else if (a.toolCall) {
    records.push(wrap({content: {parts: partsOf(), role: 'model'}, finishReason: finish, index: 0},
        geminiUsage(a, cached)));
  } else {
    a.pieces.forEach((p, i) => {
      const last = i === a.pieces.length - 1;
      const cand = {content: {parts: [{text: p}], role: 'model'}, index: 0};
      if (last && !safety) cand.finishReason = finish;
      records.push(wrap(cand, geminiUsage(a, cached, last)));
    });
    if (safety) {
      records.push(wrap({content: {parts: [{text: ''}], role: 'model'}, finishReason: 'SAFETY',
        index: 0, safetyRatings: kSafetyRatings}, geminiUsage(a, cached)));
    }
  }
  const bigRecord = (bytes) => wrap({content: {parts: [{text: 'x'.repeat(Math.max(1,
      bytes - 300))}], role: 'model'}, index: 0}, geminiUsage(a, cached, false));
  const err = geminiError(503);
  if (sseMode) {
    const f = (r) => `data: ${JSON.stringify(r)}\r\n\r\n`;
    ctx.bigFrame = (bytes) => f(bigRecord(bytes));
    return sendStream(ctx, records.map(f), f(err));
  }
  // Without alt=sse: one JSON array, streamed record by record.
  const frames = records.map((r, i) => (i === 0 ? '[' : ',\r\n') + JSON.stringify(r));
  frames.push(']');
  ctx.bigFrame = (bytes) => ',\r\n' + JSON.stringify(bigRecord(bytes));
  sendStream(ctx, frames, ',\r\n' + JSON.stringify(err) + ']', 'application/json; charset=UTF-8');
}

// ---------------------------------------------------------------------------------------------
// Routing

function classify(method, path, headers) {
  let m = /^\/v1(?:beta)?\/models\/([^/:]+):([A-Za-z]+)$/.exec(path);
  if (m) return {provider: 'gemini', route: m[2], pathModel: decodeURIComponent(m[1])};
  if (path === '/v1/messages' || path === '/v1/messages/count_tokens') {
    return {provider: 'anthropic', route: path.endsWith('count_tokens') ? 'count_tokens' : 'messages'};
  }
  if (path === '/v1beta/models' || path === '/v1/models' || path.startsWith('/v1/models/')) {
    if (path.startsWith('/v1beta/')) return {provider: 'gemini', route: 'models'};
    const anthropic = headers['anthropic-version'] !== undefined;
    m = /^\/v1\/models\/(.+)$/.exec(path);
    return {provider: anthropic ? 'anthropic' : 'openai', route: 'models',
      pathModel: m ? decodeURIComponent(m[1]) : null};
  }
  if (path === '/v1/chat/completions') return {provider: 'openai', route: 'chat'};
  if (path === '/v1/completions') return {provider: 'openai', route: 'completions'};
  if (path === '/v1/embeddings') return {provider: 'openai', route: 'embeddings'};
  return {provider: path.startsWith('/v1beta') ? 'gemini' : 'openai', route: 'unknown'};
}

// True when `step` matches the request; before the body is read (info.model undefined) a model
// or stream match counts as a match (it may match).
function stepMatches(step, info) {
  const m = step.match;
  if (step.on === 'connect') return false;
  if (!m) return true;
  if (m.path !== undefined) {
    const p = String(m.path);
    if (p.endsWith('*') ? !info.path.startsWith(p.slice(0, -1)) : p !== info.path) return false;
  }
  const known = 'model' in info;
  if (m.model !== undefined && known && m.model !== info.model) return false;
  if (m.provider !== undefined && m.provider !== info.provider) return false;
  if (m.stream !== undefined && known && !!m.stream !== !!info.stream) return false;
  return true;
}

// Takes the first matching step (consuming one of its `times`).
function takeStep(info) {
  for (let i = 0; i < script.length; i++) {
    const s = script[i];
    if (!stepMatches(s, info)) continue;
    s._left = (s._left ?? s.times ?? 1) - 1;
    if (s._left <= 0) script.splice(i, 1);
    const {_left, ...copy} = s;
    return copy;
  }
  return null;
}

function checkAuth(ctx, query) {
  const h = ctx.req.headers;
  let key = null;
  if (ctx.provider === 'openai') {
    const m = /^Bearer\s+(.+)$/i.exec(h.authorization || '');
    key = m ? m[1].trim() : null;
  } else if (ctx.provider === 'anthropic') {
    key = h['x-api-key'] || null;
  } else {
    key = h['x-goog-api-key'] || query.get('key') || null;
  }
  const ok = key && (opts.keys.length === 0 || opts.keys.includes(key));
  if (ok) {
    if (ctx.provider === 'anthropic' && !h['anthropic-version']) {
      sendJson(ctx, 400, anthropicError(400, 'anthropic-version: header is required'));
      return false;
    }
    return true;
  }
  if (ctx.provider === 'openai') {
    const msg = key ? `Incorrect API key provided: ${mask(key)}. You can find your API key at ` +
        'https://platform.openai.com/account/api-keys.' :
        "You didn't provide an API key. You need to provide your API key in an Authorization " +
        'header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).';
    const body = openaiError(401, ctx.model, msg);
    if (!key) body.error.code = null;
    sendJson(ctx, 401, body);
  } else if (ctx.provider === 'anthropic') {
    sendJson(ctx, 401, anthropicError(401, key ? 'invalid x-api-key' : 'x-api-key header is required'));
  } else if (key) {
    const body = geminiError(400, 'API key not valid. Please pass a valid API key.');
    body.error.details = [{'@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID', domain: 'googleapis.com'}];
    sendJson(ctx, 400, body);
  } else {
    sendJson(ctx, 403, geminiError(403, 'Method doesn\'t allow unregistered callers (callers ' +
        'without established identity). Please use API Key or other form of API consumer ' +
        'identity to call this API.'));
  }
  return false;
}

function mask(key) {
  return key.length <= 8 ? '*'.repeat(key.length) : `${key.slice(0, 3)}***${key.slice(-4)}`;
}

function retryAfterHeader(step) {
  const h = {};
  if (step.retry_after !== undefined && step.retry_after !== null) {
    h['Retry-After'] = String(step.retry_after);
  }
  return h;
}

function handleUpstream(ctx, query) {
  const {provider, route} = ctx.info;
  const step = ctx.step || {};
  const v = ctx.view;
  // Faults that answer before the route does.
  switch (ctx.fault) {
    case 'status': {
      const code = Number.isInteger(step.code) ? step.code : 500;
      const body = providerError(ctx, code, step.message);
      if (provider === 'openai' && code === 429 && step.retry_after !== undefined) {
        const s = Number(step.retry_after);
        if (Number.isFinite(s)) {
          body.error.message = body.error.message.replace(/try again in \d+s/, `try again in ${s}s`);
        }
      }
      return sendJson(ctx, code, body, retryAfterHeader(step));
    }
    case 'context_length': {
      const limit = Number.isInteger(step.limit) ? step.limit : 8192;
      const n = Math.max(words(v.promptText), limit + 1);
      if (provider === 'anthropic') {
        return sendJson(ctx, 400, anthropicError(400, `prompt is too long: ${n} tokens > ${limit} maximum`));
      }
      if (provider === 'gemini') {
        return sendJson(ctx, 400, geminiError(400, `The input token count (${n}) exceeds the ` +
            `maximum number of tokens allowed (${limit}).`));
      }
      return sendJson(ctx, 400, {error: {message: `This model's maximum context length is ${limit} ` +
        `tokens. However, your messages resulted in ${n} tokens. Please reduce the length of the ` +
        'messages.', type: 'invalid_request_error', param: 'messages',
        code: 'context_length_exceeded'}});
    }
    case 'wrong_content_type': {
      const html = '<html>\r\n<head><title>200 OK</title></head>\r\n<body>\r\n' +
          '<center><h1>Welcome</h1></center>\r\n<p>Please sign in to continue.</p>\r\n' +
          '</body>\r\n</html>\r\n';
      return sendRaw(ctx, 200, {'Content-Type': 'text/html; charset=utf-8'},
          typeof step.body === 'string' ? step.body : html);
    }
    default: break;
  }
  // Known models.
  const model = ctx.model;
  const needsModel = ['chat', 'completions', 'embeddings', 'messages', 'count_tokens',
    'generateContent', 'streamGenerateContent', 'countTokens', 'embedContent'].includes(route) ||
      (route === 'models' && ctx.info.pathModel);
  if (needsModel && opts.models && !opts.models.includes(model)) {
    if (provider === 'anthropic') return sendJson(ctx, 404, anthropicError(404, `model: ${model}`));
    if (provider === 'gemini') {
      return sendJson(ctx, 404, geminiError(404, `models/${model} is not found for API version ` +
          'v1beta, or is not supported for generateContent. Call ListModels to see the list of ' +
          'available models and their supported methods.'));
    }
    return sendJson(ctx, 404, openaiError(404, model));
  }
  const body = ctx.body && typeof ctx.body === 'object' ? ctx.body : null;
  if (ctx.req.method === 'POST' && route !== 'models' && route !== 'unknown' && !body) {
    if (provider === 'anthropic') {
      return sendJson(ctx, 400, anthropicError(400, 'Request body must be a JSON object'));
    }
    if (provider === 'gemini') return sendJson(ctx, 400, geminiError(400, 'Invalid JSON payload received.'));
    return sendJson(ctx, 400, openaiError(400, model, 'We could not parse the JSON body of your ' +
        'request. (HINT: This likely means you aren\'t using your HTTP library correctly. The ' +
        'OpenAI API expects a JSON payload, but what was sent was not valid JSON.'));
  }
  const post = ctx.req.method === 'POST';
  switch (`${provider}:${route}:${post ? 'POST' : 'GET'}`) {
    case 'openai:chat:POST':
      if (!Array.isArray(body.messages)) {
        return sendJson(ctx, 400, {error: {message: "Missing required parameter: 'messages'.",
          type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter'}});
      }
      return openaiChat(ctx, v);
    case 'openai:completions:POST': return openaiCompletions(ctx, v);
    case 'openai:embeddings:POST': return openaiEmbeddings(ctx, body);
    case 'openai:models:GET': {
      if (ctx.info.pathModel) {
        return sendBody(ctx, {id: ctx.info.pathModel, object: 'model', created: 1700000000,
          owned_by: opts.name});
      }
      return sendBody(ctx, {object: 'list', data: modelList().map((id) => ({id, object: 'model',
        created: 1700000000, owned_by: opts.name}))});
    }
    case 'anthropic:models:GET': {
      const item = (id) => ({type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z'});
      if (ctx.info.pathModel) return sendBody(ctx, item(ctx.info.pathModel));
      const ids = modelList();
      return sendBody(ctx, {data: ids.map(item), has_more: false, first_id: ids[0],
        last_id: ids[ids.length - 1]});
    }
    case 'anthropic:messages:POST':
      if (!Array.isArray(body.messages)) {
        return sendJson(ctx, 400, anthropicError(400, 'messages: Field required'));
      }
      if (!Number.isInteger(body.max_tokens)) {
        return sendJson(ctx, 400, anthropicError(400, 'max_tokens: Field required'));
      }
      return anthropicMessages(ctx, v);
    case 'anthropic:count_tokens:POST':
      return sendBody(ctx, {input_tokens: words(v.promptText)});
    case 'gemini:generateContent:POST': return geminiGenerate(ctx, v, false);
    case 'gemini:streamGenerateContent:POST':
      return geminiGenerate(ctx, {...v, stream: true}, query.get('alt') === 'sse');
    case 'gemini:countTokens:POST':
      return sendBody(ctx, {totalTokens: words(v.promptText),
        promptTokensDetails: [{modality: 'TEXT', tokenCount: words(v.promptText)}]});
    case 'gemini:embedContent:POST': {
      const text = geminiPartsText(body.content && body.content.parts);
      const dims = Number.isInteger(body.outputDimensionality) ? body.outputDimensionality : 8;
      return sendBody(ctx, {embedding: {values: embedding(model, text, dims)}});
    }
    case 'gemini:models:GET':
      return sendBody(ctx, {models: modelList().map((id) => ({name: `models/${id}`,
        displayName: id, supportedGenerationMethods: ['generateContent', 'countTokens']}))});
    default:
      if (provider === 'anthropic') return sendJson(ctx, 404, anthropicError(404, 'Not Found'));
      if (provider === 'gemini') return sendJson(ctx, 404, geminiError(404));
      return sendJson(ctx, 404, {error: {message: `Invalid URL (${ctx.req.method} ${ctx.info.path})`,
        type: 'invalid_request_error', param: null, code: null}});
  }
}

// ---------------------------------------------------------------------------------------------
// Control API

function control(req, res, path, bodyText) {
  const reply = (status, obj) => {
    const b = JSON.stringify(obj);
    res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(b)});
    res.end(b);
  };
  if (path === '/_script' && req.method === 'POST') {
    let steps;
    try {
      steps = JSON.parse(bodyText);
    } catch (e) {
      return reply(400, {error: `body: not JSON: ${e.message}`});
    }
    if (steps && !Array.isArray(steps) && Array.isArray(steps.steps)) steps = steps.steps;
    if (!Array.isArray(steps)) return reply(400, {error: 'body: expected a JSON list of steps'});
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      if (!s || typeof s !== 'object') return reply(400, {error: `steps[${i}]: not an object`});
      if (!kFaults.has(s.fault)) {
        return reply(400, {error: `steps[${i}].fault: unknown fault ${JSON.stringify(s.fault)}`});
      }
      if (s.match !== undefined && (typeof s.match !== 'object' || s.match === null)) {
        return reply(400, {error: `steps[${i}].match: not an object`});
      }
      if (s.times !== undefined && !(Number.isInteger(s.times) && s.times > 0)) {
        return reply(400, {error: `steps[${i}].times: not a positive integer`});
      }
      for (const k of ['ms', 'after', 'bytes', 'code', 'delay', 'limit', 'cached_tokens']) {
        if (s[k] !== undefined && !(Number.isInteger(s[k]) && s[k] >= 0)) {
          return reply(400, {error: `steps[${i}].${k}: not a non-negative integer`});
        }
      }
    }
    script.push(...steps.map((s) => ({...s})));
    return reply(200, {steps: script.length});
  }
  if (path === '/_script' && req.method === 'GET') {
    return reply(200, script.map(({_left, ...s}) => ({...s, times: _left ?? s.times ?? 1})));
  }
  if (path === '/_log' && req.method === 'GET') return reply(200, log);
  if (path === '/_reset' && req.method === 'POST') {
    script = [];
    log = [];
    return reply(200, {ok: true});
  }
  if (path === '/_stats' && req.method === 'GET') {
    let open = 0;
    let control = 0;
    for (const s of sockets) {
      if (s.destroyed) continue;
      if (s.kind === 'control') control++; else open++;
    }
    return reply(200, {open_connections: open, requests_total: stats.requests_total,
      connections_total: stats.connections_total, open_control_connections: control});
  }
  return reply(404, {error: `no control route ${req.method} ${path}`});
}

// ---------------------------------------------------------------------------------------------
// Server

const server = http.createServer();
server.keepAliveTimeout = opts.keepAliveMs;
server.headersTimeout = 60000;
server.requestTimeout = 0;

server.on('connection', (socket) => {
  stats.connections_total++;
  socket.kind = 'new';
  const i = script.findIndex((s) => s.fault === 'refuse' && s.on === 'connect');
  if (i >= 0) {
    const s = script[i];
    s._left = (s._left ?? s.times ?? 1) - 1;
    if (s._left <= 0) script.splice(i, 1);
    log.push({seq: ++seq, method: null, path: null, query: {}, headers: {}, body: null,
      time: Date.now(), provider: null, model: null, stream: false, fault: 'refuse', step: {...s, _left: undefined},
      status: 0});
    socket.destroy();
    return;
  }
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

server.on('request', (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname;
  if (path.startsWith('/_')) {
    if (req.socket.kind === 'new') req.socket.kind = 'control';
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => control(req, res, path, Buffer.concat(chunks).toString('utf8')));
    return;
  }
  req.socket.kind = 'upstream';
  stats.requests_total++;
  const info = {path, ...classify(req.method, path, req.headers)};
  const entry = {seq: ++seq, method: req.method, path, query: Object.fromEntries(url.searchParams),
    headers: {...req.headers}, body: null, time: Date.now(), provider: info.provider, model: null,
    stream: false, fault: 'ok', step: null, status: 0};
  log.push(entry);
  // Matching before the body is read is only possible on path/provider; a step with a model or
  // stream match waits for the body. A refuse step without those matches fires right here.
  let early = false;
  for (const s of script) {
    if (!stepMatches(s, info)) continue;
    early = s.fault === 'refuse' &&
        !(s.match && (s.match.model !== undefined || s.match.stream !== undefined));
    break;  // a step that may match once the body is known goes first: wait for the body
  }
  if (early) {
    const s = takeStep(info);
    entry.fault = 'refuse';
    entry.step = s;
    req.socket.destroy();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 64 * 1024 * 1024) return req.destroy();
    chunks.push(c);
  });
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let body = text.length > 0 ? text : null;
    try { if (text.length > 0) body = JSON.parse(text); } catch { /* logged as text */ }
    entry.body = body;
    const view = understand(info.provider, info.route, body, info.pathModel);
    if (info.provider === 'gemini') view.stream = info.route === 'streamGenerateContent';
    info.model = view.model || (info.pathModel ?? null);
    info.stream = view.stream;
    entry.model = info.model;
    entry.stream = info.stream;
    const step = takeStep(info);
    const timers = new Set();
    const ctx = {req, res, entry, info, provider: info.provider, model: info.model, body, view,
      step, fault: step ? step.fault : 'ok', bigFrame: () => '',
      // Calls fn after ms (forever when ms is undefined), unless the client goes away first.
      wait(ms, fn) {
        if (ms === undefined || ms === null) return;
        const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
        timers.add(t);
      }};
    res.on('close', () => { for (const t of timers) clearTimeout(t); timers.clear(); });
    entry.fault = ctx.fault;
    entry.step = step;
    if (ctx.fault === 'refuse') return req.socket.destroy();
    const go = () => {
      try {
        if (!checkAuth(ctx, url.searchParams)) return;
        handleUpstream(ctx, url.searchParams);
      } catch (e) {
        if (!res.headersSent) sendJson(ctx, 500, providerError(ctx, 500, String(e && e.stack || e)));
        else res.destroy();
      }
    };
    if (ctx.fault === 'stall_before_first_byte') return ctx.wait(step.ms, go);
    go();
  });
});

function shutdown() {
  for (const s of sockets) s.destroy();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (!opts.ignoreStdin) {
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.resume();
}

server.listen(opts.port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
