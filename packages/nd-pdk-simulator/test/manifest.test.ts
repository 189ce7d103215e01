import { describe, expect, test } from "vitest";

import type { Manifest, Permissions } from "../src/manifest/types.js";
import { manifestSchema } from "../src/manifest/schema.js";
import { ManifestError, manifestLoadRules, parseByteSize, parseManifest } from "../src/manifest/validate.js";

const base = { name: "Test Plugin", author: "Tests", version: "1.0.0" };

/** Parses a manifest that must be rejected and returns its problems. */
function problemsOf(value: unknown): readonly string[] {
  let thrown: unknown;
  try {
    parseManifest(value);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "parseManifest should throw a ManifestError").toBeInstanceOf(ManifestError);
  return (thrown as ManifestError).problems;
}

const ALL_PERMISSIONS = [
  "http",
  "subsonicapi",
  "scheduler",
  "websocket",
  "artwork",
  "cache",
  "library",
  "kvstore",
  "users",
  "taskqueue",
  "matcher",
  "storage",
  "scrobbleRetriever",
];

describe("manifest schema", () => {
  test("lists the 13 permissions", () => {
    expect(Object.keys(manifestSchema.$defs.permissions.properties).sort()).toEqual([...ALL_PERMISSIONS].sort());
  });

  test("closes every object Navidrome closes", () => {
    expect(manifestSchema.additionalProperties).toBe(false);
    expect(manifestSchema.$defs.config.additionalProperties).toBe(false);
    expect(manifestSchema.$defs.permissions.additionalProperties).toBe(false);
    for (const permission of Object.values(manifestSchema.$defs.permissions.properties)) expect(permission.additionalProperties).toBe(false);
  });
});

