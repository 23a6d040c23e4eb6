#!/usr/bin/env node
// bench/server_load.mjs: an OpenAI /v1/completions load client for bench/server_vs_llama_server.
// Node 20, built-in fetch only. Each of --clients clients sends --requests streamed completions one
// after another (all clients at once); every request's timings go to stdout as one JSON line, then
// one summary line {"summary": true, ...}. Exit 1 (message on stderr) when a request fails or a
// response is malformed, so the driver never averages errors into the figures.
//
//   node bench/server_load.mjs --url http://127.0.0.1:PORT --model NAME --prompt-file F
//        [--clients 1] [--requests 1] [--max-tokens 128] [--label hearth] [--timeout 600]
//
// Per request: ttft_ms (request sent -> first chunk with text), e2e_ms (sent -> stream end),
// decode_tps ((completion_tokens - 1) / (last text chunk - first text chunk)), prompt_tokens and
// completion_tokens from the final usage when the server sends it (else completion_tokens counts
// the chunks that carried text, marked usage_from: "chunks"), and the generated text.
// Summary: wall_ms (first send -> last end), aggregate_tps (all completion tokens / wall).
import { readFileSync } from 'node:fs';

function parseArgs(argv) {
  const a = {
    url: '', model: '', promptFile: '', clients: 1, requests: 1, maxTokens: 128,
    label: '', timeout: 600,
  };
  const names = {
    '--url': 'url', '--model': 'model', '--prompt-file': 'promptFile', '--clients': 'clients',
    '--requests': 'requests', '--max-tokens': 'maxTokens', '--label': 'label',
    '--timeout': 'timeout',
  };
  for (let i = 2; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`usage: unknown or incomplete ${argv[i]}`);
    a[key] = typeof a[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
    if (typeof a[key] === 'number' && !(Number.isInteger(a[key]) && a[key] > 0)) {
      throw new Error(`usage: ${argv[i]} must be a positive integer`);
    }
  }
  if (!a.url || !a.model || !a.promptFile) throw new Error('usage: --url, --model, --prompt-file');
  return a;
}

// Splits an SSE byte stream into `data:` payloads.
async function* sseData(body) {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const part of body) {
    buf += decoder.decode(part, { stream: true });
    let idx;
    while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
      const event = buf.slice(0, idx);
      buf = buf.slice(idx).replace(/^\r?\n\r?\n/, '');
      for (const line of event.split(/\r?\n/)) {
        if (line.startsWith('data:')) yield line.slice(5).trimStart();
      }
    }
  }
  if (buf.trim() !== '') {
    for (const line of buf.split(/\r?\n/)) {
      if (line.startsWith('data:')) yield line.slice(5).trimStart();
    }
  }
}

async function oneRequest(args, prompt) {
  const body = {
    model: args.model, prompt, stream: true, stream_options: { include_usage: true },
    max_tokens: args.maxTokens, temperature: 0, seed: 1,
  };
  const t0 = performance.now();
  const res = await fetch(`${args.url}/v1/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(args.timeout * 1000),
  });
  if (res.status !== 200) {
    throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
  }
  let first = 0, last = 0, chunks = 0, text = '', usage = null, finish = null, done = false;
  for await (const data of sseData(res.body)) {
    if (data === '[DONE]') { done = true; continue; }
    let j;
    try { j = JSON.parse(data); } catch { throw new Error(`bad SSE JSON: ${data.slice(0, 200)}`); }
    if (j.error) throw new Error(`stream error: ${JSON.stringify(j.error).slice(0, 300)}`);
    const now = performance.now();
    for (const c of j.choices ?? []) {
      if (typeof c.text === 'string' && c.text !== '') {
        if (!first) first = now;
        last = now;
        chunks++;
        text += c.text;
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
    if (j.usage) usage = j.usage;
  }
  const end = performance.now();
  if (!done) throw new Error('stream ended without [DONE]');
  if (!first) throw new Error('no text was generated');
  const completion = usage?.completion_tokens ?? chunks;
  return {
    label: args.label,
    ttft_ms: first - t0,
    e2e_ms: end - t0,
    decode_tps: completion > 1 && last > first ? (completion - 1) / ((last - first) / 1000) : null,
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: completion,
    text_chunks: chunks,
    usage_from: usage ? 'usage' : 'chunks',
    finish_reason: finish,
    text,
    t_start: t0,
    t_end: end,
  };
}

async function main() {
  const args = parseArgs(process.argv);
  const prompt = readFileSync(args.promptFile, 'utf8');
  const results = [];
  const client = async () => {
    for (let i = 0; i < args.requests; i++) {
      const r = await oneRequest(args, prompt);
      results.push(r);
      process.stdout.write(JSON.stringify(r) + '\n');
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: args.clients }, client));
  const wall = performance.now() - t0;
  const tokens = results.reduce((s, r) => s + r.completion_tokens, 0);
  const mean = (k) => results.reduce((s, r) => s + r[k], 0) / results.length;
  process.stdout.write(JSON.stringify({
    summary: true, label: args.label, clients: args.clients, requests: results.length,
    wall_ms: wall, completion_tokens: tokens, aggregate_tps: tokens / (wall / 1000),
    mean_ttft_ms: mean('ttft_ms'), mean_e2e_ms: mean('e2e_ms'),
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`server_load: ${e.message}\n`);
  process.exit(1);
});
