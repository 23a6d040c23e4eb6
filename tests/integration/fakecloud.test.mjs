// Self-test of tests/fakes/cloud.js (the fake OpenAI / Anthropic / Gemini upstream of the gateway
// tests): the REAL client libraries (openai, @anthropic-ai/sdk, pinned in package.json) must accept
// its answers, and every scripted fault must look to a client as described in cloud.js's header.
// Needs no hearth binary.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const CLOUD = fileURLToPath(new URL('../fakes/cloud.js', import.meta.url));
const KEY = 'sk-fake-123456789';

// Starts a fake; resolves to {url, port, proc, stop()}.
function startFake(args = []) {
  const proc = spawn(process.execPath, [CLOUD, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`fake did not start: ${err}`)); }, 10000);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`fake exited ${code}: ${err}`)); });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^listening (\d+)\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      const port = Number(m[1]);
      resolve({
        port, url: `http://127.0.0.1:${port}`, proc, stderr: () => err,
        stop: () => new Promise((done) => {
          if (proc.exitCode !== null) return done(proc.exitCode);
          proc.on('exit', (c) => done(c));
          proc.kill('SIGTERM');
        }),
      });
    });
  });
}

let fake, openai, anthropic;
before(async () => {
  // A short keep-alive makes fetch (undici) close every connection after its response, so
  // /_stats.open_connections settles at 0 when nothing is in flight.
  fake = await startFake(['--name', 'alpha', '--key', KEY, '--keep-alive-ms', '300']);
  openai = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 10000 });
  anthropic = new Anthropic({ baseURL: fake.url, apiKey: KEY, maxRetries: 0, timeout: 10000 });
});
after(async () => { await fake?.stop(); });
beforeEach(async () => {
  const r = await fetch(`${fake.url}/_reset`, { method: 'POST' });
  assert.equal(r.status, 200);
});

async function script(steps) {
  const r = await fetch(`${fake.url}/_script`, { method: 'POST', body: JSON.stringify(steps) });
  assert.equal(r.status, 200, await r.text());
}
const getJson = async (path) => (await fetch(fake.url + path)).json();
const fakeLog = () => getJson('/_log');

async function raw(path, body, headers = {}) {
  const res = await fetch(fake.url + path, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}
const oaHeaders = { Authorization: `Bearer ${KEY}` };
const anHeaders = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };
const gmHeaders = { 'x-goog-api-key': KEY };

// SSE frames split on blank lines (LF or CRLF), each {event?, data}.
function sse(text) {
  return text.split(/\r?\n\r?\n/).filter((b) => b.trim().length > 0).map((b) => {
    const ev = {};
    for (const line of b.split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i > 0) ev[line.slice(0, i)] = line.slice(i + 1).trimStart();
    }
    return ev;
  });
}

// Waits until the fake has no open upstream connection (fails after 5 s).
async function noOpenConnections() {
  const deadline = Date.now() + 5000;
  let s;
  while (Date.now() < deadline) {
    s = await getJson('/_stats');
    if (s.open_connections === 0) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`upstream connections still open: ${JSON.stringify(s)}`);
}

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} } },
};
const chat = (text, extra = {}) => ({ model: 'gpt-x', messages: [{ role: 'user', content: text }], ...extra });

// --------------------------------------------------------------------------------------------
// OpenAI

test('openai: chat completion, not streaming, deterministic reply and usage', async () => {
  await script([{ fault: 'ok', cached_tokens: 1 }]);
  const r = await openai.chat.completions.create({
    model: 'gpt-x', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello  world' }],
  });
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.model, 'gpt-x');
  assert.equal(typeof r.created, 'number');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(r.choices[0].message.content, 'alpha:gpt-x says: hello  world');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.deepEqual([r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens], [4, 4, 8]);
  assert.equal(r.usage.prompt_tokens_details.cached_tokens, 1);
  assert.match(r._request_id, /^req_/);
  const log = await fakeLog();
  assert.equal(log.length, 1);
  assert.equal(log[0].headers.authorization, `Bearer ${KEY}`);
  assert.equal(log[0].body.messages[1].content, 'hello  world');
  assert.equal(log[0].fault, 'ok');
  assert.equal(log[0].status, 200);
});

test('openai: max_tokens cuts the reply with finish_reason length', async () => {
  const r = await openai.chat.completions.create(chat('one two three four', { max_tokens: 3 }));
  assert.equal(r.choices[0].message.content, 'alpha:gpt-x says: one');
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 3);
});