describe("parseManifest", () => {
  test("accepts a minimal manifest", () => {
    expect(parseManifest(base)).toEqual(base);
  });

  test("accepts every permission with its options", () => {
    const manifest = {
      ...base,
      description: "Does things",
      website: "https://example.com/plugin",
      permissions: {
        http: { reason: "API", requiredHosts: ["api.example.com", "*.example.org"] },
        subsonicapi: {},
        scheduler: { reason: "poll" },
        websocket: { requiredHosts: ["ws.example.com"] },
        artwork: {},
        cache: {},
        library: { filesystem: true },
        kvstore: { maxSize: "5MB" },
        users: {},
        taskqueue: { maxConcurrency: 3 },
        matcher: {},
        storage: {},
        scrobbleRetriever: {},
      },
      config: { schema: { type: "object", properties: { apiKey: { type: "string" } } }, uiSchema: { type: "VerticalLayout" } },
    };
    expect(parseManifest(manifest)).toEqual(manifest);
  });

  test("accepts JSON text", () => {
    expect(parseManifest(JSON.stringify(base))).toEqual(base);
  });

  test("returns a copy", () => {
    const input = { ...base, permissions: { users: {} } };
    const manifest = parseManifest(input);
    input.permissions.users = { reason: "changed" } as never;
    expect(manifest.permissions?.users).toEqual({});
  });

  test("rejects invalid JSON text", () => {
    const [problem] = problemsOf("{ name: ");
    expect(problem).toMatch(/^the manifest is not valid JSON \(.+\): correct the syntax of manifest.json$/);
  });

  test("rejects a non-object", () => {
    expect(problemsOf([base])).toEqual(["the manifest must be a JSON object, but it is an array: write manifest.json as an object with name, author and version"]);
  });

  test("reports each missing required field", () => {
    expect(problemsOf({})).toEqual([
      'name is missing: add a non-empty "name" string to manifest.json',
      'author is missing: add a non-empty "author" string to manifest.json',
      'version is missing: add a non-empty "version" string to manifest.json',
    ]);
  });

  test("rejects empty required fields", () => {
    expect(problemsOf({ ...base, name: "", version: "" })).toEqual(["name is empty: set it to a non-empty string", "version is empty: set it to a non-empty string"]);
  });

  test("rejects a required field of the wrong type", () => {
    expect(problemsOf({ ...base, version: 1 })).toEqual(["version must be a string, but it is 1: change it to a JSON string"]);
  });

  test("rejects an unknown top-level key", () => {
    expect(problemsOf({ ...base, homepage: "x" })).toEqual([
      "homepage is not a manifest key: remove it, or use one of the allowed keys: name, author, version, description, website, permissions, config",
    ]);
  });

  test("rejects an unknown permission", () => {
    expect(problemsOf({ ...base, permissions: { filesystem: {} } })).toEqual([
      `permissions.filesystem is not a known permission: remove it, or use one of the allowed keys: ${ALL_PERMISSIONS.join(", ")}`,
    ]);
  });

  test("suggests the right case for a permission", () => {
    expect(problemsOf({ ...base, permissions: { users: {}, scrobbleretriever: {} } })).toEqual([
      'permissions.scrobbleretriever is not a known permission: rename it to "scrobbleRetriever", because keys are case-sensitive',
    ]);
  });

  test("rejects an unknown permission option", () => {
    expect(problemsOf({ ...base, permissions: { http: { allowedHosts: ["x"] } } })).toEqual([
      "permissions.http.allowedHosts is not a known option of permissions.http: remove it, or use one of the allowed keys: reason, requiredHosts",
    ]);
  });

  test("rejects a permission that is not an object", () => {
    expect(problemsOf({ ...base, permissions: { cache: true } })).toEqual([
      'permissions.cache must be an object, but it is true: write "cache": {} to request the permission, optionally with a "reason"',
    ]);
  });

  test("rejects a non-string required host", () => {
    expect(problemsOf({ ...base, permissions: { http: { requiredHosts: ["ok.example.com", 5] } } })).toEqual([
      "permissions.http.requiredHosts[1] must be a string, but it is 5: change it to a JSON string",
    ]);
  });

  test("rejects a non-boolean filesystem flag", () => {
    expect(problemsOf({ ...base, permissions: { library: { filesystem: "yes" } } })).toEqual([
      'permissions.library.filesystem must be a boolean, but it is "yes": change it to a JSON boolean',
    ]);
  });

  test.each([[0], [-1]])("rejects maxConcurrency %i", (maxConcurrency) => {
    expect(problemsOf({ ...base, permissions: { taskqueue: { maxConcurrency } } })).toEqual([
      `permissions.taskqueue.maxConcurrency must be at least 1, but it is ${maxConcurrency}: set it to 1 or more, or leave it out to use the default of 1`,
    ]);
  });

  test("rejects a fractional maxConcurrency", () => {
    expect(problemsOf({ ...base, permissions: { taskqueue: { maxConcurrency: 1.5 } } })).toEqual([
      "permissions.taskqueue.maxConcurrency must be an integer, but it is 1.5: change it to an integer",
    ]);
  });

  test("rejects a website that is not a URL", () => {
    expect(problemsOf({ ...base, website: "example.com" })).toEqual([
      'website must be an absolute URL such as "https://example.com/my-plugin", but it is "example.com": correct it or remove it',
    ]);
  });

  test("rejects config without schema", () => {
    expect(problemsOf({ ...base, config: { uiSchema: {} } })).toEqual([
      'config.schema is missing: add "schema" with the JSON Schema of the plugin\'s settings to config, or remove config',
    ]);
  });

  test("rejects an unknown config key", () => {
    expect(problemsOf({ ...base, config: { schema: {}, defaults: {} } })).toEqual([
      "config.defaults is not a known option of config: remove it, or use one of the allowed keys: schema, uiSchema",
    ]);
  });

  test("subsonicapi requires users", () => {
    expect(problemsOf({ ...base, permissions: { subsonicapi: {} } })).toEqual([
      'permissions.subsonicapi requires permissions.users: add "users": {} to permissions in manifest.json',
    ]);
  });

  test("scrobbleRetriever requires users", () => {
    expect(problemsOf({ ...base, permissions: { scrobbleRetriever: {} } })).toEqual([
      'permissions.scrobbleRetriever requires permissions.users: add "users": {} to permissions in manifest.json',
    ]);
  });

  test("matcher requires library", () => {
    expect(problemsOf({ ...base, permissions: { matcher: {} } })).toEqual([
      'permissions.matcher requires permissions.library: add "library": {} to permissions in manifest.json',
    ]);
  });

  test("config schema must compile", () => {
    const [problem, ...others] = problemsOf({ ...base, config: { schema: { type: "object", properties: { port: { type: "port" } } } } });
    expect(others).toEqual([]);
    expect(problem).toMatch(/^config\.schema is not a valid JSON Schema \(schema is invalid: .*type.*\): correct the settings schema so that it compiles$/);
  });

  test("config schema with an unresolved $ref fails", () => {
    const [problem] = problemsOf({ ...base, config: { schema: { $ref: "#/definitions/missing" } } });
    expect(problem).toContain("can't resolve reference #/definitions/missing");
  });

  test("config schema may use unknown keywords", () => {
    expect(() => parseManifest({ ...base, config: { schema: { type: "object", "x-order": 1 } } })).not.toThrow();
  });

  test("config schema may declare draft 2020-12", () => {
    const schema = { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", $defs: { name: { type: "string" } }, properties: { a: { $ref: "#/$defs/name" } } };
    expect(() => parseManifest({ ...base, config: { schema } })).not.toThrow();
  });

  test("config schema may declare draft-07", () => {
    const schema = { $schema: "http://json-schema.org/draft-07/schema#", type: "object", definitions: { name: { type: "string" } } };
    expect(() => parseManifest({ ...base, config: { schema } })).not.toThrow();
  });

  test("rejects an invalid kvstore maxSize", () => {
    const [problem] = problemsOf({ ...base, permissions: { kvstore: { maxSize: "big" } } });
    expect(problem).toMatch(/^permissions\.kvstore\.maxSize is not a valid byte size: invalid byte size "big": it does not start with a number/);
  });

  test("accepts an empty kvstore maxSize as the default", () => {
    expect(() => parseManifest({ ...base, permissions: { kvstore: { maxSize: "" } } })).not.toThrow();
  });

  test("lists every problem at once", () => {
    const problems = problemsOf({ name: "", author: "A", permissions: { matcher: {}, subsonicapi: {}, taskqueue: { maxConcurrency: 0 } } });
    expect(problems).toEqual([
      'version is missing: add a non-empty "version" string to manifest.json',
      "name is empty: set it to a non-empty string",
      "permissions.taskqueue.maxConcurrency must be at least 1, but it is 0: set it to 1 or more, or leave it out to use the default of 1",
      'permissions.subsonicapi requires permissions.users: add "users": {} to permissions in manifest.json',
      'permissions.matcher requires permissions.library: add "library": {} to permissions in manifest.json',
    ]);
  });

  test("error message lists the problems", () => {
    let thrown: unknown;
    try {
      parseManifest({ ...base, permissions: { matcher: {} } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ManifestError);
    expect((thrown as Error).name).toBe("ManifestError");
    expect((thrown as Error).message).toBe(
      'manifest.json has 1 problem:\n  - permissions.matcher requires permissions.library: add "library": {} to permissions in manifest.json',
    );
  });
});

describe("parseByteSize", () => {
  test.each([
    ["1048576", 1_048_576],
    ["0", 0],
    ["1MB", 1_000_000],
    ["1mb", 1_000_000],
    ["500KB", 500_000],
    ["500kb", 500_000],
    ["1.5 MB", 1_500_000],
    ["1MiB", 1_048_576],
    ["1 mib", 1_048_576],
    ["2KiB", 2048],
    ["1k", 1000],
    ["1ki", 1024],
    ["1GB", 1_000_000_000],
    ["1GiB", 1_073_741_824],
    ["10B", 10],
    ["1,024", 1024],
    ["1.5", 1],
    [".5KB", 500],
    ["1MB ", 1_000_000],
  ])("parses %j as %i bytes", (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  test.each([[""], ["MB"], [" 1MB"], ["-1MB"], ["1..5MB"], ["abc"]])("rejects %j without a number", (text) => {
    expect(() => parseByteSize(text)).toThrow(`invalid byte size ${JSON.stringify(text)}: it does not start with a number`);
  });

  test.each([["1XB", "xb"], ["1 megabyte", "megabyte"], ["1M B", "m b"]])("rejects %j with unit %j", (text, unit) => {
    expect(() => parseByteSize(text)).toThrow(`invalid byte size ${JSON.stringify(text)}: unknown unit ${JSON.stringify(unit)}`);
  });

  test("rejects sizes beyond 2^53 bytes", () => {
    expect(() => parseByteSize("100EB")).toThrow("larger than the 9007199254740991 bytes the simulator can count");
  });

  test("error explains the accepted forms", () => {
    expect(() => parseByteSize("lots")).toThrow('Use a number with an optional unit, such as "1048576", "500KB", "1.5 MB" or "1MiB"');
  });
});

describe("manifestLoadRules", () => {
  const manifest = (permissions: Permissions): Manifest => ({ ...base, permissions });

  test("passes a consistent plugin", () => {
    const problems = manifestLoadRules(manifest({ users: {}, scheduler: {}, taskqueue: {} }), [
      "nd_scrobbler_scrobble",
      "nd_scheduler_callback",
      "nd_task_execute",
    ]);
    expect(problems).toEqual([]);
  });

  test("scrobbler requires users", () => {
    expect(manifestLoadRules(manifest({}), ["nd_scrobbler_is_authorized", "nd_scrobbler_scrobble", "nd_on_init"])).toEqual([
      'the plugin exports nd_scrobbler_is_authorized, nd_scrobbler_scrobble, which makes it a scrobbler, and a scrobbler requires permissions.users: add "users": {} to permissions in manifest.json',
    ]);
  });

  test("one scrobbler export is enough", () => {
    expect(manifestLoadRules({ ...base }, ["nd_scrobbler_playback_report"])).toHaveLength(1);
  });

  test("scheduler requires its callback", () => {
    expect(manifestLoadRules(manifest({ scheduler: {} }), ["nd_on_init"])).toEqual([
      'permissions.scheduler requires the export nd_scheduler_callback, which Navidrome calls when a schedule fires: implement the scheduler callback, or remove "scheduler" from permissions',
    ]);
  });

  test("taskqueue requires nd_task_execute", () => {
    expect(manifestLoadRules(manifest({ taskqueue: { maxConcurrency: 2 } }), [])).toEqual([
      'permissions.taskqueue requires the export nd_task_execute, which Navidrome calls to run each task: implement the task worker, or remove "taskqueue" from permissions',
    ]);
  });

  test("websocket does not require callbacks", () => {
    expect(manifestLoadRules(manifest({ websocket: { requiredHosts: ["ws.example.com"] } }), [])).toEqual([]);
  });

  test("reports every problem", () => {
    expect(manifestLoadRules(manifest({ scheduler: {}, taskqueue: {} }), ["nd_scrobbler_now_playing"])).toHaveLength(3);
  });
});
