import { describe, expect, test } from "vitest";

import { subsonicApi } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls } from "./fake-host.js";

describe("subsonicApi.call", () => {
  test("sends the uri", () => {
    const request = requestOf("subsonicapi_call", () => subsonicApi.call("getAlbumList2?type=random&size=10&u=alice"));

    expect(request).toBe('{"uri":"getAlbumList2?type=random&size=10&u=alice"}');
  });

  test("returns the response JSON as text", () => {
    const responseJson = '{"subsonic-response":{"status":"ok","version":"1.16.1"}}';

    const result = resultOf("subsonicapi_call", JSON.stringify({ responseJson }), () => subsonicApi.call("ping?u=alice"));

    expect(result).toBe(responseJson);
  });

  test("absent response gives empty string", () => {
    expect(resultOf("subsonicapi_call", "{}", () => subsonicApi.call("ping?u=alice"))).toBe("");
  });

  testFailedCalls({ service: "subsonicApi", name: "call", importName: "subsonicapi_call", call: () => subsonicApi.call("ping?u=alice") });
});

describe("subsonicApi.callRaw", () => {
  test("sends the uri", () => {
    expect(requestOf("subsonicapi_callraw", () => subsonicApi.callRaw("getCoverArt?id=al-1&u=alice"))).toBe(
      '{"uri":"getCoverArt?id=al-1&u=alice"}',
    );
  });

  test("decodes content type and base64 data", () => {
    const reply = '{"contentType":"image/png","data":"iVBORw=="}';

    const result = resultOf("subsonicapi_callraw", reply, () => subsonicApi.callRaw("getCoverArt?id=al-1&u=alice"));

    expect(result).toStrictEqual({ contentType: "image/png", data: Uint8Array.of(0x89, 0x50, 0x4e, 0x47) });
  });

  test("absent keys give empty values", () => {
    const result = resultOf("subsonicapi_callraw", "{}", () => subsonicApi.callRaw("getCoverArt?id=al-1&u=alice"));

    expect(result).toStrictEqual({ contentType: "", data: new Uint8Array(0) });
  });

  test("null data gives empty bytes", () => {
    const result = resultOf("subsonicapi_callraw", '{"contentType":"image/png","data":null}', () => subsonicApi.callRaw("x?u=alice"));

    expect(result).toStrictEqual({ contentType: "image/png", data: new Uint8Array(0) });
  });

  testFailedCalls({
    service: "subsonicApi",
    name: "callRaw",
    importName: "subsonicapi_callraw",
    call: () => subsonicApi.callRaw("getCoverArt?id=al-1&u=alice"),
  });
});
