import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

import { Ajv2020 } from "ajv/dist/2020.js";
import { parse as parseYaml } from "yaml";

import type {
  ApiModel,
  CapabilityModel,
  FieldModel,
  HostFunctionModel,
  Optionality,
  ServiceModel,
  TypeModel,
  TypeOwner,
  TypeRef,
} from "./model.js";
import { namedTypes, parseTypeExpression } from "./type-expression.js";
import { kebabCase } from "./names.js";

/** Every problem found in a schema folder, reported together so one run shows them all. */
export class SchemaError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`the API schema has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SchemaError";
    this.problems = problems;
  }
}

type Definition = "releasesFile" | "typesFile" | "serviceFile" | "capabilityFile";

interface RawField {
  type: string;
  optional?: boolean | "when-sending";
  deprecated?: string;
  description: string;
}
interface RawType {
  description: string;
  fields: Record<string, RawField>;
}
interface RawService {
  service: string;
  module: string;
  permission: string | null;
  permissionSince?: string;
  description: string;
  limits?: Record<string, { value: number | string; description: string }>;
  types?: Record<string, RawType>;
  functions: Record<
    string,
    {
      import: string;
      since: string;
      description: string;
      params?: Record<string, { type: string; optional?: boolean; description: string }>;
      returns?: Record<string, { type: string; description?: string }>;
      error?: boolean;
      changes?: { release: string; description: string }[];
    }
  >;
}
interface RawCapability {
  capability: string;
  key: string;
  interface: string;
  required: boolean;
  description: string;
  errors?: Record<string, { value: string; description: string }>;
  types?: Record<string, RawType>;
  exports: Record<string, { export: string; since: string; description: string; input?: string; output?: string }>;
}

/**
 * Reads a schema folder (`releases.yaml`, `types.yaml`, `host/*.yaml`, `capabilities/*.yaml`),
 * validates every file against `schema.json`, checks the rules JSON Schema cannot express, and returns
 * the model the renderers work from.
 *
 * @throws {SchemaError} listing every problem found, each with its file.
 */
