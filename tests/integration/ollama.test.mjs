// ollama-js (the `ollama` npm package, pinned in package.json) against a real `hearth serve`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import { makeStore, startServer } from './harness.mjs';

let store, server, ollama;
before(async () => {
  store = makeStore();
  server = await startServer(store);
  ollama = new Ollama({ host: server.url });
});
after(async () => {
  await server?.stop();
  store?.cleanup();
});

test('version, list and show', async () => {
  assert.match((await ollama.version()).version, /^\d+\.\d+\.\d+/);
  const names = (await ollama.list()).models.map((m) => m.name).sort();
  assert.deepEqual(names, ['chatty:latest', 'fimmy:latest', 'stories:latest']);
  const show = await ollama.show({ model: 'chatty' });
  assert.ok(show.template.includes('.Messages'));
  assert.ok(show.capabilities.includes('completion'));
  assert.ok(show.capabilities.includes('tools'));
  assert.equal(typeof show.model_info, 'object');
  const fim = await ollama.show({ model: 'fimmy' });
  assert.ok(fim.capabilities.includes('insert'), JSON.stringify(fim.capabilities));
});

test('generate, not streaming: greedy text and Ollama metrics', async () => {
  const r = await ollama.generate({
    model: 'stories', prompt: 'Once upon a time', options: { temperature: 0, num_predict: 12 },
  });
  assert.equal(r.done, true);
  assert.equal(r.done_reason, 'length');
  assert.ok(r.response.startsWith(', there was a little girl named Lily'), r.response);
  assert.equal(r.eval_count, 12);
  assert.ok(r.prompt_eval_count > 0);
  for (const k of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration']) {
    assert.equal(typeof r[k], 'number', k);
  }
  assert.ok(r.total_duration >= r.eval_duration);
  assert.match(r.created_at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(r.model, 'stories');
});

test('generate returns context: the ids of prompt + answer, and takes them back', async () => {
  const prompt = 'Once upon a time';
  const r = await ollama.generate({ model: 'stories', prompt, options: { temperature: 0, num_predict: 8 } });
  assert.equal(r.done_reason, 'length');  // no end-of-generation token among the ids
  assert.ok(Array.isArray(r.context), JSON.stringify(r));
  for (const id of r.context) assert.ok(Number.isInteger(id) && id >= 0, String(id));
  // Every prompt token and every generated token, in order.
  assert.equal(r.context.length, r.prompt_eval_count + r.eval_count);
  // The ids decode to the prompt followed by the answer: the model's own tokenizer, fed that text
  // raw, gives back as many tokens.
  const raw = await ollama.generate({
    model: 'stories', prompt: prompt + r.response, raw: true, options: { temperature: 0, num_predict: 1 },
  });
  assert.equal(raw.prompt_eval_count, r.context.length);
  assert.equal(raw.context, undefined);  // raw: no context, as Ollama

  // Sent back, the context comes before the next prompt.
  const next = await ollama.generate({
    model: 'stories', prompt: ' and then', context: r.context, options: { temperature: 0, num_predict: 4 },
  });
  assert.ok(next.prompt_eval_count > r.context.length, `${next.prompt_eval_count} <= ${r.context.length}`);
  assert.deepEqual(next.context.slice(0, r.context.length), r.context);

  // Streaming: only the done line carries it.
  const parts = [];
  for await (const p of await ollama.generate({ model: 'chatty', prompt, stream: true, options: { temperature: 0, num_predict: 6 } })) parts.push(p);
  assert.ok(parts.slice(0, -1).every((p) => p.context === undefined));
  const done = parts[parts.length - 1];
  const sum = done.prompt_eval_count + done.eval_count;
  // An end-of-generation token is counted in eval_count but is no part of the context.
  assert.ok(done.context.length === sum || (done.done_reason === 'stop' && done.context.length === sum - 1),
    `${done.context.length} vs ${sum} (${done.done_reason})`);

  await assert.rejects(
    ollama.generate({ model: 'stories', prompt, context: [1, 'x'] }),
    (e) => e.status_code === 400 && /context\[1\]/.test(e.error),
  );
});

test('generate, streaming: deltas add up to the non-streamed text', async () => {
  const opts = { temperature: 0, num_predict: 20 };
  const whole = await ollama.generate({ model: 'stories', prompt: 'Once upon a time', options: opts });
  const stream = await ollama.generate({ model: 'stories', prompt: 'Once upon a time', options: opts, stream: true });
  let text = '';
  let parts = 0;
  let last;
  for await (const part of stream) {
    text += part.response;
    parts++;
    last = part;
  }
  assert.ok(parts > 2, `only ${parts} chunks`);
  assert.equal(text, whole.response);
  assert.equal(last.done, true);
  assert.equal(last.eval_count, 20);
});

test('generate with a stop string', async () => {
  const r = await ollama.generate({
    model: 'stories', prompt: 'Once upon a time', options: { temperature: 0, num_predict: 40, stop: ['Lily'] },
  });
  assert.equal(r.done_reason, 'stop');
  assert.ok(!r.response.includes('Lily'));
  assert.ok(r.response.includes('named'), r.response);
});

test('generate with format json gives parseable JSON', async () => {
  const r = await ollama.generate({
    model: 'stories', prompt: 'Describe a cat as JSON', format: 'json', options: { temperature: 0, num_predict: 64 },
  });
  if (r.done_reason === 'stop') assert.equal(typeof JSON.parse(r.response), 'object');
  else assert.ok(r.response.trimStart().startsWith('{'), r.response);
});

test('generate with a JSON schema gives an object matching it', async () => {
  const schema = {
    type: 'object',
    properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer' } },
    required: ['name', 'age'],
  };
  const r = await ollama.generate({
    model: 'stories', prompt: 'A girl:', format: schema, options: { temperature: 0, num_predict: 200 },
  });
  assert.equal(r.done_reason, 'stop', r.response);
  const v = JSON.parse(r.response);
  assert.equal(typeof v.name, 'string');
  assert.ok(Number.isInteger(v.age));
});

test('fill-in-the-middle through the template .Suffix', async () => {
  const r = await ollama.generate({
    model: 'fimmy', prompt: 'def add(a, b):', suffix: '    return c', options: { temperature: 0, num_predict: 8 },
  });
  assert.equal(r.done, true);
  assert.equal(r.eval_count, 8);
});

test('suffix on a model without insert support is a clear error', async () => {
  await assert.rejects(
    ollama.generate({ model: 'stories', prompt: 'a', suffix: 'b' }),
    (e) => e.status_code === 400 && /insert|suffix/i.test(e.error ?? e.message),
  );
});

test('chat with the Go template, system from the Modelfile, stop from PARAMETER', async () => {
  const r = await ollama.chat({
    model: 'chatty', messages: [{ role: 'user', content: 'Tell me a story' }], options: { temperature: 0, num_predict: 16 },
  });
  assert.equal(r.message.role, 'assistant');
  assert.equal(typeof r.message.content, 'string');
  assert.ok(!r.message.content.includes('<|im_end|>'));
  assert.equal(r.done, true);
  assert.ok(['stop', 'length'].includes(r.done_reason));
});

test('chat streaming', async () => {
  const stream = await ollama.chat({
    model: 'chatty', messages: [{ role: 'user', content: 'Hi' }], options: { temperature: 0, num_predict: 10 }, stream: true,
  });
  let n = 0;
  let last;
  for await (const part of stream) { n++; last = part; assert.equal(part.message.role, 'assistant'); }
  assert.ok(n >= 2);
  assert.equal(last.done, true);
  assert.equal(typeof last.eval_count, 'number');
});

test('chat with tools: the answer is parsed into tool_calls with object arguments (grammar-forced on /v1; here a template-driven model may answer in text)', async () => {
  const tools = [{
    type: 'function',
    function: {
      name: 'get_weather', description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  }];
  const r = await ollama.chat({
    model: 'chatty', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, options: { temperature: 0, num_predict: 32 },
  });
  assert.equal(r.done, true);
  for (const call of r.message.tool_calls ?? []) {
    assert.equal(typeof call.function.arguments, 'object');
  }
});

test('ps lists the loaded models; keep_alive 0 unloads', async () => {
  await ollama.generate({ model: 'stories', prompt: 'Once', options: { num_predict: 1 } });
  let ps = await ollama.ps();
  const entry = ps.models.find((m) => m.name === 'stories:latest');
  assert.ok(entry, JSON.stringify(ps));
  assert.ok(entry.size > 0);
  assert.match(entry.digest, /^[0-9a-f]{64}$/);
  assert.match(entry.expires_at, /^\d{4}-/);
  const unload = await ollama.generate({ model: 'stories', prompt: '', keep_alive: 0 });
  assert.equal(unload.done_reason, 'unload');
  ps = await ollama.ps();
  assert.equal(ps.models.find((m) => m.name === 'stories:latest'), undefined);
});

test('an empty prompt loads the model', async () => {
  const r = await ollama.generate({ model: 'chatty', prompt: '' });
  assert.equal(r.done, true);
  assert.equal(r.done_reason, 'load');
  assert.ok((await ollama.ps()).models.some((m) => m.name === 'chatty:latest'));
});

test('unknown model is a 404 with a string error', async () => {
  await assert.rejects(
    ollama.generate({ model: 'nope', prompt: 'x' }),
    (e) => e.status_code === 404 && /not found/.test(e.error ?? e.message),
  );
});

test('copy and delete', async () => {
  await ollama.copy({ source: 'stories', destination: 'stories-copy' });
  assert.ok((await ollama.list()).models.some((m) => m.name === 'stories-copy:latest'));
  await ollama.delete({ model: 'stories-copy' });
  assert.ok(!(await ollama.list()).models.some((m) => m.name === 'stories-copy:latest'));
});

test('create from an existing model with a system prompt', async () => {
  const r = await ollama.create({ model: 'pirate', from: 'stories', system: 'Talk like a pirate.' });
  assert.equal(r.status, 'success');
  const show = await ollama.show({ model: 'pirate' });
  assert.equal(show.system, 'Talk like a pirate.');
  await ollama.delete({ model: 'pirate' });
});

test('embed: batch input, unit-norm vectors; legacy embeddings', async () => {
  const r = await ollama.embed({ model: 'stories', input: ['Once upon a time', 'The cat sat'] });
  assert.equal(r.embeddings.length, 2);
  for (const v of r.embeddings) {
    assert.equal(v.length, 64);
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
  }
  assert.notDeepEqual(r.embeddings[0], r.embeddings[1]);
  assert.ok(r.prompt_eval_count > 0);
  const one = await ollama.embed({ model: 'stories', input: 'Once upon a time' });
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(one.embeddings[0][i] - r.embeddings[0][i]) < 1e-4);
  const legacy = await ollama.embeddings({ model: 'stories', prompt: 'Once upon a time' });
  assert.equal(legacy.embedding.length, 64);
});
