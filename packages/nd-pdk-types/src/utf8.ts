// Both runtimes a plugin meets (extism-js and the simulator) provide these globals, but the packages
// compile without DOM or Node typings, so they are declared here with just what is used.
declare const TextEncoder: new () => { encode(input: string): Uint8Array };
declare const TextDecoder: new (label?: string, options?: { fatal?: boolean }) => { decode(input: Uint8Array): string };

/**
 * Encodes text as UTF-8 bytes, for example for `kvstore.set` or a task payload.
 *
 * @example
 * ```ts
 * kvstore.set("greeting", encodeUtf8("hello"));
 * ```
 */
export function encodeUtf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Decodes UTF-8 bytes as text, for example an HTTP response body. Invalid sequences become U+FFFD.
 *
 * @example
 * ```ts
 * const response = http.send({ url: "https://api.example.com/status" });
 * const text = decodeUtf8(response.body ?? new Uint8Array(0));
 * ```
 */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8").decode(bytes);
}
