import { log } from "@nd/pdk";

import { asObject, getJson } from "./http-json.js";

const ARTICLE_URL = /^https:\/\/([a-z0-9-]+\.wikipedia\.org)\/wiki\/([^?#]+)$/;

/**
 * Fetches the plain-text summary of a Wikipedia article: its lead section, as Wikipedia's REST API
 * returns it in `extract`.
 *
 * Returns undefined when the article is gone (HTTP 404), is a disambiguation page, or has no summary.
 *
 * @param articleUrl - Article URL as Wikidata links it, such as `https://en.wikipedia.org/wiki/Nina_Simone`.
 */
export function fetchSummary(articleUrl: string): string | undefined {
  const match = ARTICLE_URL.exec(articleUrl);
  const title = match?.[2] === undefined ? undefined : decodeTitle(match[2]);
  if (match === null || title === undefined) {
    log.warn("skipping an article URL that is not a Wikipedia article", { url: articleUrl });
    return undefined;
  }

  // The title is encoded again in full, because a title such as AC/DC must reach the API as one path segment.
  const summary = asObject(getJson("Wikipedia", `https://${match[1]}/api/rest_v1/page/summary/${encodeURIComponent(title)}`));
  if (summary === undefined) return undefined;
  if (summary["type"] === "disambiguation") {
    log.debug("the linked article is a disambiguation page", { url: articleUrl });
    return undefined;
  }

  const extract = summary["extract"];
  return typeof extract === "string" && extract.trim() !== "" ? extract.trim() : undefined;
}

function decodeTitle(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}
