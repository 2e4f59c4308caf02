// What the client does when the connection closes with a given code. The wshub table
// (docs/protocol.md "Close codes", src/hub/ErrorCode.h `disconnect::`) decides; codes it
// does not list fall back on their range:
//   4000-4499  the server ended the session for a reason about this client: do not
//              reconnect unless the `disconnect` message said reconnect:true;
//   4500-4999  a condition of the server: reconnect with backoff;
//   anything else (1000-3999: transport, proxies, a dropped TCP connection as 1006):
//              reconnect with backoff.
// The `disconnect` message that precedes a close carries the server's own advice; when it
// arrived it wins over the table (the server API's `disconnect` lets a back-end choose).

export const CloseCode = {
  normal: 4000,
  unauthorized: 4001,
  badRequest: 4002,
  forbidden: 4003,
  tokenExpired: 4004,
  connectTimeout: 4005,
  slowConsumer: 4008,
  messageTooBig: 4009,
  tooManyRequests: 4029,
  shuttingDown: 4500,
  internalError: 4501,
  insufficientState: 4502,
} as const;

/**
 * Codes the SDK reports in 'disconnected' for closes it decided itself. They never appear
 * on the wire (the SDK closes its socket with 1000), so they do not collide with the server's.
 */
export const ClientCloseCode = {
  /** disconnect() was called. */
  clientDisconnect: 3000,
  /** Nothing arrived within heartbeatTimeout after a ping: the connection is presumed dead. */
  heartbeatTimeout: 3001,
  /** No `connected` reply within connectTimeout after opening the WebSocket. */
  connectTimeout: 3002,
  /** getToken() failed before the WebSocket was opened. */
  tokenError: 3003,
} as const;

const noReconnect = new Set<number>([
  CloseCode.normal,
  CloseCode.unauthorized,
  CloseCode.badRequest,
  CloseCode.forbidden,
  CloseCode.messageTooBig,
]);

/** The server's reconnect advice for a close code, from the table and its ranges. */
export function shouldReconnect(code: number): boolean {
  if (noReconnect.has(code)) return false;
  if (code >= 4000 && code <= 4499) {
    return code === CloseCode.tokenExpired || code === CloseCode.connectTimeout ||
      code === CloseCode.slowConsumer || code === CloseCode.tooManyRequests;
  }
  return true;
}

/** Codes after which the next attempt waits longer: the server asked us to slow down. */
export function wantsLongerBackoff(code: number): boolean {
  return code === CloseCode.tooManyRequests || code === CloseCode.slowConsumer;
}
