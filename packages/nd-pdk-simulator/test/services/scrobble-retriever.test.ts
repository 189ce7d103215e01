import type { ScrobbleRef } from "@nd/pdk-host";
import { describe, expect, test } from "vitest";

import type { NavidromeOptions } from "../../src/options.js";
import { createScrobbleRetrieverService, MAX_SCROBBLES_PER_PAGE } from "../../src/services/scrobble-retriever.js";
import { call, callError, createTestContext, importNamesOf } from "./context.js";

/** Scrobbles given as [id, submissionTime]; the media file id is derived from the id. */
function scrobbles(...entries: Array<[id: number, time: number]>): ScrobbleRef[] {
  return entries.map(([id, submissionTime]) => ({ id, mediaFileId: `mf-${id}`, submissionTime }));
}

// Out of order on purpose: the service sorts by time, then id. Times 200 and 300 have ties.
const aliceHistory = scrobbles([5, 300], [1, 100], [3, 200], [2, 200], [4, 300], [6, 300], [7, 400]);

function retriever(extra: Partial<NavidromeOptions> = {}) {
  const ctx = createTestContext({ users: {}, scrobbleRetriever: {} });
  return createScrobbleRetrieverService(ctx, {
    manifest: {},
    users: [{ userName: "alice" }, { userName: "bob" }, { userName: "zero" }],
    scrobbles: { alice: aliceHistory, zero: scrobbles([1, 0]) },
    ...extra,
  });
}

function ids(reply: Record<string, unknown>): number[] {
  return ((reply["scrobbles"] as ScrobbleRef[] | undefined) ?? []).map((scrobble) => scrobble.id);
}

/** Follows `next` until it is absent and returns the ids of every page. */
function allPages(service: ReturnType<typeof retriever>, options: Record<string, unknown>): number[][] {
  const pages: number[][] = [];
  let next: unknown = options;
  for (let guard = 0; next !== undefined && guard < 50; guard++) {
    const reply = call(service, "scrobbleretriever_getscrobbles", { username: "alice", options: next });
    pages.push(ids(reply));
    next = reply["next"];
  }
  return pages;
}

