import { isIPv6 } from "node:net";

import type { ServiceContext, SimulatedService } from "../host/service.js";
import { ServiceError } from "../host/service.js";
import { omitEmpty, readBool, readBytes, readInt, readObject, readString, readStringMap } from "../host/wire.js";
import type { HttpRequestInfo, HttpResponseInfo, NavidromeOptions } from "../options.js";

/** Limits of Navidrome's HTTP service (plugins/host_httpclient.go). */
export const HTTP_LIMITS = {
  /** Timeout when the request's timeoutMs is 0 or left out, in milliseconds. */
  defaultTimeoutMs: 10_000,
  /** Requests one `http_send` makes at most, counting the first; the fifth redirect response is returned as it is. */
  maxRedirects: 5,
  /** Bytes of a response body kept; the rest is cut without an error. */
  maxResponseBodyBytes: 10_485_760,
} as const;

/** A request the service rejected before it reached the handler. */
export interface RefusedHttpRequest {
  /** The HTTP method, upper-case. */
  readonly method: string;
  /** The URL that was rejected: the plugin's, or the target of a redirect. */
  readonly url: string;
  /** The error text the plugin received. */
  readonly reason: string;
  /** Simulated Unix time in milliseconds. */
  readonly time: number;
}

/** The simulated HTTP service, with views of what reached the handler and what was rejected. */
export interface HttpService extends SimulatedService {
  /** Every request passed to the handler, redirects included, oldest first. */
  requests(): readonly HttpRequestInfo[];
  /** Every request or redirect rejected by a URL or host check, oldest first. */
  refused(): readonly RefusedHttpRequest[];
}

/** A redirect hop in progress. */
interface Hop {
  readonly method: string;
  readonly url: string;
  readonly scheme: string;
  readonly host: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers Go's client drops when a redirect leaves the first request's domain. */
const SENSITIVE_HEADERS = new Set(["Authorization", "Www-Authenticate", "Cookie", "Cookie2", "Proxy-Authorization", "Proxy-Authenticate"]);
const TEXT_ENCODER = new TextEncoder();

/**
 * Creates the HTTP service. It never touches the network: every request that passes Navidrome's
 * checks goes to `options.http`, a simulated remote server. It follows redirects as Go's
 * http.Client does (301, 302 and 303 turn other methods into GET without a body; 307 and 308 keep
 * both) and checks every redirect target against the allowlist.
 *
 * The handler receives header names in Go's canonical form (`Content-Type`), and the plugin
 * receives response header names in that form too, with the first value where the handler's
 * headers repeat a name in another case. The handler receives only the headers the plugin set plus
 * the `Referer` Go adds on redirects, not the `User-Agent` or `Accept-Encoding` a real client adds.
 * A response's `delayMs` counts against the timeout (the plugin's timeoutMs or 10 s) over all
 * redirects, but it does not move the simulated clock.
 */
export function createHttpService(ctx: ServiceContext, options: NavidromeOptions): HttpService {
  const requiredHosts = ctx.manifest.permissions?.http?.requiredHosts ?? [];
  const sent: HttpRequestInfo[] = [];
  const refusals: RefusedHttpRequest[] = [];

  function refuse(method: string, url: string, reason: string): ServiceError {
    refusals.push({ method, url, reason, time: ctx.clock.now() });
    return new ServiceError(reason);
  }

  /** Returns why Navidrome rejects a host (with its port), or undefined when it allows it. */
  function hostRejection(host: string): string | undefined {
    const hostname = hostnameOf(host);
    if (requiredHosts.length > 0) {
      return requiredHosts.some((pattern) => hostMatchesPattern(pattern, hostname)) ? undefined : `host "${host}" is not allowed`;
    }
    if (isPrivateOrLoopback(hostname)) {
      ctx.log("warn", `HTTP request to private/loopback address blocked: host "${host}"`);
      return `host "${host}" is not allowed: private/loopback addresses require explicit requiredHosts in manifest`;
    }
    return undefined;
  }

  function send(request: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const method = readString(request, "method").toUpperCase() || "GET";
    const url = readString(request, "url");
    const headers = readStringMap(request, "headers");
    const noFollowRedirects = readBool(request, "noFollowRedirects");
    const body = readBytes(request, "body");
    const timeoutMs = readInt(request, "timeoutMs", "int32");

    let parsed: GoUrl;
    try {
      parsed = parseGoUrl(url);
    } catch (error) {
      throw refuse(method, url, `invalid URL: ${(error as Error).message}`);
    }
    if (parsed.scheme !== "http" && parsed.scheme !== "https") {
      throw refuse(method, url, `invalid URL scheme "${parsed.scheme}": must be http or https`);
    }
    const rejection = hostRejection(parsed.host);
    if (rejection !== undefined) throw refuse(method, url, rejection);

    if (!isToken(method)) throw new ServiceError(`creating request: net/http: invalid method "${method}"`);
    const canonicalHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) canonicalHeaders[canonicalHeaderKey(name)] = value;

    const timeout = timeoutMs !== 0 ? timeoutMs : HTTP_LIMITS.defaultTimeoutMs;
    const response = exchange(
      { method, url, scheme: parsed.scheme, host: parsed.host, headers: canonicalHeaders, body },
      { timeoutMs: timeout, noFollowRedirects },
    );
    return omitEmpty({ result: response }, ["result"]);
  }

