import { describe, expect, test } from "vitest";

import { storage } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls } from "./fake-host.js";

describe("storage.getStoragePath", () => {
  test("sends an empty object", () => {
    expect(requestOf("storage_getstoragepath", () => storage.getStoragePath())).toBe("{}");
  });

  test("decodes the path", () => {
    expect(resultOf("storage_getstoragepath", '{"result":"/storage"}', () => storage.getStoragePath())).toBe("/storage");
  });

  test("absent path gives empty string", () => {
    expect(resultOf("storage_getstoragepath", "{}", () => storage.getStoragePath())).toBe("");
  });

  // Navidrome declares no error for this call, but it sets the `error` key when it cannot read the
  // request or write the response.
  testFailedCalls({
    service: "storage",
    name: "getStoragePath",
    importName: "storage_getstoragepath",
    call: () => storage.getStoragePath(),
  });
});
