// Reconnection against the real wshub: a dropped connection with the server up (recovery
// with no gap and no duplicate), a dead connection found by the heartbeat, a list of URLs,
// the server's shutdown close (4500), a killed and restarted server (the memory broker
// loses history: a new epoch, so the SDK must report recovered:false), and a restarted node
// of a Redis cluster (history outlives it: what was published meanwhile is recovered).
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { type DisconnectedEvent, type SubscribedEvent, WshubClient } from "../../dist/esm/index.js";
import { freePort, next, RedisServer, sleep, TcpProxy, until, WshubServer } from "./harness.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startServer(): Promise<WshubServer> {
  const server = await new WshubServer({ channels: { history_size: 1000 } }).start();
  cleanup.push(() => server.stop("SIGKILL"));
  return server;
}

function client(url: string | string[], options: ConstructorParameters<typeof WshubClient>[1] = {}): WshubClient {
  const c = new WshubClient(url, { WebSocket: WebSocket as never, minReconnectDelay: 50, maxReconnectDelay: 400, ...options });
  cleanup.push(() => c.disconnect());
  return c;
}

async function connected(c: WshubClient): Promise<WshubClient> {
  const done = next(c, "connected");
  c.connect();
  await done;
  return c;
}

describe("reconnect", () => {
  it("recovers every publication across a dropped connection, in order, without duplicates", async () => {
    const server = await startServer();
    const proxy = await new TcpProxy(() => server.port).start();
    cleanup.push(() => proxy.stop());
    const publisher = await connected(client(server.url));
    const subscriber = await connected(client(proxy.url));
    const sub = subscriber.subscribe("feed", { recover: true });
    await next(sub, "subscribed");
    const received: number[] = [];
    const subscribed: SubscribedEvent[] = [];
    sub.on("message", (p) => received.push(p.payload as number));
    let missed = 0;  // publications the server had to replay: made while the client was away
    sub.on("subscribed", (e) => {
      subscribed.push(e);
      missed += e.offset! - (received.at(-1) ?? 0);
    });
    const disconnects: DisconnectedEvent[] = [];
    subscriber.on("disconnected", (e) => disconnects.push(e));

    const total = 300;
    let dropped = false;
    for (let n = 1; n <= total; n++) {
      await publisher.publish("feed", n);
      if (n === 100 || n === 200) {
        proxy.drop();  // twice: the second time while messages keep flowing
        dropped = true;
      }
    }
    expect(dropped).toBe(true);
    await until(() => received.length >= total, `${total} publications (have ${received.length})`);
    await sleep(100);  // a duplicate would arrive now
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(disconnects.length).toBeGreaterThanOrEqual(1);
    expect(disconnects.every((d) => d.reconnect)).toBe(true);
    expect(subscribed.length).toBe(disconnects.length);
    for (const e of subscribed) expect(e).toMatchObject({ recovered: true, resubscribed: true });
    expect(missed).toBeGreaterThan(0);
    expect(subscriber.state).toBe("connected");
  });

  it("detects a dead connection by the heartbeat and reconnects", async () => {
    const server = await startServer();
    const proxy = await new TcpProxy(() => server.port).start();
    cleanup.push(() => proxy.stop());
    const c = await connected(client(proxy.url, { heartbeatInterval: 200, heartbeatTimeout: 300 }));
    const gone = next<DisconnectedEvent>(c, "disconnected", 5000);
    proxy.blackhole(true);
    // The exact timing is the unit tests' business (fake clock); here: the real socket is found dead.
    expect(await gone).toMatchObject({ code: 3001, reconnect: true });
    const back = next(c, "connected", 5000);
    proxy.blackhole(false);
    proxy.drop();  // the old, swallowed TCP connection (and a new one, if already there: it retries)
    await back;
  });

  it("tries the URLs of its list in turn", async () => {
    const server = await startServer();
    const deadPort = await freePort();  // nothing listens there
    const c = client([`ws://127.0.0.1:${deadPort}/websocket`, server.url]);
    const urls: string[] = [];
    c.on("connecting", (e) => urls.push(e.url));
    const failed = next<DisconnectedEvent>(c, "disconnected");
    const ok = next(c, "connected");
    c.connect();
    expect((await failed).reconnect).toBe(true);
    expect((await ok).url).toBe(server.url);
    expect(urls).toEqual([`ws://127.0.0.1:${deadPort}/websocket`, server.url]);
  });

  it("reconnects after the server's shutdown close 4500", async () => {
    const server = await startServer();
    const c = await connected(client(server.url));
    const gone = next<DisconnectedEvent>(c, "disconnected");
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(await gone).toMatchObject({ code: 4500, reason: "server shutting down", reconnect: true });
    expect(c.state).toBe("connecting");
    const back = next(c, "connected", 15000);  // before start(): the client may be in before start() returns
    await server.start();
    await back;
  });

  it("reports recovered:false after a restart lost the history, and history shows what was missed", async () => {
    const server = await startServer();
    // Every retry waits ~1 s (a fixed "random"), so the publication below is made while it is away.
    const c = await connected(client(server.url, { minReconnectDelay: 1000, maxReconnectDelay: 1000, random: () => 0.99 }));
    const sub = c.subscribe("chat", { recover: true });
    const first = await next<SubscribedEvent>(sub, "subscribed");
    const got: unknown[] = [];
    sub.on("message", (p) => got.push(p.payload));
    await c.publish("chat", "before");
    await until(() => got.length === 1, "the first message");

    const gone = next<DisconnectedEvent>(c, "disconnected");
    await server.stop("SIGKILL");
    expect((await gone).reconnect).toBe(true);
    const resubscribed = next<SubscribedEvent>(sub, "subscribed", 15000);
    await server.start();
    await server.api("publish", { channel: "chat", payload: "while away" });
    const again = await resubscribed;
    expect(again.resubscribed).toBe(true);
    expect(again.recovered).toBe(false);
    expect(again.epoch).not.toBe(first.epoch);
    expect(sub.position).toEqual({ offset: again.offset, epoch: again.epoch });
    // The application reloads: history has the message the stream could not recover.
    const history = await sub.history();
    expect(history.publications.map((p) => p.payload)).toContain("while away");
    // And the subscription continues live.
    await c.publish("chat", "after");
    await until(() => got.includes("after"), "the live message after the restart");
    // "while away" is not in the stream (unless a slow start let the client in before it).
    expect(got[0]).toBe("before");
    expect(got.at(-1)).toBe("after");
    expect(new Set(got).size).toBe(got.length);
  });

  it("recovers what was published through another node while its server restarted (Redis cluster)", async () => {
    const redis = await new RedisServer().start();
    cleanup.push(() => redis.stop());
    const cluster = { broker: { type: "redis", redis_address: `127.0.0.1:${redis.port}` }, channels: { history_size: 1000 } };
    const a = await new WshubServer(cluster).start();
    cleanup.push(() => a.stop("SIGKILL"));
    const b = await new WshubServer(cluster).start();
    cleanup.push(() => b.stop("SIGKILL"));
    // Only node A in the list: the client waits for A's restart (1 s between attempts).
    const c = await connected(client(a.url, { minReconnectDelay: 1000, maxReconnectDelay: 1000, random: () => 0.99 }));
    const sub = c.subscribe("chat", { recover: true });
    const first = await next<SubscribedEvent>(sub, "subscribed");
    const got: unknown[] = [];
    sub.on("message", (p) => got.push(p.payload));
    await c.publish("chat", "before");
    await until(() => got.length === 1, "the first message");

    const gone = next<DisconnectedEvent>(c, "disconnected");
    await a.stop("SIGKILL");
    expect((await gone).reconnect).toBe(true);
    for (const text of ["while away 1", "while away 2", "while away 3"]) {
      await b.api("publish", { channel: "chat", payload: text });
    }
    const resubscribed = next<SubscribedEvent>(sub, "subscribed", 15000);
    await a.start();
    const again = await resubscribed;
    expect(again).toMatchObject({ resubscribed: true, recovered: true, epoch: first.epoch });
    await until(() => got.length === 4, "the recovered messages");
    await c.publish("chat", "after");
    await until(() => got.length === 5, "the live message after the restart");
    expect(got).toEqual(["before", "while away 1", "while away 2", "while away 3", "after"]);
  });
});
