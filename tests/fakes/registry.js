#!/usr/bin/env node
// A scripted Docker-v2-style registry for hearth's pull/push tests: plain Node 20, no packages,
// loopback only. Serves (and accepts pushes into) a directory laid out as
//   DIR/manifests/<ns>/<model>/<tag>   manifest JSON
//   DIR/blobs/sha256-<hex>             blob bytes
// Listens on 127.0.0.1, port 0, and prints the port on stdout once it is listening.
//
// Usage: node registry.js --dir DIR [fault flags]
//   --drop-after N      blob GETs: destroy the connection after N body bytes
//   --stall-after N     blob GETs: send N body bytes, then nothing (connection stays open)
//   --drip B:MS         blob GETs: send B bytes every MS milliseconds
//   --wrong-digest      blob GETs: one byte in the middle of the blob is flipped
//   --no-ranges         blob GETs: ignore Range (always 200 with the whole blob)
//   --manifest-404      manifest GETs answer 404
//   --redirects N       blob GETs: N redirects (/r/1/... /r/N/...) before the bytes
//   --redirect-loop     blob GETs: redirect forever between /loop/a/... and /loop/b/...
//   --redirect-host H   the last redirect names host H (e.g. localhost): a "CDN" on another origin
//   --redirect-to URL   blob GETs: redirect to URL (any string, e.g. file:///etc/passwd)
//   --endless-error     manifest GETs: a 500 whose body never ends
//   --status-5xx        /v2/ requests answer 503
//   --auth              /v2/ requests need "Authorization: Bearer <token>" from GET /token
//   --realm URL         the realm the Bearer challenge names (default this server's /token)
//   --times K           each fault applies to its first K matching requests only (default all)
//   --fault-digest HEX  blob faults apply to this blob only
// Control: GET /_log answers the requests seen so far as JSON
//   [{method, path, range, auth, status, bytes}], bytes = body bytes sent.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

function parseArgs(argv) {
  const o = {times: Infinity};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--dir': o.dir = next(); break;
      case '--drop-after': o.dropAfter = Number(next()); break;
      case '--stall-after': o.stallAfter = Number(next()); break;
      case '--drip': {
        const [b, ms] = next().split(':').map(Number);
        o.drip = {bytes: b, ms};
        break;
      }
      case '--wrong-digest': o.wrongDigest = true; break;
      case '--no-ranges': o.noRanges = true; break;
      case '--manifest-404': o.manifest404 = true; break;
      case '--redirects': o.redirects = Number(next()); break;
      case '--redirect-loop': o.redirectLoop = true; break;
      case '--redirect-host': o.redirectHost = next(); break;
      case '--redirect-to': o.redirectTo = next(); break;
      case '--endless-error': o.endlessError = true; break;
      case '--status-5xx': o.status5xx = true; break;
      case '--auth': o.auth = true; break;
      case '--realm': o.realm = next(); break;
      case '--times': o.times = Number(next()); break;
      case '--fault-digest': o.faultDigest = next(); break;
      default: throw new Error(`unknown flag ${a}`);
    }
  }
  if (!o.dir) throw new Error('--dir is required');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const log = [];
const counts = {};
const tokens = new Set();
let port = 0;

// True while fault `kind` still applies (its first `--times` uses).
function fault(kind) {
  counts[kind] = (counts[kind] || 0) + 1;
  return counts[kind] <= opts.times;
}

const kName = /^[A-Za-z0-9._-]+$/;
const kHex = /^[0-9a-f]{64}$/;

function send(res, entry, status, headers, body) {
  entry.status = status;
  const b = body === undefined ? '' : body;
  res.writeHead(status, {'Content-Length': Buffer.byteLength(b), ...headers});
  res.end(b);
  entry.bytes = Buffer.byteLength(b);
}

function registryError(res, entry, status, code, message, headers = {}) {
  send(res, entry, status, {'Content-Type': 'application/json', ...headers},
       JSON.stringify({errors: [{code, message}]}));
}

function blobPath(hex) { return path.join(opts.dir, 'blobs', `sha256-${hex}`); }

