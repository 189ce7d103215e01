import type { ScrobbleRef } from "@nd/pdk-host";

import type { ServiceContext, SimulatedService } from "../host/service.js";
import { ServiceError } from "../host/service.js";
import { omitEmpty, readBool, readInt, readObject, readOptionalInt, readString } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";
import { lookUpUser } from "./users.js";

/** Maximum and default number of scrobbles in one getScrobbles page. */
export const MAX_SCROBBLES_PER_PAGE = 5000;

/** The simulated ScrobbleRetriever service, with a view of the histories it serves. */
export interface ScrobbleRetrieverService extends SimulatedService {
  /** A user's scrobbles, oldest first, or an empty array for a user without any. */
  scrobblesOf(userName: string): ScrobbleRef[];
}

interface TimeRange {
  readonly from: number | undefined;
  readonly to: number | undefined;
}

function inRange(scrobble: ScrobbleRef, range: TimeRange): boolean {
  return (range.from === undefined || scrobble.submissionTime >= range.from) && (range.to === undefined || scrobble.submissionTime <= range.to);
}

/** Orders scrobbles by submission time and then by id, as Navidrome's query does. */
function compareScrobbles(a: ScrobbleRef, b: ScrobbleRef): number {
  return a.submissionTime - b.submissionTime || a.id - b.id;
}

/** Copies the keys Navidrome's ScrobbleRef has, none of which is omitempty. */
function toScrobbleReply(scrobble: ScrobbleRef): ScrobbleRef {
  return { id: scrobble.id, mediaFileId: scrobble.mediaFileId, submissionTime: scrobble.submissionTime };
}

function readRange(options: Readonly<Record<string, unknown>>): TimeRange {
  return { from: readOptionalInt(options, "fromTimestamp"), to: readOptionalInt(options, "toTimestamp") };
}

/**
 * Creates the ScrobbleRetriever service over `options.scrobbles`, keyed by user name. Only users the
 * plugin may see can be queried; any other name fails the call as Navidrome does.
 */
export function createScrobbleRetrieverService(_ctx: ServiceContext, options: NavidromeOptions): ScrobbleRetrieverService {
  const historyOf = (userName: string): ScrobbleRef[] => [...(options.scrobbles?.[userName] ?? [])].sort(compareScrobbles);

  /** Resolves the username of a request to the user's history, or fails with Navidrome's message. */
  function historyFor(request: Readonly<Record<string, unknown>>): ScrobbleRef[] {
    const username = readString(request, "username");
    const lookup = lookUpUser(options, username);
    switch (lookup.kind) {
      case "no-users":
        throw new ServiceError("scrobbleRetriever: plugin is not authorized to scope by user");
      case "not-found":
        throw new ServiceError(`scrobbleRetriever: user "${username}" not found`);
      case "not-allowed":
        throw new ServiceError(`scrobbleRetriever: plugin is not allowed to act as user "${username}"`);
      case "allowed":
        return historyOf(lookup.user.userName);
    }
  }

  /**
   * Returns one page and the options of the next. The page is read as Navidrome's query reads it:
   * skip `offset` scrobbles of the range, then take one more than the page size, so the extra scrobble
   * shows whether another page exists. The next page starts at that scrobble's time, and its offset
   * skips the scrobbles of this page that share that time, which were already returned.
   */
  function page(history: readonly ScrobbleRef[], scrobbleOptions: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const range = readRange(scrobbleOptions);
    const descending = readBool(scrobbleOptions, "descending");
    const requestedMax = readInt(scrobbleOptions, "maxItems", "int");
    const maxItems = requestedMax < 1 || requestedMax > MAX_SCROBBLES_PER_PAGE ? MAX_SCROBBLES_PER_PAGE : requestedMax;
    const offset = Math.max(0, readInt(scrobbleOptions, "offset", "int"));

    const ordered = history.filter((scrobble) => inRange(scrobble, range));
    if (descending) ordered.reverse();
    const fetched = ordered.slice(offset, offset + maxItems + 1);
    const scrobbles = fetched.slice(0, maxItems);

    const following = fetched[maxItems];
    if (following === undefined) return omitEmpty({ scrobbles: scrobbles.map(toScrobbleReply) });

    let sameTimeCount = 0;
    for (let i = scrobbles.length - 1; i >= 0 && scrobbles[i]?.submissionTime === following.submissionTime; i--) sameTimeCount++;
    // A page whose scrobbles all share the next page's start time began at that same time, so the
    // scrobbles the previous offset skipped must stay skipped.
    const nextOffset = sameTimeCount === scrobbles.length ? sameTimeCount + offset : sameTimeCount;

    // Navidrome's ScrobbleOptions writes descending and maxItems always, the timestamps whenever they
    // are set (0 included, as they are pointers), and offset only when it is not 0.
    const next: Record<string, unknown> = {};
    const nextFrom = descending ? range.from : following.submissionTime;
    const nextTo = descending ? following.submissionTime : range.to;
    if (nextFrom !== undefined) next["fromTimestamp"] = nextFrom;
    if (nextTo !== undefined) next["toTimestamp"] = nextTo;
    next["descending"] = descending;
    // NOTE: next carries the page size after the 5000 cap. Whether Navidrome writes the capped or the
    // requested value was not verified, but both give the same pages.
    next["maxItems"] = maxItems;
    if (nextOffset !== 0) next["offset"] = nextOffset;

    return omitEmpty({ scrobbles: scrobbles.map(toScrobbleReply), next }, ["next"]);
  }

  return {
    scrobblesOf: historyOf,

    functions: {
      scrobbleretriever_getfirsttimestamp(request) {
        const history = historyFor(request);
        return omitEmpty({ result: history[0]?.submissionTime }, ["result"]);
      },

      scrobbleretriever_getlasttimestamp(request) {
        const history = historyFor(request);
        return omitEmpty({ result: history[history.length - 1]?.submissionTime }, ["result"]);
      },

      scrobbleretriever_getscrobbles(request) {
        const history = historyFor(request);
        return page(history, readObject(request, "options", "host.ScrobbleOptions"));
      },

      scrobbleretriever_getscrobblecount(request) {
        const history = historyFor(request);
        const range = readRange(readObject(request, "options", "host.ScrobbleCountOptions"));
        return omitEmpty({ result: history.filter((scrobble) => inRange(scrobble, range)).length });
      },
    },
  };
}
