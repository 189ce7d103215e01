import { describe, expect, test } from "vitest";

import { HostCallError, NdPdkError, WireFormatError } from "../src/index.js";
import { setErrorMarker } from "../src/internal.js";

describe("isInstance", () => {
  test("recognises errors of another copy of the PDK by their marker", () => {
    // A second bundled copy has its own classes, so instanceof fails while the global marker matches.
    class OtherCopyError extends Error {}
    const foreign = new OtherCopyError("from another copy");
    setErrorMarker(foreign, "nd-pdk.error");
    setErrorMarker(foreign, "nd-pdk.error.host-call");

    expect(foreign instanceof NdPdkError).toBe(false);
    expect(NdPdkError.isInstance(foreign)).toBe(true);
    expect(HostCallError.isInstance(foreign)).toBe(true);
    expect(WireFormatError.isInstance(foreign)).toBe(false);
  });

  test("tells the subclasses apart", () => {
    const hostError = new HostCallError("kvstore", "get", "kvstore_get", "host-error", "disk full");
    expect(NdPdkError.isInstance(hostError)).toBe(true);
    expect(HostCallError.isInstance(hostError)).toBe(true);
    expect(WireFormatError.isInstance(hostError)).toBe(false);
    expect(NdPdkError.isInstance(new Error("plain"))).toBe(false);
    expect(NdPdkError.isInstance("kvstore_get failed")).toBe(false);
  });
});

describe("HostCallError", () => {
  test("names the service, the function and the host's message", () => {
    const error = new HostCallError("task", "enqueue", "task_enqueue", "host-error", "payload exceeds 1 MB");
    expect(error.message).toBe("task.enqueue (task_enqueue): payload exceeds 1 MB");
    expect(error.name).toBe("HostCallError");
    expect(error.failure).toBe("host-error");
  });

  test("keeps the marker out of the enumerable keys", () => {
    const error = new HostCallError("task", "get", "task_get", "no-reply", "x");
    expect(Object.getOwnPropertySymbols(error).every((s) => !Object.getOwnPropertyDescriptor(error, s)?.enumerable)).toBe(true);
  });
});