test('openai: streaming with include_usage: role delta, word deltas, finish chunk, usage chunk, [DONE]', async () => {
  const stream = await openai.chat.completions.create(chat('tell me more', {
    stream: true, stream_options: { include_usage: true },
  }));
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const text = chunks.flatMap((c) => c.choices).map((ch) => ch.delta.content ?? '').join('');
  assert.equal(text, 'alpha:gpt-x says: tell me more');
  const contentChunks = chunks.filter((c) => c.choices[0]?.delta.content);
  assert.equal(contentChunks.length, 5);
  const fin = chunks[chunks.length - 2];
  assert.equal(fin.choices[0].finish_reason, 'stop');
  const last = chunks[chunks.length - 1];
  assert.deepEqual(last.choices, []);
  assert.deepEqual([last.usage.prompt_tokens, last.usage.completion_tokens], [3, 5]);
  for (const c of chunks.slice(0, -1)) assert.equal(c.usage, null);

  const res = await raw('/v1/chat/completions', chat('hi', { stream: true }), oaHeaders);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const frames = sse(res.text);
  assert.equal(frames[frames.length - 1].data, '[DONE]');
  assert.ok(!('usage' in JSON.parse(frames[0].data)), 'no usage key without include_usage');
});

test('openai: tool call, streamed as index/id/name/argument fragments and not streamed', async () => {
  const params = chat('please call get_weather now', { tools: [weatherTool] });
  const r = await openai.chat.completions.create(params);
  assert.equal(r.choices[0].finish_reason, 'tool_calls');
  assert.equal(r.choices[0].message.content, null);
  const call = r.choices[0].message.tool_calls[0];
  assert.match(call.id, /^call_/);
  assert.equal(call.type, 'function');
  assert.deepEqual([call.function.name, call.function.arguments], ['get_weather', '{}']);

  // The SDK's stream helper assembles the deltas into a message.
  const runner = openai.chat.completions.stream({ ...params, stream_options: { include_usage: true } });
  const done = await runner.finalChatCompletion();
  const sc = done.choices[0].message.tool_calls[0];
  assert.equal(sc.function.name, 'get_weather');
  assert.equal(sc.function.arguments, '{}');
  assert.equal(done.choices[0].finish_reason, 'tool_calls');

  // Raw deltas: the first carries index/id/type/name, later ones only argument fragments.
  const res = await raw('/v1/chat/completions', { ...params, stream: true }, oaHeaders);
  const deltas = sse(res.text).filter((f) => f.data !== '[DONE]').map((f) => JSON.parse(f.data))
    .flatMap((c) => c.choices[0].delta.tool_calls ?? []);
  assert.ok(deltas.length >= 2);
  assert.equal(deltas[0].index, 0);
  assert.match(deltas[0].id, /^call_/);
  assert.equal(deltas[0].function.name, 'get_weather');
  for (const d of deltas.slice(1)) {
    assert.equal(d.index, 0);
    assert.equal(d.id, undefined);
    assert.equal(typeof d.function.arguments, 'string');
  }
  assert.equal(deltas.map((d) => d.function.arguments).join(''), '{}');

  // After a tool result, the answer is text (no loop), and an unknown tool name is not called.
  const again = await openai.chat.completions.create({ ...params, messages: [
    ...params.messages, r.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'sunny' }] });
  assert.equal(again.choices[0].finish_reason, 'stop');
  const other = await openai.chat.completions.create(chat('call nothing_here', { tools: [weatherTool] }));
  assert.equal(other.choices[0].finish_reason, 'stop');
});

test('openai: legacy completions, streaming and not', async () => {
  const r = await openai.completions.create({ model: 'gpt-i', prompt: 'once upon' });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.choices[0].text, 'alpha:gpt-i says: once upon');
  assert.equal(r.usage.prompt_tokens, 2);
  const s = await openai.completions.create({ model: 'gpt-i', prompt: 'once upon', stream: true });
  let text = '';
  let finish = null;
  for await (const c of s) {
    text += c.choices[0].text;
    finish = c.choices[0].finish_reason ?? finish;
  }
  assert.equal(text, 'alpha:gpt-i says: once upon');
  assert.equal(finish, 'stop');
});

