import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { FakeClock } from "./clock.js";
import { capabilities, services as serviceInfo } from "./generated/api.js";
import type { CallOutcome, HostFunctionImpl, LogLevel, LogRecord, ServiceContext, SimulatedService } from "./host/service.js";
import { ServiceError } from "./host/service.js";
import { manifestLoadRules, parseManifest } from "./manifest/validate.js";
import { resolveMounts } from "./mounts.js";
import type { Manifest } from "./manifest/types.js";
import type { NavidromeOptions } from "./options.js";
import type { PluginCaller } from "./plugin-caller.js";
import { createPluginCaller } from "./plugin-caller.js";
import type { HostBridge } from "./runtime/bridge.js";
import type { MountedFolder, PluginCompiler } from "./runtime/files.js";
import { hasFileAccess } from "./runtime/files.js";
import type { PluginExportsObject } from "./runtime/in-process.js";
import { callInProcess } from "./runtime/in-process.js";
import type { QuickJsPlugin, QuickJsPluginOptions } from "./runtime/quickjs.js";
import { loadQuickJsPlugin } from "./runtime/quickjs.js";
import { compileWasmPlugin } from "./runtime/wasm.js";
import { createServices, type Services } from "./services/index.js";

/** One host function call the plugin made, for assertions. */
export interface HostCallRecord {
  /** The wasm import name (`kvstore_set`). */
  readonly importName: string;
  /** The PDK name (`kvstore.set`). */
  readonly function: string;
  /** The parsed request, or the raw text when it was not JSON. */
  readonly request: unknown;
  /** The parsed reply. */
  readonly reply: Readonly<Record<string, unknown>>;
  /** Simulated Unix time in milliseconds. */
  readonly time: number;
}

/** A plugin loaded into the simulated Navidrome. */
export interface LoadedPlugin extends PluginCaller {
  /** The export names the plugin provides, sorted. */
  readonly exports: readonly string[];
  /** Calls an export as Navidrome does; an object input is sent as JSON, a string as it is. */
  call(exportName: string, input?: unknown): CallOutcome;
}

/** Source of a plugin that is loaded as a bundle. */
export interface BundleSource {
  /** The bundle's JavaScript text, one CommonJS file as `nd-pdk build` writes it. */
  readonly bundle: string;
  /** The bundle's source map (JSON text), for TypeScript file and line in errors. */
  readonly sourceMap?: string;
}

/** Limits of one call of a bundle run inside QuickJS. */
export type BundleLimits = Pick<QuickJsPluginOptions, "timeoutMs" | "memoryLimitBytes">;

/** Options of `navidrome.loadBundle`: the per-call limits and the compiler to emulate. */
export type BundleOptions = BundleLimits & LoadOptions;

/** Options of `navidrome.load`. */
export interface LoadOptions {
  /**
   * The compiler the plugin is built with (`nd-pdk build --compiler`), which decides whether it gets
   * file access. `engine` (the default) provides the `files` API over `navidrome.mounts`. `extism-js`
   * gives plugin code no file API, so every `files` call throws a `FileError` with code
   * `unavailable`, as in Navidrome.
   */
  readonly compiler?: PluginCompiler;
}

/** Source of a plugin that is loaded as a compiled Extism plugin. */
export interface WasmSource {
  /** The bytes of `plugin.wasm`, as `nd-pdk build` writes it. */
  readonly wasm: Uint8Array;
  /** The source map (JSON text) of the bundle compiled into the wasm, for TypeScript lines in error texts. */
  readonly sourceMap?: string;
}

/** Limits of one call of a compiled plugin run in `@extism/extism`. */
export interface WasmLimits {
  /** Wall time one call may take, in milliseconds (default 30000, Navidrome's limit). */
  readonly timeoutMs?: number;
}

