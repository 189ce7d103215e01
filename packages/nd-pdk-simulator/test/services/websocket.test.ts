import { describe, expect, it } from "vitest";

import { encodeBase64 } from "@nd/pdk-types";

import type { WebSocketOptions } from "../../src/options.js";
import { WEBSOCKET_EXPORTS, createWebSocketService } from "../../src/services/websocket.js";
import { START, callHost, createScriptedContext } from "./callbacks.js";

/** Sets up the service; `requiredHosts` null leaves the key out of the manifest. */
function setup(requiredHosts: readonly string[] | null = ["ws.example.com", "*.stream.example.org"], websocket: WebSocketOptions = {}) {
  const ctx = createScriptedContext({ websocket: requiredHosts === null ? { reason: "tests" } : { requiredHosts } });
  const service = createWebSocketService(ctx, ctx.options({ websocket }));
  const connect = (url: string, connectionId = "", headers: Record<string, string> = {}) =>
    callHost(service, "websocket_connect", { url, headers, connectionId });
  const sendText = (connectionId: string, message: string) => callHost(service, "websocket_sendtext", { connectionId, message });
  const sendBinary = (connectionId: string, data: Uint8Array) => callHost(service, "websocket_sendbinary", { connectionId, data: encodeBase64(data) });
  const closeConnection = (connectionId: string, code = 1000, reason = "") =>
    callHost(service, "websocket_closeconnection", { connectionId, code, reason });
  return { ctx, service, connect, sendText, sendBinary, closeConnection };
}

describe("websocket connect", () => {
  it("opens a connection to an allowed host", () => {
    const { service, connect } = setup();
    expect(connect("wss://ws.example.com/live?token=1", "live", { "x-api-key": "secret" })).toEqual({ newConnectionId: "live" });
    expect(service.connections()).toEqual([
      { connectionId: "live", url: "wss://ws.example.com/live?token=1", headers: { "X-Api-Key": "secret" }, openedAt: START, sent: [], status: "open" },
    ]);
  });

  it("generates a unique id when none is given", () => {
    const { connect } = setup();
    const first = connect("ws://ws.example.com/").newConnectionId;
    const second = connect("ws://ws.example.com/").newConnectionId;
    expect(first).toMatch(/^[0-9a-zA-Z]{22}$/);
    expect(first).not.toBe(second);
  });

  it("passes the URL and canonical headers to onConnect", () => {
    const seen: unknown[] = [];
    const { connect } = setup(undefined, { onConnect: (url, headers) => seen.push({ url, headers }) });
    connect("wss://ws.example.com/", "", { authorization: "Bearer t" });
    expect(seen).toEqual([{ url: "wss://ws.example.com/", headers: { Authorization: "Bearer t" } }]);
  });

  it("checks the allowlist before onConnect", () => {
    const seen: unknown[] = [];
    const { connect } = setup(undefined, { onConnect: (url) => seen.push(url) });
    expect(connect("wss://elsewhere.example.net/").error).toBe('host "elsewhere.example.net" is not allowed');
    expect(seen).toEqual([]);
  });

  it("fails when onConnect throws", () => {
    const { service, connect } = setup(["ws.example.com"], {
      onConnect: () => {
        throw new Error("websocket: bad handshake");
      },
    });
    expect(connect("wss://ws.example.com/")).toEqual({ error: "failed to connect: websocket: bad handshake" });
    expect(service.connections()).toEqual([]);
  });

  it("rejects an id of an open connection", () => {
    const { ctx, connect, closeConnection } = setup();
    connect("wss://ws.example.com/", "main");
    expect(connect("wss://ws.example.com/", "main")).toEqual({ error: 'connection ID "main" already exists' });

    closeConnection("main");
    ctx.clock.runDue();
    expect(connect("wss://ws.example.com/", "main")).toEqual({ newConnectionId: "main" });
  });

  it("rejects a scheme other than ws or wss", () => {
    const { connect } = setup();
    expect(connect("https://ws.example.com/")).toEqual({ error: "invalid URL scheme: must be ws:// or wss://" });
    expect(connect("ws.example.com")).toEqual({ error: "invalid URL scheme: must be ws:// or wss://" });
  });

  it("accepts the scheme in any case", () => {
    const { connect } = setup();
    expect(connect("WSS://ws.example.com/", "upper")).toEqual({ newConnectionId: "upper" });
  });

  it("rejects a header the dialer sets itself", () => {
    const { connect } = setup();
    expect(connect("wss://ws.example.com/", "", { upgrade: "websocket" })).toEqual({
      error: "failed to connect: websocket: duplicate header not allowed: Upgrade",
    });
  });

  it("rejects user info in the URL", () => {
    const { connect } = setup();
    expect(connect("wss://user:pass@ws.example.com/")).toEqual({ error: "failed to connect: malformed ws or wss URL" });
  });
});