test('openai: embeddings, float and base64 (SDK decodes) agree', async () => {
  // The SDK asks for base64 when no encoding_format is given, and decodes it.
  const viaSdk = await openai.embeddings.create({ model: 'emb', input: ['a cat', 'a dog'] });
  const log = await fakeLog();
  assert.equal(log[0].body.encoding_format, 'base64');
  assert.equal(viaSdk.data.length, 2);
  assert.equal(viaSdk.usage.prompt_tokens, 4);
  const asFloat = await raw('/v1/embeddings', { model: 'emb', input: ['a cat', 'a dog'], encoding_format: 'float' }, oaHeaders);
  assert.equal(asFloat.json.object, 'list');
  assert.equal(asFloat.json.data[0].object, 'embedding');
  assert.equal(asFloat.json.data[1].index, 1);
  assert.deepEqual(viaSdk.data.map((d) => d.embedding), asFloat.json.data.map((d) => d.embedding));
  assert.equal(viaSdk.data[0].embedding.length, 8);
  assert.notDeepEqual(viaSdk.data[0].embedding, viaSdk.data[1].embedding);
  const b64 = await raw('/v1/embeddings', { model: 'emb', input: 'a cat', encoding_format: 'base64', dimensions: 4 }, oaHeaders);
  assert.equal(typeof b64.json.data[0].embedding, 'string');
  assert.equal(Buffer.from(b64.json.data[0].embedding, 'base64').length, 16);
  const bad = await raw('/v1/embeddings', { model: 'emb', input: 'x', encoding_format: 'int8' }, oaHeaders);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, 'encoding_format');
});

test('openai: models list', async () => {
  const list = await openai.models.list();
  assert.ok(list.data.length >= 1);
  for (const m of list.data) assert.equal(m.object, 'model');
});

test('openai: wrong key is 401 invalid_api_key (AuthenticationError)', async () => {
  const bad = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-wrong-000000000', maxRetries: 0 });
  await assert.rejects(bad.chat.completions.create(chat('hi')), (e) => {
    assert.ok(e instanceof OpenAI.AuthenticationError);
    assert.equal(e.status, 401);
    assert.equal(e.code, 'invalid_api_key');
    assert.equal(e.type, 'invalid_request_error');
    assert.equal(e.param, null);
    return true;
  });
});

test('openai: 429 is RateLimitError with retry-after; the SDK retries after it', async () => {
  await script([{ fault: 'status', code: 429, retry_after: 7 }]);
  await assert.rejects(openai.chat.completions.create(chat('hi')), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError);
    assert.equal(e.status, 429);
    assert.equal(e.headers.get('retry-after'), '7');
    assert.equal(e.code, 'rate_limit_exceeded');
    return true;
  });
  // retry_after 0 and one retry: the second request is answered normally.
  await fetch(`${fake.url}/_reset`, { method: 'POST' });
  await script([{ fault: 'status', code: 429, retry_after: 0 }]);
  const retrying = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: KEY, maxRetries: 1 });
  const r = await retrying.chat.completions.create(chat('hi'));
  assert.equal(r.choices[0].message.content, 'alpha:gpt-x says: hi');
  assert.deepEqual((await fakeLog()).map((e) => e.fault), ['status', 'ok']);
});

test('openai: context_length is BadRequestError code context_length_exceeded', async () => {
  await script([{ fault: 'context_length', limit: 100 }]);
  await assert.rejects(openai.chat.completions.create(chat('hi')), (e) => {
    assert.ok(e instanceof OpenAI.BadRequestError);
    assert.equal(e.code, 'context_length_exceeded');
    assert.equal(e.param, 'messages');
    assert.match(e.message, /maximum context length is 100 tokens\. However, your messages resulted in 101 tokens/);
    return true;
  });
});

test('openai: content_policy is 400 content_policy_violation, or finish_reason content_filter when streaming', async () => {
  await script([{ fault: 'content_policy' }, { fault: 'content_policy' }]);
  await assert.rejects(openai.chat.completions.create(chat('hi')),
    (e) => e instanceof OpenAI.BadRequestError && e.code === 'content_policy_violation');
  const s = await openai.chat.completions.create(chat('hi', { stream: true }));
  let finish;
  for await (const c of s) finish = c.choices[0]?.finish_reason ?? finish;
  assert.equal(finish, 'content_filter');
});

// --------------------------------------------------------------------------------------------
// Anthropic

const msg = (text, extra = {}) => ({ model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: text }], ...extra });

test('anthropic: messages.create, not streaming', async () => {
  await script([{ fault: 'ok', cached_tokens: 2 }]);
  const m = await anthropic.messages.create(msg('hello there', { system: 'sys prompt' }));
  assert.equal(m.type, 'message');
  assert.match(m.id, /^msg_/);
  assert.equal(m.role, 'assistant');
  assert.equal(m.model, 'claude-x');
  assert.deepEqual(m.content, [{ type: 'text', text: 'alpha:claude-x says: hello there' }]);
  assert.equal(m.stop_reason, 'end_turn');
  assert.equal(m.stop_sequence, null);
  assert.deepEqual([m.usage.input_tokens, m.usage.output_tokens, m.usage.cache_read_input_tokens], [4, 4, 2]);
  const log = await fakeLog();
  assert.equal(log[0].headers['x-api-key'], KEY);
  assert.ok(log[0].headers['anthropic-version']);
  assert.equal(log[0].provider, 'anthropic');
});

