// The demo applications (demos/) in a real browser: Debian's headless Chromium, driven by
// playwright-core, against the real build/wshub in --dev (which serves them at /).
// Two browser contexts are two people: they chat and see each other online; a
// notification sent through the server API pops up in the user's page; strokes drawn in
// one whiteboard appear in the other; the live dashboard shows numbers that change; a
// page whose server restarts shows what was published meanwhile (two nodes on a real
// redis-server, so the messages outlive the restart).
// Screenshots go to the build's test output (TEST_OUTPUT_DIR, set by ctest).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { chromium } from 'playwright-core';
import { freePort, spawnRedis, spawnWshub } from './wshub-process.mjs';

const OUTPUT = process.env.TEST_OUTPUT_DIR ?? new URL('../../build/test-output', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT = { timeout: 15000 };

let server;
let output = '';
let browser;

function request(port, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, timeout: 5000 }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function startServer(port, env) {
  port ??= await freePort();
  // --dev is what `make run` starts: the demos, the dev token secret and API key.
  return spawnWshub(['--dev', '--listen', `127.0.0.1:${port}`, '--workers', '2'], port,
    { ready: (p) => request(p, 'GET', '/healthz').then((r) => r.status === 200, () => false),
      onOutput: (d) => { output += d; }, env });
}

async function stopServer(s) {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await exited;
}

// A page as `user` (its own browser context: its own localStorage), failing the test on
// script errors and CSP violations.
async function openAs(user, path, port = server.port) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  const sep = path.includes('?') ? '&' : '?';
  const response = await page.goto(`http://127.0.0.1:${port}${path}${sep}user=${user}`);
  assert.equal(response.status(), 200);
  await page.waitForSelector('#status[data-state="connected"]', WAIT);
  return page;
}

async function screenshot(page, name) {
  mkdirSync(OUTPUT, { recursive: true });
  const shot = join(OUTPUT, name);
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 10000, `${name} is not empty`);
}

async function closeAll(...pages) {
  for (const p of pages) {
    if (p) {
      assert.deepEqual(p.problems, []);
      await p.context().close();
    }
  }
}

async function withLog(fn) {
  try {
    await fn();
  } catch (e) {
    e.message += `\n--- wshub log ---\n${output.slice(-4000)}`;
    throw e;
  }
}

before(async () => {
  server = await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--disable-gpu', '--disable-background-networking',
      ...(process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [])],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
  }
});

test('the index and the files are served with a strict CSP; unknown paths are 404', () => withLog(async () => {
  const index = await request(server.port, 'GET', '/');
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^text\/html/);
  assert.match(index.headers['content-security-policy'], /script-src 'self'/);
  assert.match(index.body, /chat\.html/);
  const sdk = await request(server.port, 'GET', '/demos/sdk/index.js');
  assert.equal(sdk.status, 200);
  assert.match(sdk.headers['content-type'], /^text\/javascript/);
  assert.equal((await request(server.port, 'GET', '/demos/nothing.html')).status, 404);
  assert.equal((await request(server.port, 'GET', '/nothing')).status, 404);
  assert.equal((await request(server.port, 'POST', '/demos/chat.html', '{}')).status, 405);
  assert.equal((await request(server.port, 'GET', '/healthz')).status, 200);  // "/" is exact
  const bad = await request(server.port, 'GET', '/demos/dev-session?user=%3Cscript%3E');
  assert.equal(bad.status, 400);
  // The index in the browser links every demo.
  const context = await browser.newContext({ viewport: { width: 1280, height: 600 } });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.port}/`);
  for (const demo of ['chat', 'notifications', 'whiteboard', 'dashboard']) {
    assert.equal(await page.getAttribute(`#link-${demo}`, 'href'), `/demos/${demo}.html`);
  }
  await screenshot(page, 'demo-index.png');
  await context.close();
}));

test('two people chat and see each other online', () => withLog(async () => {
  let alice;
  let bob;
  try {
    alice = await openAs('alice', '/demos/chat.html');
    await alice.fill('#composer-input', 'hello from before bob came');
    await alice.click('#send');
    await alice.waitForSelector('#messages .message:has-text("hello from before bob came")', WAIT);

    bob = await openAs('bob', '/demos/chat.html');
    // History on join, and presence both ways.
    await bob.waitForSelector('#messages .message:has-text("hello from before bob came")', WAIT);
    await bob.waitForSelector('#people li[data-user="alice"]', WAIT);
    await alice.waitForSelector('#people li[data-user="bob"]', WAIT);

    // Typing shows on the other side.
    await bob.type('#composer-input', 'hi alice', { delay: 20 });
    await alice.waitForFunction(() => document.getElementById('typing').textContent.includes('bob is typing'), null, WAIT);
    await bob.click('#send');
    await alice.waitForSelector('#messages .message:has-text("hi alice")', WAIT);
    await alice.fill('#composer-input', 'welcome, bob!');
    await alice.click('#send');
    await bob.waitForSelector('#messages .message:has-text("welcome, bob!")', WAIT);
    await screenshot(bob, 'demo-chat.png');

    await bob.context().close();
    bob = undefined;
    await alice.waitForFunction(() => !document.querySelector('#people li[data-user="bob"]'), null, WAIT);
  } finally {
    await closeAll(alice, bob);
  }
}));

