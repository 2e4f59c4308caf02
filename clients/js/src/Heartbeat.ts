// Detects a dead connection. A TCP connection whose peer vanished (a laptop lid closed, a
// NAT mapping dropped) can stay "open" for many minutes; the only proof of life is data.
// Every message from the server counts. After `interval` ms without any, the client sends a
// ping; if nothing at all arrives within `timeout` ms after it, the connection is declared
// dead. One timer at a time, re-armed lazily from the time of the last message, so a busy
// connection costs one Date.now() per message and no timer churn.

export class Heartbeat {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSeen = 0;
  private pingSentAt: number | undefined;
  private seenSincePing = false;

  constructor(
    private readonly interval: number,
    private readonly timeout: number,
    private readonly sendPing: () => void,
    private readonly onDead: () => void,
  ) {}

  start(): void {
    this.stop();
    this.lastSeen = Date.now();
    this.arm(this.interval);
  }

  /** Something arrived from the server. */
  seen(): void {
    this.lastSeen = Date.now();
    this.seenSincePing = true;
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pingSentAt = undefined;
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(0, delay));
  }

  private check(): void {
    const now = Date.now();
    if (this.pingSentAt !== undefined) {
      if (this.seenSincePing) {
        this.pingSentAt = undefined;
      } else if (now - this.pingSentAt >= this.timeout) {
        this.stop();
        this.onDead();
        return;
      } else {
        this.arm(this.pingSentAt + this.timeout - now);
        return;
      }
    }
    const silent = now - this.lastSeen;
    if (silent >= this.interval) {
      this.pingSentAt = now;
      this.seenSincePing = false;
      this.sendPing();
      this.arm(this.timeout);
    } else {
      this.arm(this.interval - silent);
    }
  }
}
