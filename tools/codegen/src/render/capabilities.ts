import type { ApiModel, CapabilityModel, ExportModel } from "../model.js";
import { kebabCase, pascalCase } from "../names.js";
import {
  codecExpression,
  docComment,
  Imports,
  renderCodec,
  renderInterface,
  renderModule,
  sinceText,
  sortByDependency,
  tsType,
  type ModuleContext,
} from "./common.js";

/** Returns the file name of a capability module inside `src/generated/`. */
export function capabilityFileName(capability: CapabilityModel): string {
  return `${kebabCase(capability.key)}.ts`;
}

function exportNamesName(capability: CapabilityModel): string {
  return `${capability.interfaceName}ExportNames`;
}

function errorsName(capability: CapabilityModel): string {
  return `${capability.interfaceName}Error`;
}

/** Renders one capability module of `@nd/pdk-capabilities`. */
export function renderCapability(api: ApiModel, capability: CapabilityModel): string {
  const imports = new Imports();
  const ctx: ModuleContext = { api, pkg: "capabilities", own: new Set(capability.types.map((t) => t.name)), imports };
  const sections: string[] = [];

  for (const model of sortByDependency(capability.types)) {
    sections.push(renderInterface(ctx, model), renderCodec(ctx, model));
  }

  const methods: string[] = [];
  for (const entry of capability.exports) methods.push(renderMethod(ctx, capability, entry));
  const requiredNote = capability.required
    ? "A plugin that implements this capability must implement every method."
    : "Every method is optional: implement only those the plugin supports, and only they are exported.";
  sections.push(
    [docComment("", `${capability.description.trim()}\n\n${requiredNote}`), `export interface ${capability.interfaceName} {`, methods.join("\n\n"), "}"].join("\n"),
  );

  if (capability.errors.length > 0) sections.push(renderErrors(capability));

  const names = [
    `/** The wasm export of each method of {@link ${capability.interfaceName}}. */`,
    `export interface ${exportNamesName(capability)} {`,
    ...capability.exports.flatMap((e) => [
      `  /** The export Navidrome calls for {@link ${capability.interfaceName}.${e.method}}. */`,
      `  readonly ${e.method}: ${JSON.stringify(e.exportName)};`,
    ]),
    "}",
  ];
  sections.push(names.join("\n"));

  const moduleDoc = docComment("", capability.description, ["@module"]);
  return renderModule(moduleDoc, imports, sections);
}

