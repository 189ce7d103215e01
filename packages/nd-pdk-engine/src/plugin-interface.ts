/**
 * Reads a plugin's interface file, the `.d.ts` that extism-js takes with `-i`: the exports declared
 * in `declare module "main"` and the host functions declared in the first interface of every other
 * `declare module` block (module "extism:host" with interface "user" imports from
 * "extism:host/user").
 *
 * The file is read with a small tokenizer instead of the TypeScript compiler, so that the package
 * does not pull TypeScript into every plugin project at run time. It accepts the declarations
 * extism-js accepts and skips other top-level statements.
 *
 * @module
 */

/** A wasm value type of an export or host function. */
export type WasmType = "i32" | "i64" | "f32" | "f64";

/** A function declared in the interface file, with its wasm signature. */
export interface FunctionSignature {
  readonly name: string;
  readonly params: readonly WasmType[];
  /** The result type; undefined for `void` or a missing return type. */
  readonly result: WasmType | undefined;
}

/** A host function the plugin imports. */
export interface HostFunction extends FunctionSignature {
  /** The wasm import module, such as `extism:host/user`. */
  readonly module: string;
}

/** The exports and host functions of an interface file. */
export interface PluginInterface {
  /** The plugin's exports, sorted by name. */
  readonly exports: readonly FunctionSignature[];
  /** The host functions, sorted by name; a host function's id is its position. */
  readonly hostFunctions: readonly HostFunction[];
}

const TYPE_NAMES: Readonly<Record<string, WasmType>> = { i32: "i32", i64: "i64", f32: "f32", f64: "f64", ptr: "i64" };

/** Orders names by their UTF-8 bytes, as extism-js sorts export and import names. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

interface Token {
  readonly kind: "word" | "string" | "punctuation";
  /** The token as written; for a string, its value without quotes. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const WORD = /[A-Za-z_$0-9][\w$]*/y;
const STRING = /"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'/y;

/** Splits the file into words, string literals and single punctuation characters, without comments. */
function tokenize(text: string, fileName: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if (text.startsWith("//", index)) {
      const lineEnd = text.indexOf("\n", index);
      index = lineEnd < 0 ? text.length : lineEnd + 1;
      continue;
    }
    if (text.startsWith("/*", index)) {
      const commentEnd = text.indexOf("*/", index + 2);
      if (commentEnd < 0) throw new Error(`${fileName} has a comment that is never closed, at ${describePosition(text, index)}`);
      index = commentEnd + 2;
      continue;
    }

    WORD.lastIndex = index;
    const word = WORD.exec(text);
    if (word !== null) {
      tokens.push({ kind: "word", text: word[0], start: index, end: WORD.lastIndex });
      index = WORD.lastIndex;
      continue;
    }
    if (char === '"' || char === "'") {
      STRING.lastIndex = index;
      const string = STRING.exec(text);
      if (string === null) throw new Error(`${fileName} has a string that is never closed, at ${describePosition(text, index)}`);
      const value = (string[1] ?? string[2] ?? "").replace(/\\(.)/g, "$1");
      tokens.push({ kind: "string", text: value, start: index, end: STRING.lastIndex });
      index = STRING.lastIndex;
      continue;
    }
    tokens.push({ kind: "punctuation", text: char, start: index, end: index + 1 });
    index += 1;
  }
  return tokens;
}

/** `line N: <the rest of that line>`, for error messages. */
function describePosition(text: string, position: number): string {
  const lineEnd = text.indexOf("\n", position);
  const line = text.slice(0, position).split("\n").length;
  return `line ${line}: ${text.slice(position, lineEnd < 0 ? text.length : lineEnd).trim()}`;
}

const OPENING = new Set(["{", "(", "["]);
const CLOSING = new Set(["}", ")", "]"]);