test('anthropic: stream events in order; MessageStream assembles text', async () => {
  const stream = await anthropic.messages.create(msg('stream me', { stream: true }));
  const events = [];
  for await (const e of stream) events.push(e);
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'message_start');
  assert.equal(types[1], 'content_block_start');
  assert.deepEqual(types.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
  assert.equal(events[0].message.usage.input_tokens, 2);
  const deltas = events.filter((e) => e.type === 'content_block_delta');
  assert.ok(deltas.length >= 3);
  assert.equal(deltas.map((d) => d.delta.text).join(''), 'alpha:claude-x says: stream me');
  for (const d of deltas) assert.equal(d.delta.type, 'text_delta');
  const md = events.find((e) => e.type === 'message_delta');
  assert.equal(md.delta.stop_reason, 'end_turn');
  assert.equal(md.usage.output_tokens, 4);

  // The SDK drops ping events; the wire has one after the first content_block_start.
  const res = await raw('/v1/messages', msg('stream me', { stream: true }), anHeaders);
  const frames = sse(res.text);
  assert.deepEqual(frames.slice(0, 3).map((f) => f.event), ['message_start', 'content_block_start', 'ping']);
  for (const f of frames) assert.equal(JSON.parse(f.data).type, f.event);

  const final = await anthropic.messages.stream(msg('stream me')).finalMessage();
  assert.equal(final.content[0].text, 'alpha:claude-x says: stream me');
  assert.equal(final.usage.output_tokens, 4);
});

test('anthropic: tool_use (input_json_delta), thinking (thinking_delta), prefill continuation', async () => {
  const tools = [{ name: 'lookup', description: 'x', input_schema: { type: 'object', properties: {} } }];
  const m = await anthropic.messages.create(msg('call lookup please', { tools }));
  assert.equal(m.stop_reason, 'tool_use');
  assert.equal(m.content[0].type, 'tool_use');
  assert.equal(m.content[0].name, 'lookup');
  assert.deepEqual(m.content[0].input, {});
  assert.match(m.content[0].id, /^toolu_/);

  const s = anthropic.messages.stream(msg('call lookup please', { tools }));
  const kinds = [];
  s.on('streamEvent', (e) => { if (e.type === 'content_block_delta') kinds.push(e.delta.type); });
  const fm = await s.finalMessage();
  assert.ok(kinds.length > 0 && kinds.every((k) => k === 'input_json_delta'));
  assert.deepEqual(fm.content[0].input, {});
  assert.equal(fm.stop_reason, 'tool_use');

  const t = anthropic.messages.stream(msg('deep question', { thinking: { type: 'enabled', budget_tokens: 1024 } }));
  const tk = [];
  t.on('streamEvent', (e) => { if (e.type === 'content_block_delta') tk.push(e.delta.type); });
  const tm = await t.finalMessage();
  assert.ok(tk.includes('thinking_delta'));
  assert.equal(tm.content[0].type, 'thinking');
  assert.equal(tm.content[0].thinking, 'alpha thinks about: deep question');
  assert.equal(typeof tm.content[0].signature, 'string');
  assert.equal(tm.content[1].text, 'alpha:claude-x says: deep question');

  const p = await anthropic.messages.create({ model: 'claude-x', max_tokens: 50, messages: [
    { role: 'user', content: 'finish this' }, { role: 'assistant', content: 'Sure,' }] });
  assert.equal('Sure,' + p.content[0].text, 'Sure, alpha:claude-x says: finish this');
});

test('anthropic: countTokens', async () => {
  const r = await anthropic.messages.countTokens({ model: 'claude-x', system: 'a b', messages: [{ role: 'user', content: 'c d e' }] });
  assert.deepEqual(r, { input_tokens: 5 });
});

