import { describe, expect, test } from "vitest";

import { http } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls, wireFormatErrorFrom } from "./fake-host.js";

const okReply = '{"result":{"statusCode":200}}';

describe("http.send", () => {
  test("sends only the url by default", () => {
    const request = requestOf("http_send", () => http.send({ url: "https://api.example.com/v1/ping" }), okReply);

    expect(request).toBe('{"request":{"url":"https://api.example.com/v1/ping"}}');
  });

  test("sends every field in schema order", () => {
    const send = () =>
      http.send({
        timeoutMs: 5000,
        body: new TextEncoder().encode('{"a":1}'),
        noFollowRedirects: true,
        headers: { "Content-Type": "application/json", Accept: "*/*" },
        url: "https://api.example.com/v1/items",
        method: "POST",
      });

    const request = requestOf("http_send", send, okReply);

    expect(request).toBe(
      '{"request":{"method":"POST","url":"https://api.example.com/v1/items",' +
        '"headers":{"Content-Type":"application/json","Accept":"*/*"},' +
        '"noFollowRedirects":true,"body":"eyJhIjoxfQ==","timeoutMs":5000}}',
    );
  });

  test("sends false and 0 when given", () => {
    const send = () => http.send({ url: "https://example.com/", noFollowRedirects: false, timeoutMs: 0 });

    expect(requestOf("http_send", send, okReply)).toBe('{"request":{"url":"https://example.com/","noFollowRedirects":false,"timeoutMs":0}}');
  });

  test("decodes status, headers and body", () => {
    const reply = '{"result":{"statusCode":404,"headers":{"Content-Type":"text/plain"},"body":"aGk="}}';

    const response = resultOf("http_send", reply, () => http.send({ url: "https://example.com/missing" }));

    expect(response).toEqual({
      statusCode: 404,
      headers: { "Content-Type": "text/plain" },
      body: new TextEncoder().encode("hi"),
    });
    expect(response.body).toBeInstanceOf(Uint8Array);
  });

  test("absent headers and body stay absent", () => {
    const response = resultOf("http_send", '{"result":{"statusCode":204}}', () => http.send({ url: "https://example.com/" }));

    expect(response).toStrictEqual({ statusCode: 204 });
  });

  test("null headers and body give empty values", () => {
    const reply = '{"result":{"statusCode":200,"headers":null,"body":null}}';

    const response = resultOf("http_send", reply, () => http.send({ url: "https://example.com/" }));

    expect(response).toEqual({ statusCode: 200, headers: {}, body: new Uint8Array(0) });
  });

  test("reply without result throws WireFormatError", () => {
    const error = wireFormatErrorFrom(() => resultOf("http_send", "{}", () => http.send({ url: "https://example.com/" })));

    expect(error.message).toContain("http.send");
    expect(error.message).toContain('"result"');
    expect(error.context).toContain("http.send");
  });

  test("null result throws WireFormatError", () => {
    const error = wireFormatErrorFrom(() => resultOf("http_send", '{"result":null}', () => http.send({ url: "https://example.com/" })));

    expect(error.message).toContain("http.send");
    expect(error.path).toBe("result");
  });

  test("result without statusCode throws WireFormatError", () => {
    const error = wireFormatErrorFrom(() => resultOf("http_send", '{"result":{}}', () => http.send({ url: "https://example.com/" })));

    expect(error.message).toContain("http.send");
    expect(error.message).toContain('"statusCode"');
  });

  testFailedCalls({
    service: "http",
    name: "send",
    importName: "http_send",
    call: () => http.send({ url: "https://example.com/" }),
  });
});
