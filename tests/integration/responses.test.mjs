// openai-node's Responses API (`client.responses`, pinned in package.json) against a real
// `hearth serve`: stateless /v1/responses, streamed as typed SSE events.
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

const ask = { model: 'chatty', input: 'Tell me a story', temperature: 0, max_output_tokens: 12 };

test('responses.create: a response object whose text is the chat completion\'s', async () => {
  const r = await client.responses.create(ask);
  assert.equal(r.object, 'response');
  assert.match(r.id, /^resp_/);
  assert.equal(r.model, 'chatty');
  assert.equal(typeof r.created_at, 'number');
  assert.equal(r.output.length, 1);
  const msg = r.output[0];
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.equal(msg.content[0].type, 'output_text');
  assert.ok(r.output_text.length > 0);  // the SDK's convenience field, from output
  assert.equal(r.output_text, msg.content[0].text);
  if (r.status === 'incomplete') {
    assert.equal(r.incomplete_details.reason, 'max_output_tokens');
    assert.equal(r.usage.output_tokens, 12);
  } else {
    assert.equal(r.status, 'completed');
  }
  assert.ok(r.usage.input_tokens > 0);
  assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
  assert.equal(r.usage.input_tokens_details.cached_tokens, 0);
  assert.equal(r.usage.output_tokens_details.reasoning_tokens, 0);
  assert.equal(r.store, false);
  assert.equal(r.max_output_tokens, 12);
  // The same conversation through /v1/chat/completions gives the same greedy text.
  const c = await client.chat.completions.create({
    model: 'chatty', messages: [{ role: 'user', content: 'Tell me a story' }], temperature: 0, max_tokens: 12,
  });
  assert.equal(r.output_text, c.choices[0].message.content);
  assert.equal(r.usage.input_tokens, c.usage.prompt_tokens);
});

test('responses.create with stream: typed events whose deltas add up to the same text', async () => {
  const whole = await client.responses.create(ask);
  const stream = await client.responses.create({ ...ask, stream: true });
  const types = [];
  let text = '';
  let last;
  let seq = -1;
  for await (const event of stream) {
    types.push(event.type);
    assert.equal(event.sequence_number, seq + 1, JSON.stringify(event));
    seq = event.sequence_number;
    if (event.type === 'response.output_text.delta') text += event.delta;
    last = event;
  }
  assert.deepEqual(types.slice(0, 4), [
    'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
  ]);
  for (const t of ['response.output_text.done', 'response.content_part.done', 'response.output_item.done']) {
    assert.ok(types.includes(t), `${t} missing from ${types.join(',')}`);
  }
  assert.ok(types.filter((t) => t === 'response.output_text.delta').length > 1);
  assert.equal(text, whole.output_text);
  assert.equal(last.type, `response.${whole.status}`);
  assert.equal(last.response.status, whole.status);
  assert.equal(last.response.output[0].content[0].text, whole.output_text);
  assert.equal(last.response.usage.output_tokens, whole.usage.output_tokens);

  // The SDK's stream helper accumulates the events into the same response.
  const helper = client.responses.stream(ask);
  const final = await helper.finalResponse();
  assert.equal(final.output_text, whole.output_text);
  assert.equal(final.status, whole.status);
});

const weather = {
  type: 'function', name: 'get_weather', description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 20 } }, required: ['city'] },
};

test('function tool with tool_choice required: a function_call item, then its output goes back', async () => {
  const r = await client.responses.create({
    model: 'chatty', input: 'Weather in Paris?', tools: [weather], tool_choice: 'required',
    temperature: 0, max_output_tokens: 200,
  });
  assert.equal(r.status, 'completed', JSON.stringify(r));
  const calls = r.output.filter((o) => o.type === 'function_call');
  assert.equal(calls.length >= 1, true, JSON.stringify(r.output));
  const call = calls[0];
  assert.equal(call.name, 'get_weather');
  assert.equal(typeof call.call_id, 'string');
  assert.match(call.id, /^fc_/);
  assert.equal(typeof JSON.parse(call.arguments).city, 'string');
  assert.equal(r.tools[0].name, 'get_weather');
  assert.equal(r.tool_choice, 'required');

  // Streamed, the call arrives as function_call_arguments events.
  const stream = await client.responses.create({
    model: 'chatty', input: 'Weather in Paris?', tools: [weather], tool_choice: 'required',
    temperature: 0, max_output_tokens: 200, stream: true,
  });
  let args;
  for await (const e of stream) if (e.type === 'response.function_call_arguments.done') args = e.arguments;
  assert.equal(args, call.arguments);

  // Stateless: the client sends the call and its output back in `input`.
  const next = await client.responses.create({
    model: 'chatty', tools: [weather], temperature: 0, max_output_tokens: 6,
    input: [
      { role: 'user', content: 'Weather in Paris?' },
      { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
      { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21C' },
    ],
  });
  assert.ok(['completed', 'incomplete'].includes(next.status));
  assert.ok(next.usage.input_tokens > r.usage.input_tokens);
});

test('stateful fields and unknown models are refused with OpenAI errors', async () => {
  await assert.rejects(
    client.responses.create({ ...ask, previous_response_id: 'resp_123' }),
    (e) => e.status === 400 && e.error?.param === 'previous_response_id' && /stateless/.test(e.error?.message),
  );
  await assert.rejects(
    client.responses.create({ ...ask, store: true }),
    (e) => e.status === 400 && e.error?.param === 'store',
  );
  await assert.rejects(
    client.responses.create({ ...ask, model: 'nope' }),
    (e) => e.status === 404 && typeof e.error?.message === 'string',
  );
});
