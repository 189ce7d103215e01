import { NdPdkError } from "@nd/pdk-types";
import { hasErrorMarker, setErrorMarker } from "@nd/pdk-types/internal";

const MARKER = "nd-pdk.error.plugin-definition";

/**
 * A plugin object that cannot become Navidrome exports: an unknown capability key, a method that is
 * not a function, a required method left out, or a method that returned a Promise.
 */
export class PluginDefinitionError extends NdPdkError {

  /** Creates the error with a message that names the capability or method and the fix. */
  constructor(message: string) {
    super(message);
    this.name = "PluginDefinitionError";
    setErrorMarker(this, MARKER);
  }

  /** Returns true when `error` is a {@link PluginDefinitionError} from any copy of the PDK. */
  static override isInstance(error: unknown): error is PluginDefinitionError {
    return hasErrorMarker(error, MARKER);
  }
}