test('anthropic: 529 overloaded_error (APIError status 529), retried by the SDK after retry-after', async () => {
  await script([{ fault: 'status', code: 529, retry_after: 3 }]);
  await assert.rejects(anthropic.messages.create(msg('hi')), (e) => {
    assert.ok(e instanceof Anthropic.InternalServerError);  // the SDK's class for every 5xx
    assert.equal(e.status, 529);
    assert.equal(e.type, 'overloaded_error');
    assert.equal(e.error.type, 'error');
    assert.equal(e.error.error.message, 'Overloaded');
    assert.equal(e.headers.get('retry-after'), '3');
    assert.match(e.requestID, /^req_/);
    return true;
  });
  await fetch(`${fake.url}/_reset`, { method: 'POST' });
  await script([{ fault: 'status', code: 529, retry_after: 0 }]);
  const retrying = new Anthropic({ baseURL: fake.url, apiKey: KEY, maxRetries: 1 });
  const m = await retrying.messages.create(msg('hi'));
  assert.equal(m.content[0].text, 'alpha:claude-x says: hi');
});

test('anthropic: auth, version header, context_length, refusal', async () => {
  const bad = new Anthropic({ baseURL: fake.url, apiKey: 'nope', maxRetries: 0 });
  await assert.rejects(bad.messages.create(msg('hi')), (e) => e instanceof Anthropic.AuthenticationError &&
    e.error.error.type === 'authentication_error');
  const noVersion = await raw('/v1/messages', msg('hi'), { 'x-api-key': KEY });
  assert.equal(noVersion.status, 400);
  assert.equal(noVersion.json.type, 'error');
  assert.equal(noVersion.json.error.type, 'invalid_request_error');
  assert.match(noVersion.json.error.message, /anthropic-version/);

  await script([{ fault: 'context_length', limit: 200000 }, { fault: 'content_policy' }, { fault: 'content_policy' }]);
  await assert.rejects(anthropic.messages.create(msg('hi')), (e) => e instanceof Anthropic.BadRequestError &&
    /^prompt is too long: \d+ tokens > 200000 maximum$/.test(e.error.error.message));
  const r = await anthropic.messages.create(msg('hi'));
  assert.equal(r.stop_reason, 'refusal');
  const s = await anthropic.messages.stream(msg('hi')).finalMessage();
  assert.equal(s.stop_reason, 'refusal');
});

// --------------------------------------------------------------------------------------------
// Gemini (raw fetch)

const gem = (text, extra = {}) => ({ contents: [{ role: 'user', parts: [{ text }] }], ...extra });

test('gemini: generateContent and streamGenerateContent?alt=sse', async () => {
  const r = await raw('/v1beta/models/gemini-x:generateContent', gem('hello gem'), gmHeaders);
  assert.equal(r.status, 200);
  const c = r.json.candidates[0];
  assert.equal(c.content.role, 'model');
  assert.deepEqual(c.content.parts, [{ text: 'alpha:gemini-x says: hello gem' }]);
  assert.equal(c.finishReason, 'STOP');
  assert.deepEqual([r.json.usageMetadata.promptTokenCount, r.json.usageMetadata.candidatesTokenCount,
    r.json.usageMetadata.totalTokenCount], [2, 4, 6]);

  const s = await raw(`/v1beta/models/gemini-x:streamGenerateContent?alt=sse&key=${KEY}`, gem('hello gem'));
  assert.equal(s.status, 200);
  assert.match(s.headers.get('content-type'), /^text\/event-stream/);
  const recs = sse(s.text).map((f) => JSON.parse(f.data));
  assert.ok(recs.length >= 3);
  assert.equal(recs.map((x) => x.candidates[0].content.parts[0].text).join(''), 'alpha:gemini-x says: hello gem');
  assert.equal(recs[recs.length - 1].candidates[0].finishReason, 'STOP');
  assert.equal(recs[recs.length - 1].usageMetadata.candidatesTokenCount, 4);
  assert.equal((await fakeLog())[1].query.alt, 'sse');

  const arr = await raw('/v1beta/models/gemini-x:streamGenerateContent', gem('hello gem'), gmHeaders);
  assert.equal(JSON.parse(arr.text).length, recs.length);

  const t = await raw('/v1beta/models/gemini-x:generateContent', gem('call find_it', {
    tools: [{ functionDeclarations: [{ name: 'find_it', parameters: { type: 'object' } }] }] }), gmHeaders);
  assert.deepEqual(t.json.candidates[0].content.parts, [{ functionCall: { name: 'find_it', args: {} } }]);
});

