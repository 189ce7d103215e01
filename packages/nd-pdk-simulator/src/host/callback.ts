import type { CallOutcome } from "./service.js";

/**
 * Returns why Navidrome counts a call of an export without output as failed, or undefined when it
 * succeeded. Navidrome decodes any output into an empty struct, so only `{}`-like objects and `null`
 * pass.
 */
export function callbackFailure(outcome: CallOutcome, exportName: string): string | undefined {
  switch (outcome.kind) {
    case "no-data":
      return undefined;
    case "error":
      return outcome.text;
    case "not-exported":
      return `function ${exportName} not found`;
    case "output": {
      let value: unknown;
      try {
        value = JSON.parse(outcome.output);
      } catch {
        return `the callback wrote output that is not JSON (${JSON.stringify(outcome.output.slice(0, 40))}); an export without output should write nothing`;
      }
      if (value === null || (typeof value === "object" && !Array.isArray(value))) return undefined;
      return `json: cannot unmarshal ${Array.isArray(value) ? "array" : typeof value} into Go value of type struct {}`;
    }
  }
}
