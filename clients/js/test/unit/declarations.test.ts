// The declarations as a user's compiler sees them: test/types/ imports "wshub-client" by name
// from an ES module and from a CommonJS module (Node16 resolution through "exports").
// Needs the build (dist/); `npm test` and the ctest entry build first.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("type declarations", () => {
  it.skipIf(!existsSync(`${root}/dist/cjs/index.d.ts`))("type-check an ESM and a CommonJS consumer", () => {
    const tsc = `${root}/node_modules/typescript/bin/tsc`;
    expect(() => execFileSync(process.execPath, [tsc, "-p", `${root}/test/types`], { stdio: "pipe" })).not.toThrow();
  }, 120000);
});
