import type { HostFunctionModel, ResultModel, ServiceModel, TypeRef } from "../model.js";
import type { ApiModel } from "../model.js";
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

const RESERVED_WORDS = new Set([
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
  "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof",
  "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void",
  "while", "with", "yield", "let", "static", "implements", "interface", "package", "private",
  "protected", "public", "await",
]);

/** Returns the file name of a service module inside `src/generated/`. */
export function serviceFileName(service: ServiceModel): string {
  return `${kebabCase(service.module)}.ts`;
}

/** Renders one host service module of `@nd/pdk-host`. */
export function renderService(api: ApiModel, service: ServiceModel): string {
  const imports = new Imports();
  const ctx: ModuleContext = { api, pkg: "host", own: new Set(service.types.map((t) => t.name)), imports };
  const sections: string[] = [];

  for (const model of sortByDependency(service.types)) {
    sections.push(renderInterface(ctx, model), renderCodec(ctx, model));
  }
  if (service.limits.length > 0) sections.push(renderLimits(service));
  for (const fn of service.functions) sections.push(...renderFunction(ctx, service, fn));

  const permission =
    service.permission === null
      ? "Always available: it needs no permission in manifest.json."
      : `Needs \`permissions.${service.permission}\` in manifest.json. ${sinceText(service.permissionSince ?? "unreleased")}`;
  const moduleDoc = docComment("", `${service.description}\n\n${permission}`, ["@module"]);
  return renderModule(moduleDoc, imports, sections);
}

function renderLimits(service: ServiceModel): string {
  const lines = [`/** Limits Navidrome applies to the ${service.service} service. */`, "export const limits = {"];
  for (const limit of service.limits) {
    lines.push(docComment("  ", limit.description), `  ${limit.name}: ${JSON.stringify(limit.value)},`);
  }
  lines.push("} as const;");
  return lines.join("\n");
}

/** A zero value for a response key Navidrome left out, or undefined when absence must be kept. */
function zeroValue(type: TypeRef): string | undefined {
  switch (type.kind) {
    case "scalar":
      switch (type.name) {
        case "string":
          return '""';
        case "bool":
          return "false";
        case "bytes":
          return "new Uint8Array(0)";
        default:
          return "0";
      }
    case "array":
      return "[]";
    case "map":
      return "{}";
    case "nullable":
    case "named":
      return undefined;
  }
}

function withZero(access: string, type: TypeRef): string {
  const zero = zeroValue(type);
  return zero === undefined ? access : `${access} ?? ${zero}`;
}

type ResultShape =
  | { readonly kind: "none" }
  | { readonly kind: "option"; readonly value: ResultModel }
  | { readonly kind: "single"; readonly value: ResultModel }
  | { readonly kind: "object"; readonly name: string };

function resultShape(fn: HostFunctionModel): ResultShape {
  const returns = fn.returns;
  if (returns.length === 0) return { kind: "none" };
  if (returns.length === 1) return { kind: "single", value: returns[0] as ResultModel };
  const exists = returns.find((r) => r.key === "exists" && r.type.kind === "scalar" && r.type.name === "bool");
  if (returns.length === 2 && exists !== undefined) {
    return { kind: "option", value: returns.find((r) => r !== exists) as ResultModel };
  }
  return { kind: "object", name: `${pascalCase(fn.name)}Result` };
}

