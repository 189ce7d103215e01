// @ts-check
/**
 * Reads a plugin's interface file, the `.d.ts` that extism-js takes with `-i`: the exports declared
 * in `declare module "main"` and the host functions declared in the first interface of every other
 * `declare module` block (module "extism:host" with interface "user" imports from
 * "extism:host/user").
 *
 * @module
 */
import ts from "typescript";

/** @typedef {"i32" | "i64" | "f32" | "f64"} WasmType */

/**
 * @typedef {object} FunctionSignature
 * @property {string} name
 * @property {readonly WasmType[]} params
 * @property {WasmType | undefined} result undefined for `void` or a missing return type.
 */

/**
 * @typedef {FunctionSignature & { module: string }} HostFunction
 * `module` is the wasm import module, such as `extism:host/user`.
 */

/**
 * @typedef {object} PluginInterface
 * @property {readonly FunctionSignature[]} exports Sorted by name.
 * @property {readonly HostFunction[]} hostFunctions Sorted by name; a host function's id is its position.
 */

/** @type {Readonly<Record<string, WasmType>>} */
const TYPE_NAMES = { i32: "i32", i64: "i64", f32: "f32", f64: "f64", ptr: "i64" };

/**
 * Orders names by their UTF-8 bytes, as extism-js sorts export and import names.
 *
 * @param {string} a
 * @param {string} b
 */
export function compareUtf8(a, b) {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * @param {ts.SourceFile} source
 * @param {ts.Node} node
 */
function describeNode(source, node) {
  const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return `line ${line + 1}: ${node.getText(source).split("\n")[0]}`;
}

/**
 * @param {ts.SourceFile} source
 * @param {ts.TypeNode | undefined} node
 * @param {ts.Node} where
 * @param {boolean} isResult
 * @returns {WasmType | undefined}
 */
function readType(source, node, where, isResult) {
  // extism-js reads a parameter without a type as I64, and a missing return type as no result.
  if (node === undefined) return isResult ? undefined : "i64";
  if (node.kind === ts.SyntaxKind.VoidKeyword && isResult) return undefined;
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
    const type = TYPE_NAMES[node.typeName.text.toLowerCase()];
    if (type !== undefined) return type;
  }
  throw new Error(`unsupported type ${node.getText(source)} at ${describeNode(source, where)}. Use I32, I64, F32, F64 or PTR${isResult ? ", or void" : ""}.`);
}

/**
 * @param {ts.SourceFile} source
 * @param {ts.FunctionDeclaration | ts.MethodSignature} node
 * @param {string} name
 * @returns {FunctionSignature}
 */
function readSignature(source, node, name) {
  const params = node.parameters.map((parameter) => /** @type {WasmType} */ (readType(source, parameter.type, node, false)));
  return { name, params, result: readType(source, node.type, node, true) };
}

/**
 * Parses the interface file text.
 *
 * @param {string} text
 * @param {string} [fileName]
 * @returns {PluginInterface}
 * @throws {Error} when there is no `main` module, or a declaration is not one extism-js accepts.
 */
export function parsePluginInterface(text, fileName = "plugin.d.ts") {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  /** @type {FunctionSignature[]} */
  const exports = [];
  /** @type {HostFunction[]} */
  const hostFunctions = [];
  let sawMain = false;

  for (const statement of source.statements) {
    if (!ts.isModuleDeclaration(statement) || !ts.isStringLiteral(statement.name)) continue;
    const body = statement.body;
    if (body === undefined || !ts.isModuleBlock(body)) continue;

    if (statement.name.text === "main") {
      sawMain = true;
      for (const member of body.statements) {
        if (!ts.isFunctionDeclaration(member) || member.name === undefined) {
          throw new Error(`the main module may only contain exported function declarations, found ${describeNode(source, member)}`);
        }
        exports.push(readSignature(source, member, member.name.text));
      }
      continue;
    }

    // As in extism-js, only the first interface of a module declares imports.
    const declared = body.statements.find(ts.isInterfaceDeclaration);
    if (declared === undefined) continue;
    const module = `${statement.name.text}/${declared.name.text}`;
    for (const member of declared.members) {
      if (!ts.isMethodSignature(member) || !ts.isIdentifier(member.name)) {
        throw new Error(`host functions must be method signatures such as name(p: PTR): PTR, found ${describeNode(source, member)}`);
      }
      hostFunctions.push({ module, ...readSignature(source, member, member.name.text) });
    }
  }

  if (!sawMain) throw new Error(`${fileName} has no declare module "main" block, so it declares no exports.`);
  return {
    exports: exports.sort((a, b) => compareUtf8(a.name, b.name)),
    hostFunctions: hostFunctions.sort((a, b) => compareUtf8(a.name, b.name)),
  };
}
