// The wshub client: one logical connection that survives transport failures.
//
// Life of a connection: connect() opens a WebSocket to the current URL with subprotocol
// wshub.json, sends `connect` (with the token, if any) and waits for `connected`. Then it
// resubscribes every Subscription (with its last position, to recover what was missed),
// sends the requests queued while offline, and starts the heartbeat. When the transport
// closes, requests in flight fail with "connection_lost", the close code decides whether
// to reconnect (closeCodes.ts), and the next attempt goes to the next URL of the list
// after a backoff delay with full jitter. A successful `connected` resets the backoff.
//
// Every callback of a transport checks the transport's session number, so that a late
// event of a socket we already gave up on (a close after a heartbeat timeout, a getToken()
// that resolves after disconnect()) can never touch the current one.

import { Backoff } from "./Backoff.js";
import { ClientCloseCode, CloseCode, shouldReconnect, wantsLongerBackoff } from "./closeCodes.js";
import { Emitter, type Handler } from "./Emitter.js";
import { ClientErrorCode, ServerErrorCode, WshubError } from "./errors.js";
import { Heartbeat } from "./Heartbeat.js";
import { type Frame, RequestTracker, type ServerMessage } from "./RequestTracker.js";
import { type SubscribeOptions, Subscription, type SubscriptionHost } from "./Subscription.js";
import { tokenExpiresSoon } from "./token.js";
import type {
  ConnectedEvent, ConnectingEvent, ConnectionState, DisconnectedEvent, HistoryOptions, HistoryResult,
  PresenceResult, PresenceStats, Publication, PublishResult, Push, RequestOptions, WebSocketConstructor,
  WebSocketLike, WshubClientOptions,
} from "./types.js";

// A type alias, not an interface: its keys stay a closed union (no index signature), so
// on("notification", ...) falls through to the push overload.
export type ClientEvents = {
  connecting: ConnectingEvent;
  connected: ConnectedEvent;
  disconnected: DisconnectedEvent;
  /** Errors not tied to a request: getToken() failures, a refused refresh, server errors without id. */
  error: Error;
  /** The connection token was replaced after refresh_required. */
  refreshed: { token: string };
  /** A publication in a channel this client holds no Subscription for (e.g. subscribed by the server API). */
  publication: Publication;
  /** Every application push (user-addressed messages), whatever its type. */
  push: Push;
};

const clientEvents = new Set<string>(["connecting", "connected", "disconnected", "error", "refreshed", "publication", "push"]);

// Types the protocol reserves (docs/protocol.md "Routing by type"): request() refuses them.
const reservedTypes = new Set<string>([
  "connect", "subscribe", "unsubscribe", "publish", "presence", "presence_stats", "history", "ping", "refresh",
]);

const SUBPROTOCOL = "wshub.json";

class PushBus extends Emitter<Record<string, Push>> {
  dispatch(push: Push): void {
    this.emit(push.type, push);
  }
}

export class WshubClient extends Emitter<ClientEvents> implements SubscriptionHost {
  private readonly urls: string[];
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly settings: Required<Omit<WshubClientOptions, "token" | "getToken" | "data" | "WebSocket" | "random">>;
  private readonly backoff: Backoff;
  private readonly tracker: RequestTracker;
  private readonly heartbeat: Heartbeat;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly pushes = new PushBus();

  private stateValue: ConnectionState = "disconnected";
  private ws: WebSocketLike | undefined;
  private session = 0;
  private urlIndex = 0;
  private connectId: number | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private serverDisconnect: { code: number; reason: string; reconnect: boolean } | undefined;
  private token: string | undefined;
  private tokenStale = false;
  private clientId = "";
  private userId = "";