  /** Sends the first request and follows redirects, returning the plugin's HTTPResponse. */
  function exchange(first: Hop, settings: { timeoutMs: number; noFollowRedirects: boolean }): Record<string, unknown> {
    // Go's url.Error names the first request's method, in title case ("Get", "Post").
    const operation = first.method.charAt(0) + first.method.slice(1).toLowerCase();
    const networkError = (url: string, message: string): ServiceError => new ServiceError(`${operation} "${url}": ${message}`);

    let hop = first;
    let requestCount = 0;
    let elapsedMs = 0;
    let includeBody = true;
    let stripSensitiveHeaders = false;
    for (;;) {
      const invalidHeader = headerProblem(hop.headers);
      if (invalidHeader !== undefined) throw networkError(hop.url, invalidHeader);
      if (settings.timeoutMs < 0) throw networkError(hop.url, "context deadline exceeded");
      if (hop.host === "") throw networkError(hop.url, "http: no Host in request URL");
      if (options.http === undefined) {
        throw networkError(hop.url, `dial tcp ${withPort(hop.host, hop.scheme)}: connect: connection refused`);
      }

      const info: HttpRequestInfo = { method: hop.method, url: hop.url, headers: hop.headers, body: hop.body, timeoutMs: settings.timeoutMs };
      sent.push(info);
      requestCount += 1;
      let response: HttpResponseInfo;
      try {
        response = options.http(info);
      } catch (error) {
        throw networkError(hop.url, error instanceof Error ? error.message : String(error));
      }

      elapsedMs += response.delayMs ?? 0;
      if (elapsedMs > settings.timeoutMs) throw networkError(hop.url, "context deadline exceeded");
      if (!Number.isInteger(response.status) || response.status < 100 || response.status > 999) {
        throw networkError(hop.url, `net/http: HTTP/1.x transport connection broken: malformed HTTP status code "${response.status}"`);
      }

      const responseHeaders = canonicalResponseHeaders(response.headers ?? {});
      const location = responseHeaders.Location;
      const follows = REDIRECT_STATUSES.has(response.status) && location !== undefined && location !== "";
      if (!follows) return httpResponse(response, responseHeaders, hop.method);

      const target = resolveLocation(hop, location);
      if (target === undefined) throw networkError(hop.url, `failed to parse Location header "${location}"`);
      if (settings.noFollowRedirects) return httpResponse(response, responseHeaders, hop.method);
      if (requestCount >= HTTP_LIMITS.maxRedirects) {
        ctx.log("warn", `HTTP redirect limit exceeded: url "${target.url}", ${requestCount} requests sent`);
        return httpResponse(response, responseHeaders, hop.method);
      }
      const rejection = hostRejection(target.host);
      if (rejection !== undefined) {
        ctx.log("warn", `HTTP redirect blocked: url "${target.url}": ${rejection}`);
        refusals.push({ method: hop.method, url: target.url, reason: rejection, time: ctx.clock.now() });
        // Go's url.Error names the Location header as written when a redirect check fails.
        throw networkError(location, rejection);
      }
      if (target.scheme !== "http" && target.scheme !== "https") throw networkError(target.url, `unsupported protocol scheme "${target.scheme}"`);

      // 301, 302 and 303 switch other methods to GET and drop the body; once dropped, it stays dropped.
      const keepsMethod = response.status === 307 || response.status === 308;
      const method = keepsMethod || hop.method === "GET" || hop.method === "HEAD" ? hop.method : "GET";
      includeBody &&= keepsMethod;

      if (!stripSensitiveHeaders && target.host !== first.host && !isDomainOrSubdomain(hostnameOf(target.host), hostnameOf(first.host))) {
        stripSensitiveHeaders = true;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(first.headers)) {
        if (!(stripSensitiveHeaders && SENSITIVE_HEADERS.has(name))) headers[name] = value;
      }
      // Go sets Referer to the previous URL unless the redirect goes from https to http.
      if (!(hop.scheme === "https" && target.scheme === "http") && headers.Referer === undefined) headers.Referer = withoutUserinfo(hop.url);

      hop = { method, url: target.url, scheme: target.scheme, host: target.host, headers, body: includeBody ? first.body : new Uint8Array(0) };
    }
  }

