import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";

import { loadSchema, SchemaError } from "../src/load.js";

const metaSchemaPath = resolve(dirname(fileURLToPath(import.meta.url)), "../../../schema/schema.json");

const RELEASES = { releases: ["v0.60.0", "v0.61.0", "unreleased"] };

/** Builds a valid host service file, with top-level keys replaced by `overrides`. */
function service(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    service: "Clock",
    module: "clock",
    permission: null,
    description: "Server time.",
    functions: {
      now: {
        import: "clock_now",
        since: "v0.60.0",
        description: "Returns the server time.",
        returns: { seconds: { type: "int64" } },
      },
    },
    ...overrides,
  };
}

/** Builds a valid capability file, with top-level keys replaced by `overrides`. */
function capability(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    capability: "Greeter",
    key: "greeter",
    interface: "Greeter",
    required: false,
    description: "Greets users.",
    exports: {
      greet: { export: "nd_greeter_greet", since: "v0.60.0", description: "Returns a greeting.", output: "string" },
    },
    ...overrides,
  };
}

const tempDirs: string[] = [];

afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes a schema folder into a new temp dir. Values that are not strings are written as YAML. */
function writeSchema(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "nd-codegen-load-"));
  tempDirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    const absolute = join(dir, path);
    mkdirSync(dirname(absolute), { recursive: true });
    writeFileSync(absolute, typeof content === "string" ? content : stringify(content));
  }
  return dir;
}

/** Loads a schema that must be invalid and returns the SchemaError it raises. */
function loadError(dir: string): SchemaError {
  try {
    loadSchema(dir, metaSchemaPath);
  } catch (error) {
    if (error instanceof SchemaError) return error;
    throw error;
  }
  throw new Error(`loadSchema accepted the invalid schema in ${dir}`);
}

