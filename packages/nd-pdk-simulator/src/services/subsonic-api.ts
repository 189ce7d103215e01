import type { ServiceContext, SimulatedService } from "../host/service.js";
import { ServiceError } from "../host/service.js";
import { omitEmpty, readString } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";
import { lookUpUser } from "./users.js";

/** Subsonic API version that Navidrome sends as `v` and reports in every response. */
export const SUBSONIC_API_VERSION = "1.16.1";

/** Server version the simulated Subsonic responses report as `serverVersion`. */
export const SIMULATED_SERVER_VERSION = "0.0.0 (simulator)";

/** Subsonic error code for "the requested data was not found". */
const SUBSONIC_NOT_FOUND = 70;

/** One Subsonic API request the plugin made, as the inspection view records it. */
export interface SubsonicRequestRecord {
  /** The endpoint name without `.view` (`getAlbumList2`). */
  readonly endpoint: string;
  /** The query parameters Navidrome passed on, including `u`, `c`, `v` and, for call, `f=json`. */
  readonly params: URLSearchParams;
  /** True for `subsonicApi.callRaw`, false for `subsonicApi.call`. */
  readonly raw: boolean;
}

/** The simulated SubsonicAPI service, with a record of its requests. */
export interface SubsonicApiService extends SimulatedService {
  /** Every request that passed the user check, in order. */
  requests(): readonly SubsonicRequestRecord[];
}