test('gemini: errors in Google shape; safety; context length', async () => {
  const wrong = await raw('/v1beta/models/gemini-x:generateContent', gem('hi'), { 'x-goog-api-key': 'bad' });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.error.status, 'INVALID_ARGUMENT');
  assert.equal(wrong.json.error.code, 400);
  await script([{ fault: 'status', code: 429 }, { fault: 'context_length', limit: 1000 },
    { fault: 'content_policy' }, { fault: 'content_policy', stage: 'prompt' }, { fault: 'content_policy' }]);
  const path = '/v1beta/models/gemini-x:generateContent';
  const q = await raw(path, gem('hi'), gmHeaders);
  assert.deepEqual([q.status, q.json.error.code, q.json.error.status], [429, 429, 'RESOURCE_EXHAUSTED']);
  const cl = await raw(path, gem('hi'), gmHeaders);
  assert.equal(cl.json.error.status, 'INVALID_ARGUMENT');
  assert.match(cl.json.error.message, /input token count \(\d+\) exceeds the maximum number of tokens allowed \(1000\)/);
  const sf = await raw(path, gem('hi'), gmHeaders);
  assert.equal(sf.json.candidates[0].finishReason, 'SAFETY');
  const pb = await raw(path, gem('hi'), gmHeaders);
  assert.equal(pb.json.promptFeedback.blockReason, 'SAFETY');
  assert.equal(pb.json.candidates, undefined);
  const ss = await raw('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', gem('hi'), gmHeaders);
  const recs = sse(ss.text).map((f) => JSON.parse(f.data));
  assert.equal(recs[recs.length - 1].candidates[0].finishReason, 'SAFETY');
});

test('every status code in every provider shape, with retry_after as an HTTP date', async () => {
  const date = new Date(Date.now() + 60000).toUTCString();
  const codes = [401, 404, 408, 429, 500, 502, 503, 529];
  for (const code of codes) {
    await script([{ fault: 'status', code, retry_after: date, times: 3 }]);
    const o = await raw('/v1/chat/completions', chat('x'), oaHeaders);
    assert.equal(o.status, code);
    assert.equal(o.headers.get('retry-after'), date);
    assert.deepEqual(Object.keys(o.json.error).sort(), ['code', 'message', 'param', 'type']);
    const a = await raw('/v1/messages', msg('x'), anHeaders);
    assert.equal(a.status, code);
    assert.equal(a.json.type, 'error');
    assert.equal(typeof a.json.error.type, 'string');
    assert.equal(typeof a.json.error.message, 'string');
    if (code === 529) assert.equal(a.json.error.type, 'overloaded_error');
    if (code === 429) assert.equal(a.json.error.type, 'rate_limit_error');
    const g = await raw('/v1beta/models/g:generateContent', gem('x'), gmHeaders);
    assert.equal(g.status, code);
    assert.equal(g.json.error.code, code);
    assert.equal(typeof g.json.error.status, 'string');
  }
});

// --------------------------------------------------------------------------------------------
// Transport faults

test('refuse: the connection dies before an answer (APIConnectionError); on:"connect" too', async () => {
  await script([{ fault: 'refuse' }]);
  await assert.rejects(openai.chat.completions.create(chat('hi')), (e) => e instanceof OpenAI.APIConnectionError);
  const log = await fakeLog();
  assert.equal(log[0].fault, 'refuse');
  assert.equal(log[0].body, null, 'the body was never read');

  await script([{ fault: 'refuse', on: 'connect' }]);
  const err = await new Promise((resolve) => {
    const req = http.request(`${fake.url}/v1/models`, { agent: false, headers: oaHeaders }, () => resolve(null));
    req.on('error', resolve);
    req.end();
  });
  assert.ok(err && /ECONNRESET|socket hang up/.test(err.code + err.message), String(err));
  assert.equal((await fakeLog()).at(-1).method, null);
  // The next request is answered.
  assert.equal((await openai.models.list()).data.length >= 1, true);

  // An earlier step that matches by model is decided once the body is read, before the refuse.
  await script([{ match: { model: 'zz' }, fault: 'status', code: 503 }, { fault: 'refuse' }]);
  assert.equal((await raw('/v1/chat/completions', { ...chat('x'), model: 'zz' }, oaHeaders)).status, 503);
  await assert.rejects(raw('/v1/chat/completions', chat('x'), oaHeaders));
  assert.deepEqual((await fakeLog()).slice(-2).map((e) => e.fault), ['status', 'refuse']);
});

test('reset_mid_stream: the SDK stream ends with an error after N events (both SDKs)', async () => {
  await script([{ fault: 'reset_mid_stream', after: 3 }, { fault: 'reset_mid_stream', after: 2 },
    { fault: 'reset_mid_stream' }]);
  const got = [];
  await assert.rejects(async () => {
    for await (const c of await openai.chat.completions.create(chat('a b c d e f', { stream: true }))) got.push(c);
  });
  assert.equal(got.length, 3);
  const ev = [];
  await assert.rejects(async () => {
    for await (const e of await anthropic.messages.create(msg('a b c d', { stream: true }))) ev.push(e.type);
  });
  assert.deepEqual(ev, ['message_start', 'content_block_start']);
  // Not streaming: half the body, then the reset.
  await assert.rejects(openai.chat.completions.create(chat('x')), (e) => e instanceof OpenAI.APIConnectionError || e instanceof Error);
  await noOpenConnections();
});

