// The client's timing and bookkeeping under a fake clock (vi.useFakeTimers fakes
// setTimeout and Date): backoff delays, close-code advice, the heartbeat, request timeouts,
// the offline queue, resubscription with recovery and token handling.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WshubClient } from "../../src/WshubClient.js";
import type { DisconnectedEvent, WshubClientOptions } from "../../src/types.js";
import { FakeWebSocket } from "./FakeWebSocket.js";

const URL = "ws://test/websocket";

function make(options: WshubClientOptions = {}, url: string | string[] = URL): WshubClient {
  return new WshubClient(url, { WebSocket: FakeWebSocket as never, ...options });
}

/** Lets the async start of a transport (getToken) run. */
async function settle(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

function jwt(exp: number): string {
  return `e30.${Buffer.from(JSON.stringify({ sub: "u", exp })).toString("base64url")}.sig`;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("connecting", () => {
  it("opens the WebSocket with wshub.json and sends connect with the token and data", async () => {
    const c = make({ token: "t0", data: { device: "web" } });
    const events: string[] = [];
    c.on("connecting", () => events.push("connecting"));
    c.on("connected", (e) => events.push(`connected ${e.client}`));
    c.connect();
    await settle();
    const ws = FakeWebSocket.last;
    expect(ws.url).toBe(URL);
    expect(ws.protocols).toBe("wshub.json");
    ws.open();
    expect(ws.sent[0]).toMatchObject({ type: "connect", token: "t0", data: { device: "web" } });
    ws.receive({ type: "connected", id: ws.sent[0].id, client: "abc", user: "u" });
    expect(c.state).toBe("connected");
    expect(events).toEqual(["connecting", "connected abc"]);
  });

  it("gives up an attempt without a connected reply after connectTimeout", async () => {
    const c = make({ connectTimeout: 1000, minReconnectDelay: 100, random: () => 0.5 });
    const gone: DisconnectedEvent[] = [];
    c.on("disconnected", (e) => gone.push(e));
    c.connect();
    await settle();
    FakeWebSocket.last.open();
    await settle(999);
    expect(gone).toEqual([]);
    await settle(1);
    expect(gone[0]).toMatchObject({ code: 3002, reconnect: true, delay: 50 });
    expect(FakeWebSocket.last.closedByClient?.code).toBe(1000);
  });
});

describe("backoff", () => {
  it("waits a full-jitter delay that doubles up to the cap, and resets after connecting", async () => {
    const c = make({ minReconnectDelay: 100, maxReconnectDelay: 1000, random: () => 0.5 });
    const delays: number[] = [];
    c.on("disconnected", (e) => delays.push(e.delay!));
    c.connect();
    await settle();
    for (let i = 0; i < 6; i++) {
      const before = FakeWebSocket.instances.length;
      FakeWebSocket.last.serverClose(1006);
      const delay = delays.at(-1)!;
      await settle(delay - 1);
      expect(FakeWebSocket.instances.length).toBe(before);  // not a millisecond early
      await settle(1);
      expect(FakeWebSocket.instances.length).toBe(before + 1);
    }
    expect(delays).toEqual([50, 100, 200, 400, 500, 500]);
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverClose(1006);
    expect(delays.at(-1)).toBe(50);  // reset by the successful connect
  });

  it("keeps each delay within [0, window] with real randomness", async () => {
    const c = make({ minReconnectDelay: 200, maxReconnectDelay: 3000 });
    const delays: number[] = [];
    c.on("disconnected", (e) => delays.push(e.delay!));
    c.connect();
    await settle();
    for (let i = 0; i < 40; i++) {
      FakeWebSocket.last.serverClose(1006);
      await settle(delays.at(-1)!);
    }
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(3000, 200 * 2 ** i));
    });
  });

  it("backs off harder after 4029 (too many requests)", async () => {
    const c = make({ minReconnectDelay: 100, maxReconnectDelay: 10000, random: () => 0.999 });
    const delays: number[] = [];
    c.on("disconnected", (e) => delays.push(e.delay!));
    c.connect();
    await settle();
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverClose(4029, "too many requests");
    expect(delays[0]).toBeGreaterThanOrEqual(790);  // window 100 * 2^3
  });

  it("tries the URLs in turn", async () => {
    const c = make({ minReconnectDelay: 10, random: () => 0 }, ["ws://a/websocket", "ws://b/websocket", "ws://c/websocket"]);
    c.connect();
    await settle();
    for (let i = 0; i < 4; i++) {
      FakeWebSocket.last.serverClose(1006);
      await settle(1);
    }
    expect(FakeWebSocket.instances.map((s) => s.url)).toEqual(
      ["ws://a/websocket", "ws://b/websocket", "ws://c/websocket", "ws://a/websocket", "ws://b/websocket"]);
  });
});

