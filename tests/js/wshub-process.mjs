// Starting the real build/wshub from the Node tests: a free loopback port, the process's
// output kept for failure messages, and a wait until it serves.
import { spawn } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';

export const BIN = process.env.WSHUB_BIN ?? new URL('../../build/wshub', import.meta.url).pathname;

export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function healthz(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.on('error', () => resolve(false));
  });
}

// Spawns wshub with `args` and resolves once `ready(port)` is true (GET /healthz by
// default), or rejects with its output when it exits or takes over 10 s. `onOutput`
// sees every chunk of stdout and stderr; `output()` returns all of it. `env` adds to the
// environment (WSHUB_* configuration keys).
export async function spawnWshub(args, port, { ready = healthz, onOutput, env } = {}) {
  const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  const collect = (d) => { output += d; onOutput?.(d); };
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  const server = { port, proc, output: () => output };
  const deadline = Date.now() + 10000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`wshub exited: ${output}`);
    if (await ready(port)) return server;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`wshub not ready: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

function redisPing(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
    s.setTimeout(1000, () => { s.destroy(); resolve(false); });
    s.on('data', (d) => { s.destroy(); resolve(d.toString().startsWith('+PONG')); });
    s.on('error', () => resolve(false));
  });
}

// A redis-server without persistence on a free loopback port (the cluster's shared state);
// stop it with `proc.kill()`.
export async function spawnRedis() {
  const port = await freePort();
  const proc = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 10000;
  while (!(await redisPing(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error('redis-server did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, proc };
}
