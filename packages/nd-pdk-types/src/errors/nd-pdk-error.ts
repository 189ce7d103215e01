const MARKER = "nd-pdk.error";

/**
 * Marks an error object so that {@link hasErrorMarker} recognises it in any copy of the PDK.
 */
export function setErrorMarker(error: object, marker: string): void {
  Object.defineProperty(error, Symbol.for(marker), { value: true });
}

/**
 * Returns true when `value` carries the marker set by {@link setErrorMarker}.
 */
export function hasErrorMarker(value: unknown, marker: string): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[Symbol.for(marker)] === true;
}

/**
 * Base class of every error the PDK throws.
 *
 * Use {@link NdPdkError.isInstance} rather than `instanceof` to test for it: a plugin bundle can hold
 * two copies of the PDK, and the check works across both because it relies on a global symbol.
 */
export class NdPdkError extends Error {
  /** Creates the error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = "NdPdkError";
    setErrorMarker(this, MARKER);
  }

  /** Returns true when `error` is an {@link NdPdkError} from any copy of the PDK. */
  static isInstance(error: unknown): error is NdPdkError {
    return hasErrorMarker(error, MARKER);
  }
}
