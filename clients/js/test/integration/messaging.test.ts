// The SDK against the real wshub: connect, subscribe, publish, presence with join/leave,
// history, application pushes by type, and the built CommonJS entry point.
import { createRequire } from "node:module";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WshubClient, type Publication } from "../../dist/esm/index.js";
import { next, until, WshubServer } from "./harness.js";

const server = new WshubServer({ channels: { history_size: 100 } });
const clients: WshubClient[] = [];

function client(options: ConstructorParameters<typeof WshubClient>[1] = {}): WshubClient {
  const c = new WshubClient(server.url, { WebSocket: WebSocket as never, ...options });
  clients.push(c);
  return c;
}

async function connected(c: WshubClient): Promise<WshubClient> {
  const done = next(c, "connected");
  c.connect();
  await done;
  return c;
}

beforeAll(async () => {
  await server.start();
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  expect(await server.stop()).toBe(0);
});

describe("messaging", () => {
  it("connects and reports its state", async () => {
    const c = client();
    const events: string[] = [];
    c.on("connecting", () => events.push("connecting"));
    c.on("connected", () => events.push("connected"));
    expect(c.state).toBe("disconnected");
    const connectedEvent = next(c, "connected");
    c.connect();
    expect(c.state).toBe("connecting");
    const ev = await connectedEvent;
    expect(c.state).toBe("connected");
    expect(ev.client).toMatch(/./);
    expect(ev.user).toBe("");
    expect(c.client).toBe(ev.client);
    const gone = next(c, "disconnected");
    c.disconnect();
    expect(await gone).toEqual({ code: 3000, reason: "client disconnect", reconnect: false });
    expect(c.state).toBe("disconnected");
    expect(events).toEqual(["connecting", "connected"]);
  });

  it("subscribes, publishes and receives with offsets", async () => {
    const a = await connected(client());
    const b = await connected(client());
    const sub = b.subscribe("news", { recover: true });
    const subscribed = await next(sub, "subscribed");
    expect(subscribed.channel).toBe("news");
    expect(subscribed.resubscribed).toBe(false);
    expect(typeof subscribed.epoch).toBe("string");
    const got: Publication[] = [];
    sub.on("message", (p) => got.push(p));
    const first = await a.publish("news", { n: 1 });
    const second = await a.publish("news", { n: 2 }, { type: "update" });
    expect(second.offset).toBe(first.offset! + 1);
    await until(() => got.length === 2, "two publications");
    expect(got[0]).toMatchObject({ type: "message", channel: "news", offset: first.offset, payload: { n: 1 } });
    expect(got[1]).toMatchObject({ type: "update", payload: { n: 2 }, from: { client: a.client } });
    expect(sub.position).toEqual({ offset: second.offset, epoch: subscribed.epoch });
    expect(b.subscribe("news")).toBe(sub);  // one Subscription per channel
  });

  it("reports presence and join/leave", async () => {
    const a = await connected(client());
    const b = await connected(client());
    const subA = a.subscribe("room");
    await next(subA, "subscribed");
    const joined = next(subA, "join");
    const subB = b.subscribe("room");
    await next(subB, "subscribed");
    expect(await joined).toMatchObject({ channel: "room", client: b.client });
    const presence = await a.presence("room");
    expect(presence.clients.map((x) => x.client).sort()).toEqual([a.client, b.client].sort());
    expect(await subA.presenceStats()).toMatchObject({ num_clients: 2 });
    const left = next(subA, "leave");
    const unsubscribed = next(subB, "unsubscribed");
    subB.unsubscribe();
    await unsubscribed;
    expect(subB.state).toBe("unsubscribed");
    expect(await left).toMatchObject({ channel: "room", client: b.client });
  });

  it("reads history, forwards and since a position", async () => {
    const a = await connected(client());
    const published = [];
    for (let i = 0; i < 5; i++) published.push(await a.publish("log", { i }));
    const all = await a.history("log");
    expect(all.publications.map((p) => (p.payload as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    const newest = await a.history("log", { limit: 2, reverse: true });
    expect(newest.publications.map((p) => (p.payload as { i: number }).i)).toEqual([4, 3]);
    const since = await a.history("log", { since: { offset: published[2]!.offset!, epoch: all.epoch! } });
    expect(since.publications.map((p) => (p.payload as { i: number }).i)).toEqual([3, 4]);
  });

  it("rejects requests with the server's error code", async () => {
    const a = await connected(client());
    await expect(a.request("nobody.handles.this", {})).rejects.toMatchObject({ code: 104 });
    await expect(a.publish("bad channel", 1)).rejects.toMatchObject({ code: 107 });
    await expect(a.request("subscribe")).rejects.toThrow(/not an application type/);
    const sub = a.subscribe("a*b");
    const error = await next(sub, "error");
    expect(error.code).toBe(107);
    expect(sub.state).toBe("unsubscribed");
    expect(a.getSubscription("a*b")).toBeUndefined();
  });

  it("queues requests made before connecting and sends them once connected", async () => {
    const a = await connected(client());
    const sub = a.subscribe("queued");
    await next(sub, "subscribed");
    const got: unknown[] = [];
    sub.on("message", (p) => got.push(p.payload));
    const b = client();
    const results = [b.publish("queued", 1), b.publish("queued", 2)];
    expect(b.queuedRequests).toBe(2);
    b.connect();
    await Promise.all(results);
    await until(() => got.length === 2, "queued publications");
    expect(got).toEqual([1, 2]);
  });

  it("the package's exports map gives the CommonJS build to require()", async () => {
    const require = createRequire(import.meta.url);
    // Self-reference by package name: resolved through package.json "exports" like a user's require.
    expect(require.resolve("wshub-client")).toMatch(/dist[\\/]cjs[\\/]index\.js$/);
    const cjs = require("wshub-client");
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(await import("../../dist/esm/index.js")).sort());
    const c = new cjs.WshubClient(server.url, { WebSocket });
    clients.push(c);
    const done = next(c, "connected");
    c.connect();
    await done;
    expect(await c.publish("cjs", "hello")).toHaveProperty("offset");
    expect(cjs.shouldReconnect(4001)).toBe(false);
  });
});
