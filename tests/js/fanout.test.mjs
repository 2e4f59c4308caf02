// Fan-out correctness with Node `ws` clients: 10,000 subscribers on one channel each
// receive every one of 100 publications exactly once and in offset order, with the
// subscribers spread over both workers; and user-facing shapes seen by a second client
// library. Run with the open-files soft limit raised to the hard one (tests/CMakeLists.txt).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort, spawnWshub } from './wshub-process.mjs';

const dir = mkdtempSync(join(tmpdir(), 'wshub-js-fanout-'));
let server;

async function startServer() {
  const port = await freePort();
  const config = join(dir, 'wshub.toml');
  writeFileSync(config, `[server]\nlisten = "127.0.0.1:${port}"\nworkers = 2\n` +
    `[client]\nallow_anonymous = true\n` +
    `[channels]\nsubscribe = "anyone"\npublish = "anyone"\nhistory_size = 1000\n`);
  return spawnWshub(['--config', config], port);
}

after(async () => {
  if (!server) return;
  const exited = new Promise((r) => server.proc.once('exit', (code) => r(code)));
  server.proc.kill('SIGTERM');
  assert.equal(await exited, 0, server.output());
});

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

// Opens `n` connections with at most `concurrency` handshakes in flight.
async function openMany(url, n, concurrency = 200) {
  const sockets = [];
  let next = 0;
  async function worker() {
    while (next < n) {
      next++;
      sockets.push(await open(url));
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sockets;
}

test('10,000 subscribers each receive 100 publications exactly once, in order', { timeout: 240000 }, async () => {
  server = await startServer();
  const url = `ws://127.0.0.1:${server.port}/websocket`;
  const N = 10000;
  const P = 100;
  const subscribers = await openMany(url, N);
  const received = subscribers.map(() => []);
  let subscribed = 0;
  let onAllSubscribed;
  const allSubscribed = new Promise((r) => { onAllSubscribed = r; });
  let done = 0;
  let onAllDone;
  const allDone = new Promise((r) => { onAllDone = r; });
  subscribers.forEach((ws, i) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(data);
      if (msg.type === 'subscribed') {
        if (++subscribed === N) onAllSubscribed();
      } else if (msg.type === 'tick') {
        received[i].push(msg);
        if (received[i].length === P && ++done === N) onAllDone();
      } else {
        throw new Error(`unexpected ${data}`);
      }
    });
    ws.send(JSON.stringify({ type: 'subscribe', id: 1, channel: 'fanout' }));
  });
  await allSubscribed;

  const publisher = await open(url);
  const acks = [];
  publisher.on('message', (data) => acks.push(JSON.parse(data)));
  for (let n = 0; n < P; n++) {
    publisher.send(JSON.stringify({ type: 'publish', id: n + 1, channel: 'fanout', message_type: 'tick', payload: { n } }));
  }
  await allDone;
  // Anything extra (a duplicate) would have arrived by now with the last publication.
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < N; i++) {
    assert.equal(received[i].length, P, `subscriber ${i} got ${received[i].length}`);
    const first = received[i][0].offset;
    received[i].forEach((m, k) => {
      assert.equal(m.payload.n, k);
      assert.equal(m.offset, first + k);
      assert.equal(m.channel, 'fanout');
    });
  }
  assert.equal(acks.filter((a) => a.type === 'ack').length, P);
  for (const ws of [...subscribers, publisher]) ws.terminate();
});
