// Builds small Extism plugins from WebAssembly text with binaryen, for testing the wasm runtime
// without the engine. Each plugin gets the Extism kernel imports and a few helpers written in WAT:
//   $store (ptr i32, len i32) -> i64     copies linear memory into a new kernel block
//   $load (offset i64, ptr i32) -> i32   copies a kernel block into linear memory, returns its length
//   $input (ptr i32) -> i32              copies the call input into linear memory, returns its length
//   $output (ptr i32, len i32)           sets linear memory as the call output
// Linear memory from 0 to 4095 is free for the plugin's own use, and the strings follow at 4096.

import binaryen from "binaryen";

/** What a test plugin adds to the common part. */
export interface PluginText {
  /** Host functions to import from `extism:host/user`, each as `$name (param i64) (result i64)`. */
  readonly hostFunctions?: readonly string[];
  /** Further imports, which WebAssembly text requires before every other field. */
  readonly imports?: string;
  /** Strings placed in linear memory; `{{name}}` in `body` becomes `(i32.const ADDRESS) (i32.const LENGTH)`. */
  readonly strings?: Readonly<Record<string, string>>;
  /** Further module fields: globals, functions and their exports. */
  readonly body: string;
}

const KERNEL_IMPORTS = `
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "get_log_level" (func $get_log_level (result i32)))
  (import "extism:host/env" "log_trace" (func $log_trace (param i64)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "extism:host/env" "log_warn" (func $log_warn (param i64)))
`;

const HELPERS = `
  (func $store (param $ptr i32) (param $len i32) (result i64)
    (local $offset i64) (local $i i32)
    (local.set $offset (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8
          (i64.add (local.get $offset) (i64.extend_i32_u (local.get $i)))
          (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $offset))

  (func $load (param $offset i64) (param $ptr i32) (result i32)
    (local $len i32) (local $i i32)
    (local.set $len (i32.wrap_i64 (call $length (local.get $offset))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8
          (i32.add (local.get $ptr) (local.get $i))
          (call $load_u8 (i64.add (local.get $offset) (i64.extend_i32_u (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $len))

  (func $input (param $ptr i32) (result i32)
    (local $len i32) (local $i i32)
    (local.set $len (i32.wrap_i64 (call $input_length)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8 (i32.add (local.get $ptr) (local.get $i)) (call $input_load_u8 (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $len))

  (func $output (param $ptr i32) (param $len i32)
    (call $output_set (call $store (local.get $ptr) (local.get $len)) (i64.extend_i32_u (local.get $len))))
`;

const STRINGS_START = 4096;

/** Escapes bytes for a WAT string literal: printable ASCII stays, everything else becomes `\hh`. */
function watString(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) {
    const printable = byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;
    text += printable ? String.fromCharCode(byte) : `\\${byte.toString(16).padStart(2, "0")}`;
  }
  return text;
}

/** Returns the whole module text of a test plugin. */
export function pluginWat(plugin: PluginText): string {
  const data: string[] = [];
  const references = new Map<string, string>();
  let address = STRINGS_START;
  for (const [name, text] of Object.entries(plugin.strings ?? {})) {
    const bytes = new TextEncoder().encode(text);
    data.push(`  (data (i32.const ${address}) "${watString(bytes)}")`);
    references.set(name, `(i32.const ${address}) (i32.const ${bytes.length})`);
    address += bytes.length;
  }

  const body = plugin.body.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
    const reference = references.get(name);
    if (reference === undefined) throw new Error(`the plugin text uses {{${name}}}, which is not one of its strings`);
    return reference;
  });
  const hostImports = (plugin.hostFunctions ?? []).map((name) => `  (import "extism:host/user" "${name}" (func $${name} (param i64) (result i64)))`);

  return ["(module", KERNEL_IMPORTS, ...hostImports, plugin.imports ?? "", '  (memory (export "memory") 1)', ...data, HELPERS, body, ")"].join("\n");
}

/** Compiles a test plugin to wasm bytes with binaryen, after validating it. */
export function buildPlugin(plugin: PluginText): Uint8Array {
  const module = binaryen.parseText(pluginWat(plugin));
  try {
    if (!module.validate()) throw new Error("binaryen found the test plugin's module invalid; see the messages it printed above");
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}