/** Reads tokens front to back; positions are token indexes. */
class Reader {
  index = 0;

  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }

  /** Consumes the next token when it is `text`. */
  accept(text: string): boolean {
    if (this.peek()?.text !== text || this.peek()?.kind === "string") return false;
    this.index += 1;
    return true;
  }

  /** Finds the bracket that closes the one at `open`; returns the token count when it is never closed. */
  matching(open: number): number {
    let depth = 0;
    for (let index = open; index < this.tokens.length; index += 1) {
      const token = this.tokens[index] as Token;
      if (token.kind !== "punctuation") continue;
      if (OPENING.has(token.text)) depth += 1;
      if (CLOSING.has(token.text)) depth -= 1;
      if (depth === 0) return index;
    }
    return this.tokens.length;
  }

  /** Skips one statement: up to a `;` or a closing `}` at its own depth, or up to `end`. */
  skipStatement(end: number): void {
    while (this.index < end) {
      const token = this.tokens[this.index] as Token;
      if (token.kind === "punctuation" && OPENING.has(token.text)) {
        this.index = this.matching(this.index) + 1;
        if (token.text === "{") return;
        continue;
      }
      this.index += 1;
      if (token.kind === "punctuation" && token.text === ";") return;
    }
  }

  describe(tokenIndex: number): string {
    const token = this.tokens[tokenIndex];
    return describePosition(this.text, token === undefined ? this.text.length : token.start);
  }

  /** Returns the source text from token `from` to the token before `to`. */
  slice(from: number, to: number): string {
    const first = this.tokens[from];
    const last = this.tokens[to - 1];
    return first === undefined || last === undefined ? "" : this.text.slice(first.start, last.end);
  }
}

class InterfaceSyntaxError extends Error {}

/**
 * Reads a type annotation after `:` up to a token in `stops` at depth 0, or up to `end`. A missing
 * annotation is I64 for a parameter and no result for a return type, as in extism-js.
 */
function readType(reader: Reader, end: number, stops: ReadonlySet<string>, isResult: boolean, memberStart: number): WasmType | undefined {
  if (!reader.accept(":")) return isResult ? undefined : "i64";

  // A supported type is one word. Members may follow without a separator, so reading stops there.
  const first = reader.peek();
  const next = reader.peek(1);
  const continuesType = next?.kind === "punctuation" && ["<", "[", ".", "|", "&"].includes(next.text);
  if (first?.kind === "word" && !continuesType) {
    const type = isResult && first.text === "void" ? undefined : TYPE_NAMES[first.text.toLowerCase()];
    if (type !== undefined || (isResult && first.text === "void")) {
      reader.index += 1;
      return type;
    }
  }

  const from = reader.index;
  while (reader.index < end) {
    const token = reader.peek() as Token;
    if (token.kind === "punctuation" && stops.has(token.text)) break;
    if (token.kind === "punctuation" && OPENING.has(token.text)) reader.index = reader.matching(reader.index) + 1;
    else reader.index += 1;
  }
  const written = reader.slice(from, reader.index);
  throw new Error(`unsupported type ${written === "" ? "(none)" : written} at ${reader.describe(memberStart)}. Use I32, I64, F32, F64 or PTR${isResult ? ", or void" : ""}.`);
}

/** Reads `(name: TYPE, ...)`; the reader is on the `(`. */
function readParameters(reader: Reader, memberStart: number): WasmType[] {
  const close = reader.matching(reader.index);
  reader.index += 1;
  const params: WasmType[] = [];
  while (reader.index < close) {
    const name = reader.peek();
    if (name?.kind !== "word") throw new InterfaceSyntaxError();
    reader.index += 1;
    reader.accept("?");
    params.push(readType(reader, close, new Set([",", ")"]), false, memberStart) as WasmType);
    reader.accept(",");
  }
  reader.index = close + 1;
  return params;
}

