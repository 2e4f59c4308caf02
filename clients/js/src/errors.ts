// Errors the SDK hands to promises and 'error' events. `code` is either a server error code
// (100-114, docs/protocol.md "Error codes") or one of the SDK's own string codes below.

/** Codes of errors made by the SDK itself, never sent by the server. */
export const ClientErrorCode = {
  /** No reply within the request's timeout (the request may still have been processed). */
  timeout: "timeout",
  /** The connection dropped after the request was sent and before its reply arrived. */
  connectionLost: "connection_lost",
  /** The offline queue was full (`maxQueue`) when the request was made. */
  queueFull: "queue_full",
  /** The client was stopped with disconnect() (or never started and does not queue). */
  disconnected: "disconnected",
  /** getToken() failed or returned no token. */
  token: "token",
} as const;

export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Server error codes (src/hub/ErrorCode.h); never renumbered. */
export const ServerErrorCode = {
  internal: 100,
  unauthorized: 101,
  unknownChannel: 102,
  permissionDenied: 103,
  unknownType: 104,
  alreadySubscribed: 105,
  limitExceeded: 106,
  badRequest: 107,
  notAvailable: 108,
  tokenExpired: 109,
  notSubscribed: 110,
  tooManyRequests: 111,
  backendError: 112,
  unavailable: 113,
  notConnected: 114,
} as const;

export class WshubError extends Error {
  constructor(
    /** A server error code (number) or a ClientErrorCode (string). */
    readonly code: number | ClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "WshubError";
  }
}
