import { asObject, getJson } from "./http-json.js";

const SPARQL_ENDPOINT = "https://query.wikidata.org/sparql";
const MBID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILE_PATH_PREFIX = "/wiki/Special:FilePath/";

/** Artist data found in Wikidata. */
export interface WikidataArtist {
  /** Entity URI of the Wikidata item, such as `http://www.wikidata.org/entity/Q1234`. */
  item: string;
  /** URL of the Wikipedia article in the configured language, when the item links one. */
  article?: string;
  /** Wikimedia Commons file name of the artist's image (property P18), such as `Nina Simone 1969.jpg`. */
  imageFile?: string;
}

/** How to find the artist: by MusicBrainz artist ID, or by name. */
export interface ArtistQuery {
  name: string;
  mbid?: string | undefined;
}

/**
 * Finds an artist in Wikidata, with its Wikipedia article in `language` and its image.
 *
 * With a MusicBrainz ID the item must carry that ID (property P434). A name lookup is not tried then:
 * an item of the same name but with another MusicBrainz ID is another artist. Without an ID the name
 * must be the item's label in `language` or in English, and the item must have some MusicBrainz artist
 * ID, which excludes places, films and other non-musicians of the same name. Of several matches, the
 * item linked from the most Wikimedia sites wins.
 *
 * Returns undefined when no item matches.
 */
export function findArtist(query: ArtistQuery, language: string): WikidataArtist | undefined {
  const url = `${SPARQL_ENDPOINT}?format=json&query=${encodeURIComponent(buildQuery(query, language))}`;
  const response = getJson("Wikidata query service", url, "application/sparql-results+json");
  // A 404 from the query endpoint is a fault of the service, not a missing artist.
  if (response === undefined) throw new Error(`Wikidata query service returned HTTP 404 for ${SPARQL_ENDPOINT}`);
  const bindings = asObject(asObject(response)?.["results"])?.["bindings"];
  if (!Array.isArray(bindings)) throw new Error("Wikidata query service returned JSON without results.bindings");

  const row = asObject(bindings[0]);
  const item = bindingValue(row, "item");
  if (row === undefined || item === undefined) return undefined;

  const artist: WikidataArtist = { item };
  const article = bindingValue(row, "article");
  if (article !== undefined) artist.article = article;
  const imageFile = commonsFileName(bindingValue(row, "image"));
  if (imageFile !== undefined) artist.imageFile = imageFile;
  return artist;
}

/** Builds the SPARQL query of {@link findArtist}. */
export function buildQuery(query: ArtistQuery, language: string): string {
  const wikipedia = `<https://${language}.wikipedia.org/>`;
  const optionals = [
    `  OPTIONAL { ?article schema:about ?item ; schema:isPartOf ${wikipedia} . }`,
    "  OPTIONAL { ?item wdt:P18 ?image . }",
  ];

  if (isMbid(query.mbid)) {
    return ["SELECT ?item ?article ?image WHERE {", `  ?item wdt:P434 "${query.mbid.toLowerCase()}" .`, ...optionals, "}", "LIMIT 1"].join("\n");
  }

  const languages = language === "en" ? ["en"] : [language, "en"];
  const labels = languages.map((tag) => `${sparqlString(query.name)}@${tag}`).join(" ");
  return [
    "SELECT ?item ?article ?image WHERE {",
    `  VALUES ?label { ${labels} }`,
    "  ?item rdfs:label ?label ; wdt:P434 ?mbid ; wikibase:sitelinks ?sitelinks .",
    ...optionals,
    "}",
    "ORDER BY DESC(?sitelinks)",
    "LIMIT 1",
  ].join("\n");
}

/** Tells whether `mbid` has the form of a MusicBrainz ID (a UUID). The query uses no other form. */
export function isMbid(mbid: string | undefined): mbid is string {
  return mbid !== undefined && MBID_PATTERN.test(mbid);
}

/** Quotes text as a SPARQL string literal. */
function sparqlString(text: string): string {
  const escaped = text.replace(/[\\"\n\r\t]/g, (char) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[char] ?? char);
  return `"${escaped}"`;
}

function bindingValue(row: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = asObject(row?.[name])?.["value"];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Returns the file name in a Commons `Special:FilePath` URL, the form in which the query service
 * returns image values, or undefined for any other URL.
 */
function commonsFileName(url: string | undefined): string | undefined {
  const start = url?.indexOf(FILE_PATH_PREFIX) ?? -1;
  if (url === undefined || start === -1) return undefined;
  const encoded = url.slice(start + FILE_PATH_PREFIX.length);
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}