/** Reads the functions of `declare module "main"` between the reader's position and `end`. */
function readExports(reader: Reader, end: number): FunctionSignature[] {
  const exports: FunctionSignature[] = [];
  while (reader.index < end) {
    const memberStart = reader.index;
    try {
      reader.accept("export");
      reader.accept("declare");
      if (!reader.accept("function")) throw new InterfaceSyntaxError();
      const name = reader.peek();
      if (name?.kind !== "word" || reader.peek(1)?.text !== "(") throw new InterfaceSyntaxError();
      reader.index += 1;
      const params = readParameters(reader, memberStart);
      const result = readType(reader, end, new Set([";", "{"]), true, memberStart);
      if (reader.peek()?.text === "{") throw new InterfaceSyntaxError();
      reader.accept(";");
      exports.push({ name: name.text, params, result });
    } catch (error) {
      if (!(error instanceof InterfaceSyntaxError)) throw error;
      throw new Error(`the main module may only contain exported function declarations, found ${reader.describe(memberStart)}`);
    }
  }
  return exports;
}

/** Reads the method signatures of an interface between the reader's position and `end`. */
function readHostFunctions(reader: Reader, end: number, module: string): HostFunction[] {
  const functions: HostFunction[] = [];
  while (reader.index < end) {
    const memberStart = reader.index;
    try {
      const name = reader.peek();
      if (name?.kind !== "word" || reader.peek(1)?.text !== "(") throw new InterfaceSyntaxError();
      reader.index += 1;
      const params = readParameters(reader, memberStart);
      const result = readType(reader, end, new Set([";", ","]), true, memberStart);
      if (!reader.accept(";")) reader.accept(",");
      functions.push({ module, name: name.text, params, result });
    } catch (error) {
      if (!(error instanceof InterfaceSyntaxError)) throw error;
      throw new Error(`host functions must be method signatures such as name(p: PTR): PTR, found ${reader.describe(memberStart)}`);
    }
  }
  return functions;
}

/**
 * Parses the interface file text.
 *
 * @throws {Error} when there is no `main` module, or a declaration is not one extism-js accepts.
 */
export function parsePluginInterface(text: string, fileName = "plugin.d.ts"): PluginInterface {
  const reader = new Reader(text, tokenize(text, fileName));
  const exports: FunctionSignature[] = [];
  const hostFunctions: HostFunction[] = [];
  let sawMain = false;

  while (reader.index < reader.tokens.length) {
    const name = reader.peek(2);
    const isModule = reader.peek()?.text === "declare" && reader.peek(1)?.text === "module" && name?.kind === "string" && reader.peek(3)?.text === "{";
    if (!isModule) {
      reader.skipStatement(reader.tokens.length);
      continue;
    }

    const open = reader.index + 3;
    const close = reader.matching(open);
    if (close === reader.tokens.length) throw new Error(`the block of declare module "${name.text}" is never closed (${reader.describe(reader.index)})`);
    reader.index = open + 1;

    if (name.text === "main") {
      sawMain = true;
      exports.push(...readExports(reader, close));
    } else {
      // As in extism-js, only the first interface of a module declares imports.
      while (reader.index < close) {
        reader.accept("export");
        const isInterface = reader.peek()?.text === "interface" && reader.peek(1)?.kind === "word" && reader.peek(2)?.text === "{";
        if (!isInterface) {
          reader.skipStatement(close);
          continue;
        }
        const interfaceName = (reader.peek(1) as Token).text;
        const interfaceClose = reader.matching(reader.index + 2);
        reader.index += 3;
        hostFunctions.push(...readHostFunctions(reader, interfaceClose, `${name.text}/${interfaceName}`));
        break;
      }
    }
    reader.index = close + 1;
  }

  if (!sawMain) throw new Error(`${fileName} has no declare module "main" block, so it declares no exports.`);
  return {
    exports: exports.sort((a, b) => compareUtf8(a.name, b.name)),
    hostFunctions: hostFunctions.sort((a, b) => compareUtf8(a.name, b.name)),
  };
}
