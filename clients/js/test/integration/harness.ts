// Test harness: the real build/wshub on a free loopback port with a generated TOML config
// (the same approach as tests/integration/wshub_testlib.py), a TCP proxy that can cut or
// black-hole connections while the server stays up, HS256 tokens minted with node:crypto,
// and waits that always have a deadline: a test may fail, it never hangs.
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, openSync, closeSync } from "node:fs";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const WSHUB_BIN = process.env.WSHUB_BIN ?? fileURLToPath(new URL("../../../../build/wshub", import.meta.url));
export const DEV_API_KEY = "wshub-dev-api-key";

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

type TomlValue = string | number | boolean | string[];
export type Config = Record<string, Record<string, TomlValue | Record<string, TomlValue>>>;

function tomlValue(value: TomlValue): string {
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  return JSON.stringify(value);
}

function renderToml(config: Config): string {
  const out: string[] = [];
  const table = (name: string, keys: Record<string, unknown>) => {
    out.push(`[${name}]`);
    const nested: [string, Record<string, unknown>][] = [];
    for (const [key, value] of Object.entries(keys)) {
      if (value && typeof value === "object" && !Array.isArray(value)) nested.push([key, value as Record<string, unknown>]);
      else out.push(`${/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)} = ${tomlValue(value as TomlValue)}`);
    }
    out.push("");
    for (const [key, value] of nested) table(`${name}.${key}`, value);
  };
  for (const [name, keys] of Object.entries(config)) table(name, keys);
  return out.join("\n");
}

/** A wshub process. `--dev` plus the given config; the port stays the same across restarts. */
export class WshubServer {
  readonly dir = mkdtempSync(join(tmpdir(), "wshub-js-"));
  private proc: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  port = 0;

  constructor(private readonly config: Config = {}, private readonly dev = true) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}/websocket`;
  }

  async start(): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    const config: Config = { ...this.config };
    config.server = { workers: 2, ...(config.server ?? {}), listen: `127.0.0.1:${this.port}` };
    const configPath = join(this.dir, "wshub.toml");
    writeFileSync(configPath, renderToml(config));
    const log = openSync(join(this.dir, "stderr.log"), "a");
    const args = [...(this.dev ? ["--dev"] : []), "--config", configPath];
    const proc = spawn(WSHUB_BIN, args, { stdio: ["ignore", log, log] });
    closeSync(log);
    this.proc = proc;
    this.exited = new Promise((done) => proc.once("exit", (code) => done(code)));
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`wshub exited with ${proc.exitCode}:\n${this.output()}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/healthz`, { signal: AbortSignal.timeout(1000) });
        if (response.status === 200) return this;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    await this.stop("SIGKILL");
    throw new Error(`wshub did not become ready:\n${this.output()}`);
  }

  /** SIGTERM (clients get 4500) or SIGKILL (clients see the TCP connection drop). Resolves with the exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  output(): string {
    try {
      return readFileSync(join(this.dir, "stderr.log"), "utf8");
    } catch {
      return "";
    }
  }

  /** POST /api/<method> with the dev API key. */
  async api(method: string, body: unknown): Promise<any> {
    const response = await fetch(`http://127.0.0.1:${this.port}/api/${method}`, {
      method: "POST",
      headers: { Authorization: `apikey ${DEV_API_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const json = await response.json();
    if (response.status !== 200) throw new Error(`api ${method}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }
}

/**
 * A TCP proxy in front of a server: drop() resets every proxied connection (a network
 * failure with the server still up); blackhole(true) silently stops forwarding in both
 * directions, the way a dead peer behind a NAT looks.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private swallowing = false;
  port = 0;

  constructor(private readonly targetPort: () => number) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}/websocket`;
  }

  get connections(): number {
    return this.pairs.size;
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const upstream = tcpConnect(this.targetPort(), "127.0.0.1");
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const forward = (from: Socket, to: Socket) => from.on("data", (chunk) => {
        if (!this.swallowing) to.write(chunk);
      });
      forward(client, upstream);
      forward(upstream, client);
      const end = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("close", end).on("error", end);
      upstream.on("close", end).on("error", end);
    });
    await new Promise<void>((done) => this.server!.listen(0, "127.0.0.1", () => done()));
    const address = this.server.address();
    this.port = typeof address === "object" && address ? address.port : 0;
    return this;
  }

  drop(): void {
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  blackhole(on: boolean): void {
    this.swallowing = on;
  }

  async stop(): Promise<void> {
    this.drop();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}

/** A redis-server without persistence on a free loopback port: the cluster's shared state. */
export class RedisServer {
  private proc: ChildProcess | undefined;
  port = 0;

  async start(): Promise<this> {
    this.port = await freePort();
    const proc = spawn(process.env.REDIS_SERVER ?? "/usr/bin/redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    this.proc = proc;
    const deadline = Date.now() + 10000;
    while (!(await this.ping())) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill("SIGKILL");
        throw new Error("redis-server did not start");
      }
      await sleep(50);
    }
    return this;
  }

  private ping(): Promise<boolean> {
    return new Promise((done) => {
      const socket = tcpConnect({ host: "127.0.0.1", port: this.port }, () => socket.write("PING\r\n"));
      socket.setTimeout(1000, () => { socket.destroy(); done(false); });
      socket.on("data", (d) => { socket.destroy(); done(d.toString().startsWith("+PONG")); });
      socket.on("error", () => done(false));
    });
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((done) => proc.once("exit", done));
    proc.kill("SIGKILL");
    await exited;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Resolves when `predicate` holds, polling; rejects after `timeout` ms with `what`. */
export async function until(predicate: () => boolean, what: string, timeout = 10000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The next event `name` of an SDK emitter, within `timeout` ms. */
export function next<T = any>(target: { on(name: string, handler: (value: any) => void): () => void }, name: string,
  timeout = 10000): Promise<T> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      off();
      fail(new Error(`timed out waiting for '${name}'`));
    }, timeout);
    const off = target.on(name, (value: T) => {
      clearTimeout(timer);
      off();
      done(value);
    });
  });
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/** An HS256 JWT. */
export function mintToken(secret: string, claims: Record<string, unknown>): string {
  const head = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = base64url(JSON.stringify(claims));
  const signature = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}