describe("websocket allowlist", () => {
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ["wss://ws.example.com/", undefined],
    ["wss://ws.example.com:8443/", undefined],
    ["wss://a.stream.example.org/", undefined],
    ["wss://a.b.stream.example.org/", undefined],
    ["wss://stream.example.org/", 'host "stream.example.org" is not allowed'],
    ["wss://WS.example.com/", 'host "WS.example.com" is not allowed'],
    ["wss://example.com/", 'host "example.com" is not allowed'],
    ["wss://ws.example.com.evil.net:443/", 'host "ws.example.com.evil.net:443" is not allowed'],
  ];

  it.each(cases)("%s gives error %j", (url, error) => {
    const { connect } = setup();
    expect(connect(url).error).toBe(error);
  });

  it("rejects every host without requiredHosts", () => {
    const { connect } = setup(null);
    expect(connect("wss://ws.example.com/")).toEqual({ error: 'host "ws.example.com" is not allowed' });
  });

  it("rejects every host with an empty list", () => {
    const { connect } = setup([]);
    expect(connect("wss://ws.example.com:9000/")).toEqual({ error: 'host "ws.example.com:9000" is not allowed' });
  });

  it("allows every host with *", () => {
    const { connect } = setup(["*"]);
    expect(connect("wss://anything.example.net/").error).toBeUndefined();
  });
});

describe("websocket send", () => {
  it("records the messages the plugin sends", () => {
    const { ctx, service, connect, sendText, sendBinary } = setup();
    connect("wss://ws.example.com/", "main");
    expect(sendText("main", "hello")).toEqual({});
    ctx.clock.advance(5);
    expect(sendBinary("main", new Uint8Array([1, 2, 3]))).toEqual({});

    expect(service.sent("main")).toEqual([
      { type: "text", message: "hello", time: START },
      { type: "binary", data: new Uint8Array([1, 2, 3]), time: START + 5 },
    ]);
  });

  it("rejects an unknown or closed connection", () => {
    const { service, connect, sendText, sendBinary } = setup();
    expect(sendText("nope", "hi")).toEqual({ error: 'connection ID "nope" not found' });
    expect(sendBinary("nope", new Uint8Array([1]))).toEqual({ error: 'connection ID "nope" not found' });

    connect("wss://ws.example.com/", "main");
    service.serverClose("main");
    expect(sendText("main", "hi")).toEqual({ error: 'connection ID "main" not found' });
  });
});