function renderFunction(ctx: ModuleContext, service: ServiceModel, fn: HostFunctionModel): string[] {
  const sections: string[] = [];
  const callName = `${fn.name}Call`;
  const shape = resultShape(fn);

  // The descriptor contains the import name as the only string literal of it in the bundle, which is how
  // the build learns which host functions a plugin uses.
  const descriptor = [`const ${callName}: HostFunction = {`, `  service: ${JSON.stringify(service.module)},`, `  name: ${JSON.stringify(fn.name)},`, `  importName: ${JSON.stringify(fn.importName)},`];
  if (fn.params.length > 0) {
    const optional = fn.params.filter((p) => p.optional).map((p) => JSON.stringify(p.name));
    descriptor.push(
      "  request: {",
      `    object: ${JSON.stringify(`${service.module}.${fn.name} request`)},`,
      `    fields: { ${fn.params.map((p) => `${p.name}: ${codecExpression(ctx, p.type)}`).join(", ")} },`,
    );
    if (optional.length > 0) descriptor.push(`    optional: [${optional.join(", ")}],`);
    descriptor.push("  },");
  }
  if (fn.returns.length > 0) {
    // Navidrome leaves every empty value out of its replies, so only a key whose type has no empty
    // value (an object that is not nullable) must be present. With the option pattern, Navidrome
    // also leaves the value out whenever `exists` is false.
    const optionValue = shape.kind === "option" ? shape.value : undefined;
    const optional = fn.returns
      .filter((r) => zeroValue(r.type) !== undefined || r.type.kind === "nullable" || r === optionValue)
      .map((r) => JSON.stringify(r.key));
    descriptor.push(
      "  response: {",
      `    object: ${JSON.stringify(`${service.module}.${fn.name} reply`)},`,
      `    fields: { ${fn.returns.map((r) => `${r.key}: ${codecExpression(ctx, r.type)}`).join(", ")} },`,
    );
    if (optional.length > 0) descriptor.push(`    optional: [${optional.join(", ")}],`);
    descriptor.push("  },");
  }
  descriptor.push("};");
  sections.push(descriptor.join("\n"));
  ctx.imports.type("@nd/pdk-types/internal", "HostFunction");
  ctx.imports.value("@nd/pdk-types/internal", "callHost");

  let returnType: string;
  switch (shape.kind) {
    case "none":
      returnType = "void";
      break;
    case "option":
      returnType = `${tsType(ctx, shape.value.type)} | undefined`;
      break;
    case "single":
      returnType = tsType(ctx, shape.value.type);
      break;
    case "object": {
      returnType = shape.name;
      const lines = [`/** What {@link ${fn.name}} returns. */`, `export interface ${shape.name} {`];
      for (const result of fn.returns) {
        if (result.description !== undefined) lines.push(docComment("  ", result.description));
        lines.push(`  ${result.key}: ${tsType(ctx, result.type)};`);
      }
      lines.push("}");
      sections.push(lines.join("\n"));
      break;
    }
  }

  const tags: string[] = [];
  for (const param of fn.params) tags.push(`@param ${param.name} - ${param.description.trim().replace(/\n/g, " ")}`);
  tags.push(
    fn.declaresError
      ? "@throws A {@link HostCallError} when Navidrome reports an error or the call cannot be made."
      : "@throws A {@link HostCallError} when the call cannot be made; Navidrome itself reports no errors for this function.",
  );
  let description = `${fn.description.trim()}\n\n${sinceText(fn.since)}`;
  for (const change of fn.changes) {
    const when = change.release === "unreleased" ? "In the development branch" : `Changed in ${change.release}`;
    description += ` ${when}: ${change.description.trim()}`;
  }
  ctx.imports.type("@nd/pdk-types", "HostCallError");

  const params = fn.params.map((p) => `${p.name}${p.optional ? "?" : ""}: ${tsType(ctx, p.type)}`).join(", ");
  const requestArgument = fn.params.length > 0 ? `, { ${fn.params.map((p) => p.name).join(", ")} }` : "";
  const replyType = `{ ${fn.returns.map((r) => `${r.key}?: ${tsType(ctx, r.type.kind === "nullable" ? r.type.inner : r.type)}`).join("; ")} }`;

  const body: string[] = [];
  switch (shape.kind) {
    case "none":
      body.push(`  callHost(${callName}${requestArgument});`);
      break;
    case "option":
      body.push(
        `  const reply = callHost<${replyType}>(${callName}${requestArgument});`,
        `  return reply.exists === true ? ${wrapIfNeeded(withZero(`reply.${shape.value.key}`, shape.value.type))} : undefined;`,
      );
      break;
    case "single":
      body.push(`  const reply = callHost<${replyType}>(${callName}${requestArgument});`);
      body.push(`  return ${resultValue(shape.value)};`);
      break;
    case "object":
      body.push(
        `  const reply = callHost<${replyType}>(${callName}${requestArgument});`,
        `  return { ${fn.returns.map((r) => `${r.key}: ${resultValue(r)}`).join(", ")} };`,
      );
      break;
  }

  // A reserved word such as `delete` cannot name a function, but it can name an export, so that
  // `kvstore.delete(key)` still reads naturally.
  const reserved = RESERVED_WORDS.has(fn.name);
  const declared = reserved ? `${fn.name}_` : fn.name;
  const declaration = [docComment("", description, tags), `${reserved ? "" : "export "}function ${declared}(${params}): ${returnType} {`, ...body, "}"];
  if (reserved) declaration.push(`export { ${declared} as ${fn.name} };`);
  sections.push(declaration.join("\n"));
  return sections;
}

/** Renders the value of one reply key, with its zero value where Navidrome may leave the key out. */
function resultValue(result: ResultModel): string {
  // A non-nullable object key is required by the reply codec, so it is known to be present here.
  if (result.type.kind === "named") return `reply.${result.key} as ${result.type.name}`;
  return withZero(`reply.${result.key}`, result.type);
}

function wrapIfNeeded(expression: string): string {
  return expression.includes("??") ? `(${expression})` : expression;
}

/** Renders `@nd/pdk-host/src/generated/index.ts`: one namespace per service, plus every type. */
export function renderHostIndex(api: ApiModel): string {
  const imports = new Imports();
  const lines: string[] = [];
  for (const service of api.services) {
    lines.push(`export * as ${service.module} from "./${kebabCase(service.module)}.js";`);
  }
  for (const service of api.services) {
    const names = service.types.map((t) => t.name);
    for (const fn of service.functions) {
      if (resultShape(fn).kind === "object") names.push(`${pascalCase(fn.name)}Result`);
    }
    if (names.length > 0) lines.push(`export type { ${names.sort().join(", ")} } from "./${kebabCase(service.module)}.js";`);
  }
  return renderModule(undefined, imports, [lines.join("\n")]);
}