test('a notification sent through the server API pops up in every tab of the user', () => withLog(async () => {
  let tab1;
  let tab2;
  try {
    tab1 = await openAs('carol', '/demos/notifications.html');
    // A second tab of the same user: same browser context.
    tab2 = await tab1.context().newPage();
    tab2.problems = [];
    tab2.on('pageerror', (e) => tab2.problems.push(`page error: ${e.message}`));
    await tab2.goto(`http://127.0.0.1:${server.port}/demos/notifications.html?user=carol`);
    await tab2.waitForSelector('#status[data-state="connected"]', WAIT);

    // The page shows the curl command; run it the way a back-end would.
    const command = await tab1.textContent('#curl');
    assert.match(command, /\/api\/send/);
    const sent = await request(server.port, 'POST', '/api/send',
      JSON.stringify({ user: 'carol', type: 'notification', payload: { text: 'Your report is ready' } }),
      { Authorization: 'apikey wshub-dev-api-key' });
    assert.equal(sent.status, 200, sent.body);
    for (const tab of [tab1, tab2]) {
      await tab.waitForSelector('.toast:has-text("Your report is ready")', WAIT);
      await tab.waitForSelector('#feed li:has-text("Your report is ready")', WAIT);
    }

    // The page's own button (present in --dev) does the same.
    await tab1.fill('#text', 'Build finished');
    await tab1.click('#send');
    await tab2.waitForSelector('#feed li:has-text("Build finished")', WAIT);
    await tab1.waitForSelector('.toast:has-text("Build finished")', WAIT);
    await screenshot(tab1, 'demo-notifications.png');
  } finally {
    if (tab2) assert.deepEqual(tab2.problems, []);
    await closeAll(tab1);
  }
}));

