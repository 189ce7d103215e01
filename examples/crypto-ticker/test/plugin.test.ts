import { readFileSync } from "node:fs";

import { createNavidrome, type LoadedPlugin, type Navidrome, type NavidromeOptions, readBundle, readWasm } from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";
import ticks from "./fixtures/ticks.json" with { type: "json" };

const projectDir = `${import.meta.dirname}/..`;
const fixture = (name: string): string => readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8");

const FEED_URL = "wss://ws-feed.exchange.coinbase.com";
const CONNECTION_ID = "crypto-ticker-feed";
const [btcFirst, btcSmallMove, btcDrop, ethFirst] = ticks.map((tick) => JSON.stringify(tick));

function pluginLogs(navidrome: Navidrome, level?: string): string[] {
  return navidrome.logs.filter((record) => record.source === "plugin" && (level === undefined || record.level === level)).map((record) => record.message);
}

function subscriptionsSent(navidrome: Navidrome): unknown[] {
  return navidrome.services.websocket
    .connections()
    .flatMap((connection) => connection.sent)
    .map((message) => (message.type === "text" ? JSON.parse(message.message) : message));
}

/** Delays of the pending schedules, in seconds from now. */
function pendingDelays(navidrome: Navidrome): number[] {
  return navidrome.services.scheduler.jobs().map((job) => ((job.nextRun ?? 0) - navidrome.clock.now()) / 1000);
}

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, (navidrome: Navidrome) => LoadedPlugin | Promise<LoadedPlugin>][] = [
  ["in-process", (navidrome) => navidrome.load(plugin)],
  ["QuickJS bundle", (navidrome) => navidrome.loadBundle(readBundle(projectDir))],
  ["Extism wasm", (navidrome) => navidrome.loadWasm(readWasm(projectDir))],
];

