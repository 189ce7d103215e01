import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import type { BrowserContext, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { StaticServer } from "../src/static-server.js";
import { startStaticServer } from "../src/static-server.js";

const CHROMIUM = "/usr/bin/chromium";
const siteDir = path.resolve(import.meta.dirname, "../../../docs-site");

// Outside CI, a machine without Debian's chromium skips these tests; CI installs it (.ci/run) and
// must run them.
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env["CI"] === undefined) {
  process.stderr.write(`docs site tests skipped: ${CHROMIUM} is missing; install it with apt-get install chromium\n`);
}

describe.skipIf(!hasChromium && process.env["CI"] === undefined)("documentation site", () => {
  let server: StaticServer;
  let context: BrowserContext;
  let userDataDir: string;

  beforeAll(async () => {
    if (!existsSync(path.join(siteDir, "index.html"))) {
      throw new Error(`${siteDir}/index.html is missing: build the site with \`pnpm run docs\` at the repository root first`);
    }
    server = await startStaticServer(siteDir);
    userDataDir = mkdtempSync(path.join(tmpdir(), "nd-pdk-docs-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true });
  });

  /** Opens a page of the site and records every console error and uncaught exception on it. */
  async function open(pagePath: string): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
    page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()}`));
    page.on("response", (response) => {
      if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
    });

    const response = await page.goto(new URL(pagePath, server.url).href, { waitUntil: "networkidle" });
    expect(response?.status(), `status of ${pagePath}`).toBe(200);
    return { page, errors };
  }

  test("index page loads without errors", async () => {
    const { page, errors } = await open("index.html");

    await expect(page.title()).resolves.toContain("Navidrome TypeScript PDK");
    await expect(page.locator("#tsd-search-trigger").isVisible()).resolves.toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  test("kvstore module page loads without errors", async () => {
    const { page, errors } = await open("modules/_nd_pdk-host.kvstore.html");

    await expect(page.locator("h1").first().textContent()).resolves.toContain("kvstore");
    await expect(page.locator("a", { hasText: "setWithTtl" }).count()).resolves.toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  test("getting started guide loads without errors", async () => {
    const { page, errors } = await open("documents/Getting_started.html");

    await expect(page.locator("h1").first().textContent()).resolves.toContain("Getting started");
    expect(errors).toEqual([]);
    await page.close();
  });

  test("search finds a host function by name", async () => {
    const { page, errors } = await open("index.html");

    await page.locator("#tsd-search-trigger").click();
    await page.locator("#tsd-search-input").fill("setWithTtl");
    const result = page.locator("#tsd-search-results li a", { hasText: "setWithTtl" }).first();
    await result.waitFor({ state: "visible", timeout: 10_000 });

    await expect(result.getAttribute("href")).resolves.toContain("kvstore.setWithTtl");
    expect(errors).toEqual([]);
    await page.close();
  });
});