/** A response body and its content type. */
interface SubsonicBody {
  readonly contentType: string;
  readonly data: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Returns the `subsonic-response` fields Navidrome writes in every JSON response. */
function envelope(status: "ok" | "failed"): Record<string, unknown> {
  return { status, version: SUBSONIC_API_VERSION, type: "navidrome", serverVersion: SIMULATED_SERVER_VERSION, openSubsonic: true };
}

function jsonBody(document: unknown): SubsonicBody {
  return { contentType: "application/json", data: encoder.encode(JSON.stringify(document)) };
}

/** Guesses the type of canned binary data from its first bytes, as Go's http.DetectContentType does for images. */
function sniffContentType(data: Uint8Array): string {
  const startsWith = (...bytes: number[]): boolean => bytes.every((byte, i) => data[i] === byte);
  if (startsWith(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (startsWith(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  if (startsWith(0x47, 0x49, 0x46, 0x38)) return "image/gif";
  if (startsWith(0x52, 0x49, 0x46, 0x46) && decoder.decode(data.subarray(8, 12)) === "WEBP") return "image/webp";
  return "application/octet-stream";
}

/**
 * Returns the endpoint of a URI as Navidrome does: the last segment of its path, with a scheme, host
 * and `/rest/` prefix ignored. "" stands for a URI without a path.
 */
function endpointOf(path: string): string {
  const segments = path.split("/").filter((segment) => segment !== "");
  return segments[segments.length - 1] ?? "";
}

/**
 * Splits a URI into path and query as Go's url.Parse does for the cases plugins send: `ping?u=alice`,
 * `/rest/ping.view?u=alice` or a full URL.
 *
 * @throws {ServiceError} for a malformed percent-escape in the path, which Go rejects.
 */
function parseUri(uri: string): { path: string; query: URLSearchParams } {
  const withoutFragment = uri.split("#", 1)[0] ?? "";
  const queryStart = withoutFragment.indexOf("?");
  let path = queryStart === -1 ? withoutFragment : withoutFragment.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? "" : withoutFragment.slice(queryStart + 1));

  const badEscape = /%(?![\da-fA-F]{2}).{0,2}/.exec(path);
  if (badEscape !== null) throw new ServiceError(`invalid URL format: parse ${JSON.stringify(uri)}: invalid URL escape ${JSON.stringify(badEscape[0])}`);

  const schemeAndHost = /^[a-zA-Z][\w+.-]*:\/\/[^/]*/.exec(path);
  if (schemeAndHost !== null) path = path.slice(schemeAndHost[0].length);
  return { path, query };
}

/**
 * Creates the SubsonicAPI service, which replies with the canned responses of `options.subsonic`
 * instead of reading a real library. Requests go through Navidrome's checks: `u` must name a user the
 * plugin may act as, and Navidrome's own parameters (`c` = plugin id, `v` = 1.16.1, `f` = json for
 * call) replace any the plugin set.
 *
 * A canned response is looked up by endpoint name, with or without `.view`, and can be:
 * - an object, whose keys are added to an "ok" `subsonic-response` (`{ albumList2: {...} }`);
 * - an object with a `subsonic-response` key, returned unchanged, to simulate any other response;
 * - a Uint8Array, returned as the body, for binary endpoints such as getCoverArt;
 * - a function of the query parameters returning one of these.
 *
 * An endpoint without a canned response gets a failed response with Subsonic error 70 (not found),
 * and the simulated Navidrome logs a warning that names the endpoint.
 */
export function createSubsonicApiService(ctx: ServiceContext, options: NavidromeOptions): SubsonicApiService {
  const pluginId = options.pluginId ?? "test-plugin";
  const records: SubsonicRequestRecord[] = [];

  function checkUser(userName: string): void {
    if (userName === "") throw new ServiceError("missing required parameter 'u' (username)");
    const lookup = lookUpUser(options, userName);
    if (lookup.kind === "no-users") throw new ServiceError(`no users configured for plugin ${pluginId}`);
    if (lookup.kind === "not-found") throw new ServiceError(`username ${userName} not found`);
    if (lookup.kind === "not-allowed") throw new ServiceError(`user ${userName} is not authorized for this plugin`);
  }

  /** Returns the canned response of an endpoint, or `found: false` when the test configured none. */
  function cannedResponse(endpoint: string, params: URLSearchParams): { found: boolean; response: unknown } {
    const responses = options.subsonic ?? {};
    const key = [endpoint, `${endpoint}.view`].find((candidate) => Object.hasOwn(responses, candidate));
    if (key === undefined) return { found: false, response: undefined };

    const canned = responses[key];
    const response = typeof canned === "function" ? (canned as (params: URLSearchParams) => unknown)(params) : canned;
    return { found: true, response };
  }

  function respond(uri: string, raw: boolean): SubsonicBody {
    const { path, query } = parseUri(uri);
    checkUser(query.get("u") ?? "");

    query.set("c", pluginId);
    query.set("v", SUBSONIC_API_VERSION);
    if (!raw) query.set("f", "json");

    const lastSegment = endpointOf(path);
    const endpoint = lastSegment.endsWith(".view") ? lastSegment.slice(0, -".view".length) : lastSegment;
    records.push({ endpoint, params: new URLSearchParams(query), raw });

    const { found, response } = cannedResponse(endpoint, new URLSearchParams(query));
    if (!found) {
      ctx.log(
        "warn",
        `Subsonic API: endpoint "${endpoint}" has no canned response, so the plugin receives error 70. Add it to the subsonic option of createNavidrome.`,
      );
      const error = { code: SUBSONIC_NOT_FOUND, message: `endpoint "${endpoint}" not found` };
      return jsonBody({ "subsonic-response": { ...envelope("failed"), error } });
    }

    if (response instanceof Uint8Array) return { contentType: sniffContentType(response), data: response };

    const isObject = typeof response === "object" && response !== null;
    if (isObject && Object.hasOwn(response, "subsonic-response")) return jsonBody(response);
    return jsonBody({ "subsonic-response": { ...envelope("ok"), ...(isObject ? response : {}) } });
  }

  return {
    requests: () => [...records],

    functions: {
      subsonicapi_call(request) {
        const body = respond(readString(request, "uri"), false);
        return omitEmpty({ responseJson: decoder.decode(body.data) });
      },

      subsonicapi_callraw(request) {
        // NOTE: without f=json in the URI, Navidrome returns XML for callRaw. The simulator has no XML
        // writer and always returns JSON with content type application/json.
        const body = respond(readString(request, "uri"), true);
        return omitEmpty({ contentType: body.contentType, data: body.data });
      },
    },
  };
}