describe.each(runtimes)("crypto-ticker (%s)", (_runtime, loadInto) => {
  async function start(options: Omit<NavidromeOptions, "manifest"> = {}): Promise<{ navidrome: Navidrome; loaded: LoadedPlugin }> {
    const navidrome = createNavidrome({ manifest, ...options });
    return { navidrome, loaded: await loadInto(navidrome) };
  }

  /** Starts the plugin and runs onInit, which connects to the feed. */
  async function connected(options: Omit<NavidromeOptions, "manifest"> = {}): Promise<{ navidrome: Navidrome; loaded: LoadedPlugin }> {
    const started = await start(options);
    expect(started.loaded.lifecycle.onInit()).toEqual({ kind: "no-data" });
    return started;
  }

  describe("onInit", () => {
    test("connects and subscribes to the configured symbols", async () => {
      const { navidrome } = await connected({ config: { symbols: JSON.stringify(["btc-usd", "ETH-EUR", " sol ", "BTC-USD"]) } });

      const [connection] = navidrome.services.websocket.connections();
      expect(connection).toMatchObject({ connectionId: CONNECTION_ID, url: FEED_URL, status: "open" });
      expect(subscriptionsSent(navidrome)).toEqual([{ type: "subscribe", product_ids: ["BTC-USD", "ETH-EUR", "SOL-USD"], channels: ["ticker"] }]);
      expect(pluginLogs(navidrome, "info")).toContain('subscribed to the ticker feed symbols=["BTC-USD","ETH-EUR","SOL-USD"]');
    });

    test("follows BTC-USD without settings", async () => {
      const { navidrome } = await connected();
      expect(subscriptionsSent(navidrome)).toEqual([{ type: "subscribe", product_ids: ["BTC-USD"], channels: ["ticker"] }]);
    });

    test("fails with the setting's name for an invalid symbol", async () => {
      const { navidrome, loaded } = await start({ config: { symbols: JSON.stringify(["BTC-USD", "bitcoin/usd"]) } });

      const outcome = loaded.lifecycle.onInit();
      expect(outcome.kind).toBe("error");
      expect(outcome.kind === "error" ? outcome.message : "").toContain('plugin configuration "symbols" contains "bitcoin/usd"');
      expect(navidrome.services.websocket.connections()).toEqual([]);
      expect(navidrome.services.scheduler.jobs()).toEqual([]);
    });

    test("fails when symbols is not a list", async () => {
      const { loaded } = await start({ config: { symbols: '"BTC-USD"' } });
      const outcome = loaded.lifecycle.onInit();
      expect(outcome.kind === "error" ? outcome.message : "").toContain('plugin configuration "symbols" must be a list');
    });

    test("fails for more symbols than the limit", async () => {
      const symbols = Array.from({ length: 21 }, (_, index) => `C${index}-USD`);
      const { navidrome, loaded } = await start({ config: { symbols: JSON.stringify(symbols) } });

      const outcome = loaded.lifecycle.onInit();
      expect(outcome.kind === "error" ? outcome.message : "").toContain("lists 21 symbols, more than the maximum of 20");
      expect(navidrome.services.websocket.connections()).toEqual([]);
    });

    test("fails for a negative minimum change", async () => {
      const { navidrome, loaded } = await start({ config: { minChangePercent: "-1" } });

      const outcome = loaded.lifecycle.onInit();
      expect(outcome.kind === "error" ? outcome.message : "").toContain('plugin configuration "minChangePercent" is -1');
      expect(navidrome.services.websocket.connections()).toEqual([]);
    });

    test("schedules a reconnect when the feed is down", async () => {
      const { navidrome } = await connected({
        websocket: {
          onConnect: () => {
            throw new Error("dial tcp: lookup ws-feed.exchange.coinbase.com: no such host");
          },
        },
      });

      expect(navidrome.services.websocket.connections()).toEqual([]);
      expect(navidrome.services.scheduler.jobs()).toMatchObject([{ scheduleId: "reconnect-1", payload: '{"attempt":1}', recurring: false }]);
      expect(pendingDelays(navidrome)).toEqual([5]);
      expect(pluginLogs(navidrome, "error")[0]).toContain("connecting to the ticker feed failed");
      expect(pluginLogs(navidrome, "error")[0]).toContain("no such host");
    });
  });

  describe("feed messages", () => {
    test("logs the first price of each symbol with its 24-hour change", async () => {
      const { navidrome } = await connected({ config: { symbols: '["BTC-USD","ETH-EUR"]' } });

      expect(navidrome.services.websocket.serverSendText(CONNECTION_ID, btcFirst!)).toEqual({ kind: "no-data" });
      navidrome.services.websocket.serverSendText(CONNECTION_ID, ethFirst!);

      expect(pluginLogs(navidrome, "info")).toEqual(
        expect.arrayContaining(['price symbol="BTC-USD" price="97250.12" change24h="+1.93%"', 'price symbol="ETH-EUR" price="3187.42" change24h="-1.63%"']),
      );
      expect(navidrome.services.cache.entries().get("last-logged-price:BTC-USD")).toMatchObject({ type: "float", value: 97250.12 });
    });

    test("logs a change only past the minimum", async () => {
      const { navidrome } = await connected();

      navidrome.services.websocket.serverSendText(CONNECTION_ID, btcFirst!);
      navidrome.services.websocket.serverSendText(CONNECTION_ID, btcSmallMove!);
      navidrome.services.websocket.serverSendText(CONNECTION_ID, btcDrop!);

      const priceLogs = pluginLogs(navidrome, "info").filter((message) => message.startsWith("price"));
      // 97301.50 is 0.05% above the logged 97250.12, under the default minimum of 0.5%.
      expect(priceLogs).toEqual([
        'price symbol="BTC-USD" price="97250.12" change24h="+1.93%"',
        'price changed symbol="BTC-USD" price="96602.75" change="-0.67%" change24h="+1.25%"',
      ]);
      expect(navidrome.services.cache.entries().get("last-logged-price:BTC-USD")).toMatchObject({ value: 96602.75 });
    });

    test("logs every change with a minimum of 0", async () => {
      const { navidrome } = await connected({ config: { minChangePercent: "0" } });

      navidrome.services.websocket.serverSendText(CONNECTION_ID, btcFirst!);
      navidrome.services.websocket.serverSendText(CONNECTION_ID, btcSmallMove!);
      navidrome.services.websocket.serverSendText(CONNECTION_ID, btcSmallMove!);

      expect(pluginLogs(navidrome, "info").filter((message) => message.startsWith("price changed"))).toEqual([
        'price changed symbol="BTC-USD" price="97301.50" change="+0.05%" change24h="+1.98%"',
      ]);
    });

    test("logs the subscription confirmation", async () => {
      const { navidrome } = await connected();
      navidrome.services.websocket.serverSendText(CONNECTION_ID, fixture("subscriptions.json"));
      expect(pluginLogs(navidrome, "info").some((message) => message.startsWith("feed confirmed the subscription channels="))).toBe(true);
    });

    test("logs an error the feed reports", async () => {
      const { navidrome } = await connected();
      navidrome.services.websocket.serverSendText(CONNECTION_ID, fixture("error-invalid-product.json"));
      expect(pluginLogs(navidrome, "error")).toEqual(['feed reported an error message="Failed to subscribe" reason="DOGE-XYZ is not a valid product"']);
    });

    test("ignores heartbeats", async () => {
      const { navidrome } = await connected();
      const before = pluginLogs(navidrome, "info").length;

      expect(navidrome.services.websocket.serverSendText(CONNECTION_ID, fixture("heartbeat.json"))).toEqual({ kind: "no-data" });
      expect(pluginLogs(navidrome, "info")).toHaveLength(before);
    });

    test("ignores a message that is not JSON", async () => {
      const { navidrome } = await connected();

      expect(navidrome.services.websocket.serverSendText(CONNECTION_ID, "<html>502 Bad Gateway</html>")).toEqual({ kind: "no-data" });
      expect(pluginLogs(navidrome, "warn")).toEqual(['ignored a feed message that is not JSON excerpt="<html>502 Bad Gateway</html>"']);
    });

    test("ignores a tick without a valid price", async () => {
      const { navidrome } = await connected();

      navidrome.services.websocket.serverSendText(CONNECTION_ID, JSON.stringify({ type: "ticker", product_id: "BTC-USD", price: "n/a" }));
      expect(pluginLogs(navidrome, "warn")).toEqual(['ignored a ticker message without a valid product and price symbol="BTC-USD" price="n/a"']);
      expect(navidrome.services.cache.entries().size).toBe(0);
    });

    test("ignores binary messages", async () => {
      const { navidrome } = await connected();

      expect(navidrome.services.websocket.serverSendBinary(CONNECTION_ID, new Uint8Array([0x1f, 0x8b, 0x08]))).toEqual({ kind: "no-data" });
      expect(pluginLogs(navidrome, "warn")[0]).toContain("ignored a binary message");
    });
  });

  describe("reconnect", () => {
    test("reconnects after the feed closes", async () => {
      const { navidrome } = await connected();

      expect(navidrome.services.websocket.serverClose(CONNECTION_ID, 1001, "server restarting")).toEqual({ kind: "no-data" });
      expect(navidrome.services.scheduler.jobs()).toMatchObject([{ scheduleId: "reconnect-1", payload: '{"attempt":1}' }]);
      expect(pendingDelays(navidrome)).toEqual([5]);

      navidrome.advance(4_999);
      expect(navidrome.services.websocket.connections().map((connection) => connection.status)).toEqual(["closed"]);

      navidrome.advance(1);
      expect(navidrome.services.websocket.connections().map((connection) => connection.status)).toEqual(["closed", "open"]);
      expect(subscriptionsSent(navidrome)).toHaveLength(2);
      expect(pluginLogs(navidrome, "info")).toContain("reconnected to the ticker feed attempt=1");
      expect(navidrome.services.scheduler.jobs()).toEqual([]);
    });

    test("reconnects after a read error", async () => {
      const { navidrome } = await connected();

      navidrome.services.websocket.serverError(CONNECTION_ID, "read tcp 10.0.0.5:51234->104.18.36.178:443: read: connection reset by peer");
      expect(pluginLogs(navidrome, "error")[0]).toContain("connection reset by peer");

      navidrome.advance(5_000);
      expect(navidrome.services.websocket.connections().at(-1)?.status).toBe("open");
    });

    test("reconnects after an abnormal close code", async () => {
      const { navidrome } = await connected();

      // Codes other than 1000, 1001 and 1005 reach onError, not onClose.
      navidrome.services.websocket.serverClose(CONNECTION_ID, 1011, "internal error");
      expect(pluginLogs(navidrome, "error")[0]).toContain("websocket: close 1011 (internal server error): internal error");

      navidrome.advance(5_000);
      expect(navidrome.services.websocket.connections().at(-1)?.status).toBe("open");
    });

    test("waits twice as long after each failed attempt", async () => {
      let rejectConnections = true;
      const { navidrome } = await connected({
        websocket: {
          onConnect: () => {
            if (rejectConnections) throw new Error("websocket: bad handshake");
          },
        },
      });

      const delays: number[] = [];
      for (let attempt = 1; attempt <= 4; attempt++) {
        delays.push(...pendingDelays(navidrome));
        navidrome.advance(delays.at(-1)! * 1000);
      }
      expect(delays).toEqual([5, 10, 20, 40]);
      expect(navidrome.services.scheduler.jobs()).toMatchObject([{ scheduleId: "reconnect-5", payload: '{"attempt":5}' }]);

      rejectConnections = false;
      navidrome.advance(80_000);
      expect(navidrome.services.websocket.connections().map((connection) => connection.status)).toEqual(["open"]);
      expect(pluginLogs(navidrome, "info")).toContain("reconnected to the ticker feed attempt=5");
    });

    test("caps the wait at 300 seconds", async () => {
      const { navidrome } = await connected({
        config: { reconnectDelaySeconds: "60" },
        websocket: {
          onConnect: () => {
            throw new Error("websocket: bad handshake");
          },
        },
      });

      const delays: number[] = [];
      for (let attempt = 1; attempt <= 5; attempt++) {
        delays.push(...pendingDelays(navidrome));
        navidrome.advance(delays.at(-1)! * 1000);
      }
      expect(delays).toEqual([60, 120, 240, 300, 300]);
    });

    test("ignores schedules it did not create", async () => {
      const { navidrome, loaded } = await start();

      expect(loaded.scheduler.onCallback({ scheduleId: "cleanup", payload: "weekly", isRecurring: true })).toEqual({ kind: "no-data" });
      expect(navidrome.services.websocket.connections()).toEqual([]);
      expect(pluginLogs(navidrome, "warn")).toEqual(['ignored a schedule this plugin did not create scheduleId="cleanup"']);
    });
  });

  test("exports the lifecycle, websocket and scheduler callbacks", async () => {
    const { loaded } = await start();
    expect(loaded.exports).toEqual([
      "nd_on_init",
      "nd_scheduler_callback",
      "nd_websocket_on_binary_message",
      "nd_websocket_on_close",
      "nd_websocket_on_error",
      "nd_websocket_on_text_message",
    ]);
  });
});

describe("crypto-ticker as compiled wasm", () => {
  test("fails to load when the manifest drops a permission it uses", async () => {
    const { cache: _cache, ...permissions } = manifest.permissions;
    const navidrome = createNavidrome({ manifest: { ...manifest, permissions } });

    // Navidrome registers host functions only for granted services, so the module's cache imports
    // stay unresolved and the plugin never loads.
    await expect(navidrome.loadWasm(readWasm(projectDir))).rejects.toThrow(/"cache_getfloat".*permissions\.cache/);
  });
});
