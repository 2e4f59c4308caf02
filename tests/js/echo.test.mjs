// Node `ws` (npm) as an independent client of the real build/wshub: echo over ws:// and
// wss://, with and without permessage-deflate, fragmented sends, 16 MiB, many clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import WebSocket from 'ws';
import { freePort, healthz, spawnWshub } from './wshub-process.mjs';

const dir = mkdtempSync(join(tmpdir(), 'wshub-js-'));
const servers = [];

// Starts build/wshub with a generated config on a free port and waits for GET /healthz
// (plain HTTP only: the TLS server is probed with a TLS handshake by open() instead).
async function startServer(name, extra = '', tls = false) {
  const port = await freePort();
  const config = join(dir, `${name}.toml`);
  writeFileSync(config, `[server]\nlisten = "127.0.0.1:${port}"\nworkers = 2\n[endpoints]\necho = true\n${extra}`);
  const server = await spawnWshub(['--config', config], port, { ready: tls ? tcpOpen : healthz });
  servers.push({ name, proc: server.proc, output: server.output });
  return server;
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

// A failing case shows the servers' logs under its error.
function withLogs(fn) {
  return async (t) => {
    try {
      await fn(t);
    } catch (e) {
      for (const s of servers) e.message += `\n--- wshub ${s.name} log ---\n${s.output().slice(-4000)}`;
      throw e;
    }
  };
}

function open(url, options = {}, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 64 << 20, handshakeTimeout: timeoutMs, ...options });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no message within deadline')), timeoutMs);
    ws.once('message', (data, isBinary) => { clearTimeout(t); resolve({ data, isBinary }); });
  });
}

async function echoChecks(ws) {
  for (const size of [0, 1, 125, 126, 65535, 65536, 200000]) {
    const text = 'x'.repeat(size);
    ws.send(text);
    const r = await nextMessage(ws);
    assert.equal(r.isBinary, false);
    assert.equal(r.data.toString(), text);
    const bin = Buffer.alloc(size, 7);
    ws.send(bin);
    const b = await nextMessage(ws);
    assert.equal(b.isBinary, true);
    assert.ok(Buffer.compare(b.data, bin) === 0);
  }
  // Fragmented: ws sends continuation frames for fin: false.
  ws.send('frag', { fin: false });
  ws.send('ment', { fin: false });
  ws.send('ed', { fin: true });
  assert.equal((await nextMessage(ws)).data.toString(), 'fragmented');
  // A fragmented binary message of 1 MiB in 64 KiB pieces, and a 4-byte character split
  // between two fragments.
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  for (let off = 0; off < big.length; off += 65536) {
    ws.send(big.subarray(off, off + 65536), { binary: true, fin: off + 65536 >= big.length });
  }
  const f = await nextMessage(ws);
  assert.equal(f.isBinary, true);
  assert.ok(Buffer.compare(f.data, big) === 0);
  const smile = Buffer.from('smile \u{1F600}!');
  ws.send(smile.subarray(0, 8), { binary: false, fin: false });
  ws.send(smile.subarray(8), { binary: false, fin: true });
  const u = await nextMessage(ws);
  assert.equal(u.isBinary, false);
  assert.equal(u.data.toString(), 'smile \u{1F600}!');
}

let plain, secure, cert;
before(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'],
  { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'));
  plain = await startServer('plain');
  secure = await startServer('tls', `[tls]\ncert_file = "${join(dir, 'cert.pem')}"\nkey_file = "${join(dir, 'key.pem')}"\n`, true);
});

// Stops every server by its PID: SIGTERM, SIGKILL after 10 s. A server that did not exit 0
// fails the run with its log.
after(async () => {
  const bad = [];
  for (const { name, proc, output } of servers) {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => { proc.kill('SIGKILL'); r(); }, 10000);
        proc.once('exit', () => { clearTimeout(t); r(); });
      });
    }
    if (proc.exitCode !== 0) bad.push(`wshub ${name} exited with ${proc.exitCode ?? proc.signalCode}:\n${output()}`);
  }
  assert.deepEqual(bad, []);
});

for (const deflate of [false, true]) {
  test(`ws:// echo, perMessageDeflate=${deflate}`, withLogs(async () => {
    const ws = await open(`ws://127.0.0.1:${plain.port}/echo`, { perMessageDeflate: deflate });
    assert.equal(ws.extensions.includes('permessage-deflate'), deflate);
    await echoChecks(ws);
    ws.close(1000);
  }));

  test(`wss:// echo, perMessageDeflate=${deflate}`, withLogs(async () => {
    const ws = await open(`wss://127.0.0.1:${secure.port}/echo`, { perMessageDeflate: deflate, ca: cert, rejectUnauthorized: false });
    await echoChecks(ws);
    ws.close(1000);
  }));
}

test('16 MiB message, compressed and not', withLogs(async () => {
  for (const deflate of [false, true]) {
    const ws = await open(`ws://127.0.0.1:${plain.port}/echo`, { perMessageDeflate: deflate });
    const big = Buffer.alloc(16 << 20, 'z');
    ws.send(big);
    const r = await nextMessage(ws, 30000);
    assert.equal(r.data.length, big.length);
    assert.ok(Buffer.compare(r.data, big) === 0);
    ws.close();
  }
}));

test('close handshake: the client gets its code echoed', withLogs(async () => {
  const ws = await open(`ws://127.0.0.1:${plain.port}/echo`);
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  ws.close(4321, 'bye');
  assert.equal(await closed, 4321);
}));

test('200 concurrent clients', withLogs(async () => {
  const clients = await Promise.all(Array.from({ length: 200 }, () => open(`ws://127.0.0.1:${plain.port}/echo`)));
  await Promise.all(clients.map(async (ws, i) => {
    for (let j = 0; j < 10; j++) {
      ws.send(`client ${i} message ${j}`);
      assert.equal((await nextMessage(ws)).data.toString(), `client ${i} message ${j}`);
    }
  }));
  for (const ws of clients) ws.close();
}));

test('50 concurrent clients over wss:// with deflate', withLogs(async () => {
  const url = `wss://127.0.0.1:${secure.port}/echo`;
  const clients = await Promise.all(Array.from({ length: 50 }, () => open(url, { ca: cert, rejectUnauthorized: false })));
  await Promise.all(clients.map(async (ws, i) => {
    for (let j = 0; j < 10; j++) {
      const msg = `tls client ${i} message ${j} `.repeat(j * 20);
      ws.send(msg);
      assert.equal((await nextMessage(ws)).data.toString(), msg);
    }
  }));
  for (const ws of clients) ws.close();
}));

test('invalid UTF-8 from the client is closed with 1007', withLogs(async () => {
  const ws = await open(`ws://127.0.0.1:${plain.port}/echo`, { perMessageDeflate: false });
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  // The ws client would refuse to send it: write a masked text frame (all-zero mask key)
  // holding a lone surrogate straight to the socket.
  ws._socket.write(Buffer.from([0x81, 0x83, 0, 0, 0, 0, 0xed, 0xa0, 0x80]));
  assert.equal(await closed, 1007);
}));
