import { SCALARS, type Scalar, type TypeRef } from "./model.js";

const WRAPPERS = ["array", "map", "nullable"] as const;

/**
 * Parses a schema type expression such as `array<nullable<Track>>`.
 *
 * @throws {Error} naming the expression and the forms it may take.
 */
export function parseTypeExpression(text: string): TypeRef {
  const open = text.indexOf("<");

  if (open === -1) {
    if ((SCALARS as readonly string[]).includes(text)) return { kind: "scalar", name: text as Scalar };
    if (/^[A-Z][A-Za-z0-9]*$/.test(text)) return { kind: "named", name: text };
    throw new Error(
      `invalid type "${text}": use a scalar (${SCALARS.join(", ")}), a type name starting with a capital, or array<T>, map<T>, nullable<T>`,
    );
  }

  const wrapper = text.slice(0, open);
  if (!text.endsWith(">") || !(WRAPPERS as readonly string[]).includes(wrapper)) {
    throw new Error(`invalid type "${text}": only array<T>, map<T> and nullable<T> take a type argument`);
  }

  const inner = parseTypeExpression(text.slice(open + 1, -1));
  if (wrapper === "array") return { kind: "array", item: inner };
  if (wrapper === "map") return { kind: "map", value: inner };
  if (inner.kind === "nullable") throw new Error(`invalid type "${text}": nullable<nullable<T>> is the same as nullable<T>, so write that`);
  return { kind: "nullable", inner };
}

/** Lists the type names a type expression refers to. */
export function namedTypes(type: TypeRef): string[] {
  switch (type.kind) {
    case "scalar":
      return [];
    case "named":
      return [type.name];
    case "array":
      return namedTypes(type.item);
    case "map":
      return namedTypes(type.value);
    case "nullable":
      return namedTypes(type.inner);
  }
}
