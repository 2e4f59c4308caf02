// Node `ws` (npm) as an independent client of the real build/wshub: echo over ws:// and
// wss://, with and without permessage-deflate, fragmented sends, 16 MiB, many clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import WebSocket from 'ws';

const BIN = process.env.WSHUB_BIN ?? new URL('../../build/wshub', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'wshub-js-'));
const servers = [];

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer(name, extra = '') {
  const port = await freePort();
  const config = join(dir, `${name}.toml`);
  writeFileSync(config, `[server]\nlisten = "127.0.0.1:${port}"\nworkers = 2\n[endpoints]\necho = true\n${extra}`);
  const log = join(dir, `${name}.log`);
  const proc = spawn(BIN, ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  proc.stderr.on('data', (d) => { output += d; });
  servers.push(proc);
  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`wshub exited: ${output}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return { port, proc, output: () => output };
    if (Date.now() > deadline) throw new Error(`wshub not ready: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function open(url, options = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 64 << 20, ...options });
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
}

let plain, secure, cert;
before(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'],
  { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'));
  plain = await startServer('plain');
  secure = await startServer('tls', `[tls]\ncert_file = "${join(dir, 'cert.pem')}"\nkey_file = "${join(dir, 'key.pem')}"\n`);
});

after(async () => {
  for (const p of servers) {
    if (p.exitCode === null) {
      p.kill('SIGTERM');
      await new Promise((r) => { const t = setTimeout(() => { p.kill('SIGKILL'); r(); }, 10000); p.once('exit', () => { clearTimeout(t); r(); }); });
    }
  }
});

for (const deflate of [false, true]) {
  test(`ws:// echo, perMessageDeflate=${deflate}`, async () => {
    const ws = await open(`ws://127.0.0.1:${plain.port}/echo`, { perMessageDeflate: deflate });
    assert.equal(ws.extensions.includes('permessage-deflate'), deflate);
    await echoChecks(ws);
    ws.close(1000);
  });

  test(`wss:// echo, perMessageDeflate=${deflate}`, async () => {
    const ws = await open(`wss://127.0.0.1:${secure.port}/echo`, { perMessageDeflate: deflate, ca: cert, rejectUnauthorized: false });
    await echoChecks(ws);
    ws.close(1000);
  });
}

test('16 MiB message, compressed and not', async () => {
  for (const deflate of [false, true]) {
    const ws = await open(`ws://127.0.0.1:${plain.port}/echo`, { perMessageDeflate: deflate });
    const big = Buffer.alloc(16 << 20, 'z');
    ws.send(big);
    const r = await nextMessage(ws, 30000);
    assert.equal(r.data.length, big.length);
    assert.ok(Buffer.compare(r.data, big) === 0);
    ws.close();
  }
});

test('close handshake: the client gets its code echoed', async () => {
  const ws = await open(`ws://127.0.0.1:${plain.port}/echo`);
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  ws.close(4321, 'bye');
  assert.equal(await closed, 4321);
});

test('200 concurrent clients', async () => {
  const clients = await Promise.all(Array.from({ length: 200 }, () => open(`ws://127.0.0.1:${plain.port}/echo`)));
  await Promise.all(clients.map(async (ws, i) => {
    for (let j = 0; j < 10; j++) {
      ws.send(`client ${i} message ${j}`);
      assert.equal((await nextMessage(ws)).data.toString(), `client ${i} message ${j}`);
    }
  }));
  for (const ws of clients) ws.close();
});
