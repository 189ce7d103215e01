import { describe, expect, test } from "vitest";

import { createStorageService } from "../../src/services/storage.js";
import { call, createTestContext, importNamesOf } from "./context.js";

describe("storage service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(createStorageService(createTestContext(), { manifest: {} }).functions).sort()).toEqual(importNamesOf("storage"));
  });

  test("returns /storage by default", () => {
    const service = createStorageService(createTestContext({ storage: {} }), { manifest: {} });
    expect(call(service, "storage_getstoragepath")).toEqual({ result: "/storage" });
    expect(service.storagePath()).toBe("/storage");
  });

  test("returns the configured path", () => {
    const service = createStorageService(createTestContext({ storage: {} }), { manifest: {}, storagePath: "/tmp/plugin-storage" });
    expect(call(service, "storage_getstoragepath")).toEqual({ result: "/tmp/plugin-storage" });
  });
});
