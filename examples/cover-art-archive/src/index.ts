import { cache, definePlugin, type ImageInfo, log } from "@nd/pdk";

import { fetchFrontCover } from "./cover-art-archive.js";

const MBID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lifetime of a cached cover list: covers seldom change once uploaded. */
const FOUND_TTL_SECONDS = 24 * 60 * 60;
/** Lifetime of a cached miss, shorter so that covers uploaded meanwhile show up the same day. */
const MISSING_TTL_SECONDS = 60 * 60;

function cacheKey(mbid: string): string {
  return `release:${mbid}`;
}

/** Returns the cached cover list of a release, or undefined when nothing usable is cached. */
function cachedCover(mbid: string): ImageInfo[] | undefined {
  const text = cache.getString(cacheKey(mbid));
  if (text === undefined) return undefined;
  try {
    const images = JSON.parse(text) as unknown;
    if (Array.isArray(images)) return images as ImageInfo[];
  } catch {
    // Fall through: an unreadable entry is fetched again and replaced.
  }
  log.warn("ignoring an unreadable cache entry", { key: cacheKey(mbid) });
  return undefined;
}

export default definePlugin({
  metadataAgent: {
    getAlbumImages({ name, mbid }) {
      // Without a release ID there is nothing to look up, and Navidrome tries its next agent.
      if (mbid === undefined || mbid === "") return undefined;
      if (!MBID_PATTERN.test(mbid)) {
        log.warn("ignoring a MusicBrainz release ID that is not a UUID", { album: name, mbid });
        return undefined;
      }
      const release = mbid.toLowerCase();

      let images = cachedCover(release);
      if (images === undefined) {
        images = fetchFrontCover(release);
        cache.setString(cacheKey(release), JSON.stringify(images), images.length > 0 ? FOUND_TTL_SECONDS : MISSING_TTL_SECONDS);
      }

      if (images.length === 0) {
        log.debug("no front cover in the Cover Art Archive", { album: name, mbid: release });
        return undefined;
      }
      return { images };
    },
  },
});
