/**
 * The JavaScript half of the simulated extism-js runtime. It is the source of a function that runs
 * inside QuickJS-ng, installs the globals a plugin can use (`Host`, `Memory`, `Config`, `Var`,
 * `console`, `TextEncoder`, `Date`, ...) and returns the control object the Node side drives a call with.
 *
 * Everything that needs the host goes through the `natives` object the Node side passes in (see
 * {@link PreludeNatives}); everything else (UTF-8, base64, console formatting) is plain JavaScript here,
 * so strings never cross the wasm boundary as text that the engine would re-encode lossily.
 *
 * The source is written without template literals because it lives in a `String.raw` template.
 *
 * @module
 */
import type { FileNatives } from "@nd/pdk-types/internal";

/** File name of the prelude in QuickJS stack frames; the plugin bundle is `eval_script`. */
export const PRELUDE_FILE_NAME = "extism_prelude";

/**
 * The host-backed functions the prelude calls, by name. Offsets are numbers on this side of the
 * boundary; the prelude turns them into the bigints extism-js hands out.
 */
export interface PreludeNatives {
  /** The call input as an ArrayBuffer. */
  input(): ArrayBuffer;
  /** Sets the call output (last write wins). */
  output(bytes: ArrayBuffer): void;
  /** Copies bytes into a new block and returns its offset, or 0 for an empty buffer. */
  alloc(bytes: ArrayBuffer): number;
  /** The length of a live block, or 0 for offset 0 and unknown or freed offsets. */
  length(offset: number): number;
  /** A copy of a live block, or undefined. */
  read(offset: number): ArrayBuffer | undefined;
  free(offset: number): void;
  /** A config value, or null when absent. */
  config(key: string): string | null;
  varGet(name: string): ArrayBuffer | null;
  varSet(name: string, value: ArrayBuffer): void;
  /** Deletes a variable, which is what the Go host does for an empty value. */
  varDelete(name: string): void;
  /** Sends one UTF-8 console line at an Extism level number (trace 0 ... error 4) through the host filter. */
  log(level: number, message: ArrayBuffer): void;
  /** Calls host function `id` (its position in the sorted import list) and returns the reply offset. */
  invoke(id: number, requestOffset: number): number;
  /** Unix time in milliseconds: the build time during top-level code, the simulated clock in calls. */
  now(): number;
  /** Records a trap: the call fails with `message`, and the engine stops the plugin at its next check. */
  trap(message: string): void;
  /** Records a host facility used by top-level code. */
  reportTopLevel(facility: string, message: string, stack: string): void;
  /**
   * The primitives of the `files` API of `@nd/pdk`, when the runtime has file access: the @nd/pdk
   * engine and the simulator do, extism-js does not. The prelude installs them under
   * `Symbol.for("nd-pdk.files")` and rejects their use in top-level code.
   */
  files?: FileNatives;
}

/** The control object the prelude returns; every string result is JSON text. */
export interface PreludeControl {
  enterCallPhase(): void;
  /** JSON: `null` when `module.exports` is missing, else `[{ key, isFunction }]` in key order. */
  exportState(): string;
  exportValue(key: string): unknown;
  /**
   * JSON: `{ error: true, message, stack }` for Error objects, `{ error: false, text, message }`
   * otherwise, where `message` is the value itself for strings and null for the rest.
   */
  describeThrown(value: unknown): string;
  /** The I32 return code extism-js derives from an export's return value. */
  returnCode(value: unknown): number;
}