describe("close codes", () => {
  for (const code of [4000, 4001, 4002, 4003, 4009]) {
    it(`does not reconnect after ${code}`, async () => {
      const c = make({ minReconnectDelay: 10, maxReconnectDelay: 10 });
      const gone: DisconnectedEvent[] = [];
      c.on("disconnected", (e) => gone.push(e));
      c.connect();
      await settle();
      FakeWebSocket.last.accept();
      FakeWebSocket.last.serverClose(code, "why");
      await settle(60000);
      expect(gone).toEqual([{ code, reason: "why", reconnect: false }]);
      expect(FakeWebSocket.instances.length).toBe(1);
      expect(c.state).toBe("disconnected");
    });
  }

  for (const code of [1006, 4005, 4008, 4500, 4501, 4502]) {
    it(`reconnects after ${code}`, async () => {
      const c = make({ minReconnectDelay: 10, maxReconnectDelay: 10 });
      c.connect();
      await settle();
      FakeWebSocket.last.accept();
      FakeWebSocket.last.serverClose(code);
      expect(c.state).toBe("connecting");
      await settle(100);
      expect(FakeWebSocket.instances.length).toBe(2);
    });
  }

  it("the disconnect message's advice wins over the table", async () => {
    const c = make({ minReconnectDelay: 10, maxReconnectDelay: 10 });
    const gone: DisconnectedEvent[] = [];
    c.on("disconnected", (e) => gone.push(e));
    c.connect();
    await settle();
    FakeWebSocket.last.accept();
    FakeWebSocket.last.receive({ type: "disconnect", code: 4000, reason: "come back", reconnect: true });
    FakeWebSocket.last.serverClose(4000, "");
    expect(gone[0]).toMatchObject({ code: 4000, reason: "come back", reconnect: true });
    await settle(100);
    expect(FakeWebSocket.instances.length).toBe(2);
  });

  it("does not reconnect at all with reconnect: false", async () => {
    const c = make({ reconnect: false });
    c.connect();
    await settle();
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverClose(1006);
    await settle(60000);
    expect(c.state).toBe("disconnected");
    expect(FakeWebSocket.instances.length).toBe(1);
  });

  it("disconnect() stops a pending reconnect", async () => {
    const c = make({ minReconnectDelay: 1000, random: () => 0.9 });
    c.connect();
    await settle();
    FakeWebSocket.last.serverClose(1006);
    c.disconnect();
    await settle(60000);
    expect(FakeWebSocket.instances.length).toBe(1);
    expect(c.state).toBe("disconnected");
  });
});

describe("heartbeat", () => {
  it("pings after heartbeatInterval of silence and reconnects after heartbeatTimeout without an answer", async () => {
    const c = make({ heartbeatInterval: 1000, heartbeatTimeout: 500, minReconnectDelay: 10, random: () => 0 });
    const gone: DisconnectedEvent[] = [];
    c.on("disconnected", (e) => gone.push(e));
    c.connect();
    await settle();
    const ws = FakeWebSocket.last;
    ws.accept();
    await settle(999);
    expect(ws.framesOf("ping")).toEqual([]);
    await settle(1);
    expect(ws.framesOf("ping")).toEqual([{ type: "ping" }]);
    await settle(499);
    expect(gone).toEqual([]);
    await settle(1);
    expect(gone[0]).toMatchObject({ code: 3001, reconnect: true });
    expect(ws.closedByClient).toBeDefined();
    await settle(1);
    expect(FakeWebSocket.instances.length).toBe(2);
    ws.serverClose(1006);  // the dead socket's late close changes nothing
    expect(gone.length).toBe(1);
  });

  it("any message counts as life: a pong, or publications keeping the line busy", async () => {
    const c = make({ heartbeatInterval: 1000, heartbeatTimeout: 500 });
    const gone: DisconnectedEvent[] = [];
    c.on("disconnected", (e) => gone.push(e));
    c.connect();
    await settle();
    const ws = FakeWebSocket.last;
    ws.accept();
    for (let i = 0; i < 20; i++) {
      await settle(400);
      ws.receive({ type: "message", channel: "x", payload: i });
    }
    expect(ws.framesOf("ping")).toEqual([]);
    await settle(1000);
    expect(ws.framesOf("ping").length).toBe(1);
    await settle(200);
    ws.receive({ type: "pong" });
    ws.autoPong = true;  // a live server from now on
    await settle(5000);
    expect(gone).toEqual([]);
    expect(ws.framesOf("ping").length).toBeGreaterThan(1);
  });
});

