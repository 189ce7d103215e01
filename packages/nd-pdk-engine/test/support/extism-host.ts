import createPlugin, { type CallContext } from "@extism/extism";

/** Extism log levels as get_log_level reports them; 2147483647 turns logging off. */
export const LOG_LEVELS = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 2147483647 } as const;

export interface LogRecord {
  readonly level: keyof typeof LOG_LEVELS;
  readonly message: string;
}

export interface HostOptions {
  /** Navidrome plugin configuration, served by the config_get host function. */
  readonly config?: Readonly<Record<string, string>>;
  readonly logLevel?: keyof typeof LOG_LEVELS;
  /**
   * Host folders mounted into the plugin, by guest path (`/storage`). @extism/extism 1.0.3 passes
   * this map to node:wasi as its preopens, whose keys are guest paths and whose values are host folders.
   */
  readonly allowedPaths?: Readonly<Record<string, string>>;
}

export interface CallOutcome {
  /** The output as text, or null when the plugin set none. */
  readonly output: string | null;
  readonly logs: readonly LogRecord[];
}

/**
 * Calls one export of a compiled plugin in a fresh @extism/extism instance, as Navidrome creates one
 * per call. `config_get` in `extism:host/user` replies as Navidrome's config service does.
 *
 * @extism/extism 1.0.3 lacks the kernel functions get_log_level and log_trace, so they are supplied
 * here. Its own log_* functions are replaced too, so that the test records every message.
 */
export async function callPlugin(module: WebAssembly.Module, exportName: string, input: string, options: HostOptions = {}): Promise<CallOutcome> {
  const config = options.config ?? {};
  const logs: LogRecord[] = [];
  const logTo =
    (level: LogRecord["level"]) =>
    (context: CallContext, offset: bigint): void => {
      logs.push({ level, message: context.read(offset)?.text() ?? "" });
    };

  const plugin = await createPlugin(
    { wasm: [{ module }] },
    {
      useWasi: true,
      allowedPaths: { ...options.allowedPaths },
      functions: {
        "extism:host/user": {
          config_get(context: CallContext, offset: bigint): bigint {
            const request = context.read(offset)?.json() as { key: string };
            const value = Object.hasOwn(config, request.key) ? config[request.key] : undefined;
            return context.store(JSON.stringify(value === undefined ? {} : { value, exists: true }));
          },
        },
        "extism:host/env": {
          get_log_level: () => LOG_LEVELS[options.logLevel ?? "off"],
          log_trace: logTo("trace"),
          log_debug: logTo("debug"),
          log_info: logTo("info"),
          log_warn: logTo("warn"),
          log_error: logTo("error"),
        },
      },
    },
  );
  try {
    const output = await plugin.call(exportName, input);
    return { output: output === null ? null : output.text(), logs };
  } finally {
    await plugin.close();
  }
}
