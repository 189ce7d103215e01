import type { ImageInfo } from "@nd/pdk";

import { asObject, getJson } from "./http-json.js";

const COMMONS_API = "https://commons.wikimedia.org/w/api.php";

// Wide enough for an artist page, and far smaller than most original photos on Commons, which can be
// many megabytes. Commons returns the original instead when it is narrower than this.
export const THUMBNAIL_WIDTH = 800;

/**
 * Looks up a Wikimedia Commons file and returns a thumbnail of it, `THUMBNAIL_WIDTH` pixels wide or
 * the original when that is narrower.
 *
 * Returns an empty array when Commons has no such file.
 *
 * @param fileName - File name without the `File:` prefix, such as `Nina Simone 1969.jpg`.
 */
export function fetchImage(fileName: string): ImageInfo[] {
  const params = [
    "action=query",
    "format=json",
    "formatversion=2",
    "prop=imageinfo",
    `iiprop=${encodeURIComponent("url|size")}`,
    `iiurlwidth=${THUMBNAIL_WIDTH}`,
    `titles=${encodeURIComponent(`File:${fileName}`)}`,
  ];
  const response = asObject(getJson("Wikimedia Commons", `${COMMONS_API}?${params.join("&")}`));
  const pages = asObject(response?.["query"])?.["pages"];
  const page = Array.isArray(pages) ? asObject(pages[0]) : undefined;
  if (page === undefined || page["missing"] === true) return [];

  const infos = page["imageinfo"];
  const info = Array.isArray(infos) ? asObject(infos[0]) : undefined;
  if (info === undefined) return [];

  const thumbnail = imageAt(info["thumburl"], info["thumbwidth"]);
  if (thumbnail !== undefined) return [thumbnail];
  const original = imageAt(info["url"], info["width"]);
  return original === undefined ? [] : [original];
}

function imageAt(url: unknown, width: unknown): ImageInfo | undefined {
  if (typeof url !== "string" || url === "") return undefined;
  return { url, size: typeof width === "number" && Number.isInteger(width) ? width : 0 };
}