test('error_mid_stream: Anthropic error event and OpenAI error data end the stream with an error', async () => {
  await script([{ fault: 'error_mid_stream', after: 2 }, { fault: 'error_mid_stream', after: 2 }]);
  await assert.rejects(async () => {
    for await (const e of await anthropic.messages.create(msg('a b', { stream: true }))) void e;
  }, (e) => e instanceof Anthropic.APIError && /overloaded/i.test(e.message));
  await assert.rejects(async () => {
    for await (const c of await openai.chat.completions.create(chat('a b', { stream: true }))) void c;
  }, (e) => e instanceof OpenAI.APIError);
});

test('stall_before_first_byte: answers after ms; without ms until the client goes away (no leak)', async () => {
  await script([{ fault: 'stall_before_first_byte', ms: 300 }, { fault: 'stall_before_first_byte' }]);
  const t0 = Date.now();
  const r = await openai.chat.completions.create(chat('late'));
  assert.ok(Date.now() - t0 >= 280, `answered after ${Date.now() - t0} ms`);
  assert.equal(r.choices[0].message.content, 'alpha:gpt-x says: late');
  const impatient = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 300 });
  await assert.rejects(impatient.chat.completions.create(chat('never')), (e) => e instanceof OpenAI.APIConnectionTimeoutError);
  await noOpenConnections();
  assert.equal((await fakeLog())[1].status, 0, 'nothing was sent');
});

test('stall_mid_stream: resumes after ms; forever until the client aborts (no leak)', async () => {
  await script([{ fault: 'stall_mid_stream', after: 2, ms: 300 }, { fault: 'stall_mid_stream', after: 2 }]);
  const t0 = Date.now();
  let text = '';
  for await (const c of await openai.chat.completions.create(chat('x y', { stream: true }))) text += c.choices[0]?.delta.content ?? '';
  assert.ok(Date.now() - t0 >= 280);
  assert.equal(text, 'alpha:gpt-x says: x y');

  // The Anthropic SDK ends an aborted stream's iteration quietly.
  const ac = new AbortController();
  const seen = [];
  const s = await anthropic.messages.create(msg('x y', { stream: true }), { signal: ac.signal });
  for await (const e of s) {
    seen.push(e.type);
    if (seen.length === 2) setTimeout(() => ac.abort(), 100);
  }
  assert.deepEqual(seen, ['message_start', 'content_block_start']);
  await noOpenConnections();
});

test('slow_drip: ms between events; the stream is complete', async () => {
  await script([{ fault: 'slow_drip', ms: 40 }]);
  const t0 = Date.now();
  let n = 0;
  let text = '';
  for await (const c of await openai.chat.completions.create(chat('p q', { stream: true }))) {
    n++;
    text += c.choices[0]?.delta.content ?? '';
  }
  assert.equal(text, 'alpha:gpt-x says: p q');
  assert.ok(Date.now() - t0 >= 40 * (n - 1), `${n} events in ${Date.now() - t0} ms`);
});

test('malformed_sse: a garbage data line breaks the SDK stream', async () => {
  await script([{ fault: 'malformed_sse', after: 2 }, { fault: 'malformed_sse', after: 1 }]);
  await assert.rejects(async () => {
    for await (const c of await openai.chat.completions.create(chat('a b c', { stream: true }))) void c;
  });
  const res = await raw('/v1/chat/completions', chat('a b c', { stream: true }), oaHeaders);
  const frames = sse(res.text);
  assert.equal(frames[1].data, '{"id":"broken');
  assert.equal(frames.at(-1).data, '[DONE]');
});

test('wrong_content_type: 200 text/html', async () => {
  await script([{ fault: 'wrong_content_type' }, { fault: 'wrong_content_type' }]);
  const r = await raw('/v1/messages', msg('x'), anHeaders);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.text, /<html>/);
  // openai-node hands a non-JSON body back as text, not as a completion.
  const s = await openai.chat.completions.create(chat('x'));
  assert.equal(typeof s, 'string');
});