export const PRELUDE_SOURCE = String.raw`(function (natives) {
  "use strict";

  var global = globalThis;
  var NativeDate = Date;
  var callPhase = false;
  var buildTime = natives.now();

  // ---- phases and traps ----

  // extism-js evaluates top-level code inside wizer at build time, where every import of the host is a
  // stub that aborts the build. The simulator reports the use and throws, so the plugin cannot go on.
  function requireCallPhase(facility) {
    if (callPhase) return;
    var error = new Error(facility + " cannot be used at module top level: extism-js runs top-level code once at build time, when no host is attached, so the build fails. Call it inside an exported function (or code an export calls) instead.");
    natives.reportTopLevel(facility, error.message, String(error.stack));
    throw error;
  }

  // A trap is a panic in the extism-js engine: the wasm call aborts and JavaScript cannot catch it. The
  // Node side records it and interrupts the engine at its next check, so a catch block runs at most a
  // few instructions and its host calls are refused.
  function trap(message) {
    natives.trap(message);
    throw new InternalError(message);
  }

  function describeType(value) {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    if (typeof value === "object") {
      var name = value.constructor && value.constructor.name;
      return name ? "a " + name : "an object";
    }
    return "a " + typeof value;
  }

  function nowMs() {
    return natives.now();
  }

  // ---- UTF-8 ----

  // Lone surrogates become U+FFFD, as in every TextEncoder.
  function encodeUtf8(text) {
    var length = text.length;
    var bytes = new Uint8Array(length * 3);
    var n = 0;
    for (var i = 0; i < length; i++) {
      var c = text.charCodeAt(i);
      if (c < 0x80) {
        bytes[n++] = c;
        continue;
      }
      if (c < 0x800) {
        bytes[n++] = 0xc0 | (c >> 6);
        bytes[n++] = 0x80 | (c & 0x3f);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        var next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          var cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          bytes[n++] = 0xf0 | (cp >> 18);
          bytes[n++] = 0x80 | ((cp >> 12) & 0x3f);
          bytes[n++] = 0x80 | ((cp >> 6) & 0x3f);
          bytes[n++] = 0x80 | (cp & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      bytes[n++] = 0xe0 | (c >> 12);
      bytes[n++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[n++] = 0x80 | (c & 0x3f);
    }
    return bytes.slice(0, n);
  }

  // Decodes as the WHATWG decoder does: each maximal invalid subsequence becomes one U+FFFD, or a
  // TypeError when fatal is set.
  function decodeUtf8(bytes, fatal, stripBom) {
    var units = [];
    var parts = [];
    var length = bytes.length;
    var i = 0;
    if (stripBom && length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;

    function push(unit) {
      units.push(unit);
      if (units.length >= 4096) {
        parts.push(String.fromCharCode.apply(null, units));
        units = [];
      }
    }
    function invalid() {
      if (fatal) throw new TypeError("The encoded data is not valid UTF-8");
      push(0xfffd);
    }

    while (i < length) {
      var b = bytes[i];
      if (b < 0x80) {
        push(b);
        i++;
        continue;
      }
      var needed = 0;
      var cp = 0;
      var lower = 0x80;
      var upper = 0xbf;
      if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        needed = 2;
        cp = b & 0x0f;
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        needed = 3;
        cp = b & 0x07;
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
      } else {
        invalid();
        i++;
        continue;
      }
      var j = i + 1;
      var complete = true;
      for (var k = 0; k < needed; k++) {
        if (j >= length || bytes[j] < lower || bytes[j] > upper) {
          complete = false;
          break;
        }
        cp = (cp << 6) | (bytes[j] & 0x3f);
        lower = 0x80;
        upper = 0xbf;
        j++;
      }
      i = j;
      if (!complete) {
        invalid();
        continue;
      }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        push(0xd800 + (cp >> 10));
        push(0xdc00 + (cp & 0x3ff));
      } else {
        push(cp);
      }
    }
    parts.push(String.fromCharCode.apply(null, units));
    return parts.join("");
  }

  function toBytes(input) {
    if (input === undefined) return new Uint8Array(0);
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError("TextDecoder.decode expects an ArrayBuffer or an ArrayBuffer view, received " + describeType(input));
  }

  var UTF8_LABELS = ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"];

  class TextEncoder {
    get encoding() {
      return "utf-8";
    }
    encode(input) {
      return encodeUtf8(input === undefined ? "" : String(input));
    }
    encodeInto(source, destination) {
      var text = String(source);
      var read = 0;
      var written = 0;
      while (read < text.length) {
        var c = text.charCodeAt(read);
        var width = c >= 0xd800 && c <= 0xdbff && read + 1 < text.length ? 2 : 1;
        var encoded = encodeUtf8(text.slice(read, read + width));
        if (written + encoded.length > destination.length) break;
        destination.set(encoded, written);
        written += encoded.length;
        read += width;
      }
      return { read: read, written: written };
    }
  }

  class TextDecoder {
    constructor(label, options) {
      var normalized = label === undefined ? "utf-8" : String(label).trim().toLowerCase();
      if (UTF8_LABELS.indexOf(normalized) < 0) throw new RangeError("TextDecoder supports only UTF-8, received the label " + JSON.stringify(String(label)));
      var settings = options || {};
      this.fatal = Boolean(settings.fatal);
      this.ignoreBOM = Boolean(settings.ignoreBOM);
    }
    get encoding() {
      return "utf-8";
    }
    decode(input, options) {
      if (options && options.stream) throw new TypeError("TextDecoder.decode does not support streaming ({ stream: true }) in extism-js");
      return decodeUtf8(toBytes(input), this.fatal, !this.ignoreBOM);
    }
  }

  // ---- base64 ----

  var BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  function encodeBase64(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i += 3) {
      var b0 = bytes[i];
      var b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
      var b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
      out += BASE64_ALPHABET[b0 >> 2] + BASE64_ALPHABET[((b0 & 3) << 4) | (b1 >> 4)];
      out += i + 1 < bytes.length ? BASE64_ALPHABET[((b1 & 15) << 2) | (b2 >> 6)] : "=";
      out += i + 2 < bytes.length ? BASE64_ALPHABET[b2 & 63] : "=";
    }
    return out;
  }

  // Standard alphabet with canonical padding, as the Rust base64 STANDARD engine of extism-js requires:
  // unpadded input and non-zero trailing bits fail. Failures are bare strings, as the engine throws them.
  function decodeBase64(text) {
    if (text.length % 4 !== 0) throw "Invalid base64: the length " + text.length + " is not a multiple of 4 (padding is required)";
    var padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
    var bytes = new Uint8Array((text.length / 4) * 3 - padding);
    var n = 0;
    for (var i = 0; i < text.length; i += 4) {
      var values = [0, 0, 0, 0];
      for (var k = 0; k < 4; k++) {
        var ch = text[i + k];
        var isPadding = ch === "=" && i + 4 === text.length && k >= 4 - padding;
        if (isPadding) continue;
        var value = BASE64_ALPHABET.indexOf(ch);
        if (value < 0) throw "Invalid base64: unexpected character " + JSON.stringify(ch) + " at offset " + (i + k);
        values[k] = value;
      }
      var triple = (values[0] << 18) | (values[1] << 12) | (values[2] << 6) | values[3];
      var last = i + 4 === text.length;
      if (last && padding === 2 && (triple & 0xffff) !== 0) throw "Invalid base64: the last symbol has non-zero trailing bits";
      if (last && padding === 1 && (triple & 0xff) !== 0) throw "Invalid base64: the last symbol has non-zero trailing bits";
      bytes[n++] = triple >> 16;
      if (n < bytes.length) bytes[n++] = (triple >> 8) & 0xff;
      if (n < bytes.length) bytes[n++] = triple & 0xff;
    }
    return bytes;
  }

  class DOMException extends Error {
    constructor(message, name) {
      super(message === undefined ? "" : String(message));
      this.name = name === undefined ? "Error" : String(name);
      this.code = this.name === "InvalidCharacterError" ? 5 : 0;
    }
  }

  function btoa(data) {
    var text = String(data);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c > 0xff) throw new DOMException("btoa: the string contains a character outside Latin-1 at index " + i, "InvalidCharacterError");
      bytes[i] = c;
    }
    return encodeBase64(bytes);
  }

  function atob(data) {
    var text = String(data);
    if (text.length % 4 === 1) throw new DOMException("atob: the length of the input is not valid base64", "InvalidCharacterError");
    var bytes = decodeBase64(text);
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]);
    return out;
  }

  // ---- Memory ----

  function toOffset(offset) {
    if (typeof offset === "bigint") return Number(BigInt.asUintN(64, offset));
    if (typeof offset === "number") return offset;
    throw "Expected offset to be a number";
  }

  class MemoryHandle {
    constructor(offset, len) {
      this.offset = offset;
      this.len = len;
    }
    // Reads the block's current length from the kernel; this.len is not consulted.
    readBytes() {
      requireCallPhase("MemoryHandle.readBytes");
      var offset = toOffset(this.offset);
      var data = natives.read(offset);
      if (data === undefined) throw "Offset did not represent a valid block of memory (offset=" + offset.toString(16) + ")";
      return data;
    }
    readString() {
      return decodeUtf8(new Uint8Array(this.readBytes()), false, true);
    }
    readJsonObject() {
      return JSON.parse(this.readString());
    }
    readUInt32() {
      return new Uint32Array(this.readBytes())[0];
    }
    readUInt64() {
      return new BigUint64Array(this.readBytes())[0];
    }
    readFloat32() {
      return new Float32Array(this.readBytes())[0];
    }
    readUFloat64() {
      return new Float64Array(this.readBytes())[0];
    }
    free() {
      requireCallPhase("MemoryHandle.free");
      natives.free(toOffset(this.offset));
    }
  }

  function storeBuffer(buffer) {
    var offset = natives.alloc(buffer);
    return new MemoryHandle(BigInt(offset), BigInt(buffer.byteLength));
  }

  function storeScalar(facility, size, write) {
    requireCallPhase(facility);
    var buffer = new ArrayBuffer(size);
    write(new DataView(buffer));
    return storeBuffer(buffer);
  }

  var Memory = {
    fromString: function (text) {
      requireCallPhase("Memory.fromString");
      return storeBuffer(new TextEncoder().encode(text).buffer);
    },
    fromBuffer: function (bytes) {
      requireCallPhase("Memory.fromBuffer");
      if (!(bytes instanceof ArrayBuffer)) throw "Expected data to be an array buffer";
      return storeBuffer(bytes);
    },
    fromJsonObject: function (value) {
      requireCallPhase("Memory.fromJsonObject");
      return storeBuffer(new TextEncoder().encode(JSON.stringify(value)).buffer);
    },
    allocUInt32: function (value) {
      return storeScalar("Memory.allocUInt32", 4, function (view) { view.setUint32(0, value, true); });
    },
    allocUInt64: function (value) {
      return storeScalar("Memory.allocUInt64", 8, function (view) { view.setBigUint64(0, value, true); });
    },
    allocFloat32: function (value) {
      return storeScalar("Memory.allocFloat32", 4, function (view) { view.setFloat32(0, value, true); });
    },
    allocFloat64: function (value) {
      return storeScalar("Memory.allocFloat64", 8, function (view) { view.setFloat64(0, value, true); });
    },
    find: function (offset) {
      requireCallPhase("Memory.find");
      var number = toOffset(offset);
      var length = natives.length(number);
      if (length === 0) return undefined;
      return new MemoryHandle(BigInt(number), BigInt(length));
    },
  };

  // ---- Host ----

  function hostFunctionName(id) {
    var entry = Host.__hostFunctions[id];
    return entry && typeof entry.name === "string" ? entry.name : "#" + String(id);
  }

  // Navidrome host functions take one PTR and return one PTR. A PTR argument accepts a bigint or a
  // number; any other value is sent as 0.
  function toPointerArgument(value) {
    if (typeof value === "bigint") return Number(BigInt.asUintN(64, value));
    if (typeof value === "number" && value === value) return Math.max(0, Math.trunc(value));
    return 0;
  }

  var Host = {
    __hostFunctions: [],
    inputBytes: function () {
      requireCallPhase("Host.inputBytes");
      return natives.input();
    },
    inputString: function () {
      requireCallPhase("Host.inputString");
      return decodeUtf8(new Uint8Array(natives.input()), true, false);
    },
    outputBytes: function (output) {
      requireCallPhase("Host.outputBytes");
      if (!(output instanceof ArrayBuffer)) {
        trap("Host.outputBytes expects an ArrayBuffer, received " + describeType(output) + "; extism-js aborts the call here. Pass bytes.buffer when the Uint8Array covers its whole buffer, or use Host.outputString.");
      }
      natives.output(output);
      return true;
    },
    outputString: function (output) {
      requireCallPhase("Host.outputString");
      if (arguments.length === 0) trap("Host.outputString was called without an argument; extism-js aborts the call here.");
      if (typeof output !== "string") throw new InternalError("Host.outputString expects a string, received " + describeType(output));
      natives.output(encodeUtf8(output).buffer);
      return true;
    },
    getFunctions: function () {
      var functions = {};
      Host.__hostFunctions.forEach(function (entry, id) {
        functions[entry.name] = function () {
          var args = [id];
          for (var i = 0; i < arguments.length; i++) args.push(arguments[i] === undefined || arguments[i] === null ? 0 : arguments[i]);
          var result = Host.invokeFunc.apply(Host, args);
          return entry.results ? result : undefined;
        };
      });
      return functions;
    },
    invokeFunc: function (id) {
      requireCallPhase("host function " + hostFunctionName(id));
      if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= Host.__hostFunctions.length) {
        trap("Host.invokeFunc: " + String(id) + " is not the id of a declared host function; extism-js aborts the call here.");
      }
      if (arguments.length > 2) {
        trap("host function " + hostFunctionName(id) + " takes 1 argument, received " + (arguments.length - 1) + "; extism-js aborts the call here.");
      }
      return natives.invoke(id, toPointerArgument(arguments[1]));
    },
    arrayBufferToBase64: function (input) {
      if (!(input instanceof ArrayBuffer)) throw "Expected an ArrayBuffer";
      return encodeBase64(new Uint8Array(input));
    },
    base64ToArrayBuffer: function (input) {
      if (typeof input !== "string") throw "expected string";
      return decodeBase64(input).buffer;
    },
  };

  // ---- Config and Var ----

  var Config = {
    get: function (key) {
      requireCallPhase("Config.get");
      if (arguments.length === 0) throw "Expected key argument";
      if (typeof key !== "string") trap("Config.get expects a string key, received " + describeType(key) + "; extism-js aborts the call here.");
      var value = natives.config(key);
      return value === null || value === "" ? null : value;
    },
  };

  function requireVarName(facility, name) {
    if (typeof name !== "string") throw facility + " expects a string name, received " + describeType(name);
  }

  var Var = {
    // Values other than strings and ArrayBuffers are ignored without an error, as in extism-js.
    set: function (name, value) {
      requireCallPhase("Var.set");
      var bytes;
      if (typeof value === "string") bytes = encodeUtf8(value).buffer;
      else if (value instanceof ArrayBuffer) bytes = value;
      else return;
      requireVarName("Var.set", name);
      if (bytes.byteLength === 0) natives.varDelete(name);
      else natives.varSet(name, bytes);
    },
    getBytes: function (name) {
      requireCallPhase("Var.getBytes");
      requireVarName("Var.getBytes", name);
      var value = natives.varGet(name);
      return value === null || value.byteLength === 0 ? null : value;
    },
    getString: function (name) {
      requireCallPhase("Var.getString");
      requireVarName("Var.getString", name);
      var value = natives.varGet(name);
      if (value === null || value.byteLength === 0) return null;
      try {
        return decodeUtf8(new Uint8Array(value), true, false);
      } catch (error) {
        throw "Var.getString: the value of " + JSON.stringify(name) + " is not valid UTF-8";
      }
    },
  };

  // ---- console ----

  var LEVELS = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

  function formatValue(value) {
    if (value === null) return "null";
    if (value === undefined) return "undefined";
    var type = typeof value;
    if (type === "string") return value;
    if (type === "number" || type === "boolean") return String(value);
    if (type === "bigint") return String(value) + "n";
    if (type === "symbol") return value.toString();
    if (type === "function") return value.name ? "[Function " + value.name + "]" : "[Function (anonymous)]";
    if (value instanceof Error) return value.name + ": " + value.message + "\n" + value.stack;
    if (value instanceof Set) {
      var members = [];
      value.forEach(function (member) { members.push(formatValue(member)); });
      return "Set(" + value.size + ") {" + (members.length ? " " + members.join(", ") + " " : "") + "}";
    }
    if (value instanceof Map) {
      var entries = [];
      value.forEach(function (entryValue, key) { entries.push(formatValue(key) + " => " + formatValue(entryValue)); });
      return "Map(" + value.size + ") {" + (entries.length ? " " + entries.join(", ") + " " : "") + "}";
    }
    if (Array.isArray(value)) {
      var items = [];
      for (var i = 0; i < value.length; i++) items.push(i in value ? formatValue(value[i]) : "<empty>");
      return items.length ? "[ " + items.join(", ") + " ]" : "[]";
    }
    try {
      return String(JSON.stringify(value));
    } catch (error) {
      return "[object Object]";
    }
  }

  function formatArgs(args) {
    var parts = [];
    for (var i = 0; i < args.length; i++) parts.push(formatValue(args[i]));
    return parts.join(" ");
  }

  // NOTE: the exact layout of console.table in extism-js was not observed; this keeps its documented
  // shape (tab-separated, an "(index)" header, "(empty array)" for []).
  function formatTable(data, columns) {
    if (Array.isArray(data) && data.length === 0) return "(empty array)";
    if (data === null || typeof data !== "object") return formatValue(data);
    var keys = Object.keys(data);
    var names = [];
    var hasValues = false;
    keys.forEach(function (key) {
      var row = data[key];
      if (row !== null && typeof row === "object") {
        Object.keys(row).forEach(function (name) { if (names.indexOf(name) < 0) names.push(name); });
      } else {
        hasValues = true;
      }
    });
    if (Array.isArray(columns)) names = columns.map(String);
    var header = ["(index)"].concat(names);
    if (hasValues) header.push("Values");
    var lines = [header.join("\t")];
    keys.forEach(function (key) {
      var row = data[key];
      var isObject = row !== null && typeof row === "object";
      var cells = [key];
      names.forEach(function (name) { cells.push(isObject && name in row ? formatValue(row[name]) : ""); });
      if (hasValues) cells.push(isObject ? "" : formatValue(row));
      lines.push(cells.join("\t"));
    });
    return lines.join("\n");
  }

  // Every write first reads the host's log level, which is what fails a top-level console call.
  function writeLog(facility, level, message) {
    requireCallPhase(facility);
    natives.log(LEVELS[level], encodeUtf8(message).buffer);
  }

  var timers = {};
  var counts = {};

  function labelOf(label) {
    return label === undefined ? "default" : String(label);
  }

  var console = {
    trace: function () { writeLog("console.trace", "trace", formatArgs(arguments)); },
    debug: function () { writeLog("console.debug", "debug", formatArgs(arguments)); },
    log: function () { writeLog("console.log", "info", formatArgs(arguments)); },
    info: function () { writeLog("console.info", "info", formatArgs(arguments)); },
    warn: function () { writeLog("console.warn", "warn", formatArgs(arguments)); },
    error: function () { writeLog("console.error", "error", formatArgs(arguments)); },
    assert: function (condition) {
      if (condition) return;
      var data = Array.prototype.slice.call(arguments, 1);
      writeLog("console.assert", "error", data.length ? "Assertion failed: " + formatArgs(data) : "Assertion failed");
    },
    time: function (label) {
      var name = labelOf(label);
      if (Object.prototype.hasOwnProperty.call(timers, name)) {
        writeLog("console.time", "warn", "Timer '" + name + "' already exists");
        return;
      }
      timers[name] = nowMs();
    },
    timeEnd: function (label) {
      var name = labelOf(label);
      if (!Object.prototype.hasOwnProperty.call(timers, name)) {
        writeLog("console.timeEnd", "warn", "Timer '" + name + "' does not exist");
        return;
      }
      var elapsed = nowMs() - timers[name];
      delete timers[name];
      writeLog("console.timeEnd", "info", name + ": " + elapsed + "ms");
    },
    timeLog: function (label) {
      var name = labelOf(label);
      if (!Object.prototype.hasOwnProperty.call(timers, name)) {
        writeLog("console.timeLog", "warn", "Timer '" + name + "' does not exist");
        return;
      }
      var data = Array.prototype.slice.call(arguments, 1);
      var elapsed = nowMs() - timers[name];
      writeLog("console.timeLog", "info", name + ": " + elapsed + "ms" + (data.length ? " " + formatArgs(data) : ""));
    },
    count: function (label) {
      var name = labelOf(label);
      counts[name] = (Object.prototype.hasOwnProperty.call(counts, name) ? counts[name] : 0) + 1;
      writeLog("console.count", "info", name + ": " + counts[name]);
    },
    countReset: function (label) {
      var name = labelOf(label);
      if (!Object.prototype.hasOwnProperty.call(counts, name)) {
        writeLog("console.countReset", "warn", "Count for '" + name + "' does not exist");
        return;
      }
      counts[name] = 0;
    },
    table: function (data, columns) {
      writeLog("console.table", "info", formatTable(data, columns));
    },
  };

  // ---- Date, performance, queueMicrotask ----

  function dateNow() {
    return nowMs();
  }

  // new Date() and Date.now() read the host clock; Date() called as a function returns ISO text, as
  // the extism-js prelude makes it.
  var DateProxy = new Proxy(NativeDate, {
    construct: function (target, args, newTarget) {
      return Reflect.construct(target, args.length === 0 ? [nowMs()] : args, newTarget);
    },
    apply: function () {
      return new NativeDate(nowMs()).toISOString();
    },
    get: function (target, property, receiver) {
      if (property === "now") return dateNow;
      return Reflect.get(target, property, receiver);
    },
  });

  var performance = {
    timeOrigin: buildTime,
    now: function () {
      return nowMs() - buildTime;
    },
  };

  function queueMicrotask(callback) {
    if (typeof callback !== "function") throw new TypeError("queueMicrotask expects a function, received " + describeType(callback));
    callback();
  }

  // ---- thrown values and return codes ----

  function isError(value) {
    if (typeof Error.isError === "function") return Error.isError(value);
    return Object.prototype.toString.call(value) === "[object Error]";
  }

  // Renders a value as the Rust Debug output of an rquickjs Value, which extism-js puts after
  // "Exception: " for thrown values that are not errors.
  // NOTE: JavaScript cannot read the engine's int or float tag, so integers in the i32 range render as
  // Int(..) and other numbers as Float(..). Object addresses are made up.
  var fakeAddress = 0x10a40;

  function rustDebugString(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      var c = text.charCodeAt(i);
      if (ch === "\"") out += "\\\"";
      else if (ch === "\\") out += "\\\\";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch === "\t") out += "\\t";
      else if (c === 0) out += "\\0";
      else if (c < 0x20 || c === 0x7f) out += "\\u{" + c.toString(16) + "}";
      else out += ch;
    }
    return "\"" + out + "\"";
  }

  function rustDebugFloat(value) {
    if (value !== value) return "NaN";
    if (value === Infinity) return "inf";
    if (value === -Infinity) return "-inf";
    if (value === 0) return 1 / value < 0 ? "-0.0" : "0.0";
    var magnitude = Math.abs(value);
    if (magnitude >= 1e16 || magnitude < 1e-4) return value.toExponential().replace("e+", "e");
    var text = String(value);
    return text.indexOf(".") < 0 ? text + ".0" : text;
  }

  function rustDebug(value) {
    if (value === undefined) return "Undefined\"undefined\"";
    if (value === null) return "Null\"null\"";
    var type = typeof value;
    if (type === "boolean") return "Bool(" + value + ")";
    if (type === "number") {
      var isInt = Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 && !(value === 0 && 1 / value < 0);
      return isInt ? "Int(" + value + ")" : "Float(" + rustDebugFloat(value) + ")";
    }
    if (type === "string") return "String(Ok(" + rustDebugString(value) + "))";
    fakeAddress += 0x40;
    var address = "0x" + fakeAddress.toString(16);
    if (type === "bigint") return "BigInt(" + address + ")";
    if (type === "symbol") return "Symbol(" + address + ")";
    if (type === "function") return "Function(" + address + ")";
    if (Array.isArray(value)) return "Array(" + address + ")";
    if (value instanceof Promise) return "Promise(" + address + ")";
    return "Object(" + address + ")";
  }

  function describeThrown(value) {
    if (isError(value)) {
      var message = value.message;
      var stack = value.stack;
      return JSON.stringify({
        error: true,
        message: message === undefined || message === null ? "" : String(message),
        stack: stack === undefined || stack === null ? "" : String(stack),
      });
    }
    return JSON.stringify({ error: false, text: rustDebug(value), message: typeof value === "string" ? value : null });
  }

  // A number is truncated toward zero and saturated to i32 (NaN gives 0); any other value gives 0.
  function returnCode(value) {
    if (typeof value !== "number" || value !== value) return 0;
    if (value >= 2147483647) return 2147483647;
    if (value <= -2147483648) return -2147483648;
    return Math.trunc(value);
  }

  function exportState() {
    var module = global.module;
    var exported = module === undefined || module === null ? undefined : module.exports;
    if (exported === null || (typeof exported !== "object" && typeof exported !== "function")) return "null";
    return JSON.stringify(Object.keys(exported).map(function (key) {
      return { key: key, isFunction: typeof exported[key] === "function" };
    }));
  }

  // ---- files ----

  var FILE_NATIVE_NAMES = ["mounts", "read", "write", "list", "stat", "remove", "mkdir"];

  // @nd/pdk calls mounts() first in every files function, so the facility names the API, not the
  // primitive that happened to run first.
  function wrapFileNatives(files) {
    var wrapped = {};
    FILE_NATIVE_NAMES.forEach(function (name) {
      var native = files[name];
      wrapped[name] = function () {
        requireCallPhase("the files API");
        return native.apply(files, arguments);
      };
    });
    return Object.freeze(wrapped);
  }

  // ---- installation ----

  // TODO: add fetch, Headers, Response, Http, crypto, structuredClone, Buffer, URL, URLSearchParams,
  // Event and EventTarget, which the extism-js prelude defines. Until then they are undefined here.

  function define(name, value) {
    Object.defineProperty(global, name, { value: value, writable: true, enumerable: false, configurable: true });
  }

  define("Host", Host);
  define("Memory", Memory);
  define("MemoryHandle", MemoryHandle);
  define("Config", Config);
  define("Var", Var);
  define("console", console);
  define("TextEncoder", TextEncoder);
  define("TextDecoder", TextDecoder);
  define("DOMException", DOMException);
  define("atob", atob);
  define("btoa", btoa);
  define("Date", DateProxy);
  define("performance", performance);
  define("queueMicrotask", queueMicrotask);
  define("module", { exports: {} });
  define("global", global);
  define("self", global);
  if (natives.files !== undefined) {
    Object.defineProperty(global, Symbol.for("nd-pdk.files"), { value: wrapFileNatives(natives.files), writable: false, enumerable: false, configurable: true });
  }

  return {
    enterCallPhase: function () {
      callPhase = true;
    },
    exportState: exportState,
    exportValue: function (key) {
      return global.module.exports[key];
    },
    describeThrown: describeThrown,
    returnCode: returnCode,
  };
})`;
