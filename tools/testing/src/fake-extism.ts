/**
 * A fake of the extism-js globals (`Host`, `Memory`) installed on `globalThis`, for tests that run PDK
 * code directly in Node. It follows the extism-js runtime where the PDK can observe it: bigint offsets,
 * offset 0 for empty blocks and "no reply", `Memory.find` returning `undefined` for unknown offsets,
 * lossy UTF-8 decoding, host-function results as numbers, only declared host functions in
 * `Host.getFunctions()`, and last-write-wins output.
 */

/** Answers one host call: receives the request text, returns the reply text or `undefined` for offset 0. */
export type HostHandler = (request: string) => string | undefined;

export interface FakeExtismOptions {
  /** Host functions the plugin "declares", by import name. Others are absent from getFunctions(). */
  readonly hostFunctions?: Readonly<Record<string, HostHandler>>;
  /** The input of the current export call. */
  readonly input?: string;
}

export interface HostCallRecord {
  readonly name: string;
  readonly request: string;
  readonly reply: string | undefined;
}

export interface FakeExtism {
  /** Every host call made, in order. */
  readonly calls: HostCallRecord[];
  /** The output the plugin set, or `undefined` when it set none. */
  readonly output: string | undefined;
  /** How many memory blocks are still allocated. */
  readonly liveBlocks: number;
  /** Replaces the call input and clears the output, as the host does before each call. */
  startCall(input: string): void;
  /** Removes the globals again. */
  uninstall(): void;
}

class FakeMemoryHandle {
  readonly offset: bigint;
  readonly len: bigint;
  readonly #blocks: Map<bigint, Uint8Array>;

  constructor(blocks: Map<bigint, Uint8Array>, offset: bigint, len: bigint) {
    this.#blocks = blocks;
    this.offset = offset;
    this.len = len;
  }

  readBytes(): ArrayBuffer {
    const block = this.#blocks.get(this.offset);
    if (block === undefined) throw `Offset did not represent a valid block of memory (offset=${this.offset.toString(16)})`;
    return block.slice().buffer;
  }

  readString(): string {
    // extism-js decodes lossily and drops a leading byte order mark.
    return new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(this.readBytes());
  }

  readJsonObject(): unknown {
    return JSON.parse(this.readString());
  }

  free(): void {
    this.#blocks.delete(this.offset);
  }
}

/**
 * Installs the fake runtime on `globalThis`. Call `uninstall()` afterwards (for example in
 * `afterEach`).
 */
export function installFakeExtism(options: FakeExtismOptions = {}): FakeExtism {
  const blocks = new Map<bigint, Uint8Array>();
  const calls: HostCallRecord[] = [];
  let nextOffset = 1n << 20n;
  let input = options.input ?? "";
  let output: string | undefined;

  const store = (bytes: Uint8Array): FakeMemoryHandle => {
    // The Extism kernel returns offset 0 for a zero-length allocation.
    if (bytes.length === 0) return new FakeMemoryHandle(blocks, 0n, 0n);
    const offset = nextOffset;
    nextOffset += BigInt(bytes.length) + 8n;
    blocks.set(offset, bytes.slice());
    return new FakeMemoryHandle(blocks, offset, BigInt(bytes.length));
  };

  const Memory = {
    fromString(text: string): FakeMemoryHandle {
      if (typeof text !== "string") throw new TypeError("Memory.fromString expects a string");
      return store(new TextEncoder().encode(text));
    },
    fromBuffer(buffer: ArrayBuffer): FakeMemoryHandle {
      if (!(buffer instanceof ArrayBuffer)) throw "Expected data to be an array buffer";
      return store(new Uint8Array(buffer));
    },
    fromJsonObject(value: unknown): FakeMemoryHandle {
      return Memory.fromString(JSON.stringify(value));
    },
    find(offset: bigint | number): FakeMemoryHandle | undefined {
      if (typeof offset !== "bigint" && typeof offset !== "number") throw "Expected offset to be a number";
      const key = BigInt(offset);
      const block = blocks.get(key);
      if (block === undefined || block.length === 0) return undefined;
      return new FakeMemoryHandle(blocks, key, BigInt(block.length));
    },
  };

  const declared = options.hostFunctions ?? {};
  const Host = {
    inputString(): string {
      return input;
    },
    inputBytes(): ArrayBuffer {
      return new TextEncoder().encode(input).buffer as ArrayBuffer;
    },
    outputString(text: string): boolean {
      if (typeof text !== "string") throw new TypeError("Host.outputString expects a string");
      output = text;
      return true;
    },
    getFunctions(): Record<string, (offset: bigint | number) => number> {
      const functions: Record<string, (offset: bigint | number) => number> = {};
      for (const name of Object.keys(declared).sort()) {
        const handler = declared[name] as HostHandler;
        functions[name] = (offset) => {
          const requestHandle = Memory.find(offset);
          const request = requestHandle === undefined ? "" : requestHandle.readString();
          const reply = handler(request);
          calls.push({ name, request, reply });
          if (reply === undefined) return 0;
          // I64 results reach JavaScript as numbers, not bigints.
          return Number(store(new TextEncoder().encode(reply)).offset);
        };
      }
      return functions;
    },
  };

  const target = globalThis as Record<string, unknown>;
  const previous = { Host: target["Host"], Memory: target["Memory"] };
  target["Host"] = Host;
  target["Memory"] = Memory;

  return {
    calls,
    get output() {
      return output;
    },
    get liveBlocks() {
      return blocks.size;
    },
    startCall(nextInput: string): void {
      input = nextInput;
      output = undefined;
      blocks.clear();
    },
    uninstall(): void {
      target["Host"] = previous.Host;
      target["Memory"] = previous.Memory;
    },
  };
}
