import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30000,
    hookTimeout: 20000,
    // Integration files each start their own wshub; two at a time suits a 2-core machine.
    maxWorkers: 2,
    minWorkers: 1,
    pool: "forks",
  },
});
