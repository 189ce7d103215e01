import { describe, expect, test } from "vitest";

import { websocket } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls } from "./fake-host.js";

describe("websocket.connect", () => {
  test("leaves out headers and connectionId not given", () => {
    expect(requestOf("websocket_connect", () => websocket.connect("wss://events.example.com/feed"))).toBe(
      '{"url":"wss://events.example.com/feed"}',
    );
  });

  test("sends headers when given", () => {
    const request = requestOf("websocket_connect", () => websocket.connect("wss://events.example.com/feed", { Authorization: "Bearer t0k3n" }));

    expect(request).toBe('{"url":"wss://events.example.com/feed","headers":{"Authorization":"Bearer t0k3n"}}');
  });

  test("sends connectionId without headers", () => {
    const request = requestOf("websocket_connect", () => websocket.connect("wss://events.example.com/feed", undefined, "feed-1"));

    expect(request).toBe('{"url":"wss://events.example.com/feed","connectionId":"feed-1"}');
  });

  test("sends empty headers and connectionId when given", () => {
    const request = requestOf("websocket_connect", () => websocket.connect("ws://localhost:8080/", {}, ""));

    expect(request).toBe('{"url":"ws://localhost:8080/","headers":{},"connectionId":""}');
  });

  test("decodes the new connection id", () => {
    const id = resultOf("websocket_connect", '{"newConnectionId":"feed-1"}', () => websocket.connect("wss://events.example.com/feed"));

    expect(id).toBe("feed-1");
  });

  test("absent connection id gives empty string", () => {
    expect(resultOf("websocket_connect", "{}", () => websocket.connect("wss://events.example.com/feed"))).toBe("");
  });

  testFailedCalls({
    service: "websocket",
    name: "connect",
    importName: "websocket_connect",
    call: () => websocket.connect("wss://events.example.com/feed"),
  });
});

describe("websocket.sendText", () => {
  test("sends the connection id and message", () => {
    expect(requestOf("websocket_sendtext", () => websocket.sendText("feed-1", '{"type":"ping"}'))).toBe(
      '{"connectionId":"feed-1","message":"{\\"type\\":\\"ping\\"}"}',
    );
  });

  test("returns nothing on success", () => {
    expect(resultOf("websocket_sendtext", "{}", () => websocket.sendText("feed-1", "hi"))).toBeUndefined();
  });

  testFailedCalls({ service: "websocket", name: "sendText", importName: "websocket_sendtext", call: () => websocket.sendText("feed-1", "hi") });
});

describe("websocket.sendBinary", () => {
  test("sends the connection id and base64 data", () => {
    expect(requestOf("websocket_sendbinary", () => websocket.sendBinary("feed-1", Uint8Array.of(0xfb, 0xff, 0xbf)))).toBe(
      '{"connectionId":"feed-1","data":"+/+/"}',
    );
  });

  test("sends empty data as empty base64", () => {
    expect(requestOf("websocket_sendbinary", () => websocket.sendBinary("feed-1", new Uint8Array(0)))).toBe(
      '{"connectionId":"feed-1","data":""}',
    );
  });

  test("returns nothing on success", () => {
    expect(resultOf("websocket_sendbinary", "{}", () => websocket.sendBinary("feed-1", Uint8Array.of(1)))).toBeUndefined();
  });

  testFailedCalls({
    service: "websocket",
    name: "sendBinary",
    importName: "websocket_sendbinary",
    call: () => websocket.sendBinary("feed-1", Uint8Array.of(1)),
  });
});

describe("websocket.closeConnection", () => {
  test("leaves out a reason not given", () => {
    expect(requestOf("websocket_closeconnection", () => websocket.closeConnection("feed-1", 1000))).toBe(
      '{"connectionId":"feed-1","code":1000}',
    );
  });

  test("sends the reason when given", () => {
    expect(requestOf("websocket_closeconnection", () => websocket.closeConnection("feed-1", 1001, "going away"))).toBe(
      '{"connectionId":"feed-1","code":1001,"reason":"going away"}',
    );
  });

  test("returns nothing on success", () => {
    expect(resultOf("websocket_closeconnection", "{}", () => websocket.closeConnection("feed-1", 1000))).toBeUndefined();
  });

  testFailedCalls({
    service: "websocket",
    name: "closeConnection",
    importName: "websocket_closeconnection",
    call: () => websocket.closeConnection("feed-1", 1000),
  });
});