describe("requests", () => {
  it("times out at the request's timeout, not before, and ignores a late reply", async () => {
    const c = make({ requestTimeout: 5000 });
    c.connect();
    await settle();
    const ws = FakeWebSocket.last;
    ws.accept();
    let outcome: unknown;
    c.request("app.slow", { a: 1 }, { timeout: 300 }).then((v) => (outcome = v), (e) => (outcome = e));
    const frame = ws.framesOf("app.slow")[0];
    expect(frame).toMatchObject({ type: "app.slow", payload: { a: 1 } });
    await settle(299);
    expect(outcome).toBeUndefined();
    await settle(1);
    expect(outcome).toMatchObject({ code: "timeout" });
    ws.receive({ type: "reply", id: frame.id, payload: "late" });
    expect(outcome).toMatchObject({ code: "timeout" });
  });

  it("resolves replies by id, in any order, and rejects server errors with their code", async () => {
    const c = make();
    c.connect();
    await settle();
    const ws = FakeWebSocket.last;
    ws.accept();
    const one = c.request("a", 1);
    const two = c.request("b", 2);
    const [f1, f2] = [ws.framesOf("a")[0], ws.framesOf("b")[0]];
    ws.receive({ type: "error", id: f2.id, code: 104, message: "no handler" });
    ws.receive({ type: "reply", id: f1.id, payload: { ok: true } });
    await expect(one).resolves.toEqual({ ok: true });
    await expect(two).rejects.toMatchObject({ code: 104, message: "no handler" });
  });

  it("queues at most maxQueue requests while disconnected and sends them in order once connected", async () => {
    const c = make({ maxQueue: 3, requestTimeout: 10000 });
    const results = [c.publish("ch", 1), c.publish("ch", 2), c.request("app", 3)];
    await expect(c.publish("ch", 4)).rejects.toMatchObject({ code: "queue_full" });
    expect(c.queuedRequests).toBe(3);
    c.connect();
    await settle();
    const ws = FakeWebSocket.last;
    ws.accept();
    expect(ws.sent.map((f) => f.type)).toEqual(["connect", "publish", "publish", "app"]);
    expect(ws.sent.slice(1).map((f) => f.payload)).toEqual([1, 2, 3]);
    for (const f of ws.sent.slice(1)) ws.receive(f.type === "app" ? { type: "reply", id: f.id, payload: "r" } : { type: "ack", id: f.id, offset: f.payload });
    await expect(Promise.all(results)).resolves.toEqual([{ offset: 1 }, { offset: 2 }, "r"]);
    expect(c.queuedRequests).toBe(0);
  });

  it("a queued request times out while offline and leaves the queue", async () => {
    const c = make({ maxQueue: 1 });
    const first = c.request("app", 1, { timeout: 1000 });
    first.catch(() => {});
    await settle(1000);
    await expect(first).rejects.toMatchObject({ code: "timeout" });
    expect(c.queuedRequests).toBe(0);
    const second = c.request("app", 2);  // room again
    second.catch(() => {});
    expect(c.queuedRequests).toBe(1);
  });

  it("fails in-flight requests with connection_lost when the connection drops, keeps queued ones", async () => {
    const c = make({ minReconnectDelay: 10, random: () => 0 });
    c.connect();
    await settle();
    FakeWebSocket.last.accept();
    const inFlight = c.request("app", 1);
    FakeWebSocket.last.serverClose(1006);
    await expect(inFlight).rejects.toMatchObject({ code: "connection_lost" });
    const queued = c.request("app", 2);
    await settle(1);
    const ws = FakeWebSocket.last;
    ws.accept();
    const frame = ws.framesOf("app")[0];
    expect(frame.payload).toBe(2);
    ws.receive({ type: "reply", id: frame.id, payload: "ok" });
    await expect(queued).resolves.toBe("ok");
  });

  it("disconnect() fails queued and in-flight requests", async () => {
    const c = make();
    const queued = c.request("app", 1);
    c.connect();
    c.disconnect();
    await expect(queued).rejects.toMatchObject({ code: "disconnected" });
  });
});

