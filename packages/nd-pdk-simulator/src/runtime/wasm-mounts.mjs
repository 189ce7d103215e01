// The WASI folders of the wasm runtime of @nd/pdk-simulator, used by wasm-worker.mjs.
//
// node:wasi (uvwasi) has no read-only preopens, but Navidrome mounts a library read-only unless the
// administrator allows writes. So the worker hands the plugin wrapped WASI functions: every function
// that changes a file or folder returns EROFS for a descriptor of a read-only mount, as the
// in-process and QuickJS runtimes do. A descriptor belongs to a mount when it is the mount's preopen
// or when path_open returned it for a path beneath another descriptor of that mount.
//
// This file is plain JavaScript, shipped as it is in dist/ beside wasm-worker.mjs.

// node:wasi numbers its preopens from 3, in the order of the keys of its `preopens` object.
const FIRST_PREOPEN_FD = 3;

// Values of wasi_snapshot_preview1 (wasi/api.h of wasi-libc).
const ERRNO_SUCCESS = 0;
const ERRNO_ROFS = 69;
const OFLAGS_CREAT = 1;
const OFLAGS_EXCL = 4;
const OFLAGS_TRUNC = 8;
const FDFLAGS_APPEND = 1;
const RIGHTS_FD_WRITE = 1n << 6n;
const RIGHTS_FD_ALLOCATE = 1n << 8n;
const RIGHTS_FD_FILESTAT_SET_SIZE = 1n << 22n;

// wasi-libc's openat (cloudlibc/src/libc/fcntl/openat.c) requests none of these rights when it opens
// a file read-only, and all of them when it opens one for writing. It requests the other rights, such
// as FD_FILESTAT_SET_TIMES, in both cases, so counting them would reject every read-only open.
const CHANGING_RIGHTS = RIGHTS_FD_WRITE | RIGHTS_FD_ALLOCATE | RIGHTS_FD_FILESTAT_SET_SIZE;
const CHANGING_OFLAGS = OFLAGS_CREAT | OFLAGS_EXCL | OFLAGS_TRUNC;

/**
 * Returns the `preopens` of node:wasi for `mounts` (guest path, host folder and write permission of
 * each), in their order, which decides their descriptors.
 */
export function preopensOf(mounts) {
  const preopens = {};
  // Guest paths start with "/", so no key is an integer index that would be ordered first.
  for (const mount of mounts) preopens[mount.guestPath] = mount.dir;
  return preopens;
}

/** Returns whether a path_open call requests to create, truncate, append to or write the file. */
function opensForChange(oflags, rightsBase, fdflags) {
  return (oflags & CHANGING_OFLAGS) !== 0 || (BigInt(rightsBase) & CHANGING_RIGHTS) !== 0n || (fdflags & FDFLAGS_APPEND) !== 0;
}

/**
 * Returns a copy of node:wasi's functions in `wasi` in which the functions that change files return
 * EROFS for a descriptor of a read-only mount. `mounts` are the preopens in the order given to
 * {@link preopensOf}. `memory` returns the instance's memory, where path_open writes the descriptor
 * it opened.
 */
export function guardReadOnlyMounts(wasi, mounts, memory) {
  // Write permission of each descriptor that belongs to a mount. Other descriptors, such as stdio,
  // are not listed.
  const writableByFd = new Map(mounts.map((mount, index) => [FIRST_PREOPEN_FD + index, mount.writable]));
  const readOnly = (fd) => writableByFd.get(fd) === false;

  const guarded = {};
  for (const name in wasi) guarded[name] = wasi[name];

  /** Wraps the WASI function `name` so that it fails with EROFS when `changesReadOnly(...args)`. */
  const reject = (name, changesReadOnly) => {
    const original = wasi[name];
    if (typeof original !== "function") return;
    guarded[name] = (...args) => (changesReadOnly(...args) ? ERRNO_ROFS : original(...args));
  };

  const path_open = wasi.path_open;
  guarded.path_open = (...args) => {
    const [fd, , , , oflags, rightsBase, , fdflags, openedFdPointer] = args;
    const writable = writableByFd.get(fd);
    if (writable === false && opensForChange(oflags, rightsBase, fdflags)) return ERRNO_ROFS;
    const errno = path_open(...args);
    if (errno === ERRNO_SUCCESS) {
      const opened = new DataView(memory().buffer).getUint32(openedFdPointer >>> 0, true);
      if (writable === undefined) writableByFd.delete(opened);
      else writableByFd.set(opened, writable);
    }
    return errno;
  };

  const fd_close = wasi.fd_close;
  guarded.fd_close = (fd) => {
    const errno = fd_close(fd);
    if (errno === ERRNO_SUCCESS) writableByFd.delete(fd);
    return errno;
  };

  const fd_renumber = wasi.fd_renumber;
  guarded.fd_renumber = (from, to) => {
    const errno = fd_renumber(from, to);
    if (errno !== ERRNO_SUCCESS) return errno;
    // `to` is closed and takes over what `from` refers to.
    const writable = writableByFd.get(from);
    writableByFd.delete(from);
    if (writable === undefined) writableByFd.delete(to);
    else writableByFd.set(to, writable);
    return errno;
  };

  // Functions whose first argument is the descriptor they change, or the folder they change.
  for (const name of [
    "path_create_directory",
    "path_unlink_file",
    "path_remove_directory",
    "path_filestat_set_times",
    "fd_write",
    "fd_pwrite",
    "fd_allocate",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
  ]) {
    reject(name, (fd) => readOnly(fd));
  }
  // path_rename(fd, old_path, old_path_len, new_fd, ...) changes both folders.
  reject("path_rename", (fd, _oldPath, _oldLength, newFd) => readOnly(fd) || readOnly(newFd));
  // path_symlink(old_path, old_path_len, fd, new_path, new_path_len) creates the link in fd.
  reject("path_symlink", (_oldPath, _oldLength, fd) => readOnly(fd));
  // path_link(old_fd, old_flags, old_path, old_path_len, new_fd, ...): a second name for a file of a
  // read-only mount would let the plugin change that file, so both sides count.
  reject("path_link", (oldFd, _oldFlags, _oldPath, _oldLength, newFd) => readOnly(oldFd) || readOnly(newFd));

  return guarded;
}
