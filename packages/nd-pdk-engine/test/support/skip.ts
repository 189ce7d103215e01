/**
 * True when ND_PDK_ENGINE_SKIP=1 is set, the opt-out for machines without clang-14 and wasi-libc.
 * The engine tests skip themselves then; without it, a missing toolchain fails them.
 */
export const SKIP_ENGINE = process.env["ND_PDK_ENGINE_SKIP"] === "1";
