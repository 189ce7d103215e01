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

/** The file name of a capability module inside `src/generated/`. */
export function capabilityFileName(capability: CapabilityModel): string {
  return `${kebabCase(capability.key)}.ts`;
}

/** The name of the constant describing a capability's exports. */
function specName(capability: CapabilityModel): string {
  return `${capability.key}Capability`;
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
    ...capability.exports.map((e) => `  readonly ${e.method}: ${JSON.stringify(e.exportName)};`),
    "}",
  ];
  sections.push(names.join("\n"));

  ctx.imports.type("@nd/pdk-types/internal", "CapabilitySpec");
  const spec = [
    `/** How \`definePlugin\` turns a {@link ${capability.interfaceName}} into exports. */`,
    `export const ${specName(capability)}: CapabilitySpec = {`,
    `  capability: ${JSON.stringify(capability.capability)},`,
    `  key: ${JSON.stringify(capability.key)},`,
    `  required: ${String(capability.required)},`,
    "  exports: [",
  ];
  for (const entry of capability.exports) {
    const parts = [`method: ${JSON.stringify(entry.method)}`, `exportName: ${JSON.stringify(entry.exportName)}`];
    if (entry.input !== undefined) parts.push(`input: ${codecExpression(ctx, entry.input)}`);
    if (entry.output !== undefined) parts.push(`output: ${codecExpression(ctx, entry.output)}`);
    spec.push(`    { ${parts.join(", ")} },`);
  }
  spec.push("  ],", "};");
  sections.push(spec.join("\n"));

  const moduleDoc = docComment("", capability.description, ["@module"]);
  return renderModule(moduleDoc, imports, sections);
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
 * and the tables `definePlugin` works from.
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
    imports.value(from, specName(capability));
    parts.push(`  readonly ${capability.key}?: ${capability.interfaceName} | undefined;`);
    exportNames.push(`  readonly ${capability.key}: ${exportNamesName(capability)};`);
    specs.push(`  ${capability.key}: ${specName(capability)},`);
  }
  imports.type("@nd/pdk-types/internal", "CapabilitySpec");

  const sections = [
    reexports.join("\n"),
    [
      "/** The capabilities a plugin can implement, under the keys `definePlugin` accepts. */",
      "export interface PluginParts {",
      ...parts,
      "}",
    ].join("\n"),
    ["/** The export names of every capability, by `definePlugin` key and method. */", "export interface ExportNamesByCapability {", ...exportNames, "}"].join("\n"),
    [
      "/** The description of every capability, by `definePlugin` key. */",
      "export const capabilitySpecs: { readonly [Key in keyof PluginParts]-?: CapabilitySpec } = {",
      ...specs,
      "};",
    ].join("\n"),
  ];
  return renderModule(undefined, imports, sections);
}
