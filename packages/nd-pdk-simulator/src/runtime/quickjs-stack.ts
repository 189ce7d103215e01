/**
 * Rewrites QuickJS stack frames of the plugin bundle into positions of its TypeScript sources.
 *
 * @module
 */
import { SourceMapConsumer } from "source-map-js";

/** The file name extism-js gives every evaluated script, so every bundle frame carries it. */
export const BUNDLE_FILE_NAME = "eval_script";

/** Format of the bundle positions in an engine's stack frames. */
export interface BundleFrameFormat {
  /** Whether a frame carries a 1-based column after its line (`eval_script:LINE:COLUMN`). */
  readonly columns: boolean;
  /** Lines the engine evaluates before the bundle in the same script, which frame lines include. */
  readonly headerLines: number;
}

/**
 * Frames of quickjs-ng as the QuickJS runtime evaluates the bundle: `eval_script:LINE:COLUMN`, where
 * LINE counts the generated `Host.__hostFunctions` line that precedes the bundle.
 */
export const QUICKJS_NG_FRAMES: BundleFrameFormat = { columns: true, headerLines: 1 };

/** Frames of the built-in engine (QuickJS 2021-03-27): `eval_script:LINE`, the bundle's own line, no column. */
export const ENGINE_FRAMES: BundleFrameFormat = { columns: false, headerLines: 0 };

interface SourceLine {
  readonly source: string;
  readonly line: number;
}

/** Maps the bundle positions of stack frames to source positions. */
export class StackMapper {
  readonly #consumer: SourceMapConsumer | undefined;
  readonly #fileName: string | undefined;
  readonly #format: BundleFrameFormat;
  readonly #framePattern: RegExp;
  /** Source line of the first mapping on each generated line, built for the first frame without a column. */
  #sourceLines: (SourceLine | undefined)[] | undefined;

  /**
   * @param sourceMap - JSON text of the bundle's source map, if any.
   * @param fileName - the bundle's file name, used for frames the source map does not cover.
   * @param format - the format of the engine's bundle positions (default: quickjs-ng's).
   * @throws {Error} when `sourceMap` is not a valid source map.
   */
  constructor(sourceMap: string | undefined, fileName: string | undefined, format: BundleFrameFormat = QUICKJS_NG_FRAMES) {
    this.#fileName = fileName;
    this.#format = format;
    // Without columns, the lookahead keeps a frame such as `eval_script:12:5` from matching as line 12.
    this.#framePattern = new RegExp(format.columns ? `${BUNDLE_FILE_NAME}:(\\d+):(\\d+)` : `${BUNDLE_FILE_NAME}:(\\d+)(?![\\d:])`, "g");
    if (sourceMap === undefined) return;
    try {
      this.#consumer = new SourceMapConsumer(sourceMap);
    } catch (error) {
      throw new Error(`the source map of ${fileName ?? "the plugin bundle"} is not a valid source map: ${(error as Error).message}. Pass the JSON text of the .map file esbuild wrote.`);
    }
  }

  /** Rewrites every bundle position in `stack`; positions it cannot map stay as they are. */
  rewrite(stack: string): string {
    // Without a column group, replace passes the match offset where the column would be.
    return stack.replace(this.#framePattern, (frame: string, line: string, column: unknown) => this.#map(Number(line), this.#columnOf(column)) ?? frame);
  }

  /** Returns the mapped position of the innermost bundle frame in `stack`, such as `src/plugin.ts:3:7`. */
  innermostLocation(stack: string): string | undefined {
    return this.#locations(stack)[0];
  }

  /**
   * Returns the mapped position of the outermost bundle frame in `stack`. For top-level code that is
   * the top-level statement, even when the failure happened deep inside a library it called.
   */
  outermostLocation(stack: string): string | undefined {
    return this.#locations(stack).at(-1);
  }

  #locations(stack: string): string[] {
    const locations: string[] = [];
    for (const match of stack.matchAll(this.#framePattern)) {
      const location = this.#map(Number(match[1]), this.#columnOf(match[2]));
      if (location !== undefined) locations.push(location);
    }
    return locations;
  }

  #columnOf(group: unknown): number | undefined {
    return this.#format.columns ? Number(group) : undefined;
  }

  #map(scriptLine: number, column: number | undefined): string | undefined {
    const bundleLine = scriptLine - this.#format.headerLines;
    if (bundleLine < 1) return undefined;
    if (column === undefined) return this.#mapLine(bundleLine);

    if (this.#consumer !== undefined) {
      const position = { line: bundleLine, column: Math.max(0, column - 1) };
      let original = this.#consumer.originalPositionFor({ ...position, bias: SourceMapConsumer.GREATEST_LOWER_BOUND });
      // A frame that points before the first mapping of its line still belongs to that line.
      if (original.source === null) original = this.#consumer.originalPositionFor({ ...position, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
      if (original.source !== null && original.line !== null) return `${original.source}:${original.line}:${original.column + 1}`;
    }
    return this.#fileName === undefined ? undefined : `${this.#fileName}:${bundleLine}:${column}`;
  }

  /**
   * Maps a frame without a column to the source line of the first mapping on its bundle line. The
   * result has no column, because the first mapping's column marks where the line starts, not the call.
   */
  #mapLine(bundleLine: number): string | undefined {
    if (this.#consumer !== undefined) {
      this.#sourceLines ??= indexSourceLines(this.#consumer);
      // A line without mappings, such as the rest of a multi-line template literal, continues the
      // closest mapped line above it.
      for (let line = bundleLine; line >= 1; line--) {
        const original = this.#sourceLines[line];
        if (original !== undefined) return `${original.source}:${original.line}`;
      }
    }
    return this.#fileName === undefined ? undefined : `${this.#fileName}:${bundleLine}`;
  }
}

/** Returns, by generated line, the source line of the line's first mapping that has a source. */
function indexSourceLines(consumer: SourceMapConsumer): (SourceLine | undefined)[] {
  const sourceLines: (SourceLine | undefined)[] = [];
  // eachMapping walks mappings in generated order, so the first one seen on a line has its lowest column.
  consumer.eachMapping((mapping) => {
    if (sourceLines[mapping.generatedLine] !== undefined) return;
    if (mapping.source === null || mapping.originalLine === null) return;
    sourceLines[mapping.generatedLine] = { source: mapping.source, line: mapping.originalLine };
  });
  return sourceLines;
}
