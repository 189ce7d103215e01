/** A parsed type expression of the schema vocabulary. */
export type TypeRef =
  | { readonly kind: "scalar"; readonly name: Scalar }
  | { readonly kind: "array"; readonly item: TypeRef }
  | { readonly kind: "map"; readonly value: TypeRef }
  | { readonly kind: "nullable"; readonly inner: TypeRef }
  | { readonly kind: "named"; readonly name: string };

export type Scalar = "string" | "bool" | "int32" | "int64" | "uint32" | "float32" | "float64" | "bytes";

export const SCALARS: readonly Scalar[] = ["string", "bool", "int32", "int64", "uint32", "float32", "float64", "bytes"];

export type Optionality = "required" | "optional" | "when-sending";

export interface FieldModel {
  readonly key: string;
  readonly type: TypeRef;
  readonly optional: Optionality;
  readonly deprecated?: string;
  readonly description: string;
}

/** Where a type is defined, which decides the module that emits it. */
export type TypeOwner =
  | { readonly kind: "shared" }
  | { readonly kind: "service"; readonly module: string }
  | { readonly kind: "capability"; readonly key: string };

export interface TypeModel {
  readonly name: string;
  readonly description: string;
  readonly fields: readonly FieldModel[];
  readonly owner: TypeOwner;
}

export interface ParamModel {
  readonly name: string;
  readonly type: TypeRef;
  readonly optional: boolean;
  readonly description: string;
}

export interface ResultModel {
  readonly key: string;
  readonly type: TypeRef;
  readonly description?: string;
}

export interface ChangeModel {
  readonly release: string;
  readonly description: string;
}

export interface HostFunctionModel {
  readonly name: string;
  readonly importName: string;
  readonly since: string;
  readonly description: string;
  readonly params: readonly ParamModel[];
  readonly returns: readonly ResultModel[];
  readonly declaresError: boolean;
  readonly changes: readonly ChangeModel[];
}

export interface LimitModel {
  readonly name: string;
  readonly value: number | string;
  readonly description: string;
}

export interface ServiceModel {
  readonly file: string;
  readonly service: string;
  readonly module: string;
  readonly permission: string | null;
  readonly permissionSince: string | null;
  readonly description: string;
  readonly limits: readonly LimitModel[];
  readonly types: readonly TypeModel[];
  readonly functions: readonly HostFunctionModel[];
}

export interface ExportModel {
  readonly method: string;
  readonly exportName: string;
  readonly since: string;
  readonly description: string;
  readonly input?: TypeRef;
  readonly output?: TypeRef;
}

export interface ErrorConstantModel {
  readonly name: string;
  readonly value: string;
  readonly description: string;
}

export interface CapabilityModel {
  readonly file: string;
  readonly capability: string;
  readonly key: string;
  readonly interfaceName: string;
  readonly required: boolean;
  readonly description: string;
  readonly errors: readonly ErrorConstantModel[];
  readonly types: readonly TypeModel[];
  readonly exports: readonly ExportModel[];
}

export interface ApiModel {
  readonly releases: readonly string[];
  readonly sharedTypes: readonly TypeModel[];
  readonly services: readonly ServiceModel[];
  readonly capabilities: readonly CapabilityModel[];
  /** Every type by name, from whichever file defines it. */
  readonly types: ReadonlyMap<string, TypeModel>;
}