  return {
    requests: () => sent,
    refused: () => refusals,
    functions: {
      http_send(request) {
        return send(readObject(request, "request", "HTTPRequest"));
      },
    },
  };
}

/** Builds the plugin's HTTPResponse: body cut to 10 MiB, empty where HTTP allows no body. */
function httpResponse(response: HttpResponseInfo, headers: Readonly<Record<string, string>>, method: string): Record<string, unknown> {
  const noBody = method === "HEAD" || response.status < 200 || response.status === 204 || response.status === 304;
  const fullBody = typeof response.body === "string" ? TEXT_ENCODER.encode(response.body) : (response.body ?? new Uint8Array(0));
  const body = noBody ? new Uint8Array(0) : fullBody.subarray(0, HTTP_LIMITS.maxResponseBodyBytes);
  // HTTPResponse.statusCode has no omitempty; headers and body do.
  return { statusCode: response.status, ...omitEmpty({ headers, body }) };
}

/** Canonicalizes response header names as Go's reader does, keeping the first value of each. */
function canonicalResponseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const canonical: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = canonicalHeaderKey(name);
    if (!(key in canonical)) canonical[key] = value;
  }
  return canonical;
}

function resolveLocation(hop: Hop, location: string): { url: string; scheme: string; host: string } | undefined {
  try {
    // An absolute Location keeps its host exactly as written, since the allowlist compares case.
    const absolute = location.startsWith("//") ? `${hop.scheme}:${location}` : location;
    const parsed = parseGoUrl(absolute);
    if (parsed.scheme !== "") return { url: absolute, scheme: parsed.scheme, host: parsed.host };
    return { url: new URL(location, hop.url).href, scheme: hop.scheme, host: hop.host };
  } catch {
    return undefined;
  }
}

/** Returns Go's error for a header the transport refuses to send, or undefined when all are valid. */
function headerProblem(headers: Readonly<Record<string, string>>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (!isToken(name)) return `net/http: invalid header field name "${name}"`;
    // Field values may hold any byte but control characters other than tab.
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) return `net/http: invalid header field value for "${name}"`;
  }
  return undefined;
}

function withPort(host: string, scheme: string): string {
  const hasPort = host.startsWith("[") ? /\]:\d+$/.test(host) : /:\d+$/.test(host);
  return hasPort ? host : `${host}:${scheme === "https" ? 443 : 80}`;
}

function withoutUserinfo(url: string): string {
  return url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#@]*@/, "$1");
}

function isDomainOrSubdomain(child: string, parent: string): boolean {
  return child === parent || child.endsWith(`.${parent}`);
}

// Shared with the WebSocket service, which checks hosts the same way.

/** The parts of a URL that Navidrome's checks read, split as Go's net/url does. */
export interface GoUrl {
  /** The scheme, lower-cased as Go does; "" when the URL has none. */
  readonly scheme: string;
  /** The host with its port, exactly as written; "" when the URL has no authority. */
  readonly host: string;
  /** Whether the authority has user info (`user:password@`). */
  readonly hasUserinfo: boolean;
}

/**
 * Splits a URL as Go's url.Parse does, without the normalizing of WHATWG URLs: the host keeps its
 * case, and a URL without `//` has no host.
 *
 * @throws {Error} with Go's message when url.Parse would fail.
 */
export function parseGoUrl(raw: string): GoUrl {
  const fail = (reason: string): Error => new Error(`parse "${raw}": ${reason}`);
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw fail("net/url: invalid control character in URL");

  const withoutFragment = raw.split("#", 1)[0] ?? "";
  let rest = withoutFragment;
  let scheme = "";
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (schemeMatch !== null) {
    scheme = (schemeMatch[1] ?? "").toLowerCase();
    rest = rest.slice(schemeMatch[0].length);
  } else if (rest.startsWith(":")) {
    throw fail("missing protocol scheme");
  }
  rest = rest.split("?", 1)[0] ?? "";

  if (!rest.startsWith("//")) {
    if (scheme === "" && /^[^/]*:/.test(rest)) throw fail("first path segment in URL cannot contain colon");
    return { scheme, host: "", hasUserinfo: false };
  }

  const authority = rest.slice(2).split("/", 1)[0] ?? "";
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  let port: string;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close === -1) throw fail("missing ']' in host");
    port = host.slice(close + 1);
  } else {
    const colon = host.lastIndexOf(":");
    port = colon === -1 ? "" : host.slice(colon);
    const invalid = /[^a-zA-Z0-9\-._~!$&'()*+,;=:[\]<>"%\u0080-\uffff]/.exec(host);
    if (invalid !== null) throw fail(`invalid character "${invalid[0]}" in host name`);
  }
  if (port !== "" && !/^:\d*$/.test(port)) throw fail(`invalid port "${port}" after host`);
  return { scheme, host, hasUserinfo: authority.includes("@") };
}

