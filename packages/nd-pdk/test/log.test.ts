import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { log } from "../src/index.js";

const levels = ["trace", "debug", "info", "warn", "error"] as const;

type Level = (typeof levels)[number];

let spies: Record<Level, ReturnType<typeof vi.spyOn>>;

beforeEach(() => {
  spies = {
    trace: vi.spyOn(console, "trace").mockImplementation(() => undefined),
    debug: vi.spyOn(console, "debug").mockImplementation(() => undefined),
    info: vi.spyOn(console, "info").mockImplementation(() => undefined),
    warn: vi.spyOn(console, "warn").mockImplementation(() => undefined),
    error: vi.spyOn(console, "error").mockImplementation(() => undefined),
  };
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("log levels", () => {
  test.each(levels)("%s writes to console.%s only", (level) => {
    log[level]("scrobble sent");

    expect(spies[level]).toHaveBeenCalledTimes(1);
    expect(spies[level]).toHaveBeenCalledWith("scrobble sent");
    for (const other of levels) {
      if (other !== level) expect(spies[other]).not.toHaveBeenCalled();
    }
  });

  test("info does not go through console.log", () => {
    const logSpy = vi.spyOn(console, "log").mockImplementation(() => undefined);

    log.info("started");

    expect(logSpy).not.toHaveBeenCalled();
    expect(spies.info).toHaveBeenCalledWith("started");
  });
});

describe("log fields", () => {
  test("strings are quoted", () => {
    log.info("scrobble sent", { user: "alice", track: "Blue in Green" });

    expect(spies.info).toHaveBeenCalledWith('scrobble sent user="alice" track="Blue in Green"');
  });

  test("quotes and newlines in strings are escaped", () => {
    log.warn("odd title", { title: 'say "hi"\nagain' });

    expect(spies.warn).toHaveBeenCalledWith('odd title title="say \\"hi\\"\\nagain"');
  });

  test("numbers, booleans, null and undefined", () => {
    log.debug("state", { attempt: 3, rate: 1.5, retry: true, previous: null, next: undefined });

    expect(spies.debug).toHaveBeenCalledWith("state attempt=3 rate=1.5 retry=true previous=null next=undefined");
  });

  test("bigint gets an n suffix", () => {
    log.info("usage", { bytes: 9007199254740993n });

    expect(spies.info).toHaveBeenCalledWith("usage bytes=9007199254740993n");
  });

  test("Error shows its message", () => {
    log.error("scrobble failed", { error: new Error("scrobbler(retry_later): HTTP 503") });

    expect(spies.error).toHaveBeenCalledWith('scrobble failed error="scrobbler(retry_later): HTTP 503"');
  });

  test("objects and arrays as JSON", () => {
    log.info("batch", { ids: ["a", "b"], options: { full: true } });

    expect(spies.info).toHaveBeenCalledWith('batch ids=["a","b"] options={"full":true}');
  });

  test("object JSON cannot encode falls back to String", () => {
    const circular: Record<string, unknown> = {};
    circular["self"] = circular;

    log.info("cycle", { value: circular });

    expect(spies.info).toHaveBeenCalledWith("cycle value=[object Object]");
  });

  test("fields keep their insertion order", () => {
    log.trace("order", { z: 1, a: 2, m: 3 });

    expect(spies.trace).toHaveBeenCalledWith("order z=1 a=2 m=3");
  });

  test("empty fields add nothing", () => {
    log.info("plain", {});

    expect(spies.info).toHaveBeenCalledWith("plain");
  });

  test("each call is one console call with one string", () => {
    log.warn("rate limited", { retryAfter: 30 });

    expect(spies.warn).toHaveBeenCalledTimes(1);
    expect(spies.warn.mock.calls[0]).toHaveLength(1);
    expect(typeof spies.warn.mock.calls[0]?.[0]).toBe("string");
  });
});
