import { WASI } from "node:wasi";

/** The outcome of one export call, in the terms of the Go SDK. */
export interface KernelCallResult {
  /** The export's return code; undefined when the call trapped. */
  readonly code: number | undefined;
  readonly output: string | null;
  readonly error: string | null;
  /** The message of the WebAssembly trap, when the call trapped. */
  readonly trap: string | undefined;
  readonly logs: readonly { readonly level: number; readonly message: string }[];
}

export interface KernelHostOptions {
  /** extism:host/user functions that take and return text, by name. undefined returns offset 0. */
  readonly hostFunctions?: Readonly<Record<string, (request: string) => string | undefined>>;
  /** Values for the kernel's config_get. */
  readonly config?: Readonly<Record<string, string>>;
  /** get_log_level: 0 trace ... 4 error, 2147483647 off. */
  readonly logLevel?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A small Extism kernel in JavaScript that keeps one plugin instance across calls, as the Go SDK
 * does within one plugin object. It follows the real kernel's conventions, which @extism/extism does
 * not: offsets are small integers, alloc(0) and unknown offsets give 0, and return codes are read.
 * Memory blocks are reset before every call; variables persist.
 */
export class KernelHost {
  readonly #instance: WebAssembly.Instance;
  readonly #state: KernelState;

  private constructor(instance: WebAssembly.Instance, state: KernelState) {
    this.#instance = instance;
    this.#state = state;
  }

  static async create(module: WebAssembly.Module, options: KernelHostOptions = {}): Promise<KernelHost> {
    const state = new KernelState(options.logLevel ?? 2147483647);
    const user: Record<string, (offset: bigint) => bigint> = {};
    for (const [name, fn] of Object.entries(options.hostFunctions ?? {})) {
      user[name] = (offset) => {
        const reply = fn(decoder.decode(state.blocks.get(offset) ?? new Uint8Array(0)));
        return reply === undefined ? 0n : state.alloc(encoder.encode(reply));
      };
    }
    const wasi = new WASI({ version: "preview1", returnOnExit: true });
    const instance = await WebAssembly.instantiate(module, {
      ...(wasi.getImportObject() as WebAssembly.Imports),
      "extism:host/env": state.imports(options.config ?? {}),
      "extism:host/user": user,
    });
    // Hands the WASI functions the instance's memory; the snapshot has no _initialize left to run.
    wasi.initialize(instance);
    return new KernelHost(instance, state);
  }

  call(exportName: string, input: string): KernelCallResult {
    const state = this.#state;
    state.reset(encoder.encode(input));
    const fn = this.#instance.exports[exportName] as () => number;
    let code: number | undefined;
    let trap: string | undefined;
    try {
      code = fn();
    } catch (error) {
      if (!(error instanceof WebAssembly.RuntimeError)) throw error;
      trap = error.message;
    }
    const read = (offset: bigint | undefined, length?: bigint): string | null => {
      if (offset === undefined) return null;
      const block = state.blocks.get(offset) ?? new Uint8Array(0);
      return decoder.decode(length === undefined ? block : block.subarray(0, Number(length)));
    };
    return { code, output: read(state.output?.[0], state.output?.[1]), error: read(state.error), trap, logs: [...state.logs] };
  }
}

class KernelState {
  blocks = new Map<bigint, Uint8Array>();
  vars = new Map<string, Uint8Array>();
  input: Uint8Array = new Uint8Array(0);
  output: [bigint, bigint] | undefined;
  error: bigint | undefined;
  logs: { level: number; message: string }[] = [];
  #next = 8n;
  readonly #logLevel: number;

  constructor(logLevel: number) {
    this.#logLevel = logLevel;
  }

  reset(input: Uint8Array): void {
    this.blocks.clear();
    this.#next = 8n;
    this.input = input;
    this.output = undefined;
    this.error = undefined;
    this.logs = [];
  }

  alloc(bytes: Uint8Array): bigint {
    if (bytes.length === 0) return 0n;
    const offset = this.#next;
    this.#next += BigInt(Math.ceil(bytes.length / 8) * 8 + 8);
    this.blocks.set(offset, bytes);
    return offset;
  }

  /** Finds the block that contains address, and the position inside it. */
  #locate(address: bigint): [Uint8Array, number] {
    for (const [start, block] of this.blocks) {
      if (address >= start && address < start + BigInt(block.length)) return [block, Number(address - start)];
    }
    throw new Error(`kernel: address ${address} is outside every block`);
  }

  #text(offset: bigint): string {
    return decoder.decode(this.blocks.get(offset) ?? new Uint8Array(0));
  }

  imports(config: Readonly<Record<string, string>>): Record<string, (...args: never[]) => unknown> {
    const log = (level: number) => (offset: bigint) => {
      this.logs.push({ level, message: this.#text(offset) });
    };
    return {
      input_length: () => BigInt(this.input.length),
      input_load_u8: (index: bigint) => this.input[Number(index)]!,
      input_load_u64: (index: bigint) => new DataView(this.input.buffer, this.input.byteOffset).getBigUint64(Number(index), true),
      alloc: (length: bigint) => this.alloc(new Uint8Array(Number(length))),
      free: (offset: bigint) => {
        this.blocks.delete(offset);
      },
      length: (offset: bigint) => BigInt(this.blocks.get(offset)?.length ?? 0),
      load_u8: (address: bigint) => {
        const [block, at] = this.#locate(address);
        return block[at]!;
      },
      load_u64: (address: bigint) => {
        const [block, at] = this.#locate(address);
        return new DataView(block.buffer, block.byteOffset).getBigUint64(at, true);
      },
      store_u8: (address: bigint, value: number) => {
        const [block, at] = this.#locate(address);
        block[at] = value;
      },
      store_u64: (address: bigint, value: bigint) => {
        const [block, at] = this.#locate(address);
        new DataView(block.buffer, block.byteOffset).setBigUint64(at, value, true);
      },
      output_set: (offset: bigint, length: bigint) => {
        this.output = [offset, length];
      },
      error_set: (offset: bigint) => {
        this.error = offset;
      },
      config_get: (offset: bigint) => {
        const key = this.#text(offset);
        return Object.hasOwn(config, key) ? this.alloc(encoder.encode(config[key])) : 0n;
      },
      var_get: (offset: bigint) => {
        const value = this.vars.get(this.#text(offset));
        return value === undefined ? 0n : this.alloc(value.slice());
      },
      var_set: (nameOffset: bigint, valueOffset: bigint) => {
        const name = this.#text(nameOffset);
        if (valueOffset === 0n) this.vars.delete(name);
        else this.vars.set(name, (this.blocks.get(valueOffset) ?? new Uint8Array(0)).slice());
      },
      get_log_level: () => this.#logLevel,
      log_trace: log(0),
      log_debug: log(1),
      log_info: log(2),
      log_warn: log(3),
      log_error: log(4),
    };
  }
}
