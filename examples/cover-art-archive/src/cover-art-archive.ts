import { decodeUtf8, type HttpResponse, HostCallError, type ImageInfo, http } from "@nd/pdk";

const API = "https://coverartarchive.org/release";
// Names this plugin in the archive's logs, so that its operators can tell whose requests these are.
const USER_AGENT = "NavidromeCoverArtArchive/1.0 (nd-pdk example plugin)";

/** One entry of `images` in the archive's index of a release. */
interface ArchiveImage {
  image?: unknown;
  front?: unknown;
  types?: unknown;
  thumbnails?: unknown;
}

/**
 * Fetches the index of a release's cover images and returns its front cover in every size listed.
 *
 * The archive responds with a redirect to the Internet Archive, which Navidrome follows, so every host
 * of the chain must be in `requiredHosts`. Returns an empty array when the archive has no cover art for
 * the release (HTTP 404) or none of its images is a front cover.
 *
 * @throws {Error} when the archive is unreachable, responds with another error status, or sends an
 * index that is not JSON, so that Navidrome retries the call later.
 */
export function fetchFrontCover(mbid: string): ImageInfo[] {
  const url = `${API}/${mbid}`;
  let response: HttpResponse;
  try {
    response = http.send({ url, headers: { Accept: "application/json", "User-Agent": USER_AGENT } });
  } catch (error) {
    if (HostCallError.isInstance(error)) throw new Error(`Cover Art Archive request failed for release ${mbid}: ${error.hostMessage}`);
    throw error;
  }

  const status = response.statusCode;
  if (status === 404) return [];
  if (status !== 200) {
    const reason = status === 429 ? " (rate limit reached)" : "";
    const retryAfter = response.headers?.["Retry-After"];
    // Retry-After contains either a number of seconds or an HTTP date.
    const hint = retryAfter === undefined ? "" : `; retry after ${retryAfter}${/^\d+$/.test(retryAfter) ? " seconds" : ""}`;
    throw new Error(`Cover Art Archive returned HTTP ${status}${reason} for release ${mbid}${hint}`);
  }

  let index: unknown;
  try {
    index = JSON.parse(decodeUtf8(response.body ?? new Uint8Array(0)));
  } catch {
    throw new Error(`Cover Art Archive returned an index that is not valid JSON for release ${mbid}`);
  }

  const images = typeof index === "object" && index !== null ? (index as { images?: unknown }).images : undefined;
  if (!Array.isArray(images)) throw new Error(`Cover Art Archive returned an index without an images array for release ${mbid}`);
  const front = findFront(images as ArchiveImage[]);
  return front === undefined ? [] : sizesOf(front);
}

/** Returns the image flagged as the front cover, else the first one whose types include "Front". */
function findFront(images: readonly ArchiveImage[]): ArchiveImage | undefined {
  return images.find((image) => image.front === true) ?? images.find((image) => Array.isArray(image.types) && image.types.includes("Front"));
}

// Indexes written before the archive had numbered sizes name only these two.
const NAMED_SIZES: Readonly<Record<string, number>> = { small: 250, large: 500 };

/** Lists an image's thumbnails, largest first, or the full-size image when it has none. */
function sizesOf(image: ArchiveImage): ImageInfo[] {
  const thumbnails = typeof image.thumbnails === "object" && image.thumbnails !== null ? (image.thumbnails as Record<string, unknown>) : {};
  const bySize = new Map<number, string>();
  for (const [name, url] of Object.entries(thumbnails)) {
    if (typeof url !== "string" || url === "") continue;
    const size = /^\d+$/.test(name) ? Number(name) : NAMED_SIZES[name];
    // A numbered entry and a named entry of the same size contain the same file, so the first is kept.
    if (size !== undefined && !bySize.has(size)) bySize.set(size, withHttps(url));
  }
  if (bySize.size > 0) {
    return [...bySize].sort(([a], [b]) => b - a).map(([size, url]) => ({ url, size }));
  }

  // The index declares no size for the full-size image, so it gets size 0.
  return typeof image.image === "string" && image.image !== "" ? [{ url: withHttps(image.image), size: 0 }] : [];
}

// The index lists http URLs, but the archive serves the same paths over https.
function withHttps(url: string): string {
  return url.replace(/^http:\/\//, "https://");
}
