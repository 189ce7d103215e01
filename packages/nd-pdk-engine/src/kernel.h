/*
 * The Extism kernel functions the engine imports from "extism:host/env", with the signatures every
 * Extism host provides (the Go SDK, the Rust SDK and @extism/extism 2.x; @extism/extism 1.0.3 lacks
 * get_log_level and log_trace, which a caller must then supply). Offsets and lengths are i64.
 *
 * Offsets are opaque: the Go and Rust hosts use small integers into the kernel's memory, while
 * @extism/extism encodes a block index in the upper 16 bits. 0 is the null offset everywhere.
 */
#ifndef ND_KERNEL_H
#define ND_KERNEL_H

#include <stdint.h>

#define ND_KERNEL_IMPORT(name) __attribute__((import_module("extism:host/env"), import_name(#name)))

ND_KERNEL_IMPORT(input_length) uint64_t extism_input_length(void);
ND_KERNEL_IMPORT(input_load_u8) uint32_t extism_input_load_u8(uint64_t index);
ND_KERNEL_IMPORT(input_load_u64) uint64_t extism_input_load_u64(uint64_t index);

ND_KERNEL_IMPORT(alloc) uint64_t extism_alloc(uint64_t length);
ND_KERNEL_IMPORT(free) void extism_free(uint64_t offset);
ND_KERNEL_IMPORT(length) uint64_t extism_length(uint64_t offset);
ND_KERNEL_IMPORT(load_u8) uint32_t extism_load_u8(uint64_t address);
ND_KERNEL_IMPORT(load_u64) uint64_t extism_load_u64(uint64_t address);
ND_KERNEL_IMPORT(store_u8) void extism_store_u8(uint64_t address, uint32_t value);
ND_KERNEL_IMPORT(store_u64) void extism_store_u64(uint64_t address, uint64_t value);

ND_KERNEL_IMPORT(output_set) void extism_output_set(uint64_t offset, uint64_t length);
ND_KERNEL_IMPORT(error_set) void extism_error_set(uint64_t offset);

ND_KERNEL_IMPORT(config_get) uint64_t extism_config_get(uint64_t key_offset);
ND_KERNEL_IMPORT(var_get) uint64_t extism_var_get(uint64_t name_offset);
ND_KERNEL_IMPORT(var_set) void extism_var_set(uint64_t name_offset, uint64_t value_offset);

/* Returns the host's minimum level: 0 trace ... 4 error, INT32_MAX when logging is off. */
ND_KERNEL_IMPORT(get_log_level) int32_t extism_get_log_level(void);
ND_KERNEL_IMPORT(log_trace) void extism_log_trace(uint64_t offset);
ND_KERNEL_IMPORT(log_debug) void extism_log_debug(uint64_t offset);
ND_KERNEL_IMPORT(log_info) void extism_log_info(uint64_t offset);
ND_KERNEL_IMPORT(log_warn) void extism_log_warn(uint64_t offset);
ND_KERNEL_IMPORT(log_error) void extism_log_error(uint64_t offset);

/*
 * Calls the plugin's host function number id (its position in the sorted list of declared host
 * functions) with one PTR argument and returns its PTR result. The engine module imports this
 * placeholder; the per-plugin build step replaces the import with a dispatcher over the real
 * "extism:host/user" imports.
 */
__attribute__((import_module("nd:engine"), import_name("call_host")))
uint64_t nd_call_host(int32_t id, uint64_t argument);

/* Copies bytes into a new kernel block and returns its offset. Calls alloc even for length 0. */
uint64_t kernel_store(const uint8_t *bytes, uint64_t length);

/* Copies length bytes of the block at offset into out. */
void kernel_load(uint64_t offset, uint8_t *out, uint64_t length);

/* Sets text as the call's error message. */
void kernel_set_error(const char *text, uint64_t length);

#endif
