// An embedding-only (BERT-class) model served as Ollama serves nomic-embed-text or all-minilm:
// it loads with no generation context, embeds through ollama-js, openai-node and the legacy
// /api/embeddings, shows in /api/ps, refuses generate and chat with Ollama's message, unloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { makeStore, addEmbeddingModel, startServer, post } from './harness.mjs';

let store, server, ollama, openai, have = false;
before(async () => {
  store = makeStore();
  have = addEmbeddingModel(store, 'minilm');
  server = await startServer(store);
  ollama = new Ollama({ host: server.url });
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
});
after(async () => {
  await server?.stop();
  store?.cleanup();
});

const norm = (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

test('show: an embedding model says so', async (t) => {
  if (!have) return t.skip(store.skipped);
  const show = await ollama.show({ model: 'minilm' });
  assert.deepEqual(show.capabilities, ['embedding']);
  assert.equal(show.model_info['general.architecture'], 'bert');
  assert.equal(show.model_info['bert.embedding_length'], 384);
});

test('embed: 384-dim unit vectors, batch-independent, tokens counted', async (t) => {
  if (!have) return t.skip(store.skipped);
  const r = await ollama.embed({ model: 'minilm', input: ['def add(a, b): return a + b', 'The cat sat'] });
  assert.equal(r.model, 'minilm');
  assert.equal(r.embeddings.length, 2);
  for (const v of r.embeddings) {
    assert.equal(v.length, 384);
    assert.ok(Math.abs(norm(v) - 1) < 1e-4, String(norm(v)));
  }
  assert.notDeepEqual(r.embeddings[0], r.embeddings[1]);
  assert.ok(r.prompt_eval_count >= 6, String(r.prompt_eval_count));  // [CLS] ... [SEP] twice
  const one = await ollama.embed({ model: 'minilm', input: 'The cat sat' });
  for (let i = 0; i < 384; i++) assert.ok(Math.abs(one.embeddings[0][i] - r.embeddings[1][i]) < 1e-4);
  const cut = await ollama.embed({ model: 'minilm', input: 'The cat sat', dimensions: 64 });
  assert.equal(cut.embeddings[0].length, 64);
  const legacy = await ollama.embeddings({ model: 'minilm', prompt: 'The cat sat' });
  assert.equal(legacy.embedding.length, 384);
});

test('embed: truncate false refuses a text longer than the context, true cuts it', async (t) => {
  if (!have) return t.skip(store.skipped);
  const long = 'word '.repeat(2000);  // all-MiniLM's context is 512 tokens
  const refused = await post(server.url, '/api/embed', { model: 'minilm', input: long, truncate: false });
  assert.equal(refused.status, 400, refused.text);
  assert.match(refused.json.error, /context/);
  const cut = await post(server.url, '/api/embed', { model: 'minilm', input: long });
  assert.equal(cut.status, 200, cut.text);
  assert.equal(cut.json.embeddings[0].length, 384);
  assert.ok(cut.json.prompt_eval_count <= 512, String(cut.json.prompt_eval_count));
});

test('openai-node embeddings (base64 by default) on the embedding model', async (t) => {
  if (!have) return t.skip(store.skipped);
  const r = await openai.embeddings.create({ model: 'minilm', input: ['The cat sat', 'A dog ran'] });
  assert.equal(r.data.length, 2);
  assert.equal(r.data[1].index, 1);
  assert.equal(r.data[0].embedding.length, 384);
  assert.ok(r.usage.prompt_tokens > 0);
  const mine = await ollama.embed({ model: 'minilm', input: 'The cat sat' });
  for (let i = 0; i < 384; i++) assert.ok(Math.abs(r.data[0].embedding[i] - mine.embeddings[0][i]) < 1e-5);
});

test('ps lists it with its memory and context; generate and chat are refused as Ollama does', async (t) => {
  if (!have) return t.skip(store.skipped);
  await ollama.embed({ model: 'minilm', input: 'warm' });
  const ps = await ollama.ps();
  const row = ps.models.find((m) => m.name === 'minilm:latest');
  assert.ok(row, JSON.stringify(ps));
  assert.ok(row.size > 40e6, String(row.size));  // f16 weights (~45 MB) and the context
  assert.equal(row.context_length, 512);       // the default 4096 capped at the training context
  assert.equal(row.details.family, 'bert');

  const gen = await post(server.url, '/api/generate', { model: 'minilm', prompt: 'hi' });
  assert.equal(gen.status, 400);
  assert.deepEqual(gen.json, { error: '"minilm" does not support generate' });
  const chat = await post(server.url, '/api/chat', { model: 'minilm', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(chat.status, 400);
  assert.deepEqual(chat.json, { error: '"minilm" does not support chat' });
  const v1 = await post(server.url, '/v1/chat/completions', { model: 'minilm', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(v1.status, 400);
  assert.match(v1.json.error.message, /does not support chat/);
  const load = await post(server.url, '/api/generate', { model: 'minilm' });
  assert.equal(load.status, 400);
});

test('a model that was never loaded is refused without loading it', async (t) => {
  if (!have) return t.skip(store.skipped);
  await post(server.url, '/api/generate', { model: 'minilm', keep_alive: 0 });  // unload
  const before = (server.log().match(/loaded model minilm/g) ?? []).length;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await ollama.ps()).models.find((m) => m.name === 'minilm:latest'), undefined);
  const gen = await post(server.url, '/api/generate', { model: 'minilm', prompt: 'hi' });
  assert.equal(gen.status, 400);
  assert.equal((server.log().match(/loaded model minilm/g) ?? []).length, before);
  assert.equal((await ollama.ps()).models.length, 0);
});

test('stop (keep_alive 0) unloads it', async (t) => {
  if (!have) return t.skip(store.skipped);
  await ollama.embed({ model: 'minilm', input: 'warm' });
  assert.ok((await ollama.ps()).models.some((m) => m.name === 'minilm:latest'));
  await ollama.generate({ model: 'minilm', prompt: '', keep_alive: 0 });
  const gone = async () => !(await ollama.ps()).models.some((m) => m.name === 'minilm:latest');
  let ok = false;
  for (let i = 0; i < 100 && !ok; i++) {
    ok = await gone();
    if (!ok) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(ok, 'still loaded');
  const r = await ollama.embed({ model: 'minilm', input: 'back again' });
  assert.equal(r.embeddings[0].length, 384);
});
