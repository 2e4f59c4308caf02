import { describe, expect, it } from "vitest";
import { Backoff } from "../../src/Backoff.js";
import { shouldReconnect } from "../../src/closeCodes.js";
import { tokenExpiry } from "../../src/token.js";

describe("Backoff", () => {
  it("doubles its window up to the cap", () => {
    const b = new Backoff({ minDelay: 100, maxDelay: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map(() => b.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it("draws every delay uniformly from [0, window] (full jitter)", () => {
    const b = new Backoff({ minDelay: 100, maxDelay: 5000 });
    for (let attempt = 0; attempt < 12; attempt++) {
      const window = b.window();
      expect(window).toBe(Math.min(5000, 100 * 2 ** attempt));
      const delay = b.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(window);
      expect(Number.isInteger(delay)).toBe(true);
    }
    // Spread: 2,000 draws from a 5,000 ms window cover its low and high quarters.
    const draws = Array.from({ length: 2000 }, () => b.next());
    expect(Math.min(...draws)).toBeLessThan(1250);
    expect(Math.max(...draws)).toBeGreaterThan(3750);
    expect(Math.max(...draws)).toBeLessThanOrEqual(5000);
  });

  it("zero randomness means an immediate retry; huge attempt counts stay finite", () => {
    const b = new Backoff({ minDelay: 100, maxDelay: 60000, random: () => 0 });
    expect(b.next()).toBe(0);
    b.atLeast(1000);
    expect(b.window()).toBe(60000);
    expect(() => new Backoff({ minDelay: 10, maxDelay: 5 })).toThrow(RangeError);
  });
});

describe("close codes", () => {
  it("follow the table of docs/protocol.md", () => {
    const table: [number, boolean][] = [
      [4000, false], [4001, false], [4002, false], [4003, false], [4004, true], [4005, true], [4008, true],
      [4009, false], [4029, true], [4500, true], [4501, true], [4502, true],
      [4100, false], [4700, true], [1000, true], [1001, true], [1006, true], [1011, true],
    ];
    for (const [code, reconnect] of table) expect([code, shouldReconnect(code)]).toEqual([code, reconnect]);
  });
});

describe("tokenExpiry", () => {
  it("reads exp from a JWT and ignores what is not one", () => {
    const body = Buffer.from(JSON.stringify({ sub: "ü", exp: 1700000000 })).toString("base64url");
    expect(tokenExpiry(`e30.${body}.sig`)).toBe(1700000000 * 1000);
    expect(tokenExpiry("opaque")).toBeUndefined();
    expect(tokenExpiry("a.!!!.c")).toBeUndefined();
    expect(tokenExpiry(`e30.${Buffer.from("{}").toString("base64url")}.s`)).toBeUndefined();
  });
});