describe("websocket server events", () => {
  it("delivers text and binary messages", () => {
    const { ctx, service, connect } = setup();
    connect("wss://ws.example.com/", "main");
    service.serverSendText("main", '{"event":"ping"}');
    service.serverSendBinary("main", new Uint8Array([0xde, 0xad]));

    expect(ctx.calls).toEqual([
      { exportName: WEBSOCKET_EXPORTS.textMessage, input: { connectionId: "main", message: '{"event":"ping"}' }, time: START },
      { exportName: WEBSOCKET_EXPORTS.binaryMessage, input: { connectionId: "main", data: "3q0=" }, time: START },
    ]);
  });

  it("reports a normal close to onClose", () => {
    const { ctx, service, connect } = setup();
    connect("wss://ws.example.com/", "main");
    service.serverClose("main", 1001, "server restart");

    expect(ctx.calls).toEqual([
      { exportName: WEBSOCKET_EXPORTS.close, input: { connectionId: "main", code: 1001, reason: "server restart" }, time: START },
    ]);
    expect(service.connections()[0]).toMatchObject({ status: "closed", closedBy: "server", closeCode: 1001, closeReason: "server restart", closedAt: START });
  });

  it("reports a close without status as 1005 with no reason", () => {
    const { ctx, service, connect } = setup();
    connect("wss://ws.example.com/", "main");
    service.serverClose("main", 1005, "ignored");
    expect(ctx.calls[0]?.input).toEqual({ connectionId: "main", code: 1005, reason: "" });
  });

  const errorCloses: ReadonlyArray<readonly [number, string, string]> = [
    [1011, "overloaded", "websocket: close 1011 (internal server error): overloaded"],
    [1008, "", "websocket: close 1008 (policy violation)"],
    [4000, "custom", "websocket: close 4000: custom"],
    [1006, "ignored", "websocket: close 1006 (abnormal closure): unexpected EOF"],
  ];

  it.each(errorCloses)("reports close code %i to onError", (code, reason, error) => {
    const { ctx, service, connect } = setup();
    connect("wss://ws.example.com/", "main");
    service.serverClose("main", code, reason);
    expect(ctx.calls).toEqual([{ exportName: WEBSOCKET_EXPORTS.error, input: { connectionId: "main", error }, time: START }]);
    expect(service.connections()[0]).toMatchObject({ status: "closed", error });
  });

  it("refuses a close code no server can send", () => {
    const { ctx, service, connect } = setup();
    connect("wss://ws.example.com/", "main");
    expect(() => service.serverClose("main", 1015)).toThrow(RangeError);
    expect(() => service.serverClose("main", 999)).toThrow(/close code 999 cannot be sent by a server/);
    expect(ctx.calls).toEqual([]);
    expect(service.connections()[0]?.status).toBe("open");
  });

  it("reports a read error to onError and drops the connection", () => {
    const { ctx, service, connect, sendText } = setup();
    connect("wss://ws.example.com/", "main");
    service.serverError("main", "read tcp 10.0.0.2:5123->203.0.113.7:443: read: connection reset by peer");

    expect(ctx.calls).toEqual([
      {
        exportName: WEBSOCKET_EXPORTS.error,
        input: { connectionId: "main", error: "read tcp 10.0.0.2:5123->203.0.113.7:443: read: connection reset by peer" },
        time: START,
      },
    ]);
    expect(sendText("main", "still there?")).toEqual({ error: 'connection ID "main" not found' });
  });

  it("rejects events for a connection that is not open", () => {
    const { service, connect } = setup();
    expect(() => service.serverSendText("ghost", "hi")).toThrow('no open WebSocket connection has id "ghost" (open connections: none)');
    connect("wss://ws.example.com/", "main");
    service.serverClose("main");
    expect(() => service.serverSendBinary("main", new Uint8Array([1]))).toThrow(/no open WebSocket connection has id "main"/);
  });

  it("logs a missing export as an error", () => {
    const { ctx, service, connect } = setup();
    ctx.respond(WEBSOCKET_EXPORTS.textMessage, { kind: "not-exported" });
    connect("wss://ws.example.com/", "main");
    expect(service.serverSendText("main", "hi")).toEqual({ kind: "not-exported" });
    expect(ctx.logs).toEqual([
      {
        level: "error",
        message: 'WebSocket text message callback failed for connection "main": function nd_websocket_on_text_message not found',
        source: "navidrome",
        time: START,
      },
    ]);
  });

  it("logs a failed callback and keeps the connection open", () => {
    const { ctx, service, connect } = setup();
    ctx.respond(WEBSOCKET_EXPORTS.binaryMessage, { kind: "error", message: "bad frame", text: "Exception: TypeError: bad frame" });
    connect("wss://ws.example.com/", "main");
    service.serverSendBinary("main", new Uint8Array([1]));
    expect(ctx.logs[0]?.message).toBe('WebSocket binary message callback failed for connection "main": Exception: TypeError: bad frame');
    expect(service.connections()[0]?.status).toBe("open");
  });
});

describe("websocket closeConnection", () => {
  it("closes and calls onClose at the next clock step", () => {
    const { ctx, service, connect, closeConnection } = setup();
    connect("wss://ws.example.com/", "main");
    expect(closeConnection("main", 4001, "bye")).toEqual({});
    expect(service.connections()[0]).toMatchObject({ status: "closed", closedBy: "plugin", closeCode: 4001, closeReason: "bye" });
    expect(ctx.calls).toEqual([]);

    ctx.clock.runDue();
    expect(ctx.calls).toEqual([{ exportName: WEBSOCKET_EXPORTS.close, input: { connectionId: "main", code: 4001, reason: "bye" }, time: START }]);
  });

  it("rejects an unknown connection", () => {
    const { closeConnection } = setup();
    expect(closeConnection("nope")).toEqual({ error: 'connection ID "nope" not found' });
  });
});