/**
 * Tells whether a `requiredHosts` pattern allows a host name (without port): `*` allows every
 * host, `*.example.com` allows the subdomains of example.com but not example.com itself, and any
 * other pattern must equal the host. Matching is case-sensitive, as in Navidrome.
 */
export function hostMatchesPattern(pattern: string, hostname: string): boolean {
  if (pattern === "*" || pattern === hostname) return true;
  return pattern.startsWith("*.") && hostname.endsWith(pattern.slice(1));
}

/** Returns a header name in Go's canonical form (`content-type` becomes `Content-Type`); names with invalid characters stay as they are. */
export function canonicalHeaderKey(name: string): string {
  if (!isToken(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_match, separator: string, letter: string) => separator + letter.toUpperCase());
}

function isToken(text: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(text);
}

/** Strips the port and IPv6 brackets from a host, as Navidrome's HTTP service does. */
function hostnameOf(host: string): string {
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    return close === -1 ? host : host.slice(1, close);
  }
  const colon = host.indexOf(":");
  // Go's SplitHostPort fails on several colons without brackets, and Navidrome then keeps the host.
  return colon !== -1 && colon === host.lastIndexOf(":") ? host.slice(0, colon) : host;
}

/**
 * Tells whether a literal host is one Navidrome refuses without requiredHosts: `localhost` or a
 * loopback, unspecified, private or link-local IP address.
 *
 * NOTE: like Navidrome's check of the URL, this does not resolve names, so a host name that
 * resolves to a private address passes here.
 */
function isPrivateOrLoopback(hostname: string): boolean {
  if (hostname.toLowerCase() === "localhost") return true;
  const ipv4 = parseIPv4(hostname);
  if (ipv4 !== undefined) return isPrivateIPv4(ipv4);
  const ipv6 = parseIPv6(hostname);
  return ipv6 !== undefined && isPrivateIPv6(ipv6);
}

function parseIPv4(text: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  const octets = match.slice(1).map((part) => (part.length > 1 && part.startsWith("0") ? Number.NaN : Number(part)));
  return octets.every((octet) => octet >= 0 && octet <= 255) ? octets : undefined;
}

function isPrivateIPv4([a = 0, b = 0, c = 0, d = 0]: readonly number[]): boolean {
  return (
    a === 127 || // loopback
    (a === 0 && b === 0 && c === 0 && d === 0) || // unspecified
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) || // link-local unicast
    (a === 224 && b === 0 && c === 0) // link-local multicast
  );
}

/** Parses an IPv6 address into 16 bytes; undefined when it is not one. */
function parseIPv6(text: string): number[] | undefined {
  if (!isIPv6(text)) return undefined;
  let head = text;
  let tailBytes: number[] = [];
  const lastColon = text.lastIndexOf(":");
  const embedded = parseIPv4(text.slice(lastColon + 1));
  if (embedded !== undefined) {
    head = `${text.slice(0, lastColon + 1)}0:0`;
    tailBytes = embedded;
  }
  const [left = "", right] = head.split("::");
  const leftGroups = left === "" ? [] : left.split(":");
  const rightGroups = right === undefined || right === "" ? [] : right.split(":");
  const zeros = new Array<string>(8 - leftGroups.length - rightGroups.length).fill("0");
  const groups = right === undefined ? leftGroups : [...leftGroups, ...zeros, ...rightGroups];
  const bytes = groups.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  if (tailBytes.length === 4) bytes.splice(12, 4, ...tailBytes);
  return bytes;
}

function isPrivateIPv6(bytes: readonly number[]): boolean {
  const [first = 0, second = 0] = bytes;
  const isMappedIPv4 = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMappedIPv4) return isPrivateIPv4(bytes.slice(12));
  const allZeroBefore = (index: number): boolean => bytes.slice(0, index).every((byte) => byte === 0);
  return (
    (allZeroBefore(15) && bytes[15] === 1) || // ::1, loopback
    allZeroBefore(16) || // ::, unspecified
    (first & 0xfe) === 0xfc || // fc00::/7, unique local
    (first === 0xfe && (second & 0xc0) === 0x80) || // fe80::/10, link-local unicast
    (first === 0xff && (second & 0x0f) === 0x02) // ff02::/16, link-local multicast
  );
}
