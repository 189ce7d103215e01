import type { ScrobbleRef } from "@nd/pdk-host";
import type { Track } from "@nd/pdk-types";

import type { FakeClock } from "./clock.js";

/** A Navidrome user. */
export interface SimulatedUser {
  /** Login name, the key Navidrome passes to plugins as `username`. */
  readonly userName: string;
  /** Display name; defaults to `userName`. */
  readonly name?: string;
  /** Whether the user is an administrator; false by default. */
  readonly isAdmin?: boolean;
}

/** A Navidrome library. */
export interface SimulatedLibrary {
  /** Library id, as plugins see it in `library.getLibrary` and in track data. */
  readonly id: number;
  /** Display name of the library. */
  readonly name: string;
  /** Folder of the library on the server. Plugins see it only with `permissions.library.filesystem`. */
  readonly path?: string;
  /** Unix time in seconds of the last scan. */
  readonly lastScanAt?: number;
  /** Number of songs in the library. */
  readonly totalSongs?: number;
  /** Number of albums in the library. */
  readonly totalAlbums?: number;
  /** Number of artists in the library. */
  readonly totalArtists?: number;
  /** Bytes. */
  readonly totalSize?: number;
  /** Seconds. */
  readonly totalDuration?: number;
}

/** An outbound HTTP request as the simulated server sends it, after the allowlist check. */
export interface HttpRequestInfo {
  /** The HTTP method, upper-case (`GET`, `POST`, ...). */
  readonly method: string;
  /** The absolute URL of this request; for a followed redirect, the redirect target. */
  readonly url: string;
  /** The request headers the plugin set. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body; empty when the plugin sent none. */
  readonly body: Uint8Array;
  /** The timeout in force, in milliseconds (the default when the plugin gave none). */
  readonly timeoutMs: number;
}

/** Response of a simulated remote server. */
export interface HttpResponseInfo {
  /** The HTTP status code. */
  readonly status: number;
  /** The response headers; none by default. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Text is sent as UTF-8. */
  readonly body?: string | Uint8Array;
  /** Simulated latency; a response slower than the request's timeout makes the call fail. */
  readonly delayMs?: number;
}

/**
 * A simulated remote server for the http service. Throw to simulate a network error. Redirects are
 * responses with a 3xx status and a `location` header; the service follows them and checks each
 * target against the allowlist.
 */
export type HttpHandler = (request: HttpRequestInfo) => HttpResponseInfo;

/**
 * Canned Subsonic API responses by endpoint name (`getAlbumList2`, with or without `.view`): either the
 * JSON object to return, or a function of the query parameters (which include `u`, the user).
 */
export type SubsonicResponses = Readonly<Record<string, unknown | ((params: URLSearchParams) => unknown)>>;

/** Behaviour of the simulated websocket servers on `websocket.connect`. */
export interface WebSocketOptions {
  /** Called for every connection attempt that passes the allowlist; throw to refuse it. */
  readonly onConnect?: (url: string, headers: Readonly<Record<string, string>>) => void;
}

/** Everything `createNavidrome` accepts. Only `manifest` is required. */
export interface NavidromeOptions {
  /** The plugin's manifest.json content; it is validated as Navidrome would. */
  readonly manifest: unknown;
  /** The plugin id, which Navidrome takes from the .ndp file name. Defaults to "test-plugin". */
  readonly pluginId?: string;
  /** The plugin's configuration values, as the administrator set them; every value is a string. */
  readonly config?: Readonly<Record<string, string>>;
  /** The clock to run on; a new {@link FakeClock} by default. */
  readonly clock?: FakeClock;
  /** The server's users; none by default. */
  readonly users?: readonly SimulatedUser[];
  /** The users the administrator allowed the plugin to see; all users by default. */
  readonly allowedUsers?: readonly string[];
  /** The server's libraries; none by default. */
  readonly libraries?: readonly SimulatedLibrary[];
  /** The libraries the administrator allowed the plugin to see, by id; all libraries by default. */
  readonly allowedLibraries?: readonly number[];
  /** The remote servers the http service reaches; without it every request fails as unreachable. */
  readonly http?: HttpHandler;
  /** Canned answers of the Subsonic API, by endpoint; other endpoints answer with Subsonic error 70 (not found). */
  readonly subsonic?: SubsonicResponses;
  /** The library's tracks, which the matcher searches. */
  readonly tracks?: readonly Track[];
  /** Each user's listening history, for the scrobble retriever, by user name. */
  readonly scrobbles?: Readonly<Record<string, readonly ScrobbleRef[]>>;
  /** Rule by which the simulated WebSocket servers accept connections. All are accepted by default. */
  readonly websocket?: WebSocketOptions;
  /** The server's public URL, used in artwork URLs. Defaults to "http://localhost:4533". */
  readonly baseUrl?: string;
  /** The folder the storage service reports and the plugin may use; defaults to "/storage". */
  readonly storagePath?: string;
  /**
   * Host folders mounted into the plugin for the `files` API of `@nd/pdk`, by guest mount point: a
   * folder path, or `{ dir, writable }`. `/storage` needs `permissions.storage` and is writable by
   * default. Without this entry, a manifest that grants `storage` gets a new folder in `os.tmpdir()`,
   * removed when the thread that created it exits normally, or else by the first process that creates
   * such a folder after this process has ended.
   * `/libraries/<id>` needs `permissions.library.filesystem` and an allowed library, and is
   * read-only unless `writable` is true, as Navidrome mounts libraries unless the administrator
   * allows writes.
   *
   * @example
   * ```ts
   * mounts: { "/storage": storageDir, "/libraries/1": { dir: musicDir } }
   * ```
   */
  readonly mounts?: Readonly<Record<string, string | MountOption>>;
}

/** A host folder to mount, with its write permission. */
export interface MountOption {
  /** The folder on the host. A relative path is resolved against the working directory. */
  readonly dir: string;
  /** Whether the plugin may change the folder's content. Default: true for `/storage`, false for libraries. */
  readonly writable?: boolean;
}
