import type { ServiceContext, SimulatedService } from "../host/service.js";
import { omitEmpty, readInt, readString } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";

/** Server URL used in artwork URLs when `options.baseUrl` is left out. */
export const DEFAULT_BASE_URL = "http://localhost:4533";

/** An entity whose image an artwork URL points to. */
export type ArtworkKind = "artist" | "album" | "track" | "playlist";

/** The id prefix Navidrome puts in the token of each kind of artwork (`al-<album id>`). */
const KIND_PREFIXES: { readonly [Kind in ArtworkKind]: string } = { artist: "ar", album: "al", track: "mf", playlist: "pl" };

/** Entity and size that an artwork URL of this simulator points to. */
export interface ArtworkReference {
  /** The kind of entity. */
  readonly kind: ArtworkKind;
  /** The id of the artist, album, track or playlist, without Navidrome's prefix. */
  readonly id: string;
  /** The requested size in pixels, or undefined for the original size. */
  readonly size: number | undefined;
}

/** The simulated Artwork service, with a reader for the URLs it creates. */
export interface ArtworkService extends SimulatedService {
  /** Decodes a URL this service created, or returns undefined for any other URL. */
  parseUrl(url: string): ArtworkReference | undefined;
}

const UNSIGNED_JWT_HEADER = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");

/** Reads the `id` claim of a base64url JWT payload, or returns undefined when there is none. */
function decodeIdClaim(payload: string): string | undefined {
  try {
    const id = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { id?: unknown }).id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the Artwork service. It builds URLs of the form Navidrome's public image endpoint uses,
 * `<baseUrl>/share/img/<token>?size=<size>`, where `?size=` is left out for a size of 0 or less.
 * Navidrome's token is a JWT signed with the server's secret whose `id` claim names the artwork
 * (`ar-<id>`, `al-<id>`, `mf-<id>` or `pl-<id>`). The simulator writes an unsigned JWT with the same
 * claim, which parseUrl reads back.
 */
export function createArtworkService(_ctx: ServiceContext, options: NavidromeOptions): ArtworkService {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const imagePath = `${baseUrl}/share/img/`;

  function artworkUrl(kind: ArtworkKind, request: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const id = readString(request, "id");
    const size = readInt(request, "size", "int32");
    // Navidrome writes an empty artwork id, without the kind prefix, when the entity id is empty.
    const artworkId = id === "" ? "" : `${KIND_PREFIXES[kind]}-${id}`;
    const claims = Buffer.from(JSON.stringify({ id: artworkId })).toString("base64url");
    const query = size > 0 ? `?size=${size}` : "";
    return omitEmpty({ url: `${imagePath}${UNSIGNED_JWT_HEADER}.${claims}.${query}` });
  }

  function parseUrl(url: string): ArtworkReference | undefined {
    if (!url.startsWith(imagePath)) return undefined;
    const parsed = new URL(url);
    const claims = parsed.pathname.split("/").pop()?.split(".")[1];
    if (claims === undefined) return undefined;

    const artworkId = decodeIdClaim(claims);
    if (artworkId === undefined) return undefined;

    const separator = artworkId.indexOf("-");
    const prefix = artworkId.slice(0, separator);
    const kind = (Object.keys(KIND_PREFIXES) as ArtworkKind[]).find((candidate) => KIND_PREFIXES[candidate] === prefix);
    if (kind === undefined) return undefined;

    const size = parsed.searchParams.get("size");
    return { kind, id: artworkId.slice(separator + 1), size: size === null ? undefined : Number(size) };
  }

  return {
    parseUrl,
    functions: {
      artwork_getartisturl: (request) => artworkUrl("artist", request),
      artwork_getalbumurl: (request) => artworkUrl("album", request),
      artwork_gettrackurl: (request) => artworkUrl("track", request),
      artwork_getplaylisturl: (request) => artworkUrl("playlist", request),
    },
  };
}
