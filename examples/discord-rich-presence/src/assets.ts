import { artwork, cache, decodeUtf8, encodeUtf8, http, log, type TrackInfo } from "@nd/pdk";

/** Seconds Discord's proxied copy of an external image stays valid in this plugin's cache. */
const ASSET_TTL_SECONDS = 4 * 60 * 60;
/** Seconds a Cover Art Archive result is cached, a missing cover included, so a release is looked up about once a day. */
const COVER_TTL_SECONDS = 24 * 60 * 60;
/** Cached in place of a cover URL for a release that has no front cover. */
const NO_COVER = "none";
const COVER_SIZE = 512;
const REQUEST_TIMEOUT_MS = 5000;

function textOf(response: http.HttpResponse): string {
  return decodeUtf8(response.body ?? new Uint8Array(0));
}

/**
 * Tells whether Discord can fetch a URL: Navidrome's artwork URL is useless to it when the server
 * runs under localhost or a private address, as most home servers do.
 */
function isPublicUrl(url: string): boolean {
  const host = /^https?:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]+)/i.exec(url)?.[1]?.toLowerCase();
  if (host === undefined || host.startsWith("[") || !host.includes(".")) return false;
  if (host.endsWith(".local") || host.endsWith(".lan") || host.endsWith(".internal")) return false;

  const octets = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (octets === null) return true;
  const [a, b] = [Number(octets[1]), Number(octets[2])];
  return !(a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254));
}

/**
 * Finds the front cover of a MusicBrainz release on the Cover Art Archive, which serves its JSON from
 * archive.org through redirects. Returns undefined when the release has no front cover or the
 * archive cannot be reached.
 */
function coverArtArchiveUrl(releaseId: string): string | undefined {
  const key = `cover:${releaseId}`;
  const cached = cache.getString(key);
  if (cached !== undefined) return cached === NO_COVER ? undefined : cached;

  let response: http.HttpResponse;
  try {
    response = http.send({ url: `https://coverartarchive.org/release/${releaseId}`, headers: { Accept: "application/json" }, timeoutMs: REQUEST_TIMEOUT_MS });
  } catch (error) {
    log.warn("Cover Art Archive request failed", { releaseId, error });
    return undefined;
  }
  if (response.statusCode === 404) {
    cache.setString(key, NO_COVER, COVER_TTL_SECONDS);
    return undefined;
  }
  if (response.statusCode !== 200) {
    log.warn("Cover Art Archive returned an error", { releaseId, status: response.statusCode });
    return undefined;
  }

  let images: unknown;
  try {
    images = (JSON.parse(textOf(response)) as { images?: unknown }).images;
  } catch (error) {
    log.warn("Cover Art Archive returned invalid JSON", { releaseId, error });
    return undefined;
  }
  const front = Array.isArray(images) ? (images as { front?: unknown; thumbnails?: Record<string, unknown>; image?: unknown }[]).find((image) => image.front === true) : undefined;
  const url = front?.thumbnails?.["500"] ?? front?.thumbnails?.large ?? front?.image;
  cache.setString(key, typeof url === "string" ? url : NO_COVER, COVER_TTL_SECONDS);
  return typeof url === "string" ? url : undefined;
}

/** Returns a cover URL Discord can fetch: Navidrome's own when public, or the Cover Art Archive's. */
function coverUrl(track: TrackInfo): string | undefined {
  let navidromeUrl = "";
  try {
    navidromeUrl = artwork.getTrackUrl(track.id, COVER_SIZE);
  } catch (error) {
    log.warn("Navidrome could not create the artwork URL", { trackId: track.id, error });
  }
  if (navidromeUrl !== "" && isPublicUrl(navidromeUrl)) return navidromeUrl;
  return track.mbzAlbumId === undefined || track.mbzAlbumId === "" ? undefined : coverArtArchiveUrl(track.mbzAlbumId);
}

/**
 * Registers an image URL with Discord's external assets API, which returns the path of a proxied
 * copy. Activities show such images as `mp:<path>`.
 */
function externalAsset(imageUrl: string, applicationId: string, token: string): string | undefined {
  const key = `asset:${imageUrl}`;
  const cached = cache.getString(key);
  if (cached !== undefined) return cached;

  let response: http.HttpResponse;
  try {
    response = http.send({
      method: "POST",
      url: `https://discord.com/api/v9/applications/${applicationId}/external-assets`,
      headers: { Authorization: token, "Content-Type": "application/json" },
      body: encodeUtf8(JSON.stringify({ urls: [imageUrl] })),
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
  } catch (error) {
    log.warn("Discord external assets request failed", { error });
    return undefined;
  }
  if (response.statusCode !== 200) {
    // A 401 means Discord rejected the user's token and a 429 is a rate limit. Either way, the
    // status goes out without an image.
    log.warn("Discord external assets returned an error", { status: response.statusCode, retryAfter: response.headers?.["Retry-After"] });
    return undefined;
  }

  let path: unknown;
  try {
    path = (JSON.parse(textOf(response)) as { external_asset_path?: unknown }[])[0]?.external_asset_path;
  } catch (error) {
    log.warn("Discord external assets returned invalid JSON", { error });
    return undefined;
  }
  if (typeof path !== "string" || path === "") {
    log.warn("Discord external assets returned no asset path");
    return undefined;
  }
  const asset = `mp:${path}`;
  cache.setString(key, asset, ASSET_TTL_SECONDS);
  return asset;
}

/**
 * Returns the image key of a track's cover for a Discord activity, or undefined when there is no
 * cover or it cannot be registered. Every failure is logged and leaves the image out, so that the
 * status update goes on without it.
 */
export function coverImage(track: TrackInfo, applicationId: string, token: string): string | undefined {
  const url = coverUrl(track);
  return url === undefined ? undefined : externalAsset(url, applicationId, token);
}
