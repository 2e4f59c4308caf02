// The admin dashboard in a real browser: Debian's headless Chromium, driven by
// playwright-core, loads /admin from the real build/wshub, logs in, and shows a
// connection count that changes when a `ws` client connects, and disconnects a user with
// its button. A screenshot goes to the build's test output (TEST_OUTPUT_DIR, set by
// ctest; build/test-output otherwise).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { chromium } from 'playwright-core';
import { freePort, spawnWshub } from './wshub-process.mjs';

const OUTPUT = process.env.TEST_OUTPUT_DIR ?? new URL('../../build/test-output', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'correct horse battery staple';
const HMAC_SECRET = 'admin-browser-test-secret-of-32-bytes';

function tokenFor(user) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: user, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${unsigned}.${createHmac('sha256', HMAC_SECRET).update(unsigned).digest('base64url')}`;
}
const dir = mkdtempSync(join(tmpdir(), 'wshub-admin-js-'));

let server;
let output = '';
let browser;

async function startServer() {
  const port = await freePort();
  const config = join(dir, 'admin.toml');
  writeFileSync(config, `[server]\nlisten = "127.0.0.1:${port}"\nworkers = 2\n` +
    `[client]\nallow_anonymous = true\n[channels]\nsubscribe = "anyone"\n` +
    `[auth]\nhmac_secret = "${HMAC_SECRET}"\n[api]\nkey = "admin-test-api-key-0123456789"\n[admin]\nenabled = true\npassword = "${PASSWORD}"\n`);
  return spawnWshub(['--config', config], port, { onOutput: (d) => { output += d; } });
}

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: 10000 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

before(async () => {
  server = await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium refuses to start its sandbox as root (CI containers); a user keeps it.
    args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
  }
});

test('the dashboard shows a connection count that follows a client', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  let client;
  try {
    const response = await page.goto(`http://127.0.0.1:${server.port}/admin`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'], /script-src 'self'/);

    // A wrong password is refused and the form stays.
    await page.fill('#secret', 'not the password');
    await page.click('#login-button');
    await page.waitForFunction(() => document.getElementById('login-error').textContent.includes('Wrong'),
      null, { timeout: 10000 });

    await page.fill('#secret', PASSWORD);
    await page.click('#login-button');
    const count = () => page.$eval('#stat-connections', (el) => el.dataset.value);
    await page.waitForFunction(() => document.getElementById('stat-connections').dataset.value === '0',
      null, { timeout: 10000 });
    assert.equal(await count(), '0');

    client = await open(`ws://127.0.0.1:${server.port}/websocket`);
    client.send(JSON.stringify({ type: 'subscribe', id: 1, channel: 'news' }));
    await page.waitForFunction(() => document.getElementById('stat-connections').dataset.value === '1',
      null, { timeout: 10000 });
    assert.equal(await count(), '1');
    // The channel list and the connection search see it too.
    await page.waitForSelector('#channels-body code:text("news")', { timeout: 10000 });
    await page.click('#search-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('search-summary').textContent.startsWith('1 connection'),
      null, { timeout: 10000 });
    // A few seconds of graph for the picture.
    await page.waitForFunction(() => document.getElementById('line-in').getAttribute('points').split(' ').length >= 3,
      null, { timeout: 10000 });

    mkdirSync(OUTPUT, { recursive: true });
    const shot = join(OUTPUT, 'admin.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10000, 'the screenshot is not empty');

    client.close();
    await page.waitForFunction(() => document.getElementById('stat-connections').dataset.value === '0',
      null, { timeout: 10000 });

    // Disconnect a user with the page's button (it asks first).
    const alice = await open(`ws://127.0.0.1:${server.port}/websocket`);
    const closed = new Promise((resolve) => alice.once('close', (code) => resolve(code)));
    alice.send(JSON.stringify({ type: 'connect', id: 1, token: tokenFor('alice') }));
    await page.waitForFunction(() => document.getElementById('stat-connections').dataset.value === '1',
      null, { timeout: 10000 });
    await page.selectOption('#search-by', 'user');
    await page.fill('#search-query', 'alice');
    await page.click('#search-form button[type=submit]');
    await page.waitForSelector('button[aria-label="Disconnect user alice"]', { timeout: 10000 });
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('button[aria-label="Disconnect user alice"]');
    assert.equal(await closed, 4000);
    await page.waitForFunction(() => document.getElementById('stat-connections').dataset.value === '0',
      null, { timeout: 10000 });
    // CSP violations and script errors show up as console errors.
    assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
  } catch (e) {
    e.message += `\n--- wshub log ---\n${output.slice(-4000)}`;
    throw e;
  } finally {
    if (client) client.terminate();
    await page.close();
  }
});
