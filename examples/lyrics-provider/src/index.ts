import { cache, definePlugin, log, type LyricsText } from "@nd/pdk";

import { fetchLyrics, trackQuery } from "./lyrics-api.js";
import { readSettings, type Settings } from "./settings.js";

/** Returns the cached lyrics of a query, or undefined when nothing usable is cached. */
function cachedLyrics(key: string): LyricsText[] | undefined {
  const text = cache.getString(key);
  if (text === undefined) return undefined;
  try {
    const lyrics = JSON.parse(text) as unknown;
    if (Array.isArray(lyrics)) return lyrics as LyricsText[];
  } catch {
    // Fall through: an unreadable entry is fetched again and replaced.
  }
  log.warn("ignoring an unreadable cache entry", { key });
  return undefined;
}

function lookUpLyrics(settings: Settings, query: string): LyricsText[] {
  if (settings.cacheSeconds === 0) return fetchLyrics(settings, query);

  // The key includes the API URL, so that entries of a previous API are not served for a new one.
  const key = `${settings.baseUrl}/lyrics?${query}`;
  const cached = cachedLyrics(key);
  if (cached !== undefined) return cached;

  const lyrics = fetchLyrics(settings, query);
  // An empty list is cached too, so a track without lyrics does not query the API on every play.
  cache.setString(key, JSON.stringify(lyrics), settings.cacheSeconds);
  return lyrics;
}

export default definePlugin({
  lyrics: {
    getLyrics({ track }) {
      const settings = readSettings();
      const lyrics = lookUpLyrics(settings, trackQuery(track));
      if (lyrics.length === 0) log.debug("no lyrics found", { artist: track.artist, title: track.title });
      return { lyrics };
    },
  },
});
