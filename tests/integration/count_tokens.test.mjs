// @anthropic-ai/sdk's messages.countTokens (what Claude Code calls) against a real `hearth serve`:
// POST /v1/messages/count_tokens counts the prompt exactly as /v1/messages renders it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { makeStore, startServer } from './harness.mjs';

let store, server, client;
before(async () => {
  store = makeStore();
  server = await startServer(store);
  client = new Anthropic({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  await server?.stop();
  store?.cleanup();
});

const messages = [{ role: 'user', content: 'Tell me a story' }];
const weather = {
  name: 'get_weather', description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

test('countTokens equals the input tokens of the real request', async () => {
  const counted = await client.messages.countTokens({ model: 'chatty', messages });
  assert.equal(typeof counted.input_tokens, 'number');
  assert.ok(counted.input_tokens > 0);
  const m = await client.messages.create({ model: 'chatty', messages, max_tokens: 4, temperature: 0 });
  assert.equal(counted.input_tokens, m.usage.input_tokens);

  const withTools = { model: 'chatty', messages, tools: [weather], system: 'Be brief.' };
  const more = await client.messages.countTokens(withTools);
  assert.ok(more.input_tokens > counted.input_tokens);
  const m2 = await client.messages.create({ ...withTools, max_tokens: 4, temperature: 0 });
  assert.equal(more.input_tokens, m2.usage.input_tokens);
});

test('countTokens errors are Anthropic error objects', async () => {
  await assert.rejects(
    client.messages.countTokens({ model: 'nope', messages }),
    (e) => e.status === 404 && e.error?.type === 'error' && e.error?.error?.type === 'not_found_error',
  );
  await assert.rejects(
    client.messages.countTokens({ model: 'chatty', messages: [{ role: 'system', content: 'x' }] }),
    (e) => e.status === 400 && e.error?.error?.type === 'invalid_request_error' && /messages\[0\]\.role/.test(e.error.error.message),
  );
});