test('oversized: a valid body of exactly `bytes`; a stream event of about `bytes`', async () => {
  await script([{ fault: 'oversized', bytes: 100000 }, { fault: 'oversized', bytes: 50000, after: 1 },
    { fault: 'oversized', bytes: 30000 }]);
  const r = await raw('/v1/chat/completions', chat('big'), oaHeaders);
  assert.equal(Buffer.byteLength(r.text), 100000);
  assert.match(r.json.choices[0].message.content, /^alpha:gpt-x says: big x+$/);
  const s = await raw('/v1/messages', msg('big', { stream: true }), anHeaders);
  const frames = sse(s.text);
  const big = JSON.parse(frames[1].data);
  assert.ok(big.delta.text.length > 49000 && big.delta.text.length <= 50000);
  assert.equal(frames.at(-1).event, 'message_stop');
  const g = await raw('/v1beta/models/g:generateContent', gem('big'), gmHeaders);
  assert.equal(Buffer.byteLength(g.text), 30000);
});

test('truncated_json: the body ends in the middle of the JSON', async () => {
  await script([{ fault: 'truncated_json' }, { fault: 'truncated_json' }, { fault: 'truncated_json', after: 2 }]);
  const r = await raw('/v1/chat/completions', chat('cut'), oaHeaders);
  assert.equal(r.status, 200);
  assert.equal(r.json, undefined);
  assert.ok(r.text.startsWith('{"id":"chatcmpl-'));
  assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.text));
  await assert.rejects(anthropic.messages.create(msg('cut')));
  const s = await raw('/v1/chat/completions', chat('cut', { stream: true }), oaHeaders);
  const frames = sse(s.text);
  assert.equal(frames.length, 3);
  assert.throws(() => JSON.parse(frames[2].data));
});

// --------------------------------------------------------------------------------------------
// Script, log, stats, identity

test('script: match by path/model/provider, times, first matching step, validation', async () => {
  await script([
    { match: { model: 'm2' }, fault: 'status', code: 503 },
    { match: { path: '/v1/messages' }, fault: 'status', code: 500, times: 2 },
    { match: { provider: 'gemini' }, fault: 'status', code: 404 },
  ]);
  assert.equal((await raw('/v1/chat/completions', chat('x'), oaHeaders)).status, 200);
  assert.equal((await raw('/v1/chat/completions', { ...chat('x'), model: 'm2' }, oaHeaders)).status, 503);
  assert.equal((await raw('/v1/chat/completions', { ...chat('x'), model: 'm2' }, oaHeaders)).status, 200);
  assert.equal((await raw('/v1/messages', msg('x'), anHeaders)).status, 500);
  assert.equal((await raw('/v1/messages', msg('x'), anHeaders)).status, 500);
  assert.equal((await raw('/v1/messages', msg('x'), anHeaders)).status, 200);
  assert.equal((await raw('/v1beta/models/g:generateContent', gem('x'), gmHeaders)).status, 404);
  assert.deepEqual(await getJson('/_script'), []);
  const log = await fakeLog();
  assert.deepEqual(log.map((e) => e.fault), ['ok', 'status', 'ok', 'status', 'status', 'ok', 'status']);
  assert.deepEqual(log.map((e) => e.model), ['gpt-x', 'm2', 'm2', 'claude-x', 'claude-x', 'claude-x', 'g']);

  for (const [steps, field] of [[[{ fault: 'nope' }], 'steps[0].fault'], [{ a: 1 }, 'body'],
    [[{ fault: 'ok' }, { fault: 'slow_drip', ms: -1 }], 'steps[1].ms'], [[{ fault: 'ok', times: 0 }], 'steps[0].times']]) {
    const r = await fetch(`${fake.url}/_script`, { method: 'POST', body: JSON.stringify(steps) });
    assert.equal(r.status, 400);
    assert.ok((await r.json()).error.startsWith(field), field);
  }
});

test('stats: requests_total counts upstream requests only; no connection is left open', async () => {
  const before = await getJson('/_stats');
  await openai.chat.completions.create(chat('x'));
  await anthropic.messages.create(msg('x'));
  const s = await noOpenConnections();
  assert.equal(s.requests_total, before.requests_total + 2);
});

test('two fakes are told apart by --name; any key works without --key; stdin close ends it', async () => {
  const beta = await startFake(['--name', 'beta']);
  try {
    const c = new OpenAI({ baseURL: `${beta.url}/v1`, apiKey: 'whatever', maxRetries: 0 });
    const r = await c.chat.completions.create(chat('who'));
    assert.equal(r.choices[0].message.content, 'beta:gpt-x says: who');
    const none = await fetch(`${beta.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat('x')) });
    assert.equal(none.status, 401);
  } finally {
    const exited = new Promise((done) => beta.proc.on('exit', done));
    beta.proc.stdin.end();
    await exited;
  }
});
