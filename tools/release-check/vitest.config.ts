import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // npm pack and the temporary git repositories take longer than vitest's default 5 s.
    testTimeout: 60_000,
  },
});
