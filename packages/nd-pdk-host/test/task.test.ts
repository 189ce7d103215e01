import { describe, expect, test } from "vitest";

import type { QueueConfig } from "../src/index.js";
import { task } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls, wireFormatErrorFrom } from "./fake-host.js";

describe("task.createQueue", () => {
  test("leaves out a config not given", () => {
    expect(requestOf("task_createqueue", () => task.createQueue("imports"))).toBe('{"name":"imports"}');
  });

  test("sends an empty config as an empty object", () => {
    expect(requestOf("task_createqueue", () => task.createQueue("imports", {}))).toBe('{"name":"imports","config":{}}');
  });

  test("sends every config field in schema order", () => {
    const config: QueueConfig = { retentionMs: 86400000, delayMs: 250, backoffMs: 2000, maxRetries: 3, concurrency: 2 };

    const request = requestOf("task_createqueue", () => task.createQueue("imports", config));

    expect(request).toBe(
      '{"name":"imports","config":{"concurrency":2,"maxRetries":3,"backoffMs":2000,"delayMs":250,"retentionMs":86400000}}',
    );
  });

  test("returns nothing on success", () => {
    expect(resultOf("task_createqueue", "{}", () => task.createQueue("imports"))).toBeUndefined();
  });

  testFailedCalls({ service: "task", name: "createQueue", importName: "task_createqueue", call: () => task.createQueue("imports") });
});

describe("task.enqueue", () => {
  test("sends the queue name and base64 payload", () => {
    const payload = new TextEncoder().encode('{"a":1}');

    expect(requestOf("task_enqueue", () => task.enqueue("imports", payload))).toBe('{"queueName":"imports","payload":"eyJhIjoxfQ=="}');
  });

  test("sends an empty payload as empty base64", () => {
    expect(requestOf("task_enqueue", () => task.enqueue("imports", new Uint8Array(0)))).toBe('{"queueName":"imports","payload":""}');
  });

  test("decodes the task id", () => {
    expect(resultOf("task_enqueue", '{"result":"task-7f3a"}', () => task.enqueue("imports", Uint8Array.of(1)))).toBe("task-7f3a");
  });

  test("absent task id gives empty string", () => {
    expect(resultOf("task_enqueue", "{}", () => task.enqueue("imports", Uint8Array.of(1)))).toBe("");
  });

  testFailedCalls({ service: "task", name: "enqueue", importName: "task_enqueue", call: () => task.enqueue("imports", Uint8Array.of(1)) });
});

describe("task.get", () => {
  test("sends the task id", () => {
    const reply = '{"result":{"status":"pending","message":"","attempt":0}}';
    expect(requestOf("task_get", () => task.get("task-7f3a"), reply)).toBe('{"taskId":"task-7f3a"}');
  });

  test("decodes the task state", () => {
    const reply = '{"result":{"status":"failed","message":"upstream returned 503","attempt":3}}';

    expect(resultOf("task_get", reply, () => task.get("task-7f3a"))).toStrictEqual({
      status: "failed",
      message: "upstream returned 503",
      attempt: 3,
    });
  });

  test("decodes a pending task with zero values", () => {
    const reply = '{"result":{"status":"pending","message":"","attempt":0}}';

    expect(resultOf("task_get", reply, () => task.get("task-7f3a"))).toStrictEqual({ status: "pending", message: "", attempt: 0 });
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"result":null}'],
  ])("%s result throws WireFormatError", (_label, reply) => {
    // Navidrome fails the call for an unknown id, so a reply without a task is malformed.
    const error = wireFormatErrorFrom(() => resultOf("task_get", reply, () => task.get("task-7f3a")));

    expect(error.message).toContain("task.get");
    expect(error.path).toBe("result");
  });

  test("task state without attempt throws WireFormatError", () => {
    const reply = '{"result":{"status":"pending","message":""}}';

    const error = wireFormatErrorFrom(() => resultOf("task_get", reply, () => task.get("task-7f3a")));

    expect(error.message).toContain("task.get");
    expect(error.message).toContain('"attempt"');
  });

  testFailedCalls({ service: "task", name: "get", importName: "task_get", call: () => task.get("task-7f3a") });
});

describe("task.cancel", () => {
  test("sends the task id", () => {
    expect(requestOf("task_cancel", () => task.cancel("task-7f3a"))).toBe('{"taskId":"task-7f3a"}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("task_cancel", "{}", () => task.cancel("task-7f3a"))).toBeUndefined();
  });

  testFailedCalls({ service: "task", name: "cancel", importName: "task_cancel", call: () => task.cancel("task-7f3a") });
});

describe("task.clearQueue", () => {
  test("sends the queue name", () => {
    expect(requestOf("task_clearqueue", () => task.clearQueue("imports"))).toBe('{"queueName":"imports"}');
  });

  test("decodes the removed count", () => {
    expect(resultOf("task_clearqueue", '{"result":14}', () => task.clearQueue("imports"))).toBe(14);
  });

  test("absent count gives 0", () => {
    expect(resultOf("task_clearqueue", "{}", () => task.clearQueue("imports"))).toBe(0);
  });

  testFailedCalls({ service: "task", name: "clearQueue", importName: "task_clearqueue", call: () => task.clearQueue("imports") });
});