/** Returns the first sentence of a description, which ends at a full stop followed by a space or the end. */
function firstSentence(text: string): string {
  const flat = text.trim().replace(/\s+/g, " ");
  const end = flat.search(/\.(\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function renderMethod(ctx: ModuleContext, capability: CapabilityModel, entry: ExportModel): string {
  const input = entry.input === undefined ? "" : `request: ${tsType(ctx, entry.input)}`;
  let output: string;
  if (entry.output === undefined) output = "void";
  else if (entry.output.kind === "nullable") output = tsType(ctx, entry.output);
  else output = `${tsType(ctx, entry.output)} | undefined`;

  const tags: string[] = [];
  if (entry.input !== undefined) tags.push("@param request - What Navidrome sends.");
  const description = `${entry.description.trim()}\n\nExported as \`${entry.exportName}\`. ${sinceText(entry.since)}`;
  const optional = capability.required ? "" : "?";
  return `${docComment("  ", description, tags)}\n  ${entry.method}${optional}(${input}): ${output};`;
}

function renderErrors(capability: CapabilityModel): string {
  const name = errorsName(capability);
  const lines = [
    docComment(
      "",
      `Error texts Navidrome looks for in a failed ${capability.capability} call. Throw an \`Error\` whose message contains one of them, for example \`\`throw new Error(\`\${${name}.${pascalCase(capability.errors[0]?.name ?? "")}}: token expired\`)\`\`.`,
    ),
    `export const ${name} = {`,
  ];
  for (const error of capability.errors) {
    lines.push(docComment("  ", error.description), `  ${pascalCase(error.name)}: ${JSON.stringify(error.value)},`);
  }
  lines.push("} as const;", "", `/** One of the {@link ${name}} texts. */`, `export type ${name} = (typeof ${name})[keyof typeof ${name}];`);
  return lines.join("\n");
}

/**
 * Renders `@nd/pdk-capabilities/src/generated/index.ts`: a namespace per capability, the flat types,
 * and the types `definePlugin` works from.
 */
export function renderCapabilitiesIndex(api: ApiModel): string {
  const imports = new Imports();
  const reexports: string[] = [];
  const parts: string[] = [];
  const exportNames: string[] = [];
  const specs: string[] = [];

  for (const capability of api.capabilities) {
    const from = `./${kebabCase(capability.key)}.js`;
    reexports.push(`export * as ${capability.key} from "${from}";`);
    const typeNames = [capability.interfaceName, exportNamesName(capability), ...capability.types.map((t) => t.name)];
    reexports.push(`export type { ${typeNames.sort().join(", ")} } from "${from}";`);
    if (capability.errors.length > 0) reexports.push(`export { ${errorsName(capability)} } from "${from}";`);

    imports.type(from, capability.interfaceName);
    imports.type(from, exportNamesName(capability));
    parts.push(
      docComment("  ", `The ${capability.capability} capability: ${lowerFirst(firstSentence(capability.description))}`),
      `  readonly ${capability.key}?: ${capability.interfaceName} | undefined;`,
    );
    exportNames.push(
      `  /** The wasm export of each method of {@link ${capability.interfaceName}}. */`,
      `  readonly ${capability.key}: ${exportNamesName(capability)};`,
    );
  }
  reexports.push('export { capabilitySpecs } from "./capability-specs.js";');

  const sections = [
    reexports.join("\n"),
    [
      "/** The capabilities a plugin can implement, under the keys `definePlugin` accepts. */",
      "export interface PluginParts {",
      ...parts,
      "}",
    ].join("\n"),
    ["/** The export names of every capability, by `definePlugin` key and method. */", "export interface ExportNamesByCapability {", ...exportNames, "}"].join("\n"),
  ];
  return renderModule(undefined, imports, sections);
}

/**
 * Renders `@nd/pdk-capabilities/src/generated/export-specs.ts`: one `ExportSpec` per wasm export, each
 * named after its export.
 *
 * `nd-pdk build` relies on that naming. Once a first bundle has shown a plugin's exports, it imports
 * their constants by export name into a capability table of its own, so that the bundle carries no
 * codec of an export the plugin lacks.
 */
export function renderExportSpecs(api: ApiModel): string {
  const imports = new Imports();
  const ctx: ModuleContext = { api, pkg: "capabilities", own: new Set(), imports };

  const sections: string[] = [];
  for (const capability of api.capabilities) {
    for (const entry of capability.exports) {
      const parts = [`method: ${JSON.stringify(entry.method)}`, `exportName: ${JSON.stringify(entry.exportName)}`];
      if (entry.input !== undefined) parts.push(`input: ${codecExpression(ctx, entry.input)}`);
      if (entry.output !== undefined) parts.push(`output: ${codecExpression(ctx, entry.output)}`);
      sections.push(
        [
          `/** How \`definePlugin\` exports \`${capability.key}.${entry.method}\`. */`,
          `export const ${entry.exportName}: ExportSpec = { ${parts.join(", ")} };`,
        ].join("\n"),
      );
    }
  }
  // The codecs bring their types along, which this module does not use.
  imports.clearTypes();
  imports.type("@nd/pdk-types/internal", "ExportSpec");

  const moduleDoc = docComment("", "How `definePlugin` turns each capability method into a wasm export, one constant per export, named after the export.", ["@module"]);
  return renderModule(moduleDoc, imports, sections);
}

/** Renders `@nd/pdk-capabilities/src/generated/capability-specs.ts`: every capability with its exports. */
export function renderCapabilitySpecs(api: ApiModel): string {
  const imports = new Imports();
  imports.type("@nd/pdk-types/internal", "CapabilitySpec");
  imports.type("./index.js", "PluginParts");

  const lines = [
    "/** The description of every capability, by `definePlugin` key. */",
    "export const capabilitySpecs: { readonly [Key in keyof PluginParts]-?: CapabilitySpec } = {",
  ];
  for (const capability of api.capabilities) {
    for (const entry of capability.exports) imports.value("./export-specs.js", entry.exportName);
    lines.push(
      `  ${capability.key}: {`,
      `    capability: ${JSON.stringify(capability.capability)},`,
      `    key: ${JSON.stringify(capability.key)},`,
      `    required: ${String(capability.required)},`,
      `    exports: [${capability.exports.map((entry) => entry.exportName).join(", ")}],`,
      "  },",
    );
  }
  lines.push("};");
  return renderModule(undefined, imports, [lines.join("\n")]);
}
