// What nd-pdk build makes of a plugin that uses the files API of @nd/pdk: the permissions that mount
// its folders, the compilers that provide it, and its use in top-level code. Built against the
// workspace packages (run `pnpm build` first).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, test } from "vitest";

import { usesFiles } from "../src/build/scan-imports.js";
import { buildPlugin, bundlePlugin } from "../src/index.js";
import { copyFixture, fakeCompiler, fakeExtismJsOnPath, noCompiler } from "./fixtures/projects.js";

/** Replaces the permissions of a project's manifest.json. */
function setPermissions(dir: string, permissions: Record<string, unknown> | undefined): void {
  const file = path.join(dir, "manifest.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...manifest, permissions }));
}

function writeEntry(dir: string, source: string): void {
  writeFileSync(path.join(dir, "src", "index.ts"), source);
}

const mentionsFiles = /files/;

describe("files API detection", () => {
  const cases = [
    { name: "files plugin", source: 'import { definePlugin, files } from "@nd/pdk";\nexport default definePlugin({ lifecycle: { onInit() { files.list("/storage"); } } });\n', expected: true },
    {
      name: "FileError-only plugin",
      source: 'import { definePlugin, FileError } from "@nd/pdk";\nexport default definePlugin({ lifecycle: { onInit() { if (FileError.isInstance(undefined)) throw new Error("x"); } } });\n',
      expected: false,
    },
    { name: "plugin without files", source: 'import { definePlugin, log } from "@nd/pdk";\nexport default definePlugin({ lifecycle: { onInit() { log.info("started"); } } });\n', expected: false },
  ];

  test.each(cases)("$name, minified or not", async ({ source, expected }) => {
    const dir = copyFixture("files-storage");
    writeEntry(dir, source);
    const entry = path.join(dir, "src", "index.ts");
    const outFile = path.join(dir, "dist", "plugin.js");

    const plain = await bundlePlugin({ projectDir: dir, entry, outFile });
    const minified = await bundlePlugin({ projectDir: dir, entry, outFile, minify: true });

    expect(plain.errors).toEqual([]);
    expect(minified.errors).toEqual([]);
    expect(usesFiles(plain.code)).toBe(expected);
    expect(usesFiles(minified.code)).toBe(expected);
  });
});

describe("buildPlugin for a files plugin", () => {
  test("counts files as use of permissions.storage", async () => {
    const dir = copyFixture("files-storage");

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.errors).toEqual([]);
    expect(result.imports).toEqual([]);
    expect(result.warnings.filter((warning) => warning.includes("permissions.storage"))).toEqual([]);
    expect(result.warnings.filter((warning) => mentionsFiles.test(warning))).toEqual([]);
  });

  test("counts files as use of library.filesystem", async () => {
    const dir = copyFixture("files-storage");
    setPermissions(dir, { library: { reason: "Reads album folders", filesystem: true } });

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.errors).toEqual([]);
    expect(result.warnings.filter((warning) => warning.includes("permissions.library"))).toEqual([]);
    expect(result.warnings.filter((warning) => mentionsFiles.test(warning))).toEqual([]);
  });

  test("warns when no permission mounts a folder", async () => {
    const dir = copyFixture("files-storage");
    setPermissions(dir, undefined);

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.ok).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toContainEqual(
      'the plugin uses the files API, but manifest.json grants neither permissions.storage nor "filesystem": true under permissions.library, so Navidrome mounts no folder and every files call fails with FileError "not-mounted": add "storage": {} under permissions to use /storage, or "filesystem": true under permissions.library to use /libraries/<id>',
    );
  });

  test("warns under extism-js found on PATH", async () => {
    const dir = copyFixture("files-storage");

    const result = await buildPlugin({ dir, searchPath: fakeExtismJsOnPath() });

    expect(result.ok).toBe(true);
    expect(result.compiler).toBe("extism-js");
    expect(result.warnings).toEqual([
      'the plugin uses the files API, but extism-js (found on PATH) compiles it, and extism-js gives plugins no file access, so every files call will throw FileError "unavailable" at run time: build with --compiler engine to compile with the built-in engine, which provides file access',
    ]);
  });

  test("warns under --compiler extism-js", async () => {
    const dir = copyFixture("files-storage");

    const result = await buildPlugin({ dir, compiler: "extism-js", searchPath: fakeExtismJsOnPath() });

    expect(result.warnings).toEqual([expect.stringContaining("but extism-js (chosen with --compiler extism-js) compiles it")]);
  });

  test("does not warn under another compiler", async () => {
    const dir = copyFixture("files-storage");

    const result = await buildPlugin({ dir, compiler: fakeCompiler });

    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([]);
  });
});

describe("buildPlugin without files", () => {
  test("flags permissions.storage as unused", async () => {
    const dir = copyFixture("files-storage");
    writeEntry(dir, 'import { definePlugin, log } from "@nd/pdk";\nexport default definePlugin({ lifecycle: { onInit() { log.info("started"); } } });\n');

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.warnings).toContainEqual(
      "manifest.json: permissions.storage is declared, but the plugin uses neither the files API nor a host function that needs it: remove it, so that administrators are not asked to grant access the plugin does not use",
    );
  });

  test("flags library.filesystem as unused", async () => {
    const dir = copyFixture("files-storage");
    setPermissions(dir, { library: { reason: "Lists the libraries", filesystem: true } });
    writeEntry(dir, 'import { definePlugin, library, log } from "@nd/pdk";\nexport default definePlugin({ lifecycle: { onInit() { log.info(String(library.getAllLibraries().length)); } } });\n');

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.imports).toContain("library_getalllibraries");
    expect(result.warnings).toContainEqual(expect.stringMatching(/^manifest\.json: permissions\.library has "filesystem": true, but the plugin does not use the files API/));
    expect(result.warnings.filter((warning) => warning.includes("permissions.library is declared"))).toEqual([]);
  });
});

describe("buildPlugin with files in top-level code", () => {
  const topLevelSource = 'import { definePlugin, files } from "@nd/pdk";\nconst seen = files.exists("/storage/started.txt");\nexport default definePlugin({ lifecycle: { onInit() { void seen; } } });\n';

  test.each([
    { name: "extism-js", options: () => ({ searchPath: fakeExtismJsOnPath() }), subject: "extism-js" },
    { name: "another compiler", options: () => ({ compiler: fakeCompiler }), subject: "the compiler fake-compiler.mjs" },
    { name: "no compiler", options: () => noCompiler, subject: "the compiler" },
  ])("names $name in the error", async ({ options, subject }) => {
    const dir = copyFixture("files-storage");
    writeEntry(dir, topLevelSource);

    const result = await buildPlugin({ dir, ...options() });

    expect(result.exitCode).toBe(1);
    expect(result.errors).toEqual([
      `the files API cannot be used at module top level: ${subject} runs top-level code once at build time, when no host is attached, so the build fails. Call it inside an exported function (or code an export calls) instead. (at src/index.ts:2:20)`,
    ]);
  });
});
