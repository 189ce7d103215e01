/**
 * Rewrites QuickJS stack frames of the plugin bundle into positions of its TypeScript sources.
 *
 * @module
 */
import { SourceMapConsumer } from "source-map-js";

/** The file name extism-js gives every evaluated script, so every bundle frame carries it. */
export const BUNDLE_FILE_NAME = "eval_script";

// quickjs-ng prints frames as "at name (eval_script:LINE:COLUMN)", both 1-based.
const BUNDLE_FRAME = new RegExp(`${BUNDLE_FILE_NAME}:(\\d+):(\\d+)`, "g");

/**
 * Maps `eval_script:LINE:COLUMN` positions to source positions. LINE counts the generated
 * `Host.__hostFunctions` line that precedes the bundle, so bundle line = LINE - 1.
 */
export class StackMapper {
  readonly #consumer: SourceMapConsumer | undefined;
  readonly #fileName: string | undefined;

  /**
   * @param sourceMap - JSON text of the bundle's source map, if any.
   * @param fileName - the bundle's file name, used for frames the source map does not cover.
   * @throws {Error} when `sourceMap` is not a valid source map.
   */
  constructor(sourceMap: string | undefined, fileName: string | undefined) {
    this.#fileName = fileName;
    if (sourceMap === undefined) return;
    try {
      this.#consumer = new SourceMapConsumer(sourceMap);
    } catch (error) {
      throw new Error(`the source map of ${fileName ?? "the plugin bundle"} is not a valid source map: ${(error as Error).message}. Pass the JSON text of the .map file esbuild wrote.`);
    }
  }

  /** Rewrites every bundle position in `stack`; positions it cannot map stay as they are. */
  rewrite(stack: string): string {
    return stack.replace(BUNDLE_FRAME, (frame: string, line: string, column: string) => this.#map(Number(line), Number(column)) ?? frame);
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
    for (const match of stack.matchAll(BUNDLE_FRAME)) {
      const location = this.#map(Number(match[1]), Number(match[2]));
      if (location !== undefined) locations.push(location);
    }
    return locations;
  }

  #map(scriptLine: number, column: number): string | undefined {
    const bundleLine = scriptLine - 1;
    if (bundleLine < 1) return undefined;

    if (this.#consumer !== undefined) {
      const position = { line: bundleLine, column: Math.max(0, column - 1) };
      let original = this.#consumer.originalPositionFor({ ...position, bias: SourceMapConsumer.GREATEST_LOWER_BOUND });
      // A frame that points before the first mapping of its line still belongs to that line.
      if (original.source === null) original = this.#consumer.originalPositionFor({ ...position, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
      if (original.source !== null && original.line !== null) return `${original.source}:${original.line}:${original.column + 1}`;
    }
    return this.#fileName === undefined ? undefined : `${this.#fileName}:${bundleLine}:${column}`;
  }
}
