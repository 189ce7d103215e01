import * as capabilities from "@nd/pdk-capabilities";
import * as host from "@nd/pdk-host";
import { installFakeExtism } from "@nd/testing";
import { describe, expect, test } from "vitest";

import * as pdk from "../src/index.js";

describe("umbrella host services", () => {
  test("kvstore is the host service", () => {
    expect(pdk.kvstore).toBe(host.kvstore);
    expect(typeof pdk.kvstore.get).toBe("function");
    expect(typeof pdk.kvstore.set).toBe("function");
  });

  test("scheduler is the host service", () => {
    expect(pdk.scheduler).toBe(host.scheduler);
    expect(typeof pdk.scheduler.scheduleRecurring).toBe("function");
    expect(typeof pdk.scheduler.scheduleOneTime).toBe("function");
    expect(typeof pdk.scheduler.cancelSchedule).toBe("function");
  });

  test("websocket is the host service", () => {
    expect(pdk.websocket).toBe(host.websocket);
    expect(typeof pdk.websocket.connect).toBe("function");
    expect(typeof pdk.websocket.sendText).toBe("function");
  });

  test("every host service is exported", () => {
    for (const service of ["artwork", "cache", "config", "http", "kvstore", "library", "matcher", "scheduler", "scrobbleRetriever", "storage", "subsonicApi", "task", "users", "websocket"]) {
      expect(pdk).toHaveProperty(service, (host as Record<string, unknown>)[service]);
    }
  });

  test("scheduleRecurring calls the scheduler host function", () => {
    const fake = installFakeExtism({
      hostFunctions: { scheduler_schedulerecurring: () => '{"newScheduleId":"daily-sync"}' },
    });
    try {
      const id = pdk.scheduler.scheduleRecurring("0 3 * * *", "full", "daily-sync");

      expect(id).toBe("daily-sync");
      expect(fake.calls.map((call) => call.name)).toEqual(["scheduler_schedulerecurring"]);
      expect(JSON.parse(fake.calls[0]?.request ?? "")).toEqual({ cronExpression: "0 3 * * *", payload: "full", scheduleId: "daily-sync" });
    } finally {
      fake.uninstall();
    }
  });
});

describe("umbrella capabilities", () => {
  test("capability namespaces", () => {
    expect(pdk.scrobbler).toBe(capabilities.scrobbler);
    expect(pdk.schedulerCallback).toBe(capabilities.scheduler);
    expect(pdk.websocketCallback).toBe(capabilities.websocket);
    expect(pdk.metadataAgent).toBe(capabilities.metadataAgent);
    expect(pdk.lifecycle).toBe(capabilities.lifecycle);
  });

  test("capability namespaces differ from host services", () => {
    expect(pdk.schedulerCallback).not.toBe(pdk.scheduler);
    expect(pdk.websocketCallback).not.toBe(pdk.websocket);
  });

  test("ScrobblerError markers", () => {
    expect(pdk.ScrobblerError).toEqual({
      NotAuthorized: "scrobbler(not_authorized)",
      RetryLater: "scrobbler(retry_later)",
      Unrecoverable: "scrobbler(unrecoverable)",
    });
    expect(pdk.scrobbler.ScrobblerError).toBe(pdk.ScrobblerError);
  });

  test("definePlugin and error classes", () => {
    expect(pdk.definePlugin).toBe(capabilities.definePlugin);
    expect(pdk.PluginDefinitionError).toBe(capabilities.PluginDefinitionError);
    expect(typeof pdk.NdPdkError).toBe("function");
    expect(typeof pdk.WireFormatError).toBe("function");
    expect(typeof pdk.HostCallError).toBe("function");
    expect(typeof pdk.ConfigValueError).toBe("function");
    expect(typeof pdk.FileError).toBe("function");
  });

  test("helpers", () => {
    for (const name of ["log", "configString", "requireConfig", "configNumber", "configBoolean", "configJson", "encodeBase64", "decodeBase64", "files"]) {
      expect(pdk).toHaveProperty(name);
    }
  });
});
