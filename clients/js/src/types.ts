// Shapes of what the server sends (docs/protocol.md "Server → client") and of the
// client's options. Payloads are `unknown`: the application decides what they hold.

/** The subset of the WebSocket API the SDK uses (browsers, Node 22+, the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Who published a publication (absent when the server API published it). */
export interface ClientInfo {
  client: string;
  user: string;
  info?: unknown;
}

/** A message published to a channel. `type` is the publisher's message_type ("message" by default). */
export interface Publication {
  type: string;
  channel: string;
  /** Position in the channel, when the channel keeps history. */
  offset?: number;
  payload: unknown;
  from?: ClientInfo;
}

/** A message sent to this connection's user (server API `send`): no channel. */
export interface Push {
  type: string;
  payload?: unknown;
}

export interface PresenceEvent {
  channel: string;
  client: string;
  user: string;
  info?: unknown;
}

/** A channel position: the offset of its last publication in an epoch. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface SubscribedEvent {
  channel: string;
  /** The channel's current position (channels with history). */
  offset?: number;
  epoch?: string;
  /**
   * Present when the subscription asked to recover (a resubscription after a reconnect).
   * false: continuity was lost (new epoch, or the gap is older than the channel keeps);
   * reload state another way, the subscription continues from the current position.
   */
  recovered?: boolean;
  /** True for a resubscription after a reconnect, false for the first subscribe. */
  resubscribed: boolean;
}

export interface PresenceResult {
  channel: string;
  clients: ClientInfo[];
}

export interface PresenceStats {
  channel: string;
  num_clients: number;
  num_users: number;
}

export interface HistoryOptions {
  /** Publications after this position. */
  since?: StreamPosition;
  limit?: number;
  reverse?: boolean;
  timeout?: number;
}

export interface HistoryResult {
  channel: string;
  publications: Publication[];
  offset?: number;
  epoch?: string;
}

export interface PublishResult {
  /** The publication's offset, when the channel keeps history. */
  offset?: number;
}

export interface RequestOptions {
  /** ms until the promise rejects with code "timeout" (default: the client's requestTimeout). */
  timeout?: number;
}

export interface ConnectingEvent {
  url: string;
  /** 0 for the first attempt after connect() or after a lost connection, then 1, 2, ... */
  attempt: number;
}

export interface ConnectedEvent {
  url: string;
  client: string;
  user: string;
}

export interface DisconnectedEvent {
  code: number;
  reason: string;
  /** Whether the client will try again. */
  reconnect: boolean;
  /** ms until the next attempt, when reconnect is true. */
  delay?: number;
}

export type ConnectionState = "disconnected" | "connecting" | "connected";

export interface WshubClientOptions {
  /** A static connection token (JWT). */
  token?: string;
  /** Returns a fresh token: called before connecting without a valid one, on refresh_required, and after 4004. */
  getToken?: () => string | Promise<string>;
  /** Passed to the server's connect handler as `data`. */
  data?: unknown;
  /** WebSocket implementation where there is no global one (Node 18-21: `import WebSocket from 'ws'`). */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after a lost connection (default true). */
  reconnect?: boolean;
  /** Backoff base in ms: the first retry waits up to this long (default 500). */
  minReconnectDelay?: number;
  /** Backoff cap in ms (default 20000). */
  maxReconnectDelay?: number;
  /** ms from opening the WebSocket to `connected` before the attempt is abandoned (default 10000). */
  connectTimeout?: number;
  /** Default request timeout in ms (default 10000). */
  requestTimeout?: number;
  /** Requests kept while disconnected; more are rejected with "queue_full" (default 100, 0 = no queue). */
  maxQueue?: number;
  /** ms of silence from the server after which the client sends a ping (default 25000). */
  heartbeatInterval?: number;
  /** ms to wait for anything from the server after that ping before reconnecting (default 10000). */
  heartbeatTimeout?: number;
  /** A token expiring within this many ms is replaced via getToken() before connecting (default 5000). */
  tokenExpiryMargin?: number;
  /** Uniform random numbers in [0, 1) for the jitter (tests); Math.random by default. */
  random?: () => number;
}
