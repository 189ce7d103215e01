import { type ArtistRequest, ConfigValueError, configString, definePlugin, log } from "@nd/pdk";

import { fetchImage } from "./commons.js";
import { findArtist, isMbid, type WikidataArtist } from "./wikidata.js";
import { fetchSummary } from "./wikipedia.js";

const DEFAULT_LANGUAGE = "en";
// Wikipedia edition codes: "en", "pt", "zh-min-nan", "simple".
const LANGUAGE_PATTERN = /^[a-z]{2,12}(-[a-z]+)*$/;

/** Reads the `language` setting. */
function readLanguage(): string {
  const value = configString("language");
  if (value === undefined) return DEFAULT_LANGUAGE;
  const language = value.trim().toLowerCase();
  if (!LANGUAGE_PATTERN.test(language)) {
    throw new ConfigValueError(
      "language",
      `plugin configuration "language" is ${JSON.stringify(value)}, which is not a Wikipedia language code such as en or de; correct it in the plugin's settings in Navidrome`,
    );
  }
  return language;
}

/** Finds the requested artist in Wikidata, by MusicBrainz ID when Navidrome sent a valid one. */
function lookUpArtist(request: ArtistRequest): WikidataArtist | undefined {
  const language = readLanguage();
  const mbid = isMbid(request.mbid) ? request.mbid : undefined;
  if (mbid === undefined && request.mbid !== undefined && request.mbid !== "") {
    log.warn("ignoring a MusicBrainz ID that is not a UUID, looking the artist up by name", { artist: request.name, mbid: request.mbid });
  }
  if (mbid === undefined && request.name.trim() === "") return undefined;

  const artist = findArtist({ name: request.name, mbid }, language);
  if (artist === undefined) log.debug("artist not found in Wikidata", { artist: request.name, mbid });
  else log.debug("artist found in Wikidata", { artist: request.name, item: artist.item });
  return artist;
}

// Each method returns undefined when there is nothing to report, so Navidrome tries its next agent.
// Errors of the remote services propagate, so Navidrome counts a failure and retries later.
export default definePlugin({
  metadataAgent: {
    getArtistUrl(request) {
      const article = lookUpArtist(request)?.article;
      return article === undefined ? undefined : { url: article };
    },

    getArtistBiography(request) {
      const article = lookUpArtist(request)?.article;
      if (article === undefined) return undefined;
      const biography = fetchSummary(article);
      return biography === undefined ? undefined : { biography };
    },

    getArtistImages(request) {
      const imageFile = lookUpArtist(request)?.imageFile;
      if (imageFile === undefined) return undefined;
      const images = fetchImage(imageFile);
      return images.length === 0 ? undefined : { images };
    },
  },
});
