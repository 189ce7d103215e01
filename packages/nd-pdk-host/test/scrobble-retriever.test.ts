import { describe, expect, test } from "vitest";

import type { ScrobbleOptions } from "../src/index.js";
import { scrobbleRetriever } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls, wireFormatErrorFrom } from "./fake-host.js";

describe("scrobbleRetriever.getFirstTimestamp", () => {
  test("sends the username", () => {
    expect(requestOf("scrobbleretriever_getfirsttimestamp", () => scrobbleRetriever.getFirstTimestamp("alice"))).toBe(
      '{"username":"alice"}',
    );
  });

  test.each([
    ['{"result":1262304000}', 1262304000],
    ['{"result":0}', 0],
  ])("reply %s gives %d", (reply, expected) => {
    expect(resultOf("scrobbleretriever_getfirsttimestamp", reply, () => scrobbleRetriever.getFirstTimestamp("alice"))).toBe(expected);
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"result":null}'],
  ])("%s result gives undefined", (_label, reply) => {
    expect(resultOf("scrobbleretriever_getfirsttimestamp", reply, () => scrobbleRetriever.getFirstTimestamp("alice"))).toBeUndefined();
  });

  testFailedCalls({
    service: "scrobbleRetriever",
    name: "getFirstTimestamp",
    importName: "scrobbleretriever_getfirsttimestamp",
    call: () => scrobbleRetriever.getFirstTimestamp("alice"),
  });
});

describe("scrobbleRetriever.getLastTimestamp", () => {
  test("sends the username", () => {
    expect(requestOf("scrobbleretriever_getlasttimestamp", () => scrobbleRetriever.getLastTimestamp("alice"))).toBe(
      '{"username":"alice"}',
    );
  });

  test.each([
    ['{"result":1717171717}', 1717171717],
    ['{"result":0}', 0],
  ])("reply %s gives %d", (reply, expected) => {
    expect(resultOf("scrobbleretriever_getlasttimestamp", reply, () => scrobbleRetriever.getLastTimestamp("alice"))).toBe(expected);
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"result":null}'],
  ])("%s result gives undefined", (_label, reply) => {
    expect(resultOf("scrobbleretriever_getlasttimestamp", reply, () => scrobbleRetriever.getLastTimestamp("alice"))).toBeUndefined();
  });

  testFailedCalls({
    service: "scrobbleRetriever",
    name: "getLastTimestamp",
    importName: "scrobbleretriever_getlasttimestamp",
    call: () => scrobbleRetriever.getLastTimestamp("alice"),
  });
});

