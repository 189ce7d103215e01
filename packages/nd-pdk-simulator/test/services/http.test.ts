import { describe, expect, it } from "vitest";

import { decodeBase64, encodeBase64 } from "@nd/pdk-types";

import type { HttpHandler, HttpRequestInfo, HttpResponseInfo } from "../../src/options.js";
import { HTTP_LIMITS, createHttpService } from "../../src/services/http.js";
import { START, callHost, createScriptedContext } from "./callbacks.js";

const MIB = 1024 * 1024;

/** Sets up the service; `requiredHosts` null leaves the key out of the manifest. */
function setup(requiredHosts: readonly string[] | null = ["api.example.com", "*.cdn.example.org"], handler?: HttpHandler) {
  const ctx = createScriptedContext({ http: requiredHosts === null ? { reason: "tests" } : { requiredHosts } });
  const service = createHttpService(ctx, ctx.options(handler === undefined ? {} : { http: handler }));
  const send = (request: Record<string, unknown>) => callHost(service, "http_send", { request });
  return { ctx, service, send };
}

/** Returns a handler that replies to every request with `response` and records what it received. */
function answering(response: HttpResponseInfo | ((request: HttpRequestInfo) => HttpResponseInfo)) {
  const received: HttpRequestInfo[] = [];
  const handler: HttpHandler = (request) => {
    received.push(request);
    return typeof response === "function" ? response(request) : response;
  };
  return { handler, received };
}

const ok = { status: 200, body: "ok" } as const;

function bodyText(reply: Record<string, unknown>): string {
  const body = (reply.result as { body?: string } | undefined)?.body;
  return body === undefined ? "" : new TextDecoder().decode(decodeBase64(body));
}

describe("http send", () => {
  it("passes the request to the handler and returns its response", () => {
    const { handler, received } = answering({ status: 201, headers: { "content-type": "application/json" }, body: '{"id":7}' });
    const { service, send } = setup(undefined, handler);
    const reply = send({
      method: "post",
      url: "https://api.example.com/v1/items?x=1",
      headers: { "content-type": "application/json", "X-API-KEY": "k" },
      body: encodeBase64(new TextEncoder().encode('{"name":"a"}')),
    });

    expect(received).toEqual([
      {
        method: "POST",
        url: "https://api.example.com/v1/items?x=1",
        headers: { "Content-Type": "application/json", "X-Api-Key": "k" },
        body: new TextEncoder().encode('{"name":"a"}'),
        timeoutMs: 10_000,
      },
    ]);
    expect(reply).toEqual({ result: { statusCode: 201, headers: { "Content-Type": "application/json" }, body: encodeBase64(new TextEncoder().encode('{"id":7}')) } });
    expect(service.requests()).toEqual(received);
  });

  it("sends GET when the method is left out", () => {
    const { handler, received } = answering(ok);
    const { send } = setup(undefined, handler);
    send({ url: "https://api.example.com/" });
    expect(received[0]?.method).toBe("GET");
  });

  it("returns 4xx and 5xx statuses as results", () => {
    const { send } = setup(undefined, answering({ status: 503, body: "busy" }).handler);
    const reply = send({ url: "https://api.example.com/" });
    expect(reply.error).toBeUndefined();
    expect(reply.result).toMatchObject({ statusCode: 503 });
  });

  it("leaves out empty headers and body", () => {
    const { send } = setup(undefined, answering({ status: 204 }).handler);
    expect(send({ url: "https://api.example.com/" })).toEqual({ result: { statusCode: 204 } });
  });

  it("drops the body of a HEAD response", () => {
    const { send } = setup(undefined, answering({ status: 200, body: "ignored" }).handler);
    expect(send({ method: "HEAD", url: "https://api.example.com/" })).toEqual({ result: { statusCode: 200 } });
  });

  it("keeps the first value of a repeated header", () => {
    const { send } = setup(undefined, answering({ status: 200, headers: { "x-trace": "first", "X-Trace": "second" } }).handler);
    expect(send({ url: "https://api.example.com/" }).result).toEqual({ statusCode: 200, headers: { "X-Trace": "first" } });
  });

  it("cuts the body at 10 MiB without an error", () => {
    const { send } = setup(undefined, answering({ status: 200, body: new Uint8Array(10 * MIB + 10).fill(7) }).handler);
    const reply = send({ url: "https://api.example.com/big" });
    expect(reply.error).toBeUndefined();
    expect(decodeBase64((reply.result as { body: string }).body).length).toBe(HTTP_LIMITS.maxResponseBodyBytes);
  });

  it("keeps a body of exactly 10 MiB", () => {
    const { send } = setup(undefined, answering({ status: 200, body: new Uint8Array(10 * MIB).fill(1) }).handler);
    expect(decodeBase64((send({ url: "https://api.example.com/big" }).result as { body: string }).body).length).toBe(10 * MIB);
  });

  it("fails like a refused connection without a handler", () => {
    const { send } = setup();
    expect(send({ url: "https://api.example.com/v1" })).toEqual({ error: 'Get "https://api.example.com/v1": dial tcp api.example.com:443: connect: connection refused' });
    expect(send({ url: "http://api.example.com:8080/" })).toEqual({ error: 'Get "http://api.example.com:8080/": dial tcp api.example.com:8080: connect: connection refused' });
  });

  it("reports a handler error as a network error", () => {
    const { send } = setup(undefined, () => {
      throw new Error("read: connection reset by peer");
    });
    expect(send({ method: "PUT", url: "https://api.example.com/x" })).toEqual({ error: 'Put "https://api.example.com/x": read: connection reset by peer' });
  });

  it("rejects an invalid header name", () => {
    const { handler, received } = answering(ok);
    const { send } = setup(undefined, handler);
    expect(send({ url: "https://api.example.com/", headers: { "bad name": "x" } })).toEqual({
      error: 'Get "https://api.example.com/": net/http: invalid header field name "bad name"',
    });
    expect(received).toEqual([]);
  });

  it("rejects an invalid method", () => {
    const { send } = setup(undefined, answering(ok).handler);
    expect(send({ method: "GET STUFF", url: "https://api.example.com/" })).toEqual({ error: 'creating request: net/http: invalid method "GET STUFF"' });
  });
});

