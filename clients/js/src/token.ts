// Reads the `exp` claim of a JWT without verifying it: the client only needs to know
// whether to ask getToken() for a new one before reconnecting (the server verifies).

/** The token's `exp` in ms since the epoch, or undefined when it has none or is not a JWT. */
export function tokenExpiry(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(base64UrlDecode(parts[1]!));
    if (claims && typeof claims === "object" && typeof (claims as { exp?: unknown }).exp === "number") {
      return (claims as { exp: number }).exp * 1000;
    }
  } catch {
    // Not JSON or not base64url: treat as a token without expiry (an opaque token).
  }
  return undefined;
}

/** Whether the token expires within `marginMs` from `now` (false when it has no `exp`). */
export function tokenExpiresSoon(token: string, now: number, marginMs: number): boolean {
  const exp = tokenExpiry(token);
  return exp !== undefined && exp - marginMs <= now;
}

function base64UrlDecode(text: string): string {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}