test('strokes drawn on one whiteboard appear on the other, with the cursor', () => withLog(async () => {
  let dave;
  let erin;
  try {
    dave = await openAs('dave', '/demos/whiteboard.html');
    const box = await dave.locator('#canvas').boundingBox();
    // A zig-zag stroke before erin comes: she must get it from history.
    await dave.mouse.move(box.x + 100, box.y + 100);
    await dave.mouse.down();
    for (let i = 1; i <= 20; i++) await dave.mouse.move(box.x + 100 + i * 20, box.y + 100 + (i % 2) * 60);
    await dave.mouse.up();
    await dave.waitForFunction(() => document.getElementById('stroke-count').dataset.value === '1', null, WAIT);

    erin = await openAs('erin', '/demos/whiteboard.html');
    await erin.waitForFunction(() => document.getElementById('stroke-count').dataset.value === '1', null, WAIT);
    // A live stroke from erin shows on dave's board.
    const ebox = await erin.locator('#canvas').boundingBox();
    await erin.click('.swatch[title="#d64545"]');
    await erin.mouse.move(ebox.x + 200, ebox.y + 400);
    await erin.mouse.down();
    for (let i = 1; i <= 20; i++) await erin.mouse.move(ebox.x + 200 + i * 25, ebox.y + 400 - i * 10);
    await erin.mouse.up();
    await dave.waitForFunction(() => document.getElementById('stroke-count').dataset.value === '2', null, WAIT);
    // Erin's cursor (she keeps moving) shows on dave's board.
    const moving = (async () => {
      for (let i = 0; i < 60; i++) {
        await erin.mouse.move(ebox.x + 600 + (i % 10) * 5, ebox.y + 250);
        await new Promise((r) => setTimeout(r, 60));
      }
    })();
    await dave.waitForSelector('.cursor[data-user="erin"]', WAIT);
    await moving;
    // Pixels, not just counters: the red stroke is on dave's canvas.
    const red = await dave.evaluate(() => {
      const c = document.getElementById('canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] < 110 && d[i + 2] < 110 && d[i + 3] > 0) n++;
      return n;
    });
    assert.ok(red > 50, `red pixels on the other board: ${red}`);
    await screenshot(dave, 'demo-whiteboard.png');
  } finally {
    await closeAll(dave, erin);
  }
}));

test('the live dashboard shows numbers that change', () => withLog(async () => {
  let page;
  const clients = [];
  try {
    page = await openAs('frank', '/demos/dashboard.html');
    await page.waitForFunction(() => document.getElementById('stat-connections').dataset.value !== '', null, WAIT);
    const before = Number(await page.$eval('#stat-connections', (e) => e.dataset.value));
    // Two more people open the chat: the count follows.
    for (const user of ['gina', 'hank']) clients.push(await openAs(user, '/demos/chat.html'));
    await page.waitForFunction((n) => Number(document.getElementById('stat-connections').dataset.value) >= n,
      before + 2, WAIT);
    await page.waitForFunction(() => document.getElementById('stat-latency').dataset.value !== '', null, WAIT);
    await page.waitForFunction(() => (document.getElementById('line-connections').getAttribute('points') ?? '')
      .split(' ').length >= 3, null, WAIT);
    await screenshot(page, 'demo-dashboard.png');
  } finally {
    await closeAll(page, ...clients);
  }
}));

test('the chat reconnects after the server restarts and carries on', () => withLog(async () => {
  let ivan;
  let judy;
  try {
    ivan = await openAs('ivan', '/demos/chat.html?room=random');
    judy = await openAs('judy', '/demos/chat.html?room=random');
    await ivan.waitForSelector('#people li[data-user="judy"]', WAIT);

    // The same port again: the pages' SDK reconnects by itself with backoff.
    const { port } = server;
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
    await ivan.waitForSelector('#status:not([data-state="connected"])', WAIT);
    server = await startServer(port);
    for (const page of [ivan, judy]) await page.waitForSelector('#status[data-state="connected"]', { timeout: 30000 });

    // Presence and messages work again in both directions.
    await ivan.waitForSelector('#people li[data-user="judy"]', WAIT);
    await judy.fill('#composer-input', 'back after the restart');
    await judy.click('#send');
    await ivan.waitForSelector('#messages .message:has-text("back after the restart")', WAIT);
    await ivan.fill('#composer-input', 'welcome back');
    await ivan.click('#send');
    await judy.waitForSelector('#messages .message:has-text("welcome back")', WAIT);
  } finally {
    // The restart shows up as failed reconnect attempts in the console; nothing else may.
    for (const p of [ivan, judy]) if (p) p.problems = p.problems.filter((m) => !/WebSocket connection|ERR_CONNECTION_REFUSED/.test(m));
    await closeAll(ivan, judy);
  }
}));

// What a user of a cluster sees: two nodes on one Redis (docs/clustering.md). The chat's
// server restarts; meanwhile a back-end publishes through the other node; the page
// reconnects by itself and shows what was said while its server was down, once each.
test('the chat shows what was published while its server was down', () => withLog(async () => {
  const redis = await spawnRedis();
  const env = { WSHUB_BROKER_TYPE: 'redis', WSHUB_BROKER_REDIS_ADDRESS: `127.0.0.1:${redis.port}` };
  let nodeA;
  let nodeB;
  let kate;
  try {
    nodeA = await startServer(undefined, env);
    nodeB = await startServer(undefined, env);
    kate = await openAs('kate', '/demos/chat.html?room=ops', nodeA.port);
    await kate.fill('#composer-input', 'before the restart');
    await kate.click('#send');
    await kate.waitForSelector('#messages .message:has-text("before the restart")', WAIT);

    const { port } = nodeA;
    await stopServer(nodeA);
    await kate.waitForSelector('#status:not([data-state="connected"])', WAIT);
    for (const text of ['deploy started', 'deploy finished']) {
      const sent = await request(nodeB.port, 'POST', '/api/publish',
        JSON.stringify({ channel: 'chat:ops', payload: { text, name: 'ops-bot', at: Date.now() } }),
        { authorization: 'apikey wshub-dev-api-key', 'content-type': 'application/json' });
      assert.equal(sent.status, 200, sent.body);
    }
    nodeA = await startServer(port, env);
    await kate.waitForSelector('#status[data-state="connected"]', { timeout: 30000 });

    // Recovered from Redis' history, in order, after what the page already showed.
    await kate.waitForSelector('#messages .message:has-text("deploy finished")', WAIT);
    const texts = await kate.$$eval('#messages .message:not(.system)', (ms) => ms.map((m) => m.children[1].textContent));
    assert.deepEqual(texts.filter((t) => t !== ''), ['before the restart', 'deploy started', 'deploy finished']);
    await screenshot(kate, 'demo-chat-recovered.png');
  } finally {
    if (kate) kate.problems = kate.problems.filter((m) => !/WebSocket connection|ERR_CONNECTION_REFUSED/.test(m));
    await closeAll(kate);
    for (const s of [nodeA, nodeB]) if (s) await stopServer(s);
    redis.proc.kill();
  }
}));