describe("http URL checks", () => {
  it("rejects a scheme other than http or https", () => {
    const { service, send } = setup(undefined, answering(ok).handler);
    expect(send({ url: "ftp://api.example.com/file" })).toEqual({ error: 'invalid URL scheme "ftp": must be http or https' });
    expect(send({ url: "" })).toEqual({ error: 'invalid URL scheme "": must be http or https' });
    expect(service.refused().map((refusal) => refusal.reason)).toEqual([
      'invalid URL scheme "ftp": must be http or https',
      'invalid URL scheme "": must be http or https',
    ]);
    expect(service.requests()).toEqual([]);
  });

  it("rejects a URL Go cannot parse", () => {
    const { send } = setup(undefined, answering(ok).handler);
    expect(send({ url: "https://api example.com/" })).toEqual({ error: 'invalid URL: parse "https://api example.com/": invalid character " " in host name' });
    expect(send({ url: "https://api.example.com:http/" })).toEqual({ error: 'invalid URL: parse "https://api.example.com:http/": invalid port ":http" after host' });
  });
});

describe("http allowlist", () => {
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ["https://api.example.com/v1", undefined],
    ["https://api.example.com:8443/v1", undefined],
    ["https://img.cdn.example.org/a.jpg", undefined],
    ["https://a.b.cdn.example.org/a.jpg", undefined],
    ["https://cdn.example.org/a.jpg", 'host "cdn.example.org" is not allowed'],
    ["https://API.example.com/v1", 'host "API.example.com" is not allowed'],
    ["https://example.com/", 'host "example.com" is not allowed'],
    ["https://api.example.com.evil.net:443/", 'host "api.example.com.evil.net:443" is not allowed'],
  ];

  it.each(cases)("%s gives error %j", (url, error) => {
    const { handler, received } = answering(ok);
    const { service, send } = setup(undefined, handler);
    expect(send({ url }).error).toBe(error);
    expect(received).toHaveLength(error === undefined ? 1 : 0);
    expect(service.refused()).toHaveLength(error === undefined ? 0 : 1);
  });

  it("allows a listed private host", () => {
    const { send } = setup(["localhost", "192.168.1.20"], answering(ok).handler);
    expect(send({ url: "http://localhost:4533/rest/ping" }).error).toBeUndefined();
    expect(send({ url: "http://192.168.1.20/" }).error).toBeUndefined();
  });

  it("allows every host with *", () => {
    const { send } = setup(["*"], answering(ok).handler);
    expect(send({ url: "https://anything.example.net/" }).error).toBeUndefined();
  });
});

