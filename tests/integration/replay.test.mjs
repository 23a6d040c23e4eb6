// Replays the request sequences Continue and Aider send (anchors.md §5) and checks that neither
// makes the server reload the model: one load for the whole sequence, whatever num_ctx each
// request carries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeStore, startServer, post, ndjson } from './harness.mjs';

let store, server;
before(async () => {
  store = makeStore();
  server = await startServer(store);
});
after(async () => {
  await server?.stop();
  store?.cleanup();
});

// The number of engines the server has created for `model` (first load, reloads and context
// grows), from its log: the scheduler writes "loaded model <name> with a context of ..." each time.
function loads(model) {
  const name = model.includes(':') ? model : `${model}:latest`;
  return server.log().split('\n').filter((l) => l.includes(`loaded model ${name} with `)).length;
}

// Continue's options block (`_getModelFileParams`), sent with every request.
const continueOptions = (extra = {}) => ({
  temperature: 0, top_p: 0.9, top_k: 40, num_predict: 8, stop: ['\n\n'], num_ctx: 8192,
  mirostat: 0, num_thread: 2, use_mmap: true, min_p: 0, num_gpu: 0, ...extra,
});

test('Continue: show, FIM autocomplete, raw autocomplete, chat — one load', async () => {
  const show = await post(server.url, '/api/show', { name: 'fimmy' });
  assert.equal(show.status, 200);
  assert.ok(show.json.template.includes('.Suffix'));
  for (let i = 0; i < 3; i++) {
    const r = await post(server.url, '/api/generate', {
      model: 'fimmy', prompt: `def f${i}(x):\n    `, suffix: '\n    return y\n', options: continueOptions(), keep_alive: 1800, stream: true,
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(ndjson(r.text).at(-1).done, true);
  }
  const raw = await post(server.url, '/api/generate', {
    model: 'fimmy', prompt: '<PRE> a <SUF> b <MID>', raw: true, options: continueOptions(), keep_alive: 1800, stream: true,
  });
  assert.equal(raw.status, 200, raw.text);
  const chat = await post(server.url, '/api/chat', {
    model: 'fimmy', messages: [{ role: 'user', content: 'Explain this code' }], options: continueOptions({ num_predict: 4 }), keep_alive: 1800, stream: true,
  });
  assert.equal(chat.status, 200, chat.text);
  assert.equal(loads('fimmy'), 1, server.log());
});

test('Aider via LiteLLM ollama_chat: num_ctx grows every turn — no reload per request', async () => {
  const messages = [{ role: 'system', content: 'You are an expert software developer.' }];
  for (let turn = 0; turn < 5; turn++) {
    messages.push({ role: 'user', content: `Change function number ${turn} to return ${turn * 2}.` });
    const tokens = JSON.stringify(messages).length / 4;
    const r = await post(server.url, '/api/chat', {
      model: 'chatty', messages, stream: false,
      options: { temperature: 0, num_ctx: Math.floor(tokens * 1.25) + 8192, num_predict: 6 },
    });
    assert.equal(r.status, 200, r.text);
    messages.push({ role: 'assistant', content: r.json.message.content });
  }
  assert.equal(loads('chatty'), 1, server.log());
});