  constructor(urlOrUrls: string | string[], private readonly options: WshubClientOptions = {}) {
    super();
    this.urls = Array.isArray(urlOrUrls) ? [...urlOrUrls] : [urlOrUrls];
    if (this.urls.length === 0) throw new TypeError("WshubClient: need at least one URL");
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!impl) {
      throw new TypeError("WshubClient: no global WebSocket here; pass one in the options (e.g. { WebSocket } from 'ws')");
    }
    this.WebSocketImpl = impl;
    this.settings = {
      reconnect: options.reconnect ?? true,
      minReconnectDelay: options.minReconnectDelay ?? 500,
      maxReconnectDelay: options.maxReconnectDelay ?? 20000,
      connectTimeout: options.connectTimeout ?? 10000,
      requestTimeout: options.requestTimeout ?? 10000,
      maxQueue: options.maxQueue ?? 100,
      heartbeatInterval: options.heartbeatInterval ?? 25000,
      heartbeatTimeout: options.heartbeatTimeout ?? 10000,
      tokenExpiryMargin: options.tokenExpiryMargin ?? 5000,
    };
    this.token = options.token;
    const backoffOptions: ConstructorParameters<typeof Backoff>[0] = {
      minDelay: this.settings.minReconnectDelay,
      maxDelay: this.settings.maxReconnectDelay,
    };
    if (options.random) backoffOptions.random = options.random;
    this.backoff = new Backoff(backoffOptions);
    this.tracker = new RequestTracker(this.settings.maxQueue);
    this.heartbeat = new Heartbeat(this.settings.heartbeatInterval, this.settings.heartbeatTimeout,
      () => {
        try {
          this.send({ type: "ping" });
        } catch {
          // The socket is closing: its close event (or the heartbeat timeout) follows.
        }
      },
      () => this.abandon(this.session, ClientCloseCode.heartbeatTimeout,
        `no message from the server within ${this.settings.heartbeatTimeout} ms of a ping`));
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The connection's id from `connected` ("" before). */
  get client(): string {
    return this.clientId;
  }

  /** The user of the connection ("" for anonymous connections). */
  get user(): string {
    return this.userId;
  }

  /** Requests waiting for the connection. */
  get queuedRequests(): number {
    return this.tracker.queuedCount;
  }

  // --- events ----------------------------------------------------------------------------

  /**
   * Client events (connecting, connected, disconnected, error, refreshed, publication, push)
   * by their name; any other name is an application push type (a message sent to the user,
   * e.g. by the server API's `send`). onPush() is the same without the ambiguity.
   */
  override on<K extends keyof ClientEvents & string>(event: K, handler: Handler<ClientEvents[K]>): () => void;
  override on(type: string, handler: Handler<Push>): () => void;
  override on(event: string, handler: Handler<never>): () => void {
    if (clientEvents.has(event)) return super.on(event as keyof ClientEvents, handler as Handler<unknown>);
    return this.pushes.on(event, handler as Handler<Push>);
  }

  override off<K extends keyof ClientEvents & string>(event: K, handler: Handler<ClientEvents[K]>): void;
  override off(type: string, handler: Handler<Push>): void;
  override off(event: string, handler: Handler<never>): void {
    if (clientEvents.has(event)) super.off(event as keyof ClientEvents, handler as Handler<unknown>);
    else this.pushes.off(event, handler as Handler<Push>);
  }

  /** Handles application pushes of one type. */
  onPush(type: string, handler: Handler<Push>): () => void {
    return this.pushes.on(type, handler);
  }

  // --- connection ------------------------------------------------------------------------

  /** Starts connecting (and reconnecting, until disconnect()). Does nothing when already started. */
  connect(): void {
    if (this.stateValue !== "disconnected") return;
    this.backoff.reset();
    this.setState("connecting");
    void this.openTransport();
  }

