import { FakeClock } from "../../src/clock.js";
import type { CallOutcome, LogRecord, ServiceContext } from "../../src/host/service.js";
import type { Manifest, Permissions } from "../../src/manifest/types.js";
import type { NavidromeOptions } from "../../src/options.js";

/** One call of a plugin export, as a service made it. */
export interface RecordedCall {
  readonly exportName: string;
  /** The input after a JSON round trip, as the plugin would receive it. */
  readonly input: Record<string, unknown>;
  /** Simulated Unix time in milliseconds. */
  readonly time: number;
}

/** The scripted plugin's reply to one call: a fixed outcome, or a function of the call. */
export type ScriptedAnswer = CallOutcome | ((call: RecordedCall) => CallOutcome);

/** A service context whose plugin is a script: it records every callback and returns the scripted outcome. */
export interface ScriptedContext extends ServiceContext {
  readonly clock: FakeClock;
  readonly calls: RecordedCall[];
  readonly logs: LogRecord[];
  /** Sets the outcome of calls of `exportName`. Exports without a scripted outcome succeed with no output. */
  respond(exportName: string, answer: ScriptedAnswer): void;
  /** The calls of one export, oldest first. */
  callsTo(exportName: string): RecordedCall[];
  /** The options a service factory receives, with the given extras. */
  options(extra?: Omit<NavidromeOptions, "manifest">): NavidromeOptions;
}

/** 2026-01-01T00:00:00Z, a Thursday. */
export const START = Date.UTC(2026, 0, 1);

/** Creates a scripted context for a plugin with the given permissions, starting at {@link START}. */
export function createScriptedContext(permissions: Permissions = {}): ScriptedContext {
  const manifest: Manifest = { name: "test-plugin", author: "tests", version: "1.0.0", permissions };
  const clock = new FakeClock(START);
  const calls: RecordedCall[] = [];
  const logs: LogRecord[] = [];
  const answers = new Map<string, ScriptedAnswer>();

  return {
    manifest,
    clock,
    calls,
    logs,
    callPlugin(exportName, input) {
      const call: RecordedCall = { exportName, input: JSON.parse(JSON.stringify(input)) as Record<string, unknown>, time: clock.now() };
      calls.push(call);
      const answer = answers.get(exportName) ?? { kind: "no-data" };
      return typeof answer === "function" ? answer(call) : answer;
    },
    log(level, message) {
      logs.push({ level, message, source: "navidrome", time: clock.now() });
    },
    respond(exportName, answer) {
      answers.set(exportName, answer);
    },
    callsTo(exportName) {
      return calls.filter((call) => call.exportName === exportName);
    },
    options(extra = {}) {
      return { manifest, ...extra };
    },
  };
}

/**
 * Builds the outcome of an export that threw `message`, with an error text shaped like the one
 * extism-js gives Navidrome: `Exception: <message>` followed by the stack.
 */
export function thrown(message: string): CallOutcome {
  return { kind: "error", message, text: `Exception: ${message}\n    at execute (plugin.js:12:9)` };
}

/** Calls a host function and returns its reply, or `{ error }` when it throws a ServiceError, as the plugin would see it. */
export function callHost(
  service: { readonly functions: Readonly<Record<string, (request: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined>> },
  importName: string,
  request: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const impl = service.functions[importName];
  if (impl === undefined) throw new Error(`the service has no function ${importName}`);
  try {
    return impl(request) ?? {};
  } catch (error) {
    if (error instanceof Error && error.name === "ServiceError") return { error: error.message };
    throw error;
  }
}
