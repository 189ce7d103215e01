import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { generate } from "../src/generate.js";
import { loadSchema } from "../src/load.js";

const testDir = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(testDir, "golden");
const repositoryRoot = resolve(testDir, "../../..");
const metaSchemaPath = join(repositoryRoot, "schema/schema.json");

const HOST_DIR = "packages/nd-pdk-host/src/generated";
const CAPABILITIES_DIR = "packages/nd-pdk-capabilities/src/generated";
const TYPES_FILE = "packages/nd-pdk-types/src/generated/types.ts";

/** Every folder under golden/ that has a schema, one per schema shape. */
const shapes = readdirSync(goldenDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(goldenDir, entry.name, "schema")))
  .map((entry) => entry.name)
  .sort();

function generateShape(shape: string): Map<string, string> {
  return generate(loadSchema(join(goldenDir, shape, "schema"), metaSchemaPath));
}

/** Returns one generated file of a shape, failing the test when the generator did not write it. */
function generatedFile(shape: string, path: string): string {
  const files = generateShape(shape);
  const content = files.get(path);
  if (content === undefined) throw new Error(`${shape} generated no ${path}, only ${[...files.keys()].join(", ")}`);
  return content;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

describe("golden files", () => {
  it("covers every schema shape", () => {
    expect(shapes).toEqual([
      "arrays-and-maps-of-refs",
      "bytes",
      "changes-and-unreleased",
      "no-parameters",
      "nullable-result",
      "omitted-when-sending",
      "option-pattern",
      "optional-capability",
      "optional-fields",
      "permission-and-limits",
      "required-capability",
      "reserved-word",
      "several-parameters",
      "several-results",
      "shared-type",
    ]);
  });

  for (const shape of shapes) {
    describe(shape, () => {
      const expectedDir = join(goldenDir, shape, "expected");

      it("generates the expected files", async () => {
        for (const [path, content] of generateShape(shape)) {
          await expect(content).toMatchFileSnapshot(join(expectedDir, path), path);
        }
      });

      it("has no stale expected files", () => {
        const generated = [...generateShape(shape).keys()].sort();
        expect(listFiles(expectedDir)).toEqual(generated);
      });
    });
  }
});

describe("expected files", () => {
  it("compile under strict settings", () => {
    const tsc = join(repositoryRoot, "node_modules/.bin/tsc");
    const result = spawnSync(tsc, ["-p", join(goldenDir, "tsconfig.json")], { encoding: "utf8" });

    expect(result.error).toBeUndefined();
    expect(result.status, `tsc reported:\n${result.stdout}${result.stderr}`).toBe(0);
  }, 60_000);
});

describe("host functions", () => {
  it("takes no arguments when there are no parameters", () => {
    const clock = generatedFile("no-parameters", `${HOST_DIR}/clock.ts`);

    expect(clock).toContain("export function ping(): void {\n  callHost(pingCall);\n}");
    expect(clock).toContain("export function now(): number {");
    expect(clock).toContain("callHost<{ seconds?: number }>(nowCall);");
    expect(clock).not.toContain("request: {");
  });

  it("keeps parameters in schema order", () => {
    const mailbox = generatedFile("several-parameters", `${HOST_DIR}/mailbox.ts`);

    expect(mailbox).toContain(
      "export function send(recipient: string, subject: string, priority: number, urgent: boolean, weight: number): void {",
    );
    expect(mailbox).toContain('fields: { recipient: "string", subject: "string", priority: "int32", urgent: "bool", weight: "float64" },');
    expect(mailbox).toContain("callHost(sendCall, { recipient, subject, priority, urgent, weight });");
  });

  it("maps bytes to Uint8Array with an empty zero value", () => {
    const blob = generatedFile("bytes", `${HOST_DIR}/blob.ts`);

    expect(blob).toContain("export function put(name: string, data: Uint8Array): void {");
    expect(blob).toContain("export function fetch(name: string): Uint8Array {");
    expect(blob).toContain("return reply.data ?? new Uint8Array(0);");
  });

  it("returns undefined for a nullable result", () => {
    const weather = generatedFile("nullable-result", `${HOST_DIR}/weather.ts`);

    expect(weather).toContain("export function temperature(city: string): number | undefined {");
    expect(weather).toContain("return reply.celsius;");
    expect(weather).toContain("export function nearestStation(city: string): Station | undefined {");
    expect(weather).toContain("return reply.station;");
  });

  it("requires a non-nullable object reply key", () => {
    const weather = generatedFile("nullable-result", `${HOST_DIR}/weather.ts`);

    expect(weather).toContain("fields: { station: stationCodec },\n  },\n};");
    expect(weather).toContain("export function homeStation(): Station {");
    expect(weather).toContain("return reply.station as Station;");
  });

  it("returns an object for several results", () => {
    const wallet = generatedFile("several-results", `${HOST_DIR}/wallet.ts`);

    expect(wallet).toContain("export interface BalanceResult {");
    expect(wallet).toContain("export function balance(account: string): BalanceResult {");
    expect(wallet).toContain("  note: string | undefined;\n  /** Holder of the account. */\n  owner: Owner;\n}");
  });

  it("fills absent results with zero values", () => {
    const wallet = generatedFile("several-results", `${HOST_DIR}/wallet.ts`);

    expect(wallet).toContain('amount: reply.amount ?? 0, currency: reply.currency ?? "", frozen: reply.frozen ?? false,');
    expect(wallet).toContain("tags: reply.tags ?? [], limits: reply.limits ?? {}, note: reply.note,");
  });

  it("casts required object members", () => {
    const wallet = generatedFile("several-results", `${HOST_DIR}/wallet.ts`);

    expect(wallet).toContain("owner: reply.owner as Owner };");
    expect(wallet).toContain('optional: ["amount", "currency", "frozen", "tags", "limits", "note"],');
  });

  it("exports the object result type from the index", () => {
    const index = generatedFile("several-results", `${HOST_DIR}/index.ts`);

    expect(index).toContain('export type { BalanceResult, Owner } from "./wallet.js";');
  });

  it("unwraps the value and exists pattern", () => {
    const settings = generatedFile("option-pattern", `${HOST_DIR}/settings.ts`);

    expect(settings).toContain("export function lookup(name: string): string | undefined {");
    expect(settings).toContain('return reply.exists === true ? (reply.value ?? "") : undefined;');
    expect(settings).toContain("export function lookupNumber(name: string): number | undefined {");
    expect(settings).toContain("return reply.exists === true ? (reply.value ?? 0) : undefined;");
  });

  it("returns a boolean for exists alone", () => {
    const settings = generatedFile("option-pattern", `${HOST_DIR}/settings.ts`);

    expect(settings).toContain("export function isSet(name: string): boolean {");
    expect(settings).toContain("return reply.exists ?? false;");
  });

  it("nests codecs of arrays and maps of object types", () => {
    const playlist = generatedFile("arrays-and-maps-of-refs", `${HOST_DIR}/playlist.ts`);

    expect(playlist).toContain("entries: { array: entryCodec },");
    expect(playlist).toContain("slots: { array: { nullable: entryCodec } },");
    expect(playlist).toContain("byMood: { map: entryCodec },");
    expect(playlist).toContain("groups: { map: { array: entryCodec } },");
    expect(playlist).toContain("fields: { sections: { map: sectionCodec } },");
  });

  it("writes Array<T | undefined> for nullable items", () => {
    const playlist = generatedFile("arrays-and-maps-of-refs", `${HOST_DIR}/playlist.ts`);

    expect(playlist).toContain("slots: Array<Entry | undefined>;");
    expect(playlist).toContain("export function slots(id: string): Array<Entry | undefined> {");
  });

  it("declares a codec after the codecs it uses", () => {
    const playlist = generatedFile("arrays-and-maps-of-refs", `${HOST_DIR}/playlist.ts`);

    expect(playlist.indexOf("export const entryCodec")).toBeLessThan(playlist.indexOf("export const sectionCodec"));
  });

  it("marks optional parameters with ?", () => {
    const profile = generatedFile("optional-fields", `${HOST_DIR}/profile.ts`);

    expect(profile).toContain("export function update(name: string, bio?: string, age?: number): void {");
    expect(profile).toContain('optional: ["bio", "age"],');
  });

  it("exports a reserved word under an alias", () => {
    const trash = generatedFile("reserved-word", `${HOST_DIR}/trash.ts`);

    expect(trash).toContain("\nfunction delete_(id: string): void {");
    expect(trash).toContain("export { delete_ as delete };");
    expect(trash).toContain("\nfunction new_(): string {");
    expect(trash).toContain("export { new_ as new };");
    expect(trash).toContain('name: "delete",');
    expect(trash).toContain("export function restore(id: string): void {");
  });

  it("documents the permission and the limits", () => {
    const vault = generatedFile("permission-and-limits", `${HOST_DIR}/vault.ts`);

    expect(vault).toContain("Needs `permissions.vault` in manifest.json. Navidrome v0.61.0 or later.");
    expect(vault).toContain("  maxSecrets: 100,");
    expect(vault).toContain('  defaultQuota: "1MB",');
    expect(vault).toContain("} as const;");
  });

  it("documents a service without a permission", () => {
    const clock = generatedFile("no-parameters", `${HOST_DIR}/clock.ts`);

    expect(clock).toContain("Always available: it needs no permission in manifest.json.");
  });

  it("documents changes and unreleased functions", () => {
    const feed = generatedFile("changes-and-unreleased", `${HOST_DIR}/feed.ts`);

    expect(feed).toContain("Navidrome v0.60.0 or later. Changed in v0.61.0: Also fetches feeds that failed before.");
    expect(feed).toContain("development branch: Skips feeds that are paused.");
    expect(feed).toContain("Not in a Navidrome release yet.");
    expect(feed).toContain("when the call cannot be made; Navidrome itself reports no errors");
  });
});

describe("type fields", () => {
  it("marks optional fields with ?", () => {
    const profile = generatedFile("optional-fields", `${HOST_DIR}/profile.ts`);

    expect(profile).toContain("  name: string;");
    expect(profile).toContain("  bio?: string | undefined;");
    expect(profile).toContain("  age?: number | undefined;");
    expect(profile).toContain('optional: ["bio", "age", "nickname"],');
  });

  it("types a nullable field as optional", () => {
    const profile = generatedFile("optional-fields", `${HOST_DIR}/profile.ts`);

    expect(profile).toContain("  avatar?: Uint8Array | undefined;");
    expect(profile).toContain("    avatar: { nullable: bytesCodec },");
    expect(profile).not.toMatch(/optional: \[[^\]]*"avatar"/);
  });

  it("tags a deprecated field", () => {
    const profile = generatedFile("optional-fields", `${HOST_DIR}/profile.ts`);

    expect(profile).toContain("   * @deprecated Use `name` instead.\n   */\n  nickname?: string | undefined;");
  });

  it("lists when-sending fields apart from optional ones", () => {
    const search = generatedFile("omitted-when-sending", `${HOST_DIR}/search.ts`);

    expect(search).toContain("  limit?: number | undefined;");
    expect(search).toContain("  exact?: boolean | undefined;");
    expect(search).toContain('  optional: ["cursor"],');
    expect(search).toContain('  optionalWhenSending: ["limit", "exact"],');
  });
});

describe("capabilities", () => {
  it("declares every method of a required capability", () => {
    const audit = generatedFile("required-capability", `${CAPABILITIES_DIR}/audit-trail.ts`);

    expect(audit).toContain("  record(request: AuditEvent): void;");
    expect(audit).toContain("  accepts(request: AuditEvent): boolean | undefined;");
    expect(audit).toContain("  label(): string | undefined;");
    expect(audit).toContain("  flush(): void;");
    expect(generatedFile("required-capability", `${CAPABILITIES_DIR}/capability-specs.ts`)).toContain("    required: true,");
  });

  it("describes inputs and outputs in one constant per export", () => {
    const specs = generatedFile("required-capability", `${CAPABILITIES_DIR}/export-specs.ts`);

    expect(specs).toContain('export const nd_audit_record: ExportSpec = { method: "record", exportName: "nd_audit_record", input: auditEventCodec };');
    expect(specs).toContain('export const nd_audit_accepts: ExportSpec = { method: "accepts", exportName: "nd_audit_accepts", input: auditEventCodec, output: "bool" };');
    expect(specs).toContain('export const nd_audit_label: ExportSpec = { method: "label", exportName: "nd_audit_label", output: "string" };');
    expect(specs).toContain('export const nd_audit_flush: ExportSpec = { method: "flush", exportName: "nd_audit_flush" };');
    expect(specs).toContain('import { auditEventCodec } from "./audit-trail.js";');
  });

  it("lists each capability's exports in the capability table", () => {
    const table = generatedFile("required-capability", `${CAPABILITIES_DIR}/capability-specs.ts`);

    expect(table).toContain('import { nd_audit_accepts, nd_audit_flush, nd_audit_label, nd_audit_record } from "./export-specs.js";');
    expect(table).toContain("    exports: [nd_audit_record, nd_audit_accepts, nd_audit_label, nd_audit_flush],");
  });

  it("exports the error constants", () => {
    const audit = generatedFile("required-capability", `${CAPABILITIES_DIR}/audit-trail.ts`);
    const index = generatedFile("required-capability", `${CAPABILITIES_DIR}/index.ts`);

    expect(audit).toContain("export const AuditTrailError = {");
    expect(audit).toContain('  Rejected: "audit(rejected)",');
    expect(audit).toContain('  RetryLater: "audit(retry_later)",');
    expect(audit).toContain("export type AuditTrailError = (typeof AuditTrailError)[keyof typeof AuditTrailError];");
    expect(index).toContain('export { AuditTrailError } from "./audit-trail.js";');
  });

  it("names the file and namespace after the key", () => {
    const index = generatedFile("required-capability", `${CAPABILITIES_DIR}/index.ts`);

    expect(index).toContain('export * as auditTrail from "./audit-trail.js";');
    expect(index).toContain("  readonly auditTrail?: AuditTrail | undefined;");
    expect(index).toContain('export { capabilitySpecs } from "./capability-specs.js";');
    expect(generatedFile("required-capability", `${CAPABILITIES_DIR}/capability-specs.ts`)).toContain("  auditTrail: {\n");
  });

  it("marks every method of an optional capability with ?", () => {
    const greeter = generatedFile("optional-capability", `${CAPABILITIES_DIR}/greeter.ts`);

    expect(greeter).toContain("  greet?(request: GreetRequest): Greeting | undefined;");
    expect(greeter).toContain("  onReady?(): void;");
    expect(generatedFile("optional-capability", `${CAPABILITIES_DIR}/capability-specs.ts`)).toContain("    required: false,");
    expect(greeter).not.toContain("GreeterError");
  });

  it("does not repeat undefined for a nullable output", () => {
    const greeter = generatedFile("optional-capability", `${CAPABILITIES_DIR}/greeter.ts`);

    expect(greeter).toContain("  farewell?(request: GreetRequest): Greeting | undefined;");
    expect(generatedFile("optional-capability", `${CAPABILITIES_DIR}/export-specs.ts`)).toContain("output: { nullable: greetingCodec } };");
  });
});

describe("shared types", () => {
  it("import ObjectCodec relatively in @nd/pdk-types", () => {
    const types = generatedFile("shared-type", TYPES_FILE);

    expect(types).toContain('import type { ObjectCodec } from "../codec.js";');
    expect(types).toContain("export interface Genre {");
    expect(types.indexOf("export const genreCodec")).toBeLessThan(types.indexOf("export const taggingCodec"));
  });

  it("are imported from @nd/pdk-types by services", () => {
    const genres = generatedFile("shared-type", `${HOST_DIR}/genres.ts`);

    expect(genres).toContain('import type { Genre, HostCallError, Tagging } from "@nd/pdk-types";');
    expect(genres).toContain('import { callHost, genreCodec, taggingCodec } from "@nd/pdk-types/internal";');
  });

  it("are imported from @nd/pdk-types by capabilities", () => {
    const source = generatedFile("shared-type", `${CAPABILITIES_DIR}/genre-source.ts`);

    expect(source).toContain('import type { Genre, ObjectCodec, Tagging } from "@nd/pdk-types";');
    expect(source).toContain('import { genreCodec } from "@nd/pdk-types/internal";');
    const specs = generatedFile("shared-type", `${CAPABILITIES_DIR}/export-specs.ts`);
    expect(specs).toContain('import { genreCodec, taggingCodec } from "@nd/pdk-types/internal";');
  });

  it("leave an empty module when there are none", () => {
    const types = generatedFile("no-parameters", TYPES_FILE);

    expect(types).toBe("// Generated by @nd/codegen from schema/. Do not edit: change the schema and run `pnpm gen`.\n");
  });
});
