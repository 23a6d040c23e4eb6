// openai-node (the `openai` npm package, pinned in package.json) against a real `hearth serve`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { makeStore, startServer } from './harness.mjs';

let store, server, client;
before(async () => {
  store = makeStore();
  server = await startServer(store);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  await server?.stop();
  store?.cleanup();
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 20 } }, required: ['city'] },
  },
};

test('models list and retrieve', async () => {
  const list = await client.models.list();
  const ids = list.data.map((m) => m.id).sort();
  assert.ok(ids.includes('stories:latest'), ids.join(','));
  for (const m of list.data) assert.equal(m.object, 'model');
  const one = await client.models.retrieve('stories:latest');
  assert.equal(one.id, 'stories:latest');
  // As Ollama: the id is the name the client asked for.
  const short = await client.models.retrieve('stories');
  assert.equal(short.id, 'stories');
  assert.equal(short.owned_by, 'library');
  await assert.rejects(client.models.retrieve('nope'), (e) => e.status === 404);
});

test('chat completion, not streaming', async () => {
  const r = await client.chat.completions.create({
    model: 'chatty', messages: [{ role: 'user', content: 'Tell me a story' }], max_tokens: 8, temperature: 0,
  });
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  assert.ok(r.usage.prompt_tokens > 0);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
});

test('chat completion streaming with include_usage: final chunk has choices [] and usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'chatty', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 10, temperature: 0,
    stream: true, stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  assert.ok(chunks.length >= 3);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const last = chunks[chunks.length - 1];
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.completion_tokens, 10);
  const finish = chunks.filter((c) => c.choices.length && c.choices[0].finish_reason);
  assert.equal(finish.length, 1);
  assert.equal(finish[0].choices[0].finish_reason, 'length');
});

test('tool_choice required is enforced: the answer is a call with JSON-string arguments', async () => {
  const r = await client.chat.completions.create({
    model: 'chatty', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool],
    tool_choice: 'required', temperature: 0, max_tokens: 200,
  });
  const msg = r.choices[0].message;
  assert.equal(r.choices[0].finish_reason, 'tool_calls', JSON.stringify(r));
  assert.equal(msg.tool_calls.length >= 1, true);
  const call = msg.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.equal(typeof call.function.arguments, 'string');
  const args = JSON.parse(call.function.arguments);
  assert.equal(typeof args.city, 'string');
});

test('tool_choice naming a function is enforced, streaming too', async () => {
  const stream = await client.chat.completions.create({
    model: 'chatty', messages: [{ role: 'user', content: 'Anything' }], tools: [weatherTool],
    tool_choice: { type: 'function', function: { name: 'get_weather' } }, temperature: 0, max_tokens: 200, stream: true,
  });
  let name = '';
  let args = '';
  let finish;
  for await (const c of stream) {
    const d = c.choices[0]?.delta;
    for (const tc of d?.tool_calls ?? []) {
      if (tc.function?.name) name += tc.function.name;
      if (tc.function?.arguments) args += tc.function.arguments;
    }
    if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
  }
  assert.equal(name, 'get_weather');
  assert.equal(typeof JSON.parse(args).city, 'string');
  assert.equal(finish, 'tool_calls');
});

test('response_format json_schema gives JSON that matches the schema', async () => {
  const r = await client.chat.completions.create({
    model: 'chatty', messages: [{ role: 'user', content: 'A person' }], temperature: 0, max_tokens: 200,
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'person',
        schema: { type: 'object', properties: { name: { type: 'string', maxLength: 10 }, ok: { type: 'boolean' } }, required: ['name', 'ok'] },
      },
    },
  });
  const v = JSON.parse(r.choices[0].message.content);
  assert.equal(typeof v.name, 'string');
  assert.equal(typeof v.ok, 'boolean');
});

test('legacy completions with seed are reproducible', async () => {
  const ask = () => client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 12, seed: 42, temperature: 0.9 });
  const a = await ask();
  const b = await ask();
  assert.equal(a.object, 'text_completion');
  assert.equal(a.choices[0].text, b.choices[0].text);
  assert.equal(a.usage.completion_tokens, 12);
});

test('completions streaming', async () => {
  const stream = await client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 6, temperature: 0, stream: true });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.text ?? '';
  assert.ok(text.startsWith(', there was'), text);
});

test('errors are OpenAI error objects', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 404 && typeof e.error?.message === 'string',
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'chatty', messages: 'not an array' }),
    (e) => e.status === 400 && /messages/.test(e.error?.message ?? e.message),
  );
});

test('embeddings: openai-node asks for base64 and decodes it to the same floats', async () => {
  const r = await client.embeddings.create({ model: 'stories', input: ['Once upon a time', 'The cat sat'] });
  assert.equal(r.object, 'list');
  assert.equal(r.data.length, 2);
  assert.equal(r.data[1].index, 1);
  assert.equal(r.data[0].embedding.length, 64);
  const floats = await client.embeddings.create({ model: 'stories', input: 'Once upon a time', encoding_format: 'float' });
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(floats.data[0].embedding[i] - r.data[0].embedding[i]) < 1e-6);
  assert.ok(r.usage.prompt_tokens > 0);
});