export function loadSchema(schemaDir: string, metaSchemaPath: string = join(schemaDir, "schema.json")): ApiModel {
  const problems: string[] = [];
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addSchema(JSON.parse(readFileSync(metaSchemaPath, "utf8")) as object, "api");

  function read<T>(file: string, definition: Definition): T | undefined {
    let data: unknown;
    try {
      data = parseYaml(readFileSync(file, "utf8"));
    } catch (error) {
      problems.push(`${file}: not valid YAML: ${(error as Error).message}`);
      return undefined;
    }
    const validate = ajv.getSchema(`api#/$defs/${definition}`);
    if (validate === undefined) throw new Error(`schema.json has no definition "${definition}"`);
    if (!validate(data)) {
      for (const error of validate.errors ?? []) {
        problems.push(`${file}: ${error.instancePath || "(top level)"} ${error.message ?? "is invalid"}`);
      }
      return undefined;
    }
    return data as T;
  }

  function yamlFiles(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith(".yaml"))
      .sort()
      .map((name) => join(dir, name));
  }

  const releasesFile = join(schemaDir, "releases.yaml");
  const releases = existsSync(releasesFile) ? (read<{ releases: string[] }>(releasesFile, "releasesFile")?.releases ?? []) : [];
  if (!existsSync(releasesFile)) problems.push(`${releasesFile}: missing; it lists the Navidrome releases, oldest first`);

  function type(file: string, where: string, text: string): TypeRef {
    try {
      return parseTypeExpression(text);
    } catch (error) {
      problems.push(`${file}: ${where}: ${(error as Error).message}`);
      return { kind: "scalar", name: "string" };
    }
  }

  function release(file: string, where: string, value: string): string {
    if (!releases.includes(value)) {
      problems.push(`${file}: ${where}: "${value}" is not listed in releases.yaml; add it there or use a listed release`);
    }
    return value;
  }

  function types(file: string, raw: Record<string, RawType> | undefined, owner: TypeOwner): TypeModel[] {
    return Object.entries(raw ?? {}).map(([name, rawType]) => ({
      name,
      description: rawType.description,
      owner,
      fields: Object.entries(rawType.fields).map(
        ([key, field]): FieldModel => ({
          key,
          type: type(file, `${name}.${key}`, field.type),
          optional: optionality(field.optional),
          description: field.description,
          ...(field.deprecated === undefined ? {} : { deprecated: field.deprecated }),
        }),
      ),
    }));
  }

  const typesFile = join(schemaDir, "types.yaml");
  const sharedRaw = existsSync(typesFile) ? read<{ types: Record<string, RawType> }>(typesFile, "typesFile") : undefined;
  const sharedTypes = types(typesFile, sharedRaw?.types, { kind: "shared" });

  const services: ServiceModel[] = [];
  for (const file of yamlFiles(join(schemaDir, "host"))) {
    const raw = read<RawService>(file, "serviceFile");
    if (raw === undefined) continue;
    if (basename(file, ".yaml") !== kebabCase(raw.module)) {
      problems.push(`${file}: the file of module "${raw.module}" must be named ${kebabCase(raw.module)}.yaml`);
    }
    if (raw.permission !== null && raw.permissionSince === undefined) {
      problems.push(`${file}: permissionSince is required when the service has a permission`);
    }

    const functions: HostFunctionModel[] = Object.entries(raw.functions).map(([name, fn]) => {
      const params = Object.entries(fn.params ?? {}).map(([paramName, param]) => ({
        name: paramName,
        type: type(file, `${name}(${paramName})`, param.type),
        optional: param.optional === true,
        description: param.description,
      }));
      const firstOptional = params.findIndex((param) => param.optional);
      if (firstOptional !== -1 && params.slice(firstOptional).some((param) => !param.optional)) {
        problems.push(`${file}: ${name}: only trailing parameters may be optional, but "${params[firstOptional]?.name}" comes before a required one`);
      }
      return {
        name,
        importName: fn.import,
        since: release(file, `${name}.since`, fn.since),
        description: fn.description,
        params,
        returns: Object.entries(fn.returns ?? {}).map(([key, result]) => ({
          key,
          type: type(file, `${name} returns ${key}`, result.type),
          ...(result.description === undefined ? {} : { description: result.description }),
        })),
        declaresError: fn.error !== false,
        changes: (fn.changes ?? []).map((change) => ({
          release: release(file, `${name}.changes`, change.release),
          description: change.description,
        })),
      };
    });

    services.push({
      file,
      service: raw.service,
      module: raw.module,
      permission: raw.permission,
      permissionSince: raw.permissionSince === undefined ? null : release(file, "permissionSince", raw.permissionSince),
      description: raw.description,
      limits: Object.entries(raw.limits ?? {}).map(([name, limit]) => ({ name, ...limit })),
      types: types(file, raw.types, { kind: "service", module: raw.module }),
      functions,
    });
  }

  const capabilities: CapabilityModel[] = [];
  for (const file of yamlFiles(join(schemaDir, "capabilities"))) {
    const raw = read<RawCapability>(file, "capabilityFile");
    if (raw === undefined) continue;
    if (basename(file, ".yaml") !== kebabCase(raw.key)) {
      problems.push(`${file}: the file of capability "${raw.key}" must be named ${kebabCase(raw.key)}.yaml`);
    }
    capabilities.push({
      file,
      capability: raw.capability,
      key: raw.key,
      interfaceName: raw.interface,
      required: raw.required,
      description: raw.description,
      errors: Object.entries(raw.errors ?? {}).map(([name, error]) => ({ name, ...error })),
      types: types(file, raw.types, { kind: "capability", key: raw.key }),
      exports: Object.entries(raw.exports).map(([method, entry]) => ({
        method,
        exportName: entry.export,
        since: release(file, `${method}.since`, entry.since),
        description: entry.description,
        ...(entry.input === undefined ? {} : { input: type(file, `${method}.input`, entry.input) }),
        ...(entry.output === undefined ? {} : { output: type(file, `${method}.output`, entry.output) }),
      })),
    });
  }

  const allTypes = new Map<string, TypeModel>();
  const typeFiles = new Map<string, string>();
  const register = (file: string, list: readonly TypeModel[]): void => {
    for (const model of list) {
      const previous = typeFiles.get(model.name);
      if (previous !== undefined) problems.push(`${file}: type ${model.name} is already defined in ${previous}; type names are unique across the schema`);
      allTypes.set(model.name, model);
      typeFiles.set(model.name, file);
    }
  };
  register(typesFile, sharedTypes);
  for (const service of services) register(service.file, service.types);
  for (const capability of capabilities) register(capability.file, capability.types);

  checkUnique(problems, "module", services.map((s) => [s.module, s.file]));
  checkUnique(problems, "host function import", services.flatMap((s) => s.functions.map((f): [string, string] => [f.importName, s.file])));
  checkUnique(problems, "capability key", capabilities.map((c) => [c.key, c.file]));
  checkUnique(problems, "export", capabilities.flatMap((c) => c.exports.map((e): [string, string] => [e.exportName, c.file])));

  const checkRefs = (file: string, where: string, ref: TypeRef): void => {
    for (const name of namedTypes(ref)) {
      if (!allTypes.has(name)) problems.push(`${file}: ${where}: unknown type ${name}; define it under "types" in this file or in types.yaml`);
    }
  };
  for (const [name, model] of allTypes) {
    const file = typeFiles.get(name) ?? "";
    if (model.owner.kind === "shared") {
      for (const field of model.fields) {
        for (const ref of namedTypes(field.type)) {
          if (allTypes.get(ref)?.owner.kind !== "shared") problems.push(`${file}: ${name}.${field.key}: shared types may only use shared types, not ${ref}`);
        }
      }
    }
    if (model.owner.kind === "capability") {
      for (const field of model.fields) {
        for (const ref of namedTypes(field.type)) {
          if (allTypes.get(ref)?.owner.kind === "service") {
            problems.push(`${file}: ${name}.${field.key}: capability types cannot use the host service type ${ref}; move ${ref} to types.yaml`);
          }
        }
      }
    }
    for (const field of model.fields) checkRefs(file, `${name}.${field.key}`, field.type);
  }
  for (const service of services) {
    for (const fn of service.functions) {
      for (const param of fn.params) checkRefs(service.file, `${fn.name}(${param.name})`, param.type);
      for (const result of fn.returns) checkRefs(service.file, `${fn.name} returns ${result.key}`, result.type);
    }
  }
  for (const capability of capabilities) {
    for (const entry of capability.exports) {
      for (const ref of [entry.input, entry.output].flatMap((t) => (t === undefined ? [] : namedTypes(t)))) {
        if (allTypes.get(ref)?.owner.kind === "service") {
          problems.push(`${capability.file}: ${entry.method}: capability exports cannot use the host service type ${ref}; move ${ref} to types.yaml`);
        }
      }
      if (entry.input !== undefined) checkRefs(capability.file, `${entry.method}.input`, entry.input);
      if (entry.output !== undefined) checkRefs(capability.file, `${entry.method}.output`, entry.output);
    }
  }

  if (problems.length > 0) throw new SchemaError(problems);
  return { releases, sharedTypes, services, capabilities, types: allTypes };
}

function optionality(value: boolean | "when-sending" | undefined): Optionality {
  if (value === true) return "optional";
  if (value === "when-sending") return "when-sending";
  return "required";
}

function checkUnique(problems: string[], what: string, entries: readonly (readonly [string, string])[]): void {
  const seen = new Map<string, string>();
  for (const [name, file] of entries) {
    const previous = seen.get(name);
    if (previous !== undefined) problems.push(`${file}: ${what} "${name}" is already used in ${previous}`);
    seen.set(name, file);
  }
}
