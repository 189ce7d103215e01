// Prints one "N passed, N failed" line for all vitest runs in a turbo log, so that a reader of CI
// output (or a tool) gets the total without adding up the packages' summaries.
import { readFileSync } from "node:fs";

const log = readFileSync(process.argv[2], "utf8").replace(/\x1b\[[0-9;]*m/g, "");
const totals = { passed: 0, failed: 0, skipped: 0 };

for (const line of log.split("\n")) {
  const summary = /:test:\s+Tests\s+(.*)$/.exec(line);
  if (summary === null) continue;
  for (const [, count, kind] of summary[1].matchAll(/(\d+) (passed|failed|skipped)/g)) totals[kind] += Number(count);
}

const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : "";
console.log(`${totals.passed} passed, ${totals.failed} failed${skipped}`);