/** The simulated Navidrome: its services, clock, records, and the loaded plugin. */
export interface Navidrome {
  /** The plugin's manifest, as validated. */
  readonly manifest: Manifest;
  /** The simulated time: schedules, task retries, cache and kvstore expiry all run on it. */
  readonly clock: FakeClock;
  /** The simulated services, for setting up and inspecting state. */
  readonly services: Services;
  /** Log lines of the plugin and of the simulated Navidrome, in order. */
  readonly logs: readonly LogRecord[];
  /** Every host function call, in order. */
  readonly hostCalls: readonly HostCallRecord[];
  /** The import names of the host functions the manifest permits. */
  readonly permittedImports: readonly string[];
  /**
   * The host folders mounted into the plugin, by guest mount point (`/storage`, `/libraries/1`), for
   * inspecting what the plugin wrote. See `NavidromeOptions.mounts`.
   */
  readonly mounts: ReadonlyMap<string, MountedFolder>;
  /**
   * Loads a plugin object (what `definePlugin` returns) to run in-process: fast, with Node stack
   * traces. `options.compiler` names the compiler to emulate, which decides whether the plugin gets
   * file access.
   *
   * @throws {TypeError} when `options.compiler` is neither `engine` nor `extism-js`.
   */
  load(plugin: PluginExportsObject, options?: LoadOptions): LoadedPlugin;
  /**
   * Loads a built bundle to run inside QuickJS-ng, as extism-js would run it. `options` raises the
   * per-call time and memory limits for plugins whose calls are legitimately heavy, and
   * `options.compiler` names the compiler to emulate, which decides whether the plugin gets file
   * access.
   *
   * @throws {TypeError} when `options.compiler` is neither `engine` nor `extism-js`.
   */
  loadBundle(source: BundleSource, options?: BundleOptions): Promise<LoadedPlugin>;
  /**
   * Loads a compiled `plugin.wasm` to run in `@extism/extism`, a real Extism host, with only the
   * host functions the manifest permits. Calls stay synchronous: each runs in a fresh instance on a
   * worker thread while the caller waits. `options.timeoutMs` raises the per-call time limit.
   *
   * @throws {Error} when the wasm is invalid, imports a host function the manifest does not permit,
   * or cannot be instantiated.
   */
  loadWasm(source: WasmSource, options?: WasmLimits): Promise<LoadedPlugin>;
  /** Moves the clock forward, firing due schedules and running due tasks. */
  advance(ms: number): void;
  /**
   * Makes the next `times` calls of a host function fail with `message` in the reply's `error` key,
   * as Navidrome reports a failed operation (a database error, a network failure). For testing a
   * plugin's error handling.
   *
   * @param importName - The wasm import name, such as `library_getalllibraries`.
   */
  failNext(importName: string, message: string, times?: number): void;
}

/** Every export name Navidrome calls. */
const KNOWN_EXPORTS: ReadonlySet<string> = new Set(capabilities.flatMap((capability) => capability.exports.map((entry) => entry.exportName)));

/** Service and function of each host function, by import name. */
const IMPORTS = new Map(
  serviceInfo.flatMap((service) => service.functions.map((fn) => [fn.importName, { service, fn }] as const)),
);

/**
 * Creates a simulated Navidrome for one plugin.
 *
 * @throws {ManifestError} when the manifest is invalid, with every problem and its fix.
 * @throws {Error} when a mount in `options.mounts` lacks its permission or its host folder.
 *
 * @example
 * ```ts
 * const navidrome = createNavidrome({ manifest, config: { apiKey: "test" } });
 * const plugin = navidrome.load(myPlugin);
 * expect(plugin.metadataAgent.getArtistBiography({ id: "1", name: "Nina Simone" })).toMatchObject({ kind: "output" });
 * ```
 */