describe("scrobbleRetriever.getScrobbles", () => {
  test("leaves out options not given", () => {
    expect(requestOf("scrobbleretriever_getscrobbles", () => scrobbleRetriever.getScrobbles("alice"))).toBe('{"username":"alice"}');
  });

  test("sends empty options as an empty object", () => {
    expect(requestOf("scrobbleretriever_getscrobbles", () => scrobbleRetriever.getScrobbles("alice", {}))).toBe(
      '{"username":"alice","options":{}}',
    );
  });

  test("sends every option in schema order", () => {
    const options: ScrobbleOptions = { offset: 2, maxItems: 100, descending: true, toTimestamp: 1717171717, fromTimestamp: 0 };

    const request = requestOf("scrobbleretriever_getscrobbles", () => scrobbleRetriever.getScrobbles("alice", options));

    expect(request).toBe(
      '{"username":"alice","options":{"fromTimestamp":0,"toTimestamp":1717171717,"descending":true,"maxItems":100,"offset":2}}',
    );
  });

  test("decodes scrobbles and the next page", () => {
    const reply = JSON.stringify({
      scrobbles: [
        { id: 901, mediaFileId: "mf-1", submissionTime: 1700000000 },
        { id: 902, mediaFileId: "mf-2", submissionTime: 1700000300 },
      ],
      next: { fromTimestamp: 1700000300, toTimestamp: null, descending: false, maxItems: 2, offset: 1 },
    });

    const page = resultOf("scrobbleretriever_getscrobbles", reply, () => scrobbleRetriever.getScrobbles("alice", { maxItems: 2 }));

    expect(page).toStrictEqual({
      scrobbles: [
        { id: 901, mediaFileId: "mf-1", submissionTime: 1700000000 },
        { id: 902, mediaFileId: "mf-2", submissionTime: 1700000300 },
      ],
      next: { fromTimestamp: 1700000300, descending: false, maxItems: 2, offset: 1 },
    });
  });

  test("passing next back sends it unchanged", () => {
    const next: ScrobbleOptions = { fromTimestamp: 1700000300, descending: false, maxItems: 2, offset: 1 };

    const request = requestOf("scrobbleretriever_getscrobbles", () => scrobbleRetriever.getScrobbles("alice", next));

    expect(request).toBe('{"username":"alice","options":{"fromTimestamp":1700000300,"descending":false,"maxItems":2,"offset":1}}');
  });

  test.each([
    ["absent", '{"scrobbles":[{"id":1,"mediaFileId":"mf-1","submissionTime":0}]}'],
    ["null", '{"scrobbles":[{"id":1,"mediaFileId":"mf-1","submissionTime":0}],"next":null}'],
  ])("%s next gives undefined", (_label, reply) => {
    const page = resultOf("scrobbleretriever_getscrobbles", reply, () => scrobbleRetriever.getScrobbles("alice"));

    expect(page).toStrictEqual({ scrobbles: [{ id: 1, mediaFileId: "mf-1", submissionTime: 0 }], next: undefined });
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"scrobbles":null}'],
  ])("%s scrobbles give an empty array", (_label, reply) => {
    const page = resultOf("scrobbleretriever_getscrobbles", reply, () => scrobbleRetriever.getScrobbles("alice"));

    expect(page).toStrictEqual({ scrobbles: [], next: undefined });
  });

  test("next without maxItems throws WireFormatError", () => {
    const reply = '{"scrobbles":[],"next":{"descending":false}}';

    const error = wireFormatErrorFrom(() => resultOf("scrobbleretriever_getscrobbles", reply, () => scrobbleRetriever.getScrobbles("alice")));

    expect(error.message).toContain("scrobbleRetriever.getScrobbles");
    expect(error.message).toContain('"maxItems"');
    expect(error.path).toBe("next.maxItems");
  });

  testFailedCalls({
    service: "scrobbleRetriever",
    name: "getScrobbles",
    importName: "scrobbleretriever_getscrobbles",
    call: () => scrobbleRetriever.getScrobbles("alice"),
  });
});

describe("scrobbleRetriever.getScrobbleCount", () => {
  test("leaves out options not given", () => {
    expect(requestOf("scrobbleretriever_getscrobblecount", () => scrobbleRetriever.getScrobbleCount("alice"))).toBe(
      '{"username":"alice"}',
    );
  });

  test.each([
    [{}, '{"username":"alice","options":{}}'],
    [{ fromTimestamp: 1700000000 }, '{"username":"alice","options":{"fromTimestamp":1700000000}}'],
    [{ toTimestamp: 1717171717, fromTimestamp: 0 }, '{"username":"alice","options":{"fromTimestamp":0,"toTimestamp":1717171717}}'],
  ])("sends options %j when given", (options, expected) => {
    expect(requestOf("scrobbleretriever_getscrobblecount", () => scrobbleRetriever.getScrobbleCount("alice", options))).toBe(expected);
  });

  test("decodes the count", () => {
    expect(resultOf("scrobbleretriever_getscrobblecount", '{"result":5321}', () => scrobbleRetriever.getScrobbleCount("alice"))).toBe(5321);
  });

  test("absent count gives 0", () => {
    expect(resultOf("scrobbleretriever_getscrobblecount", "{}", () => scrobbleRetriever.getScrobbleCount("alice"))).toBe(0);
  });

  testFailedCalls({
    service: "scrobbleRetriever",
    name: "getScrobbleCount",
    importName: "scrobbleretriever_getscrobblecount",
    call: () => scrobbleRetriever.getScrobbleCount("alice"),
  });
});