describe("scrobble retriever service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(retriever().functions).sort()).toEqual(importNamesOf("scrobbleRetriever"));
  });

  test("first and last timestamps", () => {
    const service = retriever();
    expect(call(service, "scrobbleretriever_getfirsttimestamp", { username: "alice" })).toEqual({ result: 100 });
    expect(call(service, "scrobbleretriever_getlasttimestamp", { username: "alice" })).toEqual({ result: 400 });
  });

  test("timestamp 0 is kept", () => {
    const service = retriever();
    expect(call(service, "scrobbleretriever_getfirsttimestamp", { username: "zero" })).toEqual({ result: 0 });
    expect(call(service, "scrobbleretriever_getlasttimestamp", { username: "zero" })).toEqual({ result: 0 });
  });

  test("user without scrobbles omits result", () => {
    const service = retriever();
    expect(call(service, "scrobbleretriever_getfirsttimestamp", { username: "bob" })).toEqual({});
    expect(call(service, "scrobbleretriever_getlasttimestamp", { username: "bob" })).toEqual({});
    expect(call(service, "scrobbleretriever_getscrobbles", { username: "bob" })).toEqual({});
    expect(call(service, "scrobbleretriever_getscrobblecount", { username: "bob" })).toEqual({});
  });

  test("getscrobbles sorts by time then id", () => {
    const reply = call(retriever(), "scrobbleretriever_getscrobbles", { username: "alice" });
    expect(ids(reply)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(reply).not.toHaveProperty("next");
    expect((reply["scrobbles"] as ScrobbleRef[])[0]).toEqual({ id: 1, mediaFileId: "mf-1", submissionTime: 100 });
  });

  test("getscrobbles descending", () => {
    const reply = call(retriever(), "scrobbleretriever_getscrobbles", { username: "alice", options: { descending: true } });
    expect(ids(reply)).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  test("range bounds are inclusive", () => {
    const reply = call(retriever(), "scrobbleretriever_getscrobbles", { username: "alice", options: { fromTimestamp: 200, toTimestamp: 300 } });
    expect(ids(reply)).toEqual([2, 3, 4, 5, 6]);
  });

  test("next cursor carries the page boundary", () => {
    const reply = call(retriever(), "scrobbleretriever_getscrobbles", { username: "alice", options: { maxItems: 3 } });

    expect(ids(reply)).toEqual([1, 2, 3]);
    // Scrobble 4 starts the next page at time 300; no scrobble of this page has that time, so offset is 0 and left out.
    expect(reply["next"]).toEqual({ fromTimestamp: 300, descending: false, maxItems: 3 });
  });

  test("next offset skips returned ties", () => {
    const reply = call(retriever(), "scrobbleretriever_getscrobbles", { username: "alice", options: { maxItems: 4 } });

    expect(ids(reply)).toEqual([1, 2, 3, 4]);
    expect(reply["next"]).toEqual({ fromTimestamp: 300, descending: false, maxItems: 4, offset: 1 });
  });

  test.each([[1], [2], [3], [4], [5], [6], [7], [8]])("paging by %i returns each scrobble once", (maxItems) => {
    const pages = allPages(retriever(), { maxItems });
    expect(pages.flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pages.every((page) => page.length <= maxItems)).toBe(true);
  });

  test.each([[1], [2], [3]])("descending paging by %i returns each scrobble once", (maxItems) => {
    expect(allPages(retriever(), { maxItems, descending: true }).flat()).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  test("paging keeps the other end of the range", () => {
    const service = retriever();
    const first = call(service, "scrobbleretriever_getscrobbles", { username: "alice", options: { toTimestamp: 300, maxItems: 2 } });
    expect(first["next"]).toEqual({ fromTimestamp: 200, toTimestamp: 300, descending: false, maxItems: 2, offset: 1 });
    expect(allPages(service, { toTimestamp: 300, maxItems: 2 }).flat()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("descending next sets toTimestamp", () => {
    const reply = call(retriever(), "scrobbleretriever_getscrobbles", { username: "alice", options: { descending: true, fromTimestamp: 0, maxItems: 2 } });
    expect(ids(reply)).toEqual([7, 6]);
    expect(reply["next"]).toEqual({ fromTimestamp: 0, toTimestamp: 300, descending: true, maxItems: 2, offset: 1 });
  });

  test("page size defaults to and caps at 5000", () => {
    const many = Array.from({ length: MAX_SCROBBLES_PER_PAGE + 2 }, (_, i) => ({ id: i + 1, mediaFileId: "mf", submissionTime: i }));
    const service = retriever({ scrobbles: { alice: many } });

    for (const maxItems of [undefined, 0, -1, MAX_SCROBBLES_PER_PAGE + 1]) {
      const reply = call(service, "scrobbleretriever_getscrobbles", { username: "alice", options: maxItems === undefined ? {} : { maxItems } });
      expect(ids(reply)).toHaveLength(MAX_SCROBBLES_PER_PAGE);
      expect(reply["next"]).toEqual({ fromTimestamp: MAX_SCROBBLES_PER_PAGE, descending: false, maxItems: MAX_SCROBBLES_PER_PAGE });
    }
  });

  test("accepts null options as Go clients send them", () => {
    const request = { username: "alice", options: { fromTimestamp: null, toTimestamp: null, descending: false, maxItems: 0, offset: 0 } };
    expect(ids(call(retriever(), "scrobbleretriever_getscrobbles", request))).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test("count covers the range", () => {
    const service = retriever();
    expect(call(service, "scrobbleretriever_getscrobblecount", { username: "alice" })).toEqual({ result: 7 });
    expect(call(service, "scrobbleretriever_getscrobblecount", { username: "alice", options: { fromTimestamp: 200 } })).toEqual({ result: 6 });
    expect(call(service, "scrobbleretriever_getscrobblecount", { username: "alice", options: { toTimestamp: 200 } })).toEqual({ result: 3 });
    expect(call(service, "scrobbleretriever_getscrobblecount", { username: "alice", options: { fromTimestamp: 500 } })).toEqual({});
  });

  test("unknown user fails", () => {
    expect(callError(retriever(), "scrobbleretriever_getscrobbles", { username: "mallory" })).toBe('scrobbleRetriever: user "mallory" not found');
    expect(callError(retriever(), "scrobbleretriever_getfirsttimestamp", { username: "" })).toBe('scrobbleRetriever: user "" not found');
  });

  test("disallowed user fails", () => {
    const service = retriever({ allowedUsers: ["bob"] });
    for (const importName of importNamesOf("scrobbleRetriever")) {
      expect(callError(service, importName, { username: "alice" })).toBe('scrobbleRetriever: plugin is not allowed to act as user "alice"');
    }
  });

  test("no allowed users fails", () => {
    expect(callError(retriever({ allowedUsers: [] }), "scrobbleretriever_getscrobblecount", { username: "alice" })).toBe(
      "scrobbleRetriever: plugin is not authorized to scope by user",
    );
  });

  test("user names ignore case", () => {
    expect(call(retriever(), "scrobbleretriever_getscrobblecount", { username: "Alice" })).toEqual({ result: 7 });
  });

  test("scrobblesOf view sorts", () => {
    expect(retriever().scrobblesOf("alice").map((scrobble) => scrobble.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
