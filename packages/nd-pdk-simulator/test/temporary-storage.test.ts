// The temporary `/storage` folders must not pile up, whether a process exits normally or is ended the
// way test runners end their workers. Each case runs child Node processes with TMPDIR set to a
// scratch folder, so they neither see nor remove the folders of other test runs.

import type { ChildProcess } from "node:child_process";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";

const SIMULATOR = fileURLToPath(new URL("../src/index.ts", import.meta.url));

// The child creates a navidrome with temporary storage, writes a file into it, prints the folder,
// then ends in the way `mode` names. In the "thread-*" modes a worker thread creates the navidrome.
const CHILD_SOURCE = `
import { writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { createNavidrome } from ${JSON.stringify(SIMULATOR)};

const mode = isMainThread ? process.argv[2] : workerData;

function createStorage() {
  const navidrome = createNavidrome({
    manifest: { name: "Storage", author: "Tests", version: "1.0.0", permissions: { storage: {} } },
  });
  const dir = navidrome.mounts.get("/storage").dir;
  writeFileSync(join(dir, "note.txt"), "kept until exit");
  writeSync(1, dir + "\\n");
}

if (isMainThread && mode.startsWith("thread-")) {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: mode });
  if (mode === "thread-terminate") worker.on("message", () => void worker.terminate());
} else if (mode === "thread-terminate") {
  createStorage();
  parentPort.postMessage("created");
  setInterval(() => {}, 1 << 30);
} else {
  createStorage();
  if (mode === "exit" || mode === "thread-exit") process.exit(0);
  if (mode === "wait") setInterval(() => {}, 1 << 30);
}
`;

let scratch: string;
let childScript: string;
let tmp: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "nd-pdk-temporary-storage-test-"));
  childScript = join(scratch, "child.mjs");
  await build({
    stdin: { contents: CHILD_SOURCE, resolveDir: dirname(SIMULATOR), sourcefile: "child.ts", loader: "ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: childScript,
    logLevel: "silent",
  });
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  tmp = mkdtempSync(join(scratch, "tmp-"));
});

function childEnv(): NodeJS.ProcessEnv {
  // os.tmpdir() reads TMPDIR on POSIX systems and TEMP or TMP on Windows.
  return { ...process.env, TMPDIR: tmp, TEMP: tmp, TMP: tmp };
}

/** Runs a child to its end and returns the storage folder it printed. */
function runChild(mode: "return" | "exit" | "thread-exit" | "thread-terminate"): string {
  const result = spawnSync(process.execPath, [childScript, mode], { env: childEnv(), encoding: "utf8" });
  expect(result.status, `child (${mode}) failed: ${result.stderr}`).toBe(0);
  const dir = result.stdout.trim();
  expect(dir.startsWith(tmp), `child (${mode}) printed ${JSON.stringify(dir)}, not a folder in ${tmp}`).toBe(true);
  return dir;
}

/** Starts a child that keeps running, and returns it with the storage folder it printed. */
async function startWaitingChild(): Promise<{ child: ChildProcess; dir: string }> {
  const child = spawn(process.execPath, [childScript, "wait"], { env: childEnv(), stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, "line")) as [string];
  lines.close();
  return { child, dir: line.trim() };
}

/** Ends a child and waits until it is reaped, so its pid no longer exists. */
async function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

/** Creates a parent folder as the simulator names it, for the process `pid`, with a file inside. */
function createParentFolder(pid: number): string {
  const parent = join(tmp, `nd-pdk-simulator-${pid}-Ab12Cd`);
  mkdirSync(join(parent, "storage-Ef34Gh"), { recursive: true });
  writeFileSync(join(parent, "storage-Ef34Gh", "note.txt"), "left behind");
  return parent;
}

describe("temporary storage folder", () => {
  test.each(["return", "exit", "thread-exit"] as const)("removed when process ends (%s)", (mode) => {
    const dir = runChild(mode);

    expect(existsSync(dir)).toBe(false);
    expect(existsSync(dirname(dir))).toBe(false);
  });

  test("left by SIGTERM is removed by next process", async () => {
    const { child, dir } = await startWaitingChild();
    await stop(child, "SIGTERM");
    // Node runs no exit handlers on SIGTERM, the way vitest 4 stops a worker of the forks pool.
    expect(existsSync(dir), "the folder should survive SIGTERM; the test proves nothing otherwise").toBe(true);

    runChild("return");

    expect(existsSync(dirname(dir))).toBe(false);
  });

  test("left by terminated worker is removed by next process", () => {
    // Worker.terminate() runs no exit handlers in the thread, the way vitest 4 stops a worker of the
    // threads pool.
    const dir = runChild("thread-terminate");
    expect(existsSync(dir), "the folder should survive Worker.terminate(); the test proves nothing otherwise").toBe(true);

    runChild("return");

    expect(existsSync(dirname(dir))).toBe(false);
  });

  test("of ended process is removed", () => {
    // spawnSync returns after the child is reaped, so its pid is free.
    const endedPid = spawnSync(process.execPath, ["-e", ""]).pid;
    const parent = createParentFolder(endedPid);
    const unrelated = join(tmp, `nd-pdk-simulator-${endedPid}`);
    mkdirSync(unrelated);

    runChild("return");

    expect(existsSync(parent)).toBe(false);
    expect(existsSync(unrelated), "a folder not named as the simulator names them must stay").toBe(true);
  });

  test("of running process is kept", async () => {
    const { child, dir } = await startWaitingChild();
    const other = createParentFolder(process.pid);

    try {
      runChild("return");

      expect(existsSync(dir)).toBe(true);
      expect(existsSync(other)).toBe(true);
    } finally {
      await stop(child);
    }
  });
});
