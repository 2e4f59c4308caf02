// Compiled by test/unit/declarations.test.ts against the built dist/ (self-reference through
// package.json "exports"): what an ES module user of the package sees.
import { WshubClient, type Publication } from "wshub-client";
const c = new WshubClient("ws://x/websocket", { getToken: async () => "t", maxQueue: 5 });
c.on("disconnected", (e) => { const n: number = e.code; console.log(n, e.reconnect); });
c.on("notification", (p) => console.log(p.payload));
const s = c.subscribe("chat", { recover: true });
s.on("message", (p: Publication) => console.log(p.offset));
s.on("subscribed", (e) => console.log(e.recovered));
const r: Promise<{ ok: boolean }> = c.request<{ ok: boolean }>("x", 1, { timeout: 5 });
void r;