describe("subscriptions", () => {
  it("resubscribes with the last offset and epoch, drops duplicates, and reports recovered", async () => {
    const c = make({ minReconnectDelay: 10, random: () => 0 });
    c.connect();
    await settle();
    let ws = FakeWebSocket.last;
    ws.accept();
    const sub = c.subscribe("chat", { recover: true });
    const events: any[] = [];
    const payloads: unknown[] = [];
    sub.on("subscribed", (e) => events.push(e));
    sub.on("message", (p) => payloads.push(p.payload));
    let frame = ws.framesOf("subscribe")[0];
    expect(frame).toEqual({ type: "subscribe", id: frame.id, channel: "chat" });
    ws.receive({ type: "subscribed", id: frame.id, channel: "chat", offset: 10, epoch: "e1" });
    ws.receive({ type: "message", channel: "chat", offset: 11, payload: "a" });
    ws.receive({ type: "message", channel: "chat", offset: 12, payload: "b" });
    ws.serverClose(1006);
    expect(sub.state).toBe("subscribing");
    await settle(1);
    ws = FakeWebSocket.last;
    ws.accept();
    frame = ws.framesOf("subscribe")[0];
    expect(frame.recover).toEqual({ offset: 12, epoch: "e1" });
    ws.receive({ type: "subscribed", id: frame.id, channel: "chat", offset: 14, epoch: "e1", recovered: true });
    ws.receive({ type: "message", channel: "chat", offset: 12, payload: "b" });  // a duplicate
    ws.receive({ type: "message", channel: "chat", offset: 13, payload: "c" });
    ws.receive({ type: "message", channel: "chat", offset: 14, payload: "d" });
    expect(payloads).toEqual(["a", "b", "c", "d"]);
    expect(events.map((e) => [e.recovered, e.resubscribed])).toEqual([[undefined, false], [true, true]]);
    expect(sub.position).toEqual({ offset: 14, epoch: "e1" });

    // A restarted memory broker: new epoch, recovered:false; continue from its position.
    ws.serverClose(4500);
    await settle(1);
    ws = FakeWebSocket.last;
    ws.accept();
    frame = ws.framesOf("subscribe")[0];
    expect(frame.recover).toEqual({ offset: 14, epoch: "e1" });
    ws.receive({ type: "subscribed", id: frame.id, channel: "chat", offset: 2, epoch: "e2", recovered: false });
    expect(events.at(-1)).toMatchObject({ recovered: false, resubscribed: true, offset: 2, epoch: "e2" });
    ws.receive({ type: "message", channel: "chat", offset: 3, payload: "e" });
    expect(payloads.at(-1)).toBe("e");
    expect(sub.position).toEqual({ offset: 3, epoch: "e2" });
  });

  it("does not resubscribe what was unsubscribed; a refused subscription ends", async () => {
    const c = make({ minReconnectDelay: 10, random: () => 0 });
    const kept = c.subscribe("kept", { recover: false });
    const gone = c.subscribe("gone");
    const denied = c.subscribe("denied");
    c.connect();
    await settle();
    let ws = FakeWebSocket.last;
    ws.accept();
    expect(ws.framesOf("subscribe").map((f) => f.channel)).toEqual(["kept", "gone", "denied"]);
    const errors: any[] = [];
    denied.on("error", (e) => errors.push(e));
    for (const f of ws.framesOf("subscribe")) {
      if (f.channel === "denied") ws.receive({ type: "error", id: f.id, code: 103, message: "permission denied" });
      else ws.receive({ type: "subscribed", id: f.id, channel: f.channel, offset: 5, epoch: "e" });
    }
    expect(errors[0]).toMatchObject({ code: 103 });
    expect(denied.state).toBe("unsubscribed");
    gone.unsubscribe();
    expect(ws.framesOf("unsubscribe").map((f) => f.channel)).toEqual(["gone"]);
    ws.serverClose(1006);
    await settle(1);
    ws = FakeWebSocket.last;
    ws.accept();
    expect(ws.framesOf("subscribe")).toEqual([{ type: "subscribe", id: expect.any(Number), channel: "kept" }]);
    expect(kept.state).toBe("subscribing");
  });

  it("retries a subscribe that timed out, and starts over when the late first one had succeeded", async () => {
    const c = make({ requestTimeout: 1000, minReconnectDelay: 100, maxReconnectDelay: 400, random: () => 0 });
    c.connect();
    await settle();
    const ws = FakeWebSocket.last;
    ws.accept();
    const sub = c.subscribe("slow");
    const errors: any[] = [];
    sub.on("error", (e) => errors.push(e.code));
    const first = ws.framesOf("subscribe")[0];
    await settle(1000);
    expect(errors).toEqual(["timeout"]);
    ws.receive({ type: "subscribed", id: first.id, channel: "slow", offset: 1, epoch: "e" });  // too late
    await settle(100);
    const retry = ws.framesOf("subscribe")[1];
    expect(retry).toMatchObject({ channel: "slow" });
    ws.receive({ type: "error", id: retry.id, code: 105, message: "already subscribed" });
    expect(ws.sent.slice(-2).map((f) => f.type)).toEqual(["unsubscribe", "subscribe"]);
    const last = ws.sent.at(-1);
    ws.receive({ type: "subscribed", id: last.id, channel: "slow", offset: 1, epoch: "e" });
    expect(sub.state).toBe("subscribed");
    expect(sub.position).toEqual({ offset: 1, epoch: "e" });
  });

  it("routes join/leave to the subscription and user pushes to on(type)", async () => {
    const c = make();
    c.connect();
    await settle();
    const ws = FakeWebSocket.last;
    ws.accept();
    const sub = c.subscribe("room");
    const joins: any[] = [];
    sub.on("join", (e) => joins.push(e));
    const notes: any[] = [];
    c.on("notification", (p) => notes.push(p));
    const others: any[] = [];
    c.on("publication", (p) => others.push(p));
    ws.receive({ type: "join", channel: "room", client: "x", user: "bob" });
    ws.receive({ type: "notification", payload: { text: "hi" } });
    ws.receive({ type: "message", channel: "elsewhere", payload: 1 });
    expect(joins).toEqual([{ type: "join", channel: "room", client: "x", user: "bob" }]);
    expect(notes).toEqual([{ type: "notification", payload: { text: "hi" } }]);
    expect(others).toMatchObject([{ channel: "elsewhere" }]);
  });
});