function writeAtomic(file, data) {
  fs.mkdirSync(path.dirname(file), {recursive: true});
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function serveBlob(req, res, entry, hex, faulty) {
  const file = blobPath(hex);
  if (!fs.existsSync(file)) return registryError(res, entry, 404, 'BLOB_UNKNOWN', 'blob unknown');
  let data = fs.readFileSync(file);
  const size = data.length;
  if (faulty && opts.wrongDigest && size > 0 && fault('wrong-digest')) {
    data = Buffer.from(data);
    data[Math.floor(size / 2)] ^= 0xff;
  }
  let start = 0;
  let end = size - 1;
  let status = 200;
  const headers = {'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes'};
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
  if (m && !opts.noRanges) {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start >= size || end < start) {
      return send(res, entry, 416, {'Content-Range': `bytes */${size}`});
    }
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  const body = data.subarray(start, end + 1);
  headers['Content-Length'] = body.length;
  entry.status = status;
  entry.bytes = 0;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') return res.end();

  const drop = faulty && opts.dropAfter !== undefined && fault('drop');
  const stall = faulty && opts.stallAfter !== undefined && fault('stall');
  const limit = drop ? opts.dropAfter : stall ? opts.stallAfter : body.length;
  const chunk = opts.drip ? opts.drip.bytes : 64 * 1024;
  let off = 0;
  let timer = null;
  res.on('close', () => { if (timer) clearTimeout(timer); });
  const pump = () => {
    timer = null;
    while (off < Math.min(limit, body.length)) {
      const n = Math.min(chunk, Math.min(limit, body.length) - off);
      res.write(body.subarray(off, off + n));
      off += n;
      entry.bytes = off;
      if (opts.drip) {
        timer = setTimeout(pump, opts.drip.ms);
        return;
      }
    }
    if (off >= body.length) return res.end();
    // Drop: once the bytes sent so far are flushed, cut the connection.
    if (drop) return res.write('', () => res.socket.destroy());
    // stall: keep the connection open and send nothing more.
  };
  pump();
}

function handleV2(req, res, entry, url) {
  // /v2/<ns>/<model>/<kind>/<rest>
  const parts = url.pathname.split('/');
  if (parts.length < 6 || !kName.test(parts[2]) || !kName.test(parts[3])) {
    return registryError(res, entry, 404, 'NAME_UNKNOWN', 'bad repository path');
  }
  const [ns, model, kind] = [parts[2], parts[3], parts[4]];
  const rest = parts.slice(5).join('/');
  const repo = `${ns}/${model}`;

  if (opts.auth) {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
    if (!m || !tokens.has(m[1])) {
      const realm = opts.realm || `http://127.0.0.1:${port}/token`;
      const action = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'pull,push';
      const challenge =
          `Bearer realm="${realm}",service="fake-registry",scope="repository:${repo}:${action}"`;
      return registryError(res, entry, 401, 'UNAUTHORIZED', 'authentication required',
                           {'WWW-Authenticate': challenge});
    }
  }
  if (opts.status5xx && fault('5xx')) {
    return registryError(res, entry, 503, 'UNAVAILABLE', 'try again later');
  }

  if (kind === 'manifests' && kName.test(rest)) {
    const file = path.join(opts.dir, 'manifests', ns, model, rest);
    if (req.method === 'PUT') {
      let m;
      try { m = JSON.parse(req.body.toString()); } catch (e) {
        return registryError(res, entry, 400, 'MANIFEST_INVALID', 'not JSON');
      }
      const layers = [...(m.layers || []), m.config || {}];
      for (const l of layers) {
        const hex = String(l.digest || '').replace(/^sha256:/, '');
        if (!kHex.test(hex) || !fs.existsSync(blobPath(hex))) {
          return registryError(res, entry, 400, 'BLOB_UNKNOWN', `blob ${l.digest} unknown`);
        }
      }
      writeAtomic(file, req.body);
      return send(res, entry, 201, {Location: url.pathname});
    }
    if (opts.endlessError && req.method === 'GET') {
      entry.status = 500;
      res.writeHead(500, {'Content-Type': 'text/plain'});
      const junk = Buffer.alloc(64 * 1024, 'e');
      const more = () => { if (!res.destroyed) res.write(junk, () => setImmediate(more)); };
      return more();
    }
    if (opts.manifest404 && fault('manifest-404')) {
      return registryError(res, entry, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    }
    if (!fs.existsSync(file)) return registryError(res, entry, 404, 'MANIFEST_UNKNOWN', 'unknown');
    const body = fs.readFileSync(file);
    return send(res, entry, 200,
                {'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json'},
                req.method === 'HEAD' ? '' : body);
  }

  if (kind === 'blobs' && rest === 'uploads/' && req.method === 'POST') {
    const id = crypto.randomBytes(8).toString('hex');
    return send(res, entry, 202,
                {Location: `/v2/${repo}/blobs/uploads/${id}`, 'Docker-Upload-UUID': id});
  }
  if (kind === 'blobs' && rest.startsWith('uploads/') && req.method === 'PUT') {
    const want = String(url.searchParams.get('digest') || '').replace(/^sha256:/, '');
    const got = crypto.createHash('sha256').update(req.body).digest('hex');
    if (!kHex.test(want) || want !== got) {
      return registryError(res, entry, 400, 'DIGEST_INVALID', `digest mismatch: got sha256:${got}`);
    }
    writeAtomic(blobPath(got), req.body);
    return send(res, entry, 201, {Location: `/v2/${repo}/blobs/sha256:${got}`});
  }
  if (kind === 'blobs' && /^sha256:[0-9a-f]{64}$/.test(rest)) {
    const hex = rest.slice(7);
    const faulty = !opts.faultDigest || opts.faultDigest === hex;
    if (req.method === 'GET' && faulty && opts.redirectTo) {
      return send(res, entry, 302, {Location: opts.redirectTo});
    }
    if (req.method === 'GET' && faulty && opts.redirectLoop) {
      return send(res, entry, 302, {Location: `/loop/a${url.pathname}`});
    }
    if (req.method === 'GET' && faulty && opts.redirects > 0 && fault('redirect')) {
      return redirectStep(res, entry, 1, url.pathname);
    }
    return serveBlob(req, res, entry, hex, faulty);
  }
  return registryError(res, entry, 404, 'UNSUPPORTED', `${req.method} ${url.pathname}`);
}

function redirectStep(res, entry, k, v2path) {
  let location = `/r/${k}${v2path}`;
  if (k === opts.redirects && opts.redirectHost) {
    location = `http://${opts.redirectHost}:${port}${location}`;
  }
  return send(res, entry, 307, {Location: location});
}

function handle(req, res, entry) {
  const url = new URL(req.url, 'http://registry.invalid');
  entry.path = url.pathname + url.search;
  if (url.pathname === '/_log') {
    return send(res, entry, 200, {'Content-Type': 'application/json'}, JSON.stringify(log));
  }
  if (url.pathname === '/token') {
    const token = `tok-${crypto.randomBytes(8).toString('hex')}`;
    tokens.add(token);
    return send(res, entry, 200, {'Content-Type': 'application/json'}, JSON.stringify({token}));
  }
  let m = /^\/r\/(\d+)(\/v2\/.*)$/.exec(url.pathname);
  if (m) {
    const k = Number(m[1]);
    if (k < opts.redirects) return redirectStep(res, entry, k + 1, m[2]);
    const hex = /sha256:([0-9a-f]{64})$/.exec(m[2]);
    if (!hex) return registryError(res, entry, 404, 'BLOB_UNKNOWN', 'bad path');
    return serveBlob(req, res, entry, hex[1], true);
  }
  m = /^\/loop\/([ab])(\/v2\/.*)$/.exec(url.pathname);
  if (m) {
    return send(res, entry, 302, {Location: `/loop/${m[1] === 'a' ? 'b' : 'a'}${m[2]}`});
  }
  if (url.pathname.startsWith('/v2/')) return handleV2(req, res, entry, url);
  return registryError(res, entry, 404, 'NOT_FOUND', url.pathname);
}

const server = http.createServer((req, res) => {
  const entry = {
    method: req.method, path: req.url, range: req.headers.range || '',
    auth: req.headers.authorization || '', host: req.headers.host || '', status: 0, bytes: 0,
  };
  if (!req.url.startsWith('/_log')) log.push(entry);
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 256 * 1024 * 1024) return req.destroy();
    chunks.push(c);
  });
  req.on('end', () => {
    req.body = Buffer.concat(chunks);
    try {
      handle(req, res, entry);
    } catch (e) {
      if (!res.headersSent) registryError(res, entry, 500, 'INTERNAL', String(e));
    }
  });
});
server.keepAliveTimeout = 1000;
server.listen(0, '127.0.0.1', () => {
  port = server.address().port;
  process.stdout.write(`${port}\n`);
});