describe("http private addresses", () => {
  const refused = [
    "http://localhost/",
    "http://LocalHost:4533/",
    "http://127.0.0.1/",
    "http://127.1.2.3:8080/",
    "http://0.0.0.0/",
    "http://10.0.0.5/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://224.0.0.1/",
    "http://[::1]/",
    "http://[::1]:8080/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fd12:3456::1]/",
    "http://[ff02::1]/",
    "http://[::ffff:127.0.0.1]/",
  ];

  it.each(refused)("refuses %s without requiredHosts", (url) => {
    const { handler, received } = answering(ok);
    const { ctx, send } = setup(null, handler);
    const host = /^http:\/\/([^/]+)/.exec(url)?.[1];
    expect(send({ url })).toEqual({ error: `host "${host}" is not allowed: private/loopback addresses require explicit requiredHosts in manifest` });
    expect(received).toEqual([]);
    expect(ctx.logs[0]?.level).toBe("warn");
  });

  const allowed = ["https://example.com/", "http://8.8.8.8/", "http://172.32.0.1/", "http://192.169.0.1/", "http://[2001:db8::1]/"];

  it.each(allowed)("allows public %s without requiredHosts", (url) => {
    const { send } = setup(null, answering(ok).handler);
    expect(send({ url }).error).toBeUndefined();
  });

  it("treats an empty requiredHosts list as none", () => {
    const { send } = setup([], answering(ok).handler);
    expect(send({ url: "https://example.com/" }).error).toBeUndefined();
    expect(send({ url: "http://127.0.0.1/" }).error).toContain("private/loopback addresses require explicit requiredHosts");
  });
});

describe("http redirects", () => {
  /** Returns a handler that serves `table` by URL and replies 404 elsewhere. */
  function routes(table: Record<string, HttpResponseInfo>) {
    return answering((request) => table[request.url] ?? { status: 404 });
  }

  it("follows a redirect to an allowed host", () => {
    const { handler, received } = routes({
      "https://api.example.com/old": { status: 301, headers: { location: "https://img.cdn.example.org/new" } },
      "https://img.cdn.example.org/new": { status: 200, body: "moved" },
    });
    const { send } = setup(undefined, handler);
    const reply = send({ url: "https://api.example.com/old" });
    expect(bodyText(reply)).toBe("moved");
    expect(received.map((request) => request.url)).toEqual(["https://api.example.com/old", "https://img.cdn.example.org/new"]);
    expect(received[1]?.headers).toEqual({ Referer: "https://api.example.com/old" });
  });

  it("resolves a relative Location", () => {
    const { handler, received } = routes({
      "https://api.example.com/a/b": { status: 302, headers: { Location: "../c?d=1" } },
      "https://api.example.com/c?d=1": ok,
    });
    const { send } = setup(undefined, handler);
    expect(bodyText(send({ url: "https://api.example.com/a/b" }))).toBe("ok");
    expect(received.map((request) => request.url)).toEqual(["https://api.example.com/a/b", "https://api.example.com/c?d=1"]);
  });

  it("refuses a redirect to a host not allowed", () => {
    const { handler, received } = routes({ "https://api.example.com/go": { status: 302, headers: { location: "https://evil.example.net/steal" } } });
    const { service, send } = setup(undefined, handler);
    expect(send({ url: "https://api.example.com/go" })).toEqual({ error: 'Get "https://evil.example.net/steal": host "evil.example.net" is not allowed' });
    expect(received).toHaveLength(1);
    expect(service.refused()).toEqual([{ method: "GET", url: "https://evil.example.net/steal", reason: 'host "evil.example.net" is not allowed', time: START }]);
  });

  it("refuses a redirect to a private address without requiredHosts", () => {
    const { handler, received } = routes({ "https://example.com/": { status: 307, headers: { location: "http://169.254.169.254/" } } });
    const { send } = setup(null, handler);
    expect(send({ url: "https://example.com/" }).error).toBe(
      'Get "http://169.254.169.254/": host "169.254.169.254" is not allowed: private/loopback addresses require explicit requiredHosts in manifest',
    );
    expect(received).toHaveLength(1);
  });

  it("turns POST into GET without a body on 303", () => {
    const { handler, received } = routes({
      "https://api.example.com/form": { status: 303, headers: { location: "/done" } },
      "https://api.example.com/done": ok,
    });
    const { send } = setup(undefined, handler);
    send({ method: "POST", url: "https://api.example.com/form", body: encodeBase64(new Uint8Array([1, 2])), headers: { "Content-Type": "text/plain" } });
    expect(received.map((request) => [request.method, request.body.length])).toEqual([
      ["POST", 2],
      ["GET", 0],
    ]);
  });

  it("keeps the method and body on 307 and 308", () => {
    for (const status of [307, 308]) {
      const { handler, received } = routes({
        "https://api.example.com/upload": { status, headers: { location: "https://api.example.com/upload2" } },
        "https://api.example.com/upload2": ok,
      });
      const { send } = setup(undefined, handler);
      send({ method: "PUT", url: "https://api.example.com/upload", body: encodeBase64(new Uint8Array([9])) });
      expect(received.map((request) => [request.method, [...request.body]])).toEqual([
        ["PUT", [9]],
        ["PUT", [9]],
      ]);
    }
  });

  it("drops credentials when leaving the first domain", () => {
    const { handler, received } = routes({
      "https://api.example.com/a": { status: 302, headers: { location: "https://sub.api.example.com/b" } },
      "https://sub.api.example.com/b": { status: 302, headers: { location: "https://x.cdn.example.org/c" } },
      "https://x.cdn.example.org/c": ok,
    });
    const { send } = setup(["api.example.com", "*.api.example.com", "*.cdn.example.org"], handler);
    send({ url: "https://api.example.com/a", headers: { Authorization: "Bearer t", Accept: "text/plain" } });
    expect(received.map((request) => request.headers.Authorization)).toEqual(["Bearer t", "Bearer t", undefined]);
    expect(received.map((request) => request.headers.Accept)).toEqual(["text/plain", "text/plain", "text/plain"]);
  });

  it("returns the redirect itself with noFollowRedirects", () => {
    const { handler, received } = routes({ "https://api.example.com/login": { status: 302, headers: { location: "https://api.example.com/home" } } });
    const { send } = setup(undefined, handler);
    const reply = send({ url: "https://api.example.com/login", noFollowRedirects: true });
    expect(reply).toEqual({ result: { statusCode: 302, headers: { Location: "https://api.example.com/home" } } });
    expect(received).toHaveLength(1);
  });

  it("returns the fifth redirect response as it is", () => {
    const { handler, received } = answering((request) => ({ status: 302, headers: { location: `${request.url}x` } }));
    const { ctx, send } = setup(undefined, handler);
    const reply = send({ url: "https://api.example.com/r" });

    expect(received.map((request) => request.url)).toEqual([
      "https://api.example.com/r",
      "https://api.example.com/rx",
      "https://api.example.com/rxx",
      "https://api.example.com/rxxx",
      "https://api.example.com/rxxxx",
    ]);
    expect(reply).toEqual({ result: { statusCode: 302, headers: { Location: "https://api.example.com/rxxxxx" } } });
    expect(ctx.logs[0]?.message).toContain("HTTP redirect limit exceeded");
  });

  it("returns a redirect without Location as it is", () => {
    const { send } = setup(undefined, answering({ status: 302 }).handler);
    expect(send({ url: "https://api.example.com/" })).toEqual({ result: { statusCode: 302 } });
  });
});