describe("loadSchema", () => {
  it("loads a valid schema", () => {
    const dir = writeSchema({ "releases.yaml": RELEASES, "host/clock.yaml": service(), "capabilities/greeter.yaml": capability() });

    const api = loadSchema(dir, metaSchemaPath);

    expect(api.releases).toEqual(RELEASES.releases);
    expect(api.services.map((s) => s.module)).toEqual(["clock"]);
    expect(api.capabilities.map((c) => c.key)).toEqual(["greeter"]);
  });

  it("rejects an unknown type name", () => {
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "host/clock.yaml": service({
        functions: {
          now: { import: "clock_now", since: "v0.60.0", description: "Returns the time.", returns: { time: { type: "array<Instant>" } } },
        },
      }),
    });

    expect(loadError(dir).problems).toEqual([
      `${join(dir, "host/clock.yaml")}: now returns time: unknown type Instant; define it under "types" in this file or in types.yaml`,
    ]);
  });

  it("rejects an unknown type in a type field", () => {
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "types.yaml": { types: { Song: { description: "A song.", fields: { album: { type: "nullable<Album>", description: "Its album." } } } } },
    });

    expect(loadError(dir).problems).toContain(
      `${join(dir, "types.yaml")}: Song.album: unknown type Album; define it under "types" in this file or in types.yaml`,
    );
  });

  it("rejects a type name defined in two files", () => {
    const song = { description: "A song.", fields: { id: { type: "string", description: "Song id." } } };
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "types.yaml": { types: { Song: song } },
      "capabilities/greeter.yaml": capability({ types: { Song: song } }),
    });

    expect(loadError(dir).problems).toEqual([
      `${join(dir, "capabilities/greeter.yaml")}: type Song is already defined in ${join(dir, "types.yaml")}; type names are unique across the schema`,
    ]);
  });

  it("rejects a since that releases.yaml does not list", () => {
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "host/clock.yaml": service({
        functions: { now: { import: "clock_now", since: "v0.59.0", description: "Returns the time." } },
      }),
    });

    expect(loadError(dir).problems).toEqual([
      `${join(dir, "host/clock.yaml")}: now.since: "v0.59.0" is not listed in releases.yaml; add it there or use a listed release`,
    ]);
  });

  it("rejects a change release that releases.yaml does not list", () => {
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "host/clock.yaml": service({
        functions: {
          now: {
            import: "clock_now",
            since: "v0.60.0",
            description: "Returns the time.",
            changes: [{ release: "v0.62.0", description: "Rounds to seconds." }],
          },
        },
      }),
    });

    expect(loadError(dir).problems).toEqual([
      `${join(dir, "host/clock.yaml")}: now.changes: "v0.62.0" is not listed in releases.yaml; add it there or use a listed release`,
    ]);
  });

  it("rejects an optional parameter before a required one", () => {
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "host/clock.yaml": service({
        functions: {
          format: {
            import: "clock_format",
            since: "v0.60.0",
            description: "Formats the time.",
            params: {
              zone: { type: "string", optional: true, description: "Time zone." },
              pattern: { type: "string", description: "Output pattern." },
            },
          },
        },
      }),
    });

    expect(loadError(dir).problems).toEqual([
      `${join(dir, "host/clock.yaml")}: format: only trailing parameters may be optional, but "zone" comes before a required one`,
    ]);
  });

  it("rejects a service file named differently from its module", () => {
    const dir = writeSchema({ "releases.yaml": RELEASES, "host/time.yaml": service({ module: "serverClock" }) });

    expect(loadError(dir).problems).toEqual([
      `${join(dir, "host/time.yaml")}: the file of module "serverClock" must be named server-clock.yaml`,
    ]);
  });

  it("rejects a capability file named differently from its key", () => {
    const dir = writeSchema({ "releases.yaml": RELEASES, "capabilities/greeter.yaml": capability({ key: "loginGreeter" }) });

    expect(loadError(dir).problems).toEqual([
      `${join(dir, "capabilities/greeter.yaml")}: the file of capability "loginGreeter" must be named login-greeter.yaml`,
    ]);
  });

  it("rejects a file that schema.json does not accept", () => {
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "host/clock.yaml": service({ functions: { now: { import: "clock_now", since: "v0.60.0" } } }),
    });

    expect(loadError(dir).problems).toEqual([`${join(dir, "host/clock.yaml")}: /functions/now must have required property 'description'`]);
  });

  it("rejects a file that is not valid YAML", () => {
    const dir = writeSchema({ "releases.yaml": RELEASES, "host/clock.yaml": "service: [Clock\n" });

    const problems = loadError(dir).problems;

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${escapeRegExp(join(dir, "host/clock.yaml"))}: not valid YAML: `));
  });

  it("rejects an invalid type expression", () => {
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "host/clock.yaml": service({
        functions: { now: { import: "clock_now", since: "v0.60.0", description: "Returns the time.", returns: { time: { type: "list<int64>" } } } },
      }),
    });

    expect(loadError(dir).problems).toEqual([
      `${join(dir, "host/clock.yaml")}: now returns time: invalid type "list<int64>": only array<T>, map<T> and nullable<T> take a type argument`,
    ]);
  });

  it("rejects a permission without permissionSince", () => {
    const dir = writeSchema({ "releases.yaml": RELEASES, "host/clock.yaml": service({ permission: "clock" }) });

    expect(loadError(dir).problems).toEqual([
      `${join(dir, "host/clock.yaml")}: permissionSince is required when the service has a permission`,
    ]);
  });

  it("rejects a shared type that uses a service type", () => {
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "types.yaml": { types: { Song: { description: "A song.", fields: { zone: { type: "Zone", description: "Time zone." } } } } },
      "host/clock.yaml": service({ types: { Zone: { description: "A time zone.", fields: { name: { type: "string", description: "Zone name." } } } } }),
    });

    expect(loadError(dir).problems).toEqual([`${join(dir, "types.yaml")}: Song.zone: shared types may only use shared types, not Zone`]);
  });

  it("reports a missing releases.yaml", () => {
    const dir = writeSchema({ "host/clock.yaml": service() });

    expect(loadError(dir).problems).toContain(`${join(dir, "releases.yaml")}: missing; it lists the Navidrome releases, oldest first`);
  });

  it("reports every problem in one error", () => {
    const dir = writeSchema({
      "releases.yaml": RELEASES,
      "host/time.yaml": service({
        functions: { now: { import: "clock_now", since: "v0.59.0", description: "Returns the time.", returns: { time: { type: "Instant" } } } },
      }),
    });

    const error = loadError(dir);

    expect(error.problems).toHaveLength(3);
    expect(error.message).toMatch(/^the API schema has 3 problem\(s\):\n {2}- /);
    for (const problem of error.problems) expect(error.message).toContain(`  - ${problem}`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
