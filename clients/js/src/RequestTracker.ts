// Requests waiting for their reply, and the bounded queue of requests made while the client
// is not connected. Each request gets an id (the protocol matches replies by id, which may
// overtake each other) and one timer that runs from the moment it was made, so a request
// queued while offline still fails in bounded time. A request is "in flight" once sent:
// when the connection drops, in-flight requests fail with "connection_lost" (the server may
// or may not have processed them; only the application knows whether a retry is safe),
// queued ones wait for the next connection.

import { ClientErrorCode, WshubError } from "./errors.js";

export type Frame = Record<string, unknown> & { type: string };
export type ServerMessage = Record<string, unknown> & { type: string };

interface PendingRequest {
  id: number;
  frame: Frame;
  resolve: (message: ServerMessage) => void;
  reject: (error: WshubError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class RequestTracker {
  private nextId = 1;
  private readonly inFlight = new Map<number, PendingRequest>();
  private readonly queued: PendingRequest[] = [];

  constructor(private readonly maxQueue: number) {}

  /** An id for a message that is not tracked here (connect). */
  takeId(): number {
    return this.nextId++;
  }

  get queuedCount(): number {
    return this.queued.length;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Sends `frame` with a fresh id through `send` when given (connected), else queues it
   * (when `queueable` and the queue has room) or fails. Resolves with the reply; rejects
   * with the server's error, a timeout, connection_lost or queue_full.
   */
  request(frame: Frame, timeout: number, send: ((frame: Frame) => void) | undefined, queueable: boolean): Promise<ServerMessage> {
    return new Promise((resolve, reject) => this.track(frame, timeout, send, queueable, resolve, reject));
  }

  /**
   * request() with callbacks instead of a promise: they run synchronously when the reply
   * is handled, before the next message of the same frame or tick (a subscription must
   * know its position before the publications that follow its `subscribed`).
   */
  track(frame: Frame, timeout: number, send: ((frame: Frame) => void) | undefined, queueable: boolean,
    resolve: (message: ServerMessage) => void, reject: (error: WshubError) => void): void {
    if (!send && !queueable) {
      reject(new WshubError(ClientErrorCode.disconnected, `${frame.type}: not connected`));
      return;
    }
    if (!send && this.queued.length >= this.maxQueue) {
      reject(new WshubError(ClientErrorCode.queueFull,
        `${frame.type}: ${this.maxQueue} requests are already waiting for the connection`));
      return;
    }
    const id = this.nextId++;
    const pending: PendingRequest = {
      id,
      frame: { ...frame, id },
      resolve,
      reject,
      timer: setTimeout(() => this.expire(pending, timeout), timeout),
    };
    if (send) this.transmit(pending, send);
    else this.queued.push(pending);
  }

  /** A reply (or error) carrying `id`; false when no request of ours waits for it (late, after a timeout). */
  settle(id: number, message: ServerMessage): boolean {
    const pending = this.inFlight.get(id);
    if (!pending) return false;
    this.inFlight.delete(id);
    clearTimeout(pending.timer);
    if (message.type === "error") {
      pending.reject(new WshubError(typeof message.code === "number" ? message.code : 100,
        typeof message.message === "string" ? message.message : "error"));
    } else {
      pending.resolve(message);
    }
    return true;
  }

  /** Sends every queued request, oldest first. */
  flush(send: (frame: Frame) => void): void {
    const batch = this.queued.splice(0, this.queued.length);
    for (const pending of batch) this.transmit(pending, send);
  }

  /** Fails the requests that were sent (the connection they went out on is gone). */
  failInFlight(code: ClientErrorCode, message: string): void {
    const all = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const pending of all) this.fail(pending, code, message);
  }

  /** Fails the queued requests too (the client was stopped). */
  failAll(code: ClientErrorCode, message: string): void {
    this.failInFlight(code, message);
    const all = this.queued.splice(0, this.queued.length);
    for (const pending of all) this.fail(pending, code, message);
  }

  private transmit(pending: PendingRequest, send: (frame: Frame) => void): void {
    this.inFlight.set(pending.id, pending);
    try {
      send(pending.frame);
    } catch (error) {
      this.inFlight.delete(pending.id);
      this.fail(pending, ClientErrorCode.connectionLost, `${pending.frame.type}: send failed: ${String(error)}`);
    }
  }

  private fail(pending: PendingRequest, code: ClientErrorCode, message: string): void {
    clearTimeout(pending.timer);
    pending.reject(new WshubError(code, `${pending.frame.type}: ${message}`));
  }

  private expire(pending: PendingRequest, timeout: number): void {
    this.inFlight.delete(pending.id);
    const index = this.queued.indexOf(pending);
    if (index >= 0) this.queued.splice(index, 1);
    pending.reject(new WshubError(ClientErrorCode.timeout, `${pending.frame.type}: no reply within ${timeout} ms`));
  }
}