describe("http timeouts", () => {
  it("uses 10 s when timeoutMs is left out", () => {
    const slow = setup(undefined, answering({ status: 200, delayMs: 10_001 }).handler);
    expect(slow.send({ url: "https://api.example.com/slow" })).toEqual({ error: 'Get "https://api.example.com/slow": context deadline exceeded' });

    const justInTime = setup(undefined, answering({ status: 200, delayMs: 10_000 }).handler);
    expect(justInTime.send({ url: "https://api.example.com/slow" }).error).toBeUndefined();
  });

  it("uses the request's timeoutMs", () => {
    const { handler, received } = answering({ status: 200, delayMs: 600 });
    const { send } = setup(undefined, handler);
    expect(send({ url: "https://api.example.com/", timeoutMs: 500 })).toEqual({ error: 'Get "https://api.example.com/": context deadline exceeded' });
    expect(send({ url: "https://api.example.com/", timeoutMs: 700 }).error).toBeUndefined();
    expect(received.map((request) => request.timeoutMs)).toEqual([500, 700]);
  });

  it("counts the delays of all redirects", () => {
    const { handler } = answering((request) =>
      request.url.endsWith("/first") ? { status: 302, headers: { location: "/second" }, delayMs: 300 } : { status: 200, delayMs: 300 },
    );
    const { send } = setup(undefined, handler);
    expect(send({ url: "https://api.example.com/first", timeoutMs: 500 })).toEqual({ error: 'Get "https://api.example.com/second": context deadline exceeded' });
  });

  it("fails at once with a negative timeoutMs", () => {
    const { handler, received } = answering(ok);
    const { send } = setup(undefined, handler);
    expect(send({ url: "https://api.example.com/", timeoutMs: -1 })).toEqual({ error: 'Get "https://api.example.com/": context deadline exceeded' });
    expect(received).toEqual([]);
  });

  it("does not move the clock", () => {
    const { ctx, send } = setup(undefined, answering({ status: 200, delayMs: 5000 }).handler);
    send({ url: "https://api.example.com/" });
    expect(ctx.clock.now()).toBe(START);
  });
});
