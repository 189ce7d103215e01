import type { ServiceContext, SimulatedService } from "../host/service.js";
import { ServiceError } from "../host/service.js";
import { omitEmpty, readInt } from "../host/wire.js";
import type { Manifest } from "../manifest/types.js";
import type { NavidromeOptions, SimulatedLibrary } from "../options.js";

/** The simulated Library service, with a view of the libraries the plugin may see. */
export interface LibraryService extends SimulatedService {
  /** The libraries the administrator allowed, by id. */
  allowedLibraries(): SimulatedLibrary[];
}

/**
 * Tells whether the plugin may see a library: every library is allowed when
 * `options.allowedLibraries` is left out.
 */
export function isLibraryAllowed(options: NavidromeOptions, libraryId: number): boolean {
  return options.allowedLibraries === undefined || options.allowedLibraries.includes(libraryId);
}

/** Tells whether the manifest grants filesystem access to libraries, which exposes their paths. */
export function hasLibraryFilesystem(manifest: Manifest): boolean {
  return manifest.permissions?.library?.filesystem === true;
}

/** Returns where Navidrome mounts a library in the plugin's WASI filesystem. */
export function libraryMountPoint(libraryId: number): string {
  return `/libraries/${libraryId}`;
}

function toReply(library: SimulatedLibrary, filesystem: boolean): Record<string, unknown> {
  const reply: Record<string, unknown> = {
    id: library.id,
    name: library.name,
    lastScanAt: library.lastScanAt ?? 0,
    totalSongs: library.totalSongs ?? 0,
    totalAlbums: library.totalAlbums ?? 0,
    totalArtists: library.totalArtists ?? 0,
    totalSize: library.totalSize ?? 0,
    totalDuration: library.totalDuration ?? 0,
  };
  // path and mountPoint are the only omitempty fields of Navidrome's Library, and it fills them only
  // for plugins with filesystem access.
  if (filesystem) {
    if (library.path !== undefined && library.path !== "") reply["path"] = library.path;
    reply["mountPoint"] = libraryMountPoint(library.id);
  }
  return reply;
}

/**
 * Creates the Library service over `options.libraries`, limited to `options.allowedLibraries`.
 * Libraries are listed by id.
 */
export function createLibraryService(ctx: ServiceContext, options: NavidromeOptions): LibraryService {
  const filesystem = hasLibraryFilesystem(ctx.manifest);
  const allowedLibraries = (): SimulatedLibrary[] =>
    (options.libraries ?? []).filter((library) => isLibraryAllowed(options, library.id)).sort((a, b) => a.id - b.id);

  return {
    allowedLibraries,

    functions: {
      library_getlibrary(request) {
        const id = readInt(request, "id", "int32");
        if (!isLibraryAllowed(options, id)) throw new ServiceError(`library not accessible: library ID ${id} is not in the allowed list`);

        const library = (options.libraries ?? []).find((candidate) => candidate.id === id);
        if (library === undefined) throw new ServiceError("library not found: data not found");
        return omitEmpty({ result: toReply(library, filesystem) }, ["result"]);
      },

      library_getalllibraries() {
        return omitEmpty({ result: allowedLibraries().map((library) => toReply(library, filesystem)) });
      },
    },
  };
}
