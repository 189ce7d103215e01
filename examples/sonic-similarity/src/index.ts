import { definePlugin, log, type SonicSimilarityResponse } from "@nd/pdk";

import { matchInLibrary, thinEvenly } from "./library-match.js";
import { findNeighbours, findPath, findRecordingMbid, MAX_NEIGHBOURS, MAX_PATH_STEPS } from "./timbrelab.js";

/**
 * Candidates requested per result. Many of TimbreLab's suggestions are not in a given library, so
 * the plugin requests more than Navidrome did and drops the rest after matching.
 */
const CANDIDATES_PER_RESULT = 3;

const NO_MATCHES: SonicSimilarityResponse = { matches: [] };

export default definePlugin({
  sonicSimilarity: {
    getSonicSimilarTracks({ song, count }) {
      if (count <= 0) return NO_MATCHES;

      const mbid = findRecordingMbid(song);
      if (mbid === undefined) {
        log.info("TimbreLab has no recording for the song", { id: song.id, title: song.name });
        return NO_MATCHES;
      }
      const neighbours = findNeighbours(mbid, Math.min(count * CANDIDATES_PER_RESULT, MAX_NEIGHBOURS));
      if (neighbours === undefined) {
        log.info("TimbreLab has not analysed the song", { id: song.id, title: song.name, mbid });
        return NO_MATCHES;
      }

      return { matches: matchInLibrary(neighbours, [song.id]).slice(0, count) };
    },

    findSonicPath({ startSong, endSong, count }) {
      if (count <= 0) return NO_MATCHES;

      const fromMbid = findRecordingMbid(startSong);
      const toMbid = findRecordingMbid(endSong);
      if (fromMbid === undefined || toMbid === undefined) {
        log.info("TimbreLab has no recording for one end of the path", { start: startSong.name, end: endSong.name });
        return NO_MATCHES;
      }
      // A path of twice the steps leaves room for the suggestions the library does not have.
      const steps = findPath(fromMbid, toMbid, Math.min(count * 2, MAX_PATH_STEPS));
      if (steps === undefined) {
        log.info("TimbreLab has not analysed one end of the path", { start: startSong.name, end: endSong.name });
        return NO_MATCHES;
      }

      return { matches: thinEvenly(matchInLibrary(steps, [startSong.id, endSong.id]), count) };
    },
  },
});
