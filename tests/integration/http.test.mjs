// Raw HTTP against a real `hearth serve`: stream framing, error shapes, refusals, disconnects,
// the queue limit, and the Anthropic Messages API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { makeStore, startServer, post, ndjson, sseEvents } from './harness.mjs';

let store, server;
before(async () => {
  store = makeStore();
  server = await startServer(store);
});
after(async () => {
  await server?.stop();
  store?.cleanup();
});

test('/api/generate streams NDJSON by default, flushed per token', async () => {
  const r = await post(server.url, '/api/generate', { model: 'stories', prompt: 'Once upon a time', options: { temperature: 0, num_predict: 5 } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/x-ndjson/);
  const lines = ndjson(r.text);
  assert.ok(lines.length >= 5, r.text);
  assert.equal(lines.at(-1).done, true);
  assert.equal(lines.at(-1).done_reason, 'length');
  for (const l of lines.slice(0, -1)) assert.equal(l.done, false);
});

test('/v1/chat/completions streams SSE ending in [DONE]', async () => {
  const r = await post(server.url, '/v1/chat/completions', {
    model: 'chatty', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, stream: true, temperature: 0,
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const events = sseEvents(r.text);
  assert.equal(events.at(-1).data, '[DONE]');
  for (const e of events.slice(0, -1)) assert.equal(JSON.parse(e.data).object, 'chat.completion.chunk');
});

test('wrong field types are 400s naming the field', async () => {
  let r = await post(server.url, '/api/generate', { model: 'stories', prompt: 42 });
  assert.equal(r.status, 400);
  assert.match(r.json.error, /prompt/);
  r = await post(server.url, '/api/chat', { model: 'chatty', messages: [{ role: 'user', content: 'x' }], options: { temperature: 'hot' } });
  assert.equal(r.status, 400);
  assert.match(r.json.error, /temperature/);
  r = await post(server.url, '/v1/chat/completions', { model: 'chatty', messages: [{ role: 'user', content: 'x' }], max_tokens: 'many' });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /max_tokens/);
  r = await post(server.url, '/api/chat', '{"model": "chatty", "messages": [');
  assert.equal(r.status, 400);
  assert.equal(typeof r.json.error, 'string');
});

test('missing model is 400; unknown model is 404', async () => {
  let r = await post(server.url, '/api/generate', { prompt: 'x' });
  assert.equal(r.status, 400);
  r = await post(server.url, '/api/chat', { model: 'ghost', messages: [] });
  assert.equal(r.status, 404);
  assert.match(r.json.error, /ghost/);
});

test('truncate:false refuses a prompt that does not fit, with token counts', async () => {
  const long = 'Once upon a time there was a cat. '.repeat(200);
  const r = await post(server.url, '/api/chat', {
    model: 'chatty', messages: [{ role: 'user', content: long }], truncate: false, stream: false, options: { num_predict: 4 },
  });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.error, /\d+/);
});

test('an overlong conversation is truncated, and the response says so', async () => {
  const messages = [];
  for (let i = 0; i < 40; i++) {
    messages.push({ role: 'user', content: `Tell me about the dog number ${i} in the park with the ball.` });
    messages.push({ role: 'assistant', content: 'The dog ran and ran in the park with a red ball and a big smile.' });
  }
  messages.push({ role: 'user', content: 'And then?' });
  const r = await post(server.url, '/api/chat', { model: 'chatty', messages, stream: false, options: { num_predict: 4, temperature: 0 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.truncated, true, r.text);
  assert.ok(r.json.original_prompt_eval_count > r.json.prompt_eval_count, r.text);
});

test('a client that disconnects mid-stream frees its slot; the next request is healthy', async () => {
  await new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const req = http.request({ host: u.hostname, port: u.port, path: '/api/generate', method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.once('data', () => { req.destroy(); resolve(); });
    });
    req.on('error', () => {});
    req.end(JSON.stringify({ model: 'stories', prompt: 'Once upon a time', options: { num_predict: 100000, num_ctx: 512 } }));
    setTimeout(() => reject(new Error('no data')), 30000);
  });
  const r = await post(server.url, '/api/generate', { model: 'stories', prompt: 'Once upon a time', stream: false, options: { temperature: 0, num_predict: 3 } });
  assert.equal(r.status, 200);
  assert.equal(r.json.eval_count, 3);
});

test('Host header allow-list and CORS', async () => {
  const res = await new Promise((resolve) => {
    const u = new URL(server.url);
    http.get({ host: u.hostname, port: u.port, path: '/api/tags', headers: { Host: 'evil.example.com' } }, resolve);
  });
  assert.equal(res.statusCode, 403);
  res.resume();
  const ok = await fetch(`${server.url}/api/tags`, { headers: { Origin: 'http://localhost:3000' } });
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  const bad = await fetch(`${server.url}/api/tags`, { headers: { Origin: 'https://evil.example.com' } });
  assert.equal(bad.headers.get('access-control-allow-origin'), null);
});

test('Anthropic /v1/messages, not streaming and streaming', async () => {
  let r = await post(server.url, '/v1/messages', {
    model: 'chatty', max_tokens: 6, messages: [{ role: 'user', content: 'Hi' }], temperature: 0,
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.type, 'message');
  assert.equal(r.json.role, 'assistant');
  assert.equal(r.json.content[0].type, 'text');
  assert.equal(r.json.stop_reason, 'max_tokens');
  assert.equal(r.json.usage.output_tokens, 6);
  r = await post(server.url, '/v1/messages', {
    model: 'chatty', max_tokens: 6, messages: [{ role: 'user', content: 'Hi' }], temperature: 0, stream: true,
  });
  const names = sseEvents(r.text).map((e) => e.event);
  assert.equal(names[0], 'message_start');
  assert.equal(names.at(-1), 'message_stop');
  assert.ok(names.includes('content_block_delta'));
  r = await post(server.url, '/v1/messages', { model: 'chatty', messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal(r.status, 400);
  assert.equal(r.json.type, 'error');
  assert.match(r.json.error.message, /max_tokens/);
});

test('oversized body is 413', async () => {
  const big = JSON.stringify({ model: 'stories', prompt: 'x'.repeat(120 * 1024 * 1024) });
  let status;
  try {
    status = (await fetch(`${server.url}/api/generate`, { method: 'POST', body: big, headers: { 'Content-Type': 'application/json' } })).status;
  } catch {
    status = 413;  // the server may close the connection before reading the whole body
  }
  assert.equal(status, 413);
});

test('API keys: required when configured, except on GET /', async () => {
  const keyed = await startServer(store, { HEARTH_API_KEYS: 'k1' });
  try {
    assert.equal((await fetch(`${keyed.url}/`)).status, 200);
    assert.equal((await fetch(`${keyed.url}/api/tags`)).status, 401);
    assert.equal((await fetch(`${keyed.url}/api/tags`, { headers: { Authorization: 'Bearer k1' } })).status, 200);
    const r = await post(keyed.url, '/v1/chat/completions', { model: 'chatty', messages: [] });
    assert.equal(r.status, 401);
  } finally {
    await keyed.stop();
  }
});

test('requests beyond HEARTH_MAX_QUEUE get 503', async () => {
  const q = await startServer(store, { HEARTH_MAX_QUEUE: '1', HEARTH_NUM_PARALLEL: '1' });
  try {
    const long = { model: 'stories', prompt: 'Once upon a time', stream: false, options: { num_predict: 300 } };
    const pending = [];
    for (let i = 0; i < 6; i++) pending.push(post(q.url, '/api/generate', long));
    const statuses = (await Promise.all(pending)).map((r) => r.status);
    assert.ok(statuses.includes(503), statuses.join(','));
    assert.ok(statuses.includes(200), statuses.join(','));
    const busy = (await Promise.all(pending)).find((r) => r.status === 503);
    assert.equal(typeof busy.json.error, 'string');
  } finally {
    await q.stop();
  }
});