export function createNavidrome(options: NavidromeOptions): Navidrome {
  const manifest = parseManifest(options.manifest);
  const clock = options.clock ?? new FakeClock();
  const mounts = resolveMounts(manifest, options);
  const logs: LogRecord[] = [];
  const hostCalls: HostCallRecord[] = [];
  const injectedFailures = new Map<string, { message: string; remaining: number }>();
  let loaded: LoadedPlugin | undefined;

  const context: ServiceContext = {
    manifest,
    clock,
    callPlugin(exportName, input) {
      if (loaded === undefined) throw new Error(`cannot call ${exportName}: no plugin is loaded; call navidrome.load() first`);
      return loaded.call(exportName, input);
    },
    log(level, message) {
      logs.push({ level, message, source: "navidrome", time: clock.now() });
    },
  };

  const services = createServices(context, options);
  const permitted = new Set(
    serviceInfo.filter((service) => service.permission === null || manifest.permissions?.[service.permission as keyof NonNullable<Manifest["permissions"]>] !== undefined).map((service) => service.module),
  );

  const functions = new Map<string, (requestText: string) => string | undefined>();
  for (const [importName, { service, fn }] of IMPORTS) {
    const impl = (services as unknown as Record<string, SimulatedService>)[service.module]?.functions[importName];
    const label = `${service.module}.${fn.name}`;
    functions.set(importName, (requestText) => {
      if (!permitted.has(service.module)) {
        // Navidrome never registers the functions of a service the manifest does not grant, so a real
        // plugin importing one fails to load. In-process, the call fails instead.
        throw new Error(`${label}: the manifest does not grant "${service.permission}"; add permissions.${service.permission} to manifest.json`);
      }
      if (impl === undefined) throw new Error(`${label}: the simulator does not implement ${importName}`);
      return invokeHostFunction(importName, label, impl, requestText);
    });
  }

  function invokeHostFunction(importName: string, label: string, impl: HostFunctionImpl, requestText: string): string {
    let request: unknown;
    let reply: Record<string, unknown>;
    try {
      request = JSON.parse(requestText === "" ? "{}" : requestText);
      if (typeof request !== "object" || request === null || Array.isArray(request)) {
        throw new ServiceError(`invalid request: expected a JSON object, received ${requestText.slice(0, 40)}`);
      }
      const injected = injectedFailures.get(importName);
      if (injected !== undefined && injected.remaining > 0) {
        injected.remaining--;
        throw new ServiceError(injected.message);
      }
      reply = impl(request as Record<string, unknown>) ?? {};
    } catch (error) {
      if (error instanceof SyntaxError) reply = { error: `invalid request: ${error.message}` };
      else if (error instanceof ServiceError) reply = { error: error.message };
      else throw error;
      request ??= requestText;
    }
    hostCalls.push({ importName, function: label, request, reply, time: clock.now() });
    return JSON.stringify(reply);
  }

  const bridge: HostBridge = {
    functions,
    config: new Map(Object.entries(options.config ?? {})),
    logLevel: "trace",
    log(level: LogLevel, message: string) {
      logs.push({ level, message, source: "plugin", time: clock.now() });
    },
    now: () => clock.now(),
    mounts,
  };

  function checkLoadRules(exports: readonly string[]): void {
    const problems = manifestLoadRules(manifest, exports);
    if (problems.length > 0) throw new Error(`Navidrome would refuse to load this plugin:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }

  function finishLoad(exports: readonly string[], call: (exportName: string, input: string) => CallOutcome): LoadedPlugin {
    checkLoadRules(exports);
    const raw = (exportName: string, input: unknown = {}): CallOutcome => {
      if (!KNOWN_EXPORTS.has(exportName)) {
        throw new Error(`${exportName} is not a function Navidrome calls; use one of: ${[...KNOWN_EXPORTS].sort().join(", ")}`);
      }
      return call(exportName, typeof input === "string" ? input : JSON.stringify(input));
    };
    loaded = Object.assign(createPluginCaller(raw), { exports, call: raw });
    return loaded;
  }

  return {
    manifest,
    clock,
    services,
    logs,
    hostCalls,
    mounts,
    permittedImports: [...IMPORTS].filter(([, { service }]) => permitted.has(service.module)).map(([name]) => name).sort(),

    load(plugin, loadOptions = {}) {
      if (typeof plugin !== "object" || plugin === null) {
        throw new TypeError("navidrome.load expects the object definePlugin returns (the plugin's export functions by name)");
      }
      const fileAccess = hasFileAccess(loadOptions.compiler, "navidrome.load options.compiler");
      const exports = Object.keys(plugin).filter((name) => typeof plugin[name] === "function").sort();
      // A fresh instance per call, as Navidrome creates one: vars do not carry over.
      return finishLoad(exports, (exportName, input) => callInProcess(plugin, exportName, input, bridge, { fileAccess }));
    },

    async loadBundle(source, bundleOptions = {}) {
      hasFileAccess(bundleOptions.compiler, "navidrome.loadBundle options.compiler");
      const plugin: QuickJsPlugin = await loadQuickJsPlugin({
        ...bundleOptions,
        bundle: source.bundle,
        ...(source.sourceMap === undefined ? {} : { sourceMap: source.sourceMap }),
      });
      checkImports(plugin.imports ?? []);
      return finishLoad(plugin.exports, (exportName, input) => plugin.call(exportName, input, bridge));
    },

    async loadWasm(source, limits = {}) {
      const compiled = await compileWasmPlugin(source.wasm);
      checkImports(compiled.hostImports);
      const plugin = compiled.load({
        ...limits,
        hostFunctions: permittedImportNames(),
        bridge,
        ...(source.sourceMap === undefined ? {} : { sourceMap: source.sourceMap }),
      });
      // Navidrome looks exports up by these names only. The wasm's other functions, such as the
      // engine's own, are not plugin exports.
      const exports = plugin.exports.filter((name) => KNOWN_EXPORTS.has(name));
      return finishLoad(exports, (exportName, input) => plugin.call(exportName, input, bridge));
    },

    advance(ms) {
      clock.advance(ms);
    },

    failNext(importName, message, times = 1) {
      if (!IMPORTS.has(importName)) throw new Error(`failNext: ${importName} is not a Navidrome host function; use an import name such as kvstore_set`);
      injectedFailures.set(importName, { message, remaining: times });
    },
  };

  /** Throws the load failure Navidrome reports for host functions the manifest does not permit. */
  function checkImports(imported: readonly string[]): void {
    const missing = imported.filter((name) => !permittedImportNames().includes(name));
    if (missing.length === 0) return;
    const hints = missing.map((name) => {
      const service = IMPORTS.get(name)?.service;
      return service === undefined ? `"${name}" is not a Navidrome host function` : `"${name}" needs permissions.${service.permission}`;
    });
    throw new Error(
      `Navidrome would refuse to load this plugin: ${missing.map((n) => `"${n}" is not exported in module "extism:host/user"`).join("; ")}. ${hints.join("; ")}; add the permission to manifest.json.`,
    );
  }

  function permittedImportNames(): string[] {
    return [...IMPORTS].filter(([, { service }]) => permitted.has(service.module)).map(([name]) => name);
  }
}

/** Returns the capability names Navidrome would detect from a plugin's exports. */
export function detectCapabilities(exports: readonly string[]): string[] {
  return capabilities.filter((capability) => capability.exports.some((entry) => exports.includes(entry.exportName))).map((c) => c.capability);
}

/**
 * Reads the bundle `nd-pdk build` wrote for a plugin project, ready for `navidrome.loadBundle`.
 *
 * @param projectDir - The plugin's folder; the bundle is read from its `dist/` folder.
 * @throws {Error} when the bundle is missing, saying to run the build first.
 *
 * @example
 * ```ts
 * const navidrome = createNavidrome({ manifest });
 * const plugin = await navidrome.loadBundle(readBundle(`${import.meta.dirname}/..`));
 * ```
 */
export function readBundle(projectDir: string): BundleSource {
  const bundlePath = join(projectDir, "dist", "plugin.js");
  if (!existsSync(bundlePath)) {
    throw new Error(`no bundle at ${bundlePath}: run \`nd-pdk build\` (or \`pnpm build\`) in ${projectDir} first`);
  }
  const mapPath = `${bundlePath}.map`;
  return {
    bundle: readFileSync(bundlePath, "utf8"),
    ...(existsSync(mapPath) ? { sourceMap: readFileSync(mapPath, "utf8") } : {}),
  };
}

/**
 * Reads the `plugin.wasm` that `nd-pdk build` wrote for a plugin project, ready for
 * `navidrome.loadWasm`, with the bundle's source map when `dist/plugin.js.map` exists.
 *
 * @param projectDir - The plugin's folder; the wasm is read from its `dist/` folder.
 * @throws {Error} when the wasm is missing, with the build command to run first.
 *
 * @example
 * ```ts
 * const navidrome = createNavidrome({ manifest });
 * const plugin = await navidrome.loadWasm(readWasm(`${import.meta.dirname}/..`));
 * ```
 */
export function readWasm(projectDir: string): WasmSource {
  const wasmPath = join(projectDir, "dist", "plugin.wasm");
  if (!existsSync(wasmPath)) {
    throw new Error(`no plugin wasm at ${wasmPath}: run \`nd-pdk build\` (or \`pnpm build\`) in ${projectDir} first`);
  }
  // The wasm contains dist/plugin.js, so that bundle's map also maps the wasm's stack frames.
  const mapPath = join(projectDir, "dist", "plugin.js.map");
  return {
    wasm: readFileSync(wasmPath),
    ...(existsSync(mapPath) ? { sourceMap: readFileSync(mapPath, "utf8") } : {}),
  };
}