  /** Closes the connection and stops reconnecting. Subscriptions are kept for a later connect(). */
  disconnect(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.stateValue === "disconnected") return;
    const ws = this.ws;
    this.dropTransport();
    if (ws) closeQuietly(ws, 1000, "client disconnect");
    this.tracker.failAll(ClientErrorCode.disconnected, "the client was disconnected");
    this.setState("disconnected");
    this.emit("disconnected", { code: ClientCloseCode.clientDisconnect, reason: "client disconnect", reconnect: false });
  }

  private async openTransport(): Promise<void> {
    const session = ++this.session;
    let token: string | undefined;
    try {
      token = await this.tokenForConnect();
    } catch (error) {
      if (session !== this.session) return;
      this.emit("error", new WshubError(ClientErrorCode.token, `getToken() failed: ${describe(error)}`));
      this.transportEnded(session, ClientCloseCode.tokenError, "getToken() failed");
      return;
    }
    if (session !== this.session) return;  // disconnect() meanwhile
    const url = this.urls[this.urlIndex % this.urls.length]!;
    this.emit("connecting", { url, attempt: this.backoff.attempts });
    if (session !== this.session) return;  // a handler called disconnect()
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocketImpl(url, SUBPROTOCOL);
    } catch (error) {
      this.emit("error", new Error(`cannot open ${url}: ${describe(error)}`));
      this.transportEnded(session, 1006, `cannot open: ${describe(error)}`);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (session !== this.session) return;
      this.connectId = this.tracker.takeId();
      const frame: Frame = { type: "connect", id: this.connectId };
      if (token) frame.token = token;
      if (this.options.data !== undefined) frame.data = this.options.data;
      this.send(frame);
    };
    ws.onmessage = (event) => {
      if (session === this.session) this.receive(event.data);
    };
    ws.onclose = (event) => {
      if (session === this.session) this.transportEnded(session, event.code, event.reason);
    };
    ws.onerror = () => {
      // A close event always follows; it carries what there is to know.
    };
    this.connectTimer = setTimeout(() => {
      this.abandon(session, ClientCloseCode.connectTimeout, `no connected reply within ${this.settings.connectTimeout} ms`);
    }, this.settings.connectTimeout);
  }

  private async tokenForConnect(): Promise<string | undefined> {
    const getToken = this.options.getToken;
    if (!getToken) return this.token;
    if (this.token === undefined || this.tokenStale ||
        tokenExpiresSoon(this.token, Date.now(), this.settings.tokenExpiryMargin)) {
      this.token = checkToken(await getToken());
      this.tokenStale = false;
    }
    return this.token;
  }

  private onConnected(message: ServerMessage): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.clientId = typeof message.client === "string" ? message.client : "";
    this.userId = typeof message.user === "string" ? message.user : "";
    this.backoff.reset();
    this.setState("connected");
    this.heartbeat.start();
    const url = this.urls[this.urlIndex % this.urls.length]!;
    const session = this.session;
    this.emit("connected", { url, client: this.clientId, user: this.userId });
    if (session !== this.session) return;
    for (const subscription of this.subscriptions.values()) this.sendSubscribe(subscription);
    this.tracker.flush((frame) => this.send(frame));
  }

  /** Gives up on the current transport without waiting for its close event (it may never come). */
  private abandon(session: number, code: number, reason: string): void {
    if (session !== this.session) return;
    const ws = this.ws;
    if (ws) closeQuietly(ws, 1000, reason.slice(0, 120));
    this.transportEnded(session, code, reason);
  }

  /** Invalidates the current transport: its callbacks become no-ops. */
  private dropTransport(): void {
    this.session++;
    const ws = this.ws;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = null;
      ws.onclose = null;
    }
    this.ws = undefined;
    this.connectId = undefined;
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.heartbeat.stop();
    this.tracker.failInFlight(ClientErrorCode.connectionLost, "the connection was lost before the reply");
    for (const subscription of this.subscriptions.values()) subscription.markSubscribing();
  }

  private transportEnded(session: number, code: number, reason: string): void {
    if (session !== this.session) return;
    this.dropTransport();
    let reconnect = shouldReconnect(code);
    const notice = this.serverDisconnect;
    this.serverDisconnect = undefined;
    if (notice && notice.code === code) {
      reconnect = notice.reconnect;
      if (!reason) reason = notice.reason;
    }
    if (code === CloseCode.tokenExpired) {
      // A new token is needed first; without getToken() there is no way to get one.
      this.tokenStale = true;
      if (!this.options.getToken) reconnect = false;
    }
    reconnect = reconnect && this.settings.reconnect;
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    if (!reconnect) {
      this.tracker.failAll(ClientErrorCode.disconnected, `the connection closed (${code} ${reason}) and will not be reopened`);
      this.setState("disconnected");
      this.emit("disconnected", { code, reason, reconnect: false });
      return;
    }
    if (wantsLongerBackoff(code)) this.backoff.atLeast(3);
    const delay = this.backoff.next();
    this.setState("connecting");
    const current = this.session;
    this.emit("disconnected", { code, reason, reconnect: true, delay });
    if (current !== this.session || this.stateValue !== "connecting") return;  // a handler acted
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.openTransport();
    }, delay);
  }

  private setState(state: ConnectionState): void {
    this.stateValue = state;
  }

  private send(frame: Frame): void {
    const ws = this.ws;
    if (!ws) throw new Error("not connected");
    ws.send(JSON.stringify(frame));
  }

  // --- incoming --------------------------------------------------------------------------

  private receive(data: unknown): void {
    this.heartbeat.seen();
    let text: string;
    if (typeof data === "string") text = data;
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) text = new TextDecoder().decode(data as ArrayBuffer);
    else return;  // a Blob would mean binary frames: not wshub.json
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.emit("error", new Error("the server sent a message that is not JSON"));
      return;
    }
    for (const one of Array.isArray(message) ? message : [message]) {
      if (one && typeof one === "object" && typeof (one as ServerMessage).type === "string") this.handle(one as ServerMessage);
    }
  }

  private handle(message: ServerMessage): void {
    if (typeof message.id === "number") {
      if (message.id === this.connectId) return this.handleConnectReply(message);
      this.tracker.settle(message.id, message);
      return;
    }
    const channel = typeof message.channel === "string" ? message.channel : undefined;
    switch (message.type) {
      case "pong":
        return;
      case "disconnect":
        this.serverDisconnect = {
          code: typeof message.code === "number" ? message.code : 0,
          reason: typeof message.reason === "string" ? message.reason : "",
          reconnect: message.reconnect === true,
        };
        return;
      case "refresh_required":
        void this.refreshToken();
        return;
      case "join":
      case "leave":
        if (channel !== undefined) this.subscriptions.get(channel)?.handlePresence(message.type, message);
        return;
      case "error":
        this.emit("error", new WshubError(typeof message.code === "number" ? message.code : 100,
          typeof message.message === "string" ? message.message : "error"));
        return;
      case "subscribed":
        return;  // the server API subscribed this user: its publications arrive as 'publication'
      case "unsubscribed":
        if (channel !== undefined) {
          const subscription = this.subscriptions.get(channel);
          if (subscription) {
            this.subscriptions.delete(channel);
            subscription.handleUnsubscribed();
          }
        }
        return;
      default:
        break;
    }
    if (channel !== undefined) {
      const subscription = this.subscriptions.get(channel);
      if (subscription) subscription.handlePublication(message);
      else this.emit("publication", message as unknown as Publication);
      return;
    }
    const push: Push = { type: message.type };
    if ("payload" in message) push.payload = message.payload;
    this.emit("push", push);
    this.pushes.dispatch(push);
  }

  private handleConnectReply(message: ServerMessage): void {
    this.connectId = undefined;
    if (message.type === "connected") return this.onConnected(message);
    if (message.type === "error") {
      const code = typeof message.code === "number" ? message.code : 100;
      if (code === ServerErrorCode.tokenExpired) this.tokenStale = true;
      this.emit("error", new WshubError(code, `connect: ${String(message.message ?? "refused")}`));
      // The server closes the connection next (4001 or 4004); its close code decides.
    }
  }

  private async refreshToken(): Promise<void> {
    const getToken = this.options.getToken;
    if (!getToken) {
      this.emit("error", new WshubError(ClientErrorCode.token,
        "the server asked for a token refresh (refresh_required) but the client has no getToken option"));
      return;
    }
    const session = this.session;
    let token: string;
    try {
      token = checkToken(await getToken());
    } catch (error) {
      this.emit("error", new WshubError(ClientErrorCode.token, `getToken() failed on refresh_required: ${describe(error)}`));
      return;
    }
    this.token = token;
    this.tokenStale = false;
    if (session !== this.session || this.stateValue !== "connected") return;  // the next connect uses it
    try {
      await this.call({ type: "refresh", token }, this.settings.requestTimeout, false);
      this.emit("refreshed", { token });
    } catch (error) {
      this.emit("error", error as Error);
    }
  }

  // --- subscriptions -----------------------------------------------------------------------

  /**
   * The Subscription of `channel`, created and subscribed (now when connected, else on
   * connect). A channel has one Subscription: a second call returns the existing one.
   */
  subscribe(channel: string, options: SubscribeOptions = {}): Subscription {
    const existing = this.subscriptions.get(channel);
    if (existing) return existing;
    const subscription = new Subscription(channel, this, options);
    this.subscriptions.set(channel, subscription);
    if (this.stateValue === "connected") {
      // After the caller had a chance to attach handlers (the reply cannot come sooner anyway).
      this.sendSubscribe(subscription);
    }
    return subscription;
  }

  getSubscription(channel: string): Subscription | undefined {
    return this.subscriptions.get(channel);
  }

  /** @internal Use subscription.unsubscribe(). */
  removeSubscription(subscription: Subscription): void {
    if (this.subscriptions.get(subscription.channel) !== subscription) return;
    this.subscriptions.delete(subscription.channel);
    if (this.stateValue === "connected") {
      this.call({ type: "unsubscribe", channel: subscription.channel }, this.settings.requestTimeout, false)
        .catch(() => {
          // Not subscribed (yet) or the connection dropped: either way the server forgets it.
        });
    }
    subscription.handleUnsubscribed();
  }

  /** `retried`: this is a retry after a failure on this connection (see alreadySubscribed below). */
  private sendSubscribe(subscription: Subscription, retried = false): void {
    const frame = subscription.subscribeFrame();
    const askedRecovery = frame.recover !== undefined;
    const session = this.session;
    subscription.markSubscribing();
    const current = () => session === this.session && this.subscriptions.get(subscription.channel) === subscription;
    const send = this.stateValue === "connected" ? (f: Frame) => this.send(f) : undefined;
    this.tracker.track(frame, this.settings.requestTimeout, send, false,
      (reply) => {
        if (current()) subscription.handleSubscribed(reply, askedRecovery);
      },
      (error) => {
        if (!current() || error.code === ClientErrorCode.connectionLost) return;  // resubscribed on reconnect
        if (error.code === ServerErrorCode.alreadySubscribed && retried) {
          // The reply to an earlier attempt that timed out was late: the server has the
          // subscription but we never learnt its position. Start it over once.
          this.call({ type: "unsubscribe", channel: subscription.channel }, this.settings.requestTimeout, false)
            .catch(() => {});
          this.sendSubscribe(subscription, false);
          return;
        }
        const retry = error.code === ClientErrorCode.timeout || error.code === ServerErrorCode.tooManyRequests ||
          error.code === ServerErrorCode.unavailable || error.code === ServerErrorCode.internal;
        if (!retry) this.subscriptions.delete(subscription.channel);
        subscription.handleError(error, !retry);
        if (retry) {
          const delay = Math.floor((this.options.random ?? Math.random)() * this.settings.maxReconnectDelay / 4) + 100;
          setTimeout(() => {
            if (current() && this.stateValue === "connected") this.sendSubscribe(subscription, true);
          }, delay);
        }
      },
    );
  }

  // --- requests ----------------------------------------------------------------------------

  /** Publishes to a channel; resolves with the publication's offset (channels with history). */
  async publish(channel: string, payload: unknown, options: { type?: string; timeout?: number } = {}): Promise<PublishResult> {
    const frame: Frame = { type: "publish", channel, payload };
    if (options.type !== undefined) frame.message_type = options.type;
    const reply = await this.call(frame, options.timeout);
    return typeof reply.offset === "number" ? { offset: reply.offset } : {};
  }

  async presence(channel: string, options: RequestOptions = {}): Promise<PresenceResult> {
    const reply = await this.call({ type: "presence", channel }, options.timeout);
    return { channel, clients: Array.isArray(reply.clients) ? reply.clients : [] };
  }

  async presenceStats(channel: string, options: RequestOptions = {}): Promise<PresenceStats> {
    const reply = await this.call({ type: "presence_stats", channel }, options.timeout);
    return { channel, num_clients: Number(reply.num_clients ?? 0), num_users: Number(reply.num_users ?? 0) };
  }

  async history(channel: string, options: HistoryOptions = {}): Promise<HistoryResult> {
    const frame: Frame = { type: "history", channel };
    if (options.since) frame.since = { offset: options.since.offset, epoch: options.since.epoch };
    if (options.limit !== undefined) frame.limit = options.limit;
    if (options.reverse !== undefined) frame.reverse = options.reverse;
    const reply = await this.call(frame, options.timeout);
    const result: HistoryResult = {
      channel,
      publications: Array.isArray(reply.publications) ? (reply.publications as Publication[]) : [],
    };
    if (typeof reply.offset === "number") result.offset = reply.offset;
    if (typeof reply.epoch === "string") result.epoch = reply.epoch;
    return result;
  }

  /**
   * Sends an application message (routed by its type to a handler: an embedded C++ handler
   * or a [routes] back-end) and resolves with the reply's payload. Rejects with a
   * WshubError: the handler's error, 104 when no handler has the type, 112 when the
   * back-end failed, "timeout", "connection_lost", or "queue_full".
   */
  async request<T = unknown>(type: string, payload?: unknown, options: RequestOptions = {}): Promise<T> {
    if (typeof type !== "string" || type === "" || reservedTypes.has(type)) {
      throw new TypeError(`request: "${type}" is not an application type (reserved or empty)`);
    }
    const frame: Frame = { type };
    if (payload !== undefined) frame.payload = payload;
    const reply = await this.call(frame, options.timeout);
    return reply.payload as T;
  }

  /** Sends when connected, else queues (bounded); one timer from now. */
  private call(frame: Frame, timeout = this.settings.requestTimeout, queueable = true): Promise<ServerMessage> {
    const send = this.stateValue === "connected" ? (f: Frame) => this.send(f) : undefined;
    return this.tracker.request(frame, timeout, send, queueable);
  }
}

function closeQuietly(ws: WebSocketLike, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed, or still connecting in an implementation that throws: nothing to do.
  }
}

function checkToken(token: unknown): string {
  if (typeof token !== "string" || token === "") throw new Error("getToken() returned no token");
  return token;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
