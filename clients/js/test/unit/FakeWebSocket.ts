// A scripted WebSocket for the fake-clock unit tests: it records what the client sends and
// lets the test play the server (open, messages, close). Integration tests use the real
// server; this exists because timers can only be faked in-process.
import type { WebSocketLike } from "../../src/types.js";

export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  readonly sent: any[] = [];
  closedByClient: { code?: number; reason?: string } | undefined;
  /** Answer every ping with a pong, as a live server does. */
  autoPong = false;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string, readonly protocols?: string | string[]) {
    FakeWebSocket.instances.push(this);
  }

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  static get last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (!socket) throw new Error("no socket was opened");
    return socket;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    const frame = JSON.parse(data);
    this.sent.push(frame);
    if (this.autoPong && frame.type === "ping") queueMicrotask(() => this.receive({ type: "pong" }));
  }

  close(code?: number, reason?: string): void {
    const record: { code?: number; reason?: string } = {};
    if (code !== undefined) record.code = code;
    if (reason !== undefined) record.reason = reason;
    this.closedByClient = record;
    this.readyState = 2;
  }

  // --- the server's side ---------------------------------------------------------------

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  /** Opens and answers the connect request. */
  accept(client = "c1", user = ""): void {
    this.open();
    const connect = this.sent.find((f) => f.type === "connect");
    this.receive({ type: "connected", id: connect.id, client, user });
  }

  serverClose(code: number, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  framesOf(type: string): any[] {
    return this.sent.filter((f) => f.type === type);
  }
}