describe("tokens", () => {
  it("asks getToken() before reconnecting with an expired token, not with a valid one", async () => {
    const now = Date.now() / 1000;
    const tokens = [jwt(now + 60), jwt(now + 3600)];
    const getToken = vi.fn(() => tokens.shift()!);
    const c = make({ getToken, minReconnectDelay: 10, random: () => 0 });
    c.connect();
    await settle();
    FakeWebSocket.last.accept();
    expect(getToken).toHaveBeenCalledTimes(1);
    FakeWebSocket.last.serverClose(1006);
    await settle(1);
    FakeWebSocket.last.open();
    expect(getToken).toHaveBeenCalledTimes(1);  // still valid for a minute
    vi.setSystemTime(Date.now() + 60_000);  // now it has expired
    FakeWebSocket.last.serverClose(1006);
    await settle(1);
    FakeWebSocket.last.open();
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(FakeWebSocket.last.framesOf("connect")[0].token).toBe(jwt(now + 3600));
  });

  it("sends refresh with a new token on refresh_required", async () => {
    let n = 0;
    const c = make({ getToken: async () => `token-${++n}` });
    const refreshed: any[] = [];
    c.on("refreshed", (e) => refreshed.push(e));
    c.connect();
    await settle();
    const ws = FakeWebSocket.last;
    ws.accept();
    ws.receive({ type: "refresh_required" });
    await settle(1);
    const frame = ws.framesOf("refresh")[0];
    expect(frame).toMatchObject({ type: "refresh", token: "token-2" });
    ws.receive({ type: "refreshed", id: frame.id });
    await settle(1);
    expect(refreshed).toEqual([{ token: "token-2" }]);
  });

  it("after 4004 gets a new token first", async () => {
    let n = 0;
    const c = make({ getToken: () => `token-${++n}`, minReconnectDelay: 10, random: () => 0 });
    c.connect();
    await settle();
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverClose(4004, "token expired");
    await settle(1);
    FakeWebSocket.last.open();
    expect(FakeWebSocket.last.framesOf("connect")[0].token).toBe("token-2");
  });

  it("a failing getToken() is an error event and a retried attempt", async () => {
    let n = 0;
    const c = make({ getToken: () => {
      if (++n < 3) throw new Error("down");
      return "ok";
    }, minReconnectDelay: 10, random: () => 0 });
    const errors: any[] = [];
    c.on("error", (e) => errors.push(e));
    c.connect();
    await settle(100);
    expect(errors.map((e) => e.code)).toEqual(["token", "token"]);
    expect(FakeWebSocket.instances.length).toBe(1);
    FakeWebSocket.last.accept();
    expect(c.state).toBe("connected");
  });
});
