/**
 * Temporary host folders for `/storage`, for a manifest that grants `storage` when the test gives no
 * `mounts["/storage"]`.
 *
 * Every folder is created as `storage-XXXXXX` under a parent folder `nd-pdk-simulator-<pid>-XXXXXX`
 * in `os.tmpdir()`, one parent per loaded copy of this module: one per thread, or more when a test
 * runner reloads modules. An `exit` handler removes the parent, but test runners often end their
 * workers without running `exit` handlers: vitest 4 stops a `forks` worker with SIGTERM and a
 * `threads` worker with `Worker.terminate()`. So each new parent folder is created after removing the
 * parent folders of processes that no longer exist.
 *
 * @module
 */
import type { Dirent } from "node:fs";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PARENT_PREFIX = "nd-pdk-simulator-";

/** A parent folder name, with the pid of the process that created it. mkdtemp adds six characters. */
const PARENT_NAME = /^nd-pdk-simulator-([1-9][0-9]*)-[A-Za-z0-9]{6}$/;

let parentFolder: string | undefined;

/**
 * Creates an empty folder for `/storage`. It is removed when this thread exits normally, or else the
 * next time the simulator creates a parent folder after this process has ended.
 */
export function createTemporaryStorage(): string {
  parentFolder ??= createParentFolder();
  try {
    return mkdtempSync(join(parentFolder, "storage-"));
  } catch (error) {
    // The parent folder can vanish under a running process, for example by a tmp cleaner.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    parentFolder = createParentFolder();
    return mkdtempSync(join(parentFolder, "storage-"));
  }
}

function createParentFolder(): string {
  const root = tmpdir();
  removeFoldersOfEndedProcesses(root);

  // mkdtemp makes the name unique, so a process that reuses the pid of an ended one never shares
  // the ended one's folder, which another process may be removing.
  const parent = mkdtempSync(join(root, `${PARENT_PREFIX}${process.pid}-`));
  process.once("exit", () => {
    try {
      rmSync(parent, { recursive: true, force: true });
    } catch {
      // An exception here would change the exit code, and a later process removes what is left.
    }
  });
  return parent;
}

/**
 * Removes the parent folders in `root` whose process has ended. A folder whose pid now belongs to
 * another process stays until that process ends too.
 */
function removeFoldersOfEndedProcesses(root: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    return;
  }

  for (const entry of entries) {
    const match = PARENT_NAME.exec(entry.name);
    if (match === null || !entry.isDirectory() || isProcessRunning(Number(match[1]))) continue;
    try {
      rmSync(join(root, entry.name), { recursive: true, force: true });
    } catch {
      // Another process may be removing the same folder, or it belongs to another user.
    }
  }
}

/** Returns false only when no process has the pid. EPERM means the process exists under another user. */
function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
