// request() against the real wshub routing application types to a back-end ([routes])
// that the test serves with node:http: replies, the back-end's own errors, publications the
// back-end makes, the server's backend_error, and the SDK's own timeout.
import { createServer, type IncomingMessage, type Server } from "node:http";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WshubClient, WshubError } from "../../dist/esm/index.js";
import { freePort, next, sleep, until, WshubServer } from "./harness.js";

let backend: Server;
let server: WshubServer;
const seen: any[] = [];
const clients: WshubClient[] = [];

function body(request: IncomingMessage): Promise<any> {
  return new Promise((done) => {
    let text = "";
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => done(JSON.parse(text)));
  });
}

beforeAll(async () => {
  const port = await freePort();
  backend = createServer(async (request, response) => {
    const message = await body(request);
    seen.push({ path: request.url, ...message });
    const answer = (status: number, value: unknown) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(value));
    };
    switch (request.url) {
      case "/echo":
        return answer(200, { reply: { echoed: message.payload, type: message.type } });
      case "/refuse":
        return answer(200, { error: { code: 103, message: "not today" } });
      case "/broken":
        return answer(500, {});
      case "/announce":
        return answer(200, { reply: "done", publish: [{ channel: "news", type: "announcement", payload: message.payload }] });
      case "/slow":
        await sleep(800);
        return answer(200, { reply: "late" });
      default:
        return answer(404, {});
    }
  });
  await new Promise<void>((done) => backend.listen(port, "127.0.0.1", () => done()));
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  server = await new WshubServer({
    channels: { history_size: 10 },
    routes: { "chat.echo": url("/echo"), refuse: url("/refuse"), broken: url("/broken"), announce: url("/announce"),
      slow: url("/slow") },
  }).start();
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  expect(await server.stop()).toBe(0);
  await new Promise((done) => backend.close(done));
});

async function connected(options: ConstructorParameters<typeof WshubClient>[1] = {}): Promise<WshubClient> {
  const c = new WshubClient(server.url, { WebSocket: WebSocket as never, ...options });
  clients.push(c);
  const done = next(c, "connected");
  c.connect();
  await done;
  return c;
}

describe("request/reply", () => {
  it("resolves with the back-end's reply payload", async () => {
    const c = await connected();
    const replies = await Promise.all([1, 2, 3].map((n) => c.request("chat.echo", { n })));
    expect(replies).toEqual([1, 2, 3].map((n) => ({ echoed: { n }, type: "chat.echo" })));
    expect(seen.find((m) => m.path === "/echo")).toMatchObject({ client: c.client, user: "", type: "chat.echo" });
  });

  it("rejects with the back-end's error and with backend_error", async () => {
    const c = await connected();
    await expect(c.request("refuse", null)).rejects.toMatchObject({ code: 103, message: "not today" });
    const error = await c.request("broken").catch((e) => e);
    expect(error).toBeInstanceOf(WshubError);
    expect(error.code).toBe(112);
  });

  it("delivers what the back-end publishes", async () => {
    const c = await connected();
    const sub = c.subscribe("news");
    await next(sub, "subscribed");
    const published = next(sub, "message");
    expect(await c.request("announce", { text: "hello" })).toBe("done");
    expect(await published).toMatchObject({ type: "announcement", channel: "news", payload: { text: "hello" } });
  });

  it("times out, ignores the late reply, and keeps working", async () => {
    const c = await connected();
    const started = Date.now();
    const error = await c.request("slow", null, { timeout: 200 }).catch((e) => e);
    expect(error).toMatchObject({ code: "timeout" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await sleep(800);  // the late reply arrives and is dropped
    expect(c.state).toBe("connected");
    expect(await c.request("chat.echo", 7)).toEqual({ echoed: 7, type: "chat.echo" });
  });

  it("bounds the offline queue", async () => {
    const c = new WshubClient(server.url, { WebSocket: WebSocket as never, maxQueue: 2 });
    clients.push(c);
    const queued = [c.request("chat.echo", 1), c.request("chat.echo", 2)];
    await expect(c.request("chat.echo", 3)).rejects.toMatchObject({ code: "queue_full" });
    c.connect();
    expect(await Promise.all(queued)).toEqual([{ echoed: 1, type: "chat.echo" }, { echoed: 2, type: "chat.echo" }]);
    await until(() => c.queuedRequests === 0, "an empty queue");
  });
});
