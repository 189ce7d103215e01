/**
 * Lets esbuild drop the host functions a plugin never calls.
 *
 * Plugins write `import { kvstore } from "@nd/pdk"` and call `kvstore.get(...)`. esbuild keeps every
 * member of a namespace that reaches the plugin through a re-export, so such a plugin would bundle,
 * and declare as imports, all nine kvstore functions. It drops unused members only when the plugin
 * itself writes `import * as kvstore from "<module>"`. This plugin rewrites the first form into the
 * second in the plugin's own sources, which keeps the interface file down to the functions the
 * plugin really calls, and so keeps it loadable on the oldest Navidrome release that has them.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

import type { Loader, Plugin } from "esbuild";

import { services } from "../validate/navidrome-api.js";

const PDK_PACKAGES = new Set(["@nd/pdk", "@nd/pdk-host"]);
const HOST_PACKAGE = "@nd/pdk-host";

/** Host service modules by their export name (`scrobbleRetriever`) and file name (`scrobble-retriever`). */
const HOST_MODULES: ReadonlyMap<string, string> = new Map(
  services.map((service) => [service.module, service.module.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()] as const),
);

// Named imports from a PDK package, such as `import { definePlugin, kvstore as store } from "@nd/pdk";`.
// `import type` declarations are left alone: they vanish from the bundle anyway.
const NAMED_IMPORT = /import\s*\{([^}]*)\}\s*from\s*(["'])(@nd\/pdk(?:-host)?)\2\s*;?/g;

// Marks the resolutions this plugin starts itself, so that its resolver does not handle them again.
const RESOLVING = Symbol("nd-pdk host module resolution");

const LOADERS: Readonly<Record<string, Loader>> = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "jsx" };

/**
 * Rewrites named imports of host service namespaces into namespace imports of the service modules.
 *
 * @returns the new source, or `undefined` when nothing needed rewriting.
 */
export function rewriteHostImports(source: string): string | undefined {
  let changed = false;

  const rewritten = source.replace(NAMED_IMPORT, (whole, list: string, quote: string, from: string) => {
    if (!PDK_PACKAGES.has(from)) return whole;
    const kept: string[] = [];
    const namespaces: string[] = [];

    for (const raw of list.split(",")) {
      const specifier = raw.trim();
      if (specifier === "") continue;
      const match = /^(type\s+)?([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/.exec(specifier);
      const file = match !== null && match[1] === undefined ? HOST_MODULES.get(match[2] as string) : undefined;
      if (match === null || file === undefined) {
        kept.push(specifier);
        continue;
      }
      const local = match[3] ?? (match[2] as string);
      namespaces.push(`import * as ${local} from ${quote}${HOST_PACKAGE}/${file}${quote};`);
    }

    if (namespaces.length === 0) return whole;
    changed = true;
    // Everything stays on the statement's line, so line numbers in the source map do not move.
    const rest = kept.length > 0 ? `import { ${kept.join(", ")} } from ${quote}${from}${quote}; ` : "";
    return `${rest}${namespaces.join(" ")}${"\n".repeat((whole.match(/\n/g) ?? []).length)}`;
  });

  return changed ? rewritten : undefined;
}

/** The esbuild plugin that applies {@link rewriteHostImports} to the plugin's own sources. */
export function hostNamespaces(projectDir: string): Plugin {
  return {
    name: "nd-pdk-host-namespaces",
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const loader = LOADERS[path.extname(args.path)];
        if (loader === undefined) return undefined;
        const contents = rewriteHostImports(await readFile(args.path, "utf8"));
        return contents === undefined ? undefined : { contents, loader, resolveDir: path.dirname(args.path) };
      });

      // A plugin usually depends on @nd/pdk alone, and a strict node_modules layout then hides
      // @nd/pdk-host from it: resolve the service modules from where @nd/pdk itself finds them.
      pluginBuild.onResolve({ filter: /^@nd\/pdk-host\/[a-z-]+$/ }, async (args) => {
        if (args.pluginData === RESOLVING) return undefined;
        const direct = await pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: RESOLVING });
        if (direct.errors.length === 0) return direct;
        const pdk = await pluginBuild.resolve("@nd/pdk/package.json", { kind: args.kind, resolveDir: projectDir, pluginData: RESOLVING });
        if (pdk.errors.length > 0) return direct;
        return pluginBuild.resolve(args.path, { kind: args.kind, resolveDir: path.dirname(pdk.path), pluginData: RESOLVING });
      });
    },
  };
}
