// Shared set-up for the integration tests: a temporary model store with the tiny models from
// ../shared/models, and `hearth serve` on port 0 over it. Environment (set by ctest):
//   HEARTH_BINARY          the hearth executable
//   HEARTH_SHARED_MODELS   ../shared/models
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = process.env.HEARTH_BINARY;
export const MODELS = process.env.HEARTH_SHARED_MODELS;
if (!BIN || !MODELS) throw new Error('HEARTH_BINARY and HEARTH_SHARED_MODELS must be set');

export const STORIES = join(MODELS, 'stories260K-f32.gguf');

// A ChatML-style Go template with tools, as Ollama's library models carry.
export const CHAT_TEMPLATE = `{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}
{{- if .Tools }}<|im_start|>system
Tools: {{ range .Tools }}{{ json .Function }}{{ end }}<|im_end|>
{{ end }}
{{- range .Messages }}<|im_start|>{{ .Role }}
{{ .Content }}<|im_end|>
{{ end }}<|im_start|>assistant
`;

// A FIM template in Ollama's form (.Prompt + .Suffix), for fill-in-the-middle on a model
// without FIM tokens.
export const FIM_TEMPLATE = `{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>
{{- else }}{{ .Prompt }}{{ end }}`;

// Creates a store in a temp dir with: stories (raw GGUF, no template), chatty (a Go chat
// template with tools + SYSTEM + a stop parameter), fimmy (a template with .Suffix).
export function makeStore() {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-it-'));
  const env = { ...process.env, HEARTH_MODELS: join(dir, 'models'), HEARTH_HOST: '127.0.0.1:1' };
  const create = (name, modelfile) => {
    const f = join(dir, `${name}.Modelfile`);
    writeFileSync(f, modelfile);
    execFileSync(BIN, ['create', name, '-f', f], { env, stdio: 'pipe' });
  };
  create('stories', `FROM ${STORIES}\n`);
  create('chatty', `FROM ${STORIES}\nTEMPLATE """${CHAT_TEMPLATE}"""\nSYSTEM You are a storyteller.\nPARAMETER stop <|im_end|>\n`);
  create('fimmy', `FROM ${STORIES}\nTEMPLATE """${FIM_TEMPLATE}"""\n`);
  return { dir, models: env.HEARTH_MODELS, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Adds an embedding-only model to `store`: `hearth dev synth` writes all-MiniLM-L6-v2's BERT shape
// (random weights, f16, ~46 MB) and `name` is created FROM it. Returns false, with the reason in
// `store.skipped`, when synth cannot find the BERT vocabulary (a libllama without hearth's setup).
export function addEmbeddingModel(store, name = 'minilm') {
  const gguf = join(store.dir, 'all-minilm.gguf');
  const env = { ...process.env, HEARTH_MODELS: store.models, HEARTH_HOST: '127.0.0.1:1' };
  try {
    execFileSync(BIN, ['dev', 'synth', 'all-minilm:22m', '--type', 'f16', '-o', gguf], { env, stdio: 'pipe' });
  } catch (e) {
    const why = String(e.stderr ?? e);
    if (/vocabulary/i.test(why) && /not found|no such/i.test(why)) {
      store.skipped = why;
      return false;
    }
    throw e;
  }
  const f = join(store.dir, `${name}.Modelfile`);
  writeFileSync(f, `FROM ${gguf}\n`);
  execFileSync(BIN, ['create', name, '-f', f], { env, stdio: 'pipe' });
  return true;
}

// Starts `hearth serve` on a free loopback port. Resolves to {url, host, proc, log(), stop()}.
export function startServer(store, extraEnv = {}) {
  const env = {
    ...process.env,
    HEARTH_MODELS: store.models,
    HEARTH_HOST: '127.0.0.1:0',
    HEARTH_NUM_THREADS: '1',
    ...extraEnv,
  };
  const proc = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`serve did not start:\n${log}`)); }, 60000);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}:\n${log}`)); });
    proc.stderr.on('data', (d) => {
      log += d;
      const m = /Listening on (\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        proc.removeAllListeners('exit');
        const host = m[1];
        resolve({
          host,
          url: `http://${host}`,
          proc,
          log: () => log,
          stop: () => new Promise((done) => {
            if (proc.exitCode !== null) return done(proc.exitCode);
            proc.on('exit', (c) => done(c));
            proc.kill('SIGTERM');
          }),
        });
      }
    });
  });
}

// Raw HTTP helpers (fetch, no client library) for framing and error cases.
export async function post(url, path, body, headers = {}) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

export function ndjson(text) {
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

export function sseEvents(text) {
  return text.split('\n\n').filter((b) => b.trim().length > 0).map((b) => {
    const ev = {};
    for (const line of b.split('\n')) {
      const i = line.indexOf(': ');
      if (i > 0) ev[line.slice(0, i)] = line.slice(i + 2);
    }
    return ev;
  });
}
