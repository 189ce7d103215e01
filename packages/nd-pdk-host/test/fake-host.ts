/**
 * Helpers shared by the wire tests of the host services: each test installs the fake extism-js
 * runtime with the host functions it needs, and the runtime is removed again after every test.
 */
import { HostCallError, WireFormatError } from "@nd/pdk-types";
import type { FakeExtism, HostHandler } from "@nd/testing";
import { installFakeExtism } from "@nd/testing";
import { afterEach, expect, test } from "vitest";

const installed: FakeExtism[] = [];

afterEach(() => {
  for (const fake of installed.splice(0)) fake.uninstall();
});

/** Installs the fake runtime with the given host functions, removed again after the current test. */
export function installHost(hostFunctions: Readonly<Record<string, HostHandler>>): FakeExtism {
  const fake = installFakeExtism({ hostFunctions });
  installed.push(fake);
  return fake;
}

/**
 * Installs the fake runtime with one host function that returns `reply` to every request, or offset
 * 0 when `reply` is `undefined`.
 */
export function replyWith(importName: string, reply: string | undefined): FakeExtism {
  return installHost({ [importName]: () => reply });
}

/**
 * Runs `call` against a host function that replies `reply`, checks that it made exactly one call to
 * `importName` and freed every memory block, and returns the request text of that call.
 */
export function requestOf(importName: string, call: () => unknown, reply = "{}"): string {
  const fake = replyWith(importName, reply);
  call();
  expect(fake.calls.map((record) => record.name)).toEqual([importName]);
  expect(fake.liveBlocks).toBe(0);
  return fake.calls[0]?.request ?? "";
}

/** Runs `call` against a host function that replies `reply`, and returns what `call` returns. */
export function resultOf<T>(importName: string, reply: string, call: () => T): T {
  replyWith(importName, reply);
  return call();
}

/** Runs `run` and returns the error it throws, or fails the test when it returns normally. */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw, but it returned normally");
}

/** Runs `run` and returns the HostCallError it throws, or fails the test. */
export function hostCallErrorFrom(run: () => unknown): HostCallError {
  const error = thrownBy(run);
  expect(error).toBeInstanceOf(HostCallError);
  return error as HostCallError;
}

/** Runs `run` and returns the WireFormatError it throws, or fails the test. */
export function wireFormatErrorFrom(run: () => unknown): WireFormatError {
  const error = thrownBy(run);
  expect(error).toBeInstanceOf(WireFormatError);
  return error as WireFormatError;
}

/** One generated wrapper, with a call of it that sends a valid request. */
export interface WrapperUnderTest {
  /** The PDK module, as HostCallError names it (`kvstore`). */
  readonly service: string;
  /** The PDK function (`get`). */
  readonly name: string;
  /** The wasm import name (`kvstore_get`). */
  readonly importName: string;
  /** Calls the wrapper with valid arguments. */
  readonly call: () => unknown;
}

/**
 * Adds the tests every host function shares: an `error` key in the reply, offset 0, a reply that is
 * not JSON, a truncated reply, and a host function the plugin did not declare.
 */
export function testFailedCalls(wrapper: WrapperUnderTest): void {
  const { service, name, importName, call } = wrapper;

  test("error key throws HostCallError", () => {
    const fake = replyWith(importName, '{"error":"permission denied for plugin"}');

    const error = hostCallErrorFrom(call);

    expect(error.failure).toBe("host-error");
    expect(error.service).toBe(service);
    expect(error.function).toBe(name);
    expect(error.importName).toBe(importName);
    expect(error.hostMessage).toBe("permission denied for plugin");
    expect(error.message).toContain(`${service}.${name}`);
    expect(error.message).toContain("permission denied for plugin");
    expect(fake.liveBlocks).toBe(0);
  });

  test("offset 0 throws no-reply", () => {
    replyWith(importName, undefined);

    const error = hostCallErrorFrom(call);

    expect(error.failure).toBe("no-reply");
    expect(error.importName).toBe(importName);
  });

  test.each([
    ["text that is not JSON", "internal server error"],
    ["truncated JSON", '{"error":"permission den'],
  ])("%s throws invalid-reply", (_label, reply) => {
    replyWith(importName, reply);

    const error = hostCallErrorFrom(call);

    expect(error.failure).toBe("invalid-reply");
    expect(error.service).toBe(service);
    expect(error.function).toBe(name);
  });

  test("undeclared function throws unavailable", () => {
    const fake = installHost({ other_function: () => "{}" });

    const error = hostCallErrorFrom(call);

    expect(error.failure).toBe("unavailable");
    expect(error.importName).toBe(importName);
    expect(error.message).toContain(importName);
    expect(fake.calls).toEqual([]);
  });
}
