// Tokens against the real wshub (auth.hmac_secret, HS256 minted here): the user of the
// connection, user-addressed pushes by type (server API send), refresh on refresh_required,
// a new token from getToken() before reconnecting after 4004, no reconnect after 4001, and
// the server API's disconnect advice.
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DisconnectedEvent, WshubClient } from "../../dist/esm/index.js";
import { mintToken, next, sleep, WshubServer } from "./harness.js";

const SECRET = "sdk-test-hmac-secret-of-32-bytes-or-more";
const server = new WshubServer({ client: { allow_anonymous: false }, auth: { hmac_secret: SECRET } });
const clients: WshubClient[] = [];

function token(sub: string, ttlSeconds: number, secret = SECRET): string {
  const now = Math.floor(Date.now() / 1000);
  return mintToken(secret, { sub, iat: now, exp: now + ttlSeconds });
}

function client(options: ConstructorParameters<typeof WshubClient>[1]): WshubClient {
  const c = new WshubClient(server.url, { WebSocket: WebSocket as never, minReconnectDelay: 50, maxReconnectDelay: 200,
    ...options });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  await server.start();
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  expect(await server.stop()).toBe(0);
});

describe("tokens", () => {
  it("connects as the token's user and receives pushes addressed to the user by type", async () => {
    const c = client({ getToken: () => token("alice", 600) });
    const connected = next(c, "connected");
    c.connect();
    expect((await connected).user).toBe("alice");
    const notice = next(c, "notification");
    const any = next(c, "push");
    await server.api("send", { user: "alice", type: "notification", payload: { text: "report ready" } });
    expect(await notice).toEqual({ type: "notification", payload: { text: "report ready" } });
    expect((await any).type).toBe("notification");
  });

  it("refreshes the token on refresh_required and outlives the first token", async () => {
    let calls = 0;
    const c = client({ getToken: () => {
      calls++;
      return token("bob", calls === 1 ? 3 : 600);
    } });
    const disconnects: DisconnectedEvent[] = [];
    c.on("disconnected", (e) => disconnects.push(e));
    const connected = next(c, "connected");
    c.connect();
    await connected;
    await next(c, "refreshed", 5000);  // asked about 1.5 s in (half of the 3 s left)
    expect(calls).toBe(2);
    await sleep(2000);  // past the first token's exp
    expect(disconnects).toEqual([]);
    expect(c.state).toBe("connected");
    await expect(c.presenceStats("lobby")).resolves.toMatchObject({ channel: "lobby" });
  });

  it("gets a new token before reconnecting after 4004", async () => {
    let calls = 0;
    const c = client({ getToken: () => {
      calls++;
      if (calls === 2) throw new Error("token service down");  // the refresh fails
      return token("carol", calls === 1 ? 3 : 600);
    } });
    const errors: Error[] = [];
    c.on("error", (e) => errors.push(e));
    const first = next(c, "connected");
    c.connect();
    await first;
    const expired = await next<DisconnectedEvent>(c, "disconnected", 5000);
    const back = next(c, "connected", 5000);
    expect(expired).toMatchObject({ code: 4004, reason: "token expired", reconnect: true });
    expect(errors.map((e) => e.message).join()).toMatch(/token service down/);
    await back;
    expect(calls).toBe(3);
    expect(c.user).toBe("carol");
  });

  it("does not reconnect after 4001 (a bad token)", async () => {
    const c = client({ token: token("mallory", 600, "a-wrong-secret-that-is-32-bytes-long!!") });
    const errors: any[] = [];
    c.on("error", (e) => errors.push(e));
    const gone = next<DisconnectedEvent>(c, "disconnected");
    c.connect();
    expect(await gone).toMatchObject({ code: 4001, reconnect: false });
    expect(c.state).toBe("disconnected");
    expect(errors[0]?.code).toBe(101);
    await sleep(300);
    expect(c.state).toBe("disconnected");
  });

  it("without getToken, an expired token stops the client at 4004", async () => {
    const c = client({ token: token("dave", 2) });
    const connected = next(c, "connected");
    c.connect();
    await connected;
    const gone = await next<DisconnectedEvent>(c, "disconnected", 5000);
    expect(gone).toMatchObject({ code: 4004, reconnect: false });
  });

  it("follows the server API's disconnect advice", async () => {
    const c = client({ getToken: () => token("erin", 600) });
    const connected = next(c, "connected");
    c.connect();
    await connected;
    const kicked = next<DisconnectedEvent>(c, "disconnected");
    const back = new Promise((done) => kicked.then(() => next(c, "connected").then(done)));
    await server.api("disconnect", { user: "erin", code: 4100, reason: "moved", reconnect: true });
    expect(await kicked).toMatchObject({ code: 4100, reason: "moved", reconnect: true });
    await back;
    const banned = next<DisconnectedEvent>(c, "disconnected");
    await server.api("disconnect", { user: "erin" });
    expect(await banned).toMatchObject({ code: 4000, reconnect: false });
    await sleep(200);
    expect(c.state).toBe("disconnected");
  });
});
