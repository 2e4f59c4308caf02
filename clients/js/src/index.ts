// wshub-client: the browser and Node SDK of the wshub messaging server.
export { WshubClient, type ClientEvents } from "./WshubClient.js";
export { Subscription, type SubscribeOptions, type SubscriptionEvents, type SubscriptionState } from "./Subscription.js";
export { WshubError, ClientErrorCode, ServerErrorCode } from "./errors.js";
export { CloseCode, ClientCloseCode, shouldReconnect } from "./closeCodes.js";
export { Backoff, type BackoffOptions } from "./Backoff.js";
export { tokenExpiry } from "./token.js";
export type * from "./types.js";
export type { Handler } from "./Emitter.js";
