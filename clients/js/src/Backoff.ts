// Exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential Backoff And
// Jitter"): the n-th delay is uniform in [0, min(cap, base * 2^n)]. The jitter spreads a
// reconnect wave after a server restart over the whole window instead of bunching every
// client at the same instants, and the cap bounds how long a client stays away.

export interface BackoffOptions {
  /** Base delay in ms: the window of the first retry (default 500). */
  minDelay: number;
  /** Cap on the window in ms (default 20000). */
  maxDelay: number;
  /** A source of uniform numbers in [0, 1); Math.random by default (tests pass their own). */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.minDelay >= 0) || !(options.maxDelay >= options.minDelay)) {
      throw new RangeError("backoff: need 0 <= minDelay <= maxDelay");
    }
    this.random = options.random ?? Math.random;
  }

  /** The number of delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The upper bound of the window for the next delay. */
  window(): number {
    // 2^30 already exceeds any sane cap; stopping there keeps the number finite.
    const exponent = Math.min(this.attempt, 30);
    return Math.min(this.options.maxDelay, this.options.minDelay * 2 ** exponent);
  }

  /** The next delay in ms, an integer in [0, window()]. */
  next(): number {
    const delay = Math.floor(this.random() * (this.window() + 1));
    this.attempt++;
    return Math.min(delay, this.options.maxDelay);
  }

  /** Skips ahead so the next window is at least min(cap, base * 2^attempt) (for "back off harder"). */
  atLeast(attempt: number): void {
    this.attempt = Math.max(this.attempt, attempt);
  }

  reset(): void {
    this.attempt = 0;
  }
}
