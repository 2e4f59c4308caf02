// One channel the application subscribed to. It outlives connections: after a reconnect
// the client subscribes again with the position of the last publication this object
// delivered ({offset, epoch}), and the server sends what was missed before live messages
// (docs/protocol.md "Subscribing, offsets and recovery"). The object drops a publication
// whose offset is not after the last one delivered, so a race at the seam between
// recovered and live messages can never hand the application a duplicate.

import { Emitter } from "./Emitter.js";
import type { WshubError } from "./errors.js";
import type { Frame, ServerMessage } from "./RequestTracker.js";
import type {
  HistoryOptions, HistoryResult, PresenceEvent, PresenceResult, PresenceStats, Publication,
  PublishResult, RequestOptions, StreamPosition, SubscribedEvent,
} from "./types.js";

export interface SubscribeOptions {
  /** Resubscribe with the last position after a reconnect (default true). */
  recover?: boolean;
  /** Recover from this position already on the first subscribe (e.g. one the application stored). */
  since?: StreamPosition;
  /** A subscription token, for channels that require one. */
  token?: string;
}

export type SubscriptionState = "subscribing" | "subscribed" | "unsubscribed";

export type SubscriptionEvents = {
  subscribed: SubscribedEvent;
  message: Publication;
  join: PresenceEvent;
  leave: PresenceEvent;
  /** The server refused the subscription (the subscription is then "unsubscribed"), or a retryable failure. */
  error: WshubError;
  unsubscribed: { channel: string };
};

/** What a Subscription needs from its client (kept narrow so the two stay decoupled). */
export interface SubscriptionHost {
  removeSubscription(subscription: Subscription): void;
  publish(channel: string, payload: unknown, options?: { type?: string; timeout?: number }): Promise<PublishResult>;
  presence(channel: string, options?: RequestOptions): Promise<PresenceResult>;
  presenceStats(channel: string, options?: RequestOptions): Promise<PresenceStats>;
  history(channel: string, options?: HistoryOptions): Promise<HistoryResult>;
}

export class Subscription extends Emitter<SubscriptionEvents> {
  private stateValue: SubscriptionState = "subscribing";
  private offsetValue: number | undefined;
  private epochValue: string | undefined;
  private everSubscribed = false;
  private readonly recover: boolean;
  private readonly token: string | undefined;

  constructor(readonly channel: string, private readonly host: SubscriptionHost, options: SubscribeOptions = {}) {
    super();
    this.recover = options.recover ?? true;
    this.token = options.token;
    if (options.since) {
      this.offsetValue = options.since.offset;
      this.epochValue = options.since.epoch;
    }
  }

  get state(): SubscriptionState {
    return this.stateValue;
  }

  /** The position of the last publication delivered (or of the channel when subscribed), if it keeps history. */
  get position(): StreamPosition | undefined {
    return this.offsetValue !== undefined && this.epochValue !== undefined
      ? { offset: this.offsetValue, epoch: this.epochValue }
      : undefined;
  }

  /** Stops the subscription for good (also on later reconnects). */
  unsubscribe(): void {
    this.host.removeSubscription(this);
  }

  publish(payload: unknown, options?: { type?: string; timeout?: number }): Promise<PublishResult> {
    return this.host.publish(this.channel, payload, options);
  }

  presence(options?: RequestOptions): Promise<PresenceResult> {
    return this.host.presence(this.channel, options);
  }

  presenceStats(options?: RequestOptions): Promise<PresenceStats> {
    return this.host.presenceStats(this.channel, options);
  }

  history(options?: HistoryOptions): Promise<HistoryResult> {
    return this.host.history(this.channel, options);
  }

  // --- driven by the client ------------------------------------------------------------

  /** @internal The subscribe request for the current connection. */
  subscribeFrame(): Frame {
    const frame: Frame = { type: "subscribe", channel: this.channel };
    const position = this.recover ? this.position : undefined;
    if (position) frame.recover = position;
    if (this.token !== undefined) frame.token = this.token;
    return frame;
  }

  /** @internal */
  markSubscribing(): void {
    if (this.stateValue !== "unsubscribed") this.stateValue = "subscribing";
  }

  /** @internal The server's `subscribed` reply to subscribeFrame(). */
  handleSubscribed(message: ServerMessage, askedRecovery: boolean): void {
    const offset = typeof message.offset === "number" ? message.offset : undefined;
    const epoch = typeof message.epoch === "string" ? message.epoch : undefined;
    const recovered = typeof message.recovered === "boolean" ? message.recovered : undefined;
    // Recovered: the missed publications follow, so the position stays where we were and
    // advances as they are delivered. Otherwise continue from the channel's position.
    if (!(askedRecovery && recovered === true)) {
      this.offsetValue = offset;
      this.epochValue = epoch;
    }
    this.stateValue = "subscribed";
    const event: SubscribedEvent = { channel: this.channel, resubscribed: this.everSubscribed };
    if (offset !== undefined) event.offset = offset;
    if (epoch !== undefined) event.epoch = epoch;
    if (askedRecovery) event.recovered = recovered === true;
    this.everSubscribed = true;
    this.emit("subscribed", event);
  }

  /** @internal */
  handlePublication(message: ServerMessage): void {
    if (this.stateValue === "unsubscribed") return;
    const offset = typeof message.offset === "number" ? message.offset : undefined;
    if (offset !== undefined) {
      if (this.offsetValue !== undefined && offset <= this.offsetValue) return;  // already delivered
      this.offsetValue = offset;
    }
    this.emit("message", message as unknown as Publication);
  }

  /** @internal */
  handlePresence(kind: "join" | "leave", message: ServerMessage): void {
    if (this.stateValue === "unsubscribed") return;
    this.emit(kind, message as unknown as PresenceEvent);
  }

  /** @internal A failed subscribe; `final` when it will not be retried. */
  handleError(error: WshubError, final: boolean): void {
    if (final) this.stateValue = "unsubscribed";
    this.emit("error", error);
    if (final) this.emit("unsubscribed", { channel: this.channel });
  }

  /** @internal Removed by unsubscribe() or by the server. */
  handleUnsubscribed(): void {
    if (this.stateValue === "unsubscribed") return;
    this.stateValue = "unsubscribed";
    this.emit("unsubscribed", { channel: this.channel });
  }
}
