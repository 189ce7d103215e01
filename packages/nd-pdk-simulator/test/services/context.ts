/**
 * Test helpers for calling simulated services directly: a recording ServiceContext, a valid manifest
 * with chosen permissions, and shortcuts for calling host functions and catching their errors.
 */
import { expect } from "vitest";

import { FakeClock } from "../../src/clock.js";
import { services as serviceInfo } from "../../src/generated/api.js";
import type { CallOutcome, LogLevel, ServiceContext, SimulatedService } from "../../src/host/service.js";
import { ServiceError } from "../../src/host/service.js";
import type { Manifest, Permissions } from "../../src/manifest/types.js";

/** A ServiceContext that records the plugin calls and log lines of the service under test. */
export interface RecordingContext extends ServiceContext {
  readonly clock: FakeClock;
  readonly pluginCalls: Array<{ readonly exportName: string; readonly input: unknown }>;
  readonly logLines: Array<{ readonly level: LogLevel; readonly message: string }>;
}

/** Returns a valid manifest with the given permissions. */
export function testManifest(permissions: Permissions = {}): Manifest {
  return { name: "Test Plugin", author: "Tests", version: "1.0.0", permissions };
}

/** Creates a context around a manifest with `permissions`; every plugin call returns `pluginOutcome`. */
export function createTestContext(permissions: Permissions = {}, pluginOutcome: CallOutcome = { kind: "no-data" }): RecordingContext {
  const pluginCalls: Array<{ exportName: string; input: unknown }> = [];
  const logLines: Array<{ level: LogLevel; message: string }> = [];
  return {
    manifest: testManifest(permissions),
    clock: new FakeClock(),
    pluginCalls,
    logLines,
    callPlugin(exportName, input) {
      pluginCalls.push({ exportName, input });
      return pluginOutcome;
    },
    log(level, message) {
      logLines.push({ level, message });
    },
  };
}

/** Calls a host function of a service by import name and returns its reply. */
export function call(service: SimulatedService, importName: string, request: Record<string, unknown> = {}): Record<string, unknown> {
  const impl = service.functions[importName];
  if (impl === undefined) throw new Error(`the service has no function ${importName}`);
  return impl(request) ?? {};
}

/** Calls a host function that must fail as a Go error would, and returns the error message. */
export function callError(service: SimulatedService, importName: string, request: Record<string, unknown> = {}): string {
  let thrown: unknown;
  try {
    call(service, importName, request);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${importName} should throw a ServiceError`).toBeInstanceOf(ServiceError);
  return (thrown as ServiceError).message;
}

/** Returns the import names the API schema lists for a service module, sorted. */
export function importNamesOf(module: string): string[] {
  const info = serviceInfo.find((service) => service.module === module);
  if (info === undefined) throw new Error(`no service module ${module} in the generated API`);
  return info.functions.map((fn) => fn.importName).sort();
}

/** Encodes text as the base64 a plugin sends for bytes. */
export function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}
