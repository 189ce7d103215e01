/*
 * The host-backed functions the JavaScript prelude calls through its `natives` object (the
 * PreludeNatives interface of @nd/pdk-simulator), implemented on the Extism kernel.
 *
 * Offsets cross into JavaScript as numbers; the prelude turns them into the bigints extism-js hands
 * out. A double holds every offset of the real kernel and every block start of @extism/extism
 * (index << 48) exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "kernel.h"
#include "quickjs.h"

uint64_t kernel_store(const uint8_t *bytes, uint64_t length)
{
    uint64_t offset = extism_alloc(length);
    uint64_t i = 0;

    /* The kernel moves 8 bytes per call; single bytes only for the tail. */
    for (; i + 8 <= length; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, sizeof(word));
        extism_store_u64(offset + i, word);
    }
    for (; i < length; i++)
        extism_store_u8(offset + i, bytes[i]);
    return offset;
}

void kernel_load(uint64_t offset, uint8_t *out, uint64_t length)
{
    uint64_t i = 0;

    for (; i + 8 <= length; i += 8) {
        uint64_t word = extism_load_u64(offset + i);
        memcpy(out + i, &word, sizeof(word));
    }
    for (; i < length; i++)
        out[i] = (uint8_t)extism_load_u8(offset + i);
}

void kernel_set_error(const char *text, uint64_t length)
{
    extism_error_set(kernel_store((const uint8_t *)text, length));
}

static JSValue new_offset(JSContext *ctx, uint64_t offset)
{
    return JS_NewFloat64(ctx, (double)offset);
}

/* Reads a number argument as an offset; negative values and NaN read as 0, the null offset. */
static int read_offset(JSContext *ctx, JSValueConst value, uint64_t *offset)
{
    double number;
    if (JS_ToFloat64(ctx, &number, value))
        return -1;
    *offset = number > 0 && number < 18446744073709551616.0 ? (uint64_t)number : 0;
    return 0;
}

/* Returns the length of the block at offset, or 0 for offset 0, which the real kernel never
   allocates but @extism/extism backs with a one-byte block. */
static uint64_t block_length(uint64_t offset)
{
    return offset == 0 ? 0 : extism_length(offset);
}

/* Returns a new ArrayBuffer with a copy of the block, or JS_EXCEPTION when memory runs out. */
static JSValue read_block(JSContext *ctx, uint64_t offset, uint64_t length)
{
    uint8_t *bytes = js_malloc(ctx, length == 0 ? 1 : length);
    if (bytes == NULL)
        return JS_EXCEPTION;
    kernel_load(offset, bytes, length);
    JSValue buffer = JS_NewArrayBufferCopy(ctx, bytes, length);
    js_free(ctx, bytes);
    return buffer;
}

/* Copies a string argument into a new kernel block, as UTF-8. */
static int store_string(JSContext *ctx, JSValueConst value, uint64_t *offset)
{
    size_t length;
    const char *text = JS_ToCStringLen(ctx, &length, value);
    if (text == NULL)
        return -1;
    *offset = kernel_store((const uint8_t *)text, length);
    JS_FreeCString(ctx, text);
    return 0;
}

static JSValue native_input(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    uint64_t length = extism_input_length();
    uint8_t *bytes = js_malloc(ctx, length == 0 ? 1 : length);
    if (bytes == NULL)
        return JS_EXCEPTION;

    uint64_t i = 0;
    for (; i + 8 <= length; i += 8) {
        uint64_t word = extism_input_load_u64(i);
        memcpy(bytes + i, &word, sizeof(word));
    }
    for (; i < length; i++)
        bytes[i] = (uint8_t)extism_input_load_u8(i);

    JSValue buffer = JS_NewArrayBufferCopy(ctx, bytes, length);
    js_free(ctx, bytes);
    return buffer;
}

static JSValue native_output(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    size_t length;
    uint8_t *bytes = JS_GetArrayBuffer(ctx, &length, argv[0]);
    if (bytes == NULL)
        return JS_EXCEPTION;
    extism_output_set(kernel_store(bytes, length), length);
    return JS_UNDEFINED;
}

static JSValue native_alloc(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    size_t length;
    uint8_t *bytes = JS_GetArrayBuffer(ctx, &length, argv[0]);
    if (bytes == NULL)
        return JS_EXCEPTION;
    /* The real kernel returns offset 0 for an empty block, and extism-js code relies on that. */
    if (length == 0)
        return new_offset(ctx, 0);
    return new_offset(ctx, kernel_store(bytes, length));
}

static JSValue native_length(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    uint64_t offset;
    if (read_offset(ctx, argv[0], &offset))
        return JS_EXCEPTION;
    return new_offset(ctx, block_length(offset));
}

static JSValue native_read(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    uint64_t offset;
    if (read_offset(ctx, argv[0], &offset))
        return JS_EXCEPTION;
    uint64_t length = block_length(offset);
    if (length == 0)
        return JS_UNDEFINED;
    return read_block(ctx, offset, length);
}

static JSValue native_free(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    uint64_t offset;
    if (read_offset(ctx, argv[0], &offset))
        return JS_EXCEPTION;
    if (offset != 0)
        extism_free(offset);
    return JS_UNDEFINED;
}

static JSValue native_config(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    uint64_t key;
    if (store_string(ctx, argv[0], &key))
        return JS_EXCEPTION;
    uint64_t value = extism_config_get(key);
    extism_free(key);

    uint64_t length = block_length(value);
    if (length == 0)
        return JS_NULL;
    char *text = js_malloc(ctx, length + 1);
    if (text == NULL)
        return JS_EXCEPTION;
    kernel_load(value, (uint8_t *)text, length);
    text[length] = '\0';
    extism_free(value);
    // TODO: extism-js traps on a value that is not valid UTF-8; QuickJS decodes it leniently here.
    JSValue result = JS_NewStringLen(ctx, text, length);
    js_free(ctx, text);
    return result;
}

static JSValue native_var_get(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    uint64_t name;
    if (store_string(ctx, argv[0], &name))
        return JS_EXCEPTION;
    uint64_t value = extism_var_get(name);
    extism_free(name);

    uint64_t length = block_length(value);
    if (length == 0)
        return JS_NULL;
    /* The value block belongs to the host's variable store, so it is not freed here. */
    return read_block(ctx, value, length);
}

static JSValue native_var_set(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    size_t length;
    uint8_t *bytes = JS_GetArrayBuffer(ctx, &length, argv[1]);
    if (bytes == NULL)
        return JS_EXCEPTION;
    uint64_t name;
    if (store_string(ctx, argv[0], &name))
        return JS_EXCEPTION;
    extism_var_set(name, kernel_store(bytes, length));
    return JS_UNDEFINED;
}

static JSValue native_var_delete(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    uint64_t name;
    if (store_string(ctx, argv[0], &name))
        return JS_EXCEPTION;
    /* Value offset 0 deletes the variable. */
    extism_var_set(name, 0);
    return JS_UNDEFINED;
}

static JSValue native_log(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    int32_t level;
    if (JS_ToInt32(ctx, &level, argv[0]))
        return JS_EXCEPTION;
    size_t length;
    uint8_t *bytes = JS_GetArrayBuffer(ctx, &length, argv[1]);
    if (bytes == NULL)
        return JS_EXCEPTION;

    /* The host's level is read on every message, as extism-js does, because hosts may change it. */
    if (level < extism_get_log_level())
        return JS_UNDEFINED;
    uint64_t offset = kernel_store(bytes, length);
    switch (level) {
    case 0:
        extism_log_trace(offset);
        break;
    case 1:
        extism_log_debug(offset);
        break;
    case 2:
        extism_log_info(offset);
        break;
    case 3:
        extism_log_warn(offset);
        break;
    default:
        extism_log_error(offset);
        break;
    }
    return JS_UNDEFINED;
}

static JSValue native_invoke(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    int32_t id;
    uint64_t argument;
    if (JS_ToInt32(ctx, &id, argv[0]) || read_offset(ctx, argv[1], &argument))
        return JS_EXCEPTION;
    return new_offset(ctx, nd_call_host(id, argument));
}

static JSValue native_now(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return JS_NewFloat64(ctx, (double)now.tv_sec * 1000.0 + (double)(now.tv_nsec / 1000000));
}

/* Ends the call as extism-js does on a Rust panic: the wasm call traps. The message is set as the
   call's error first, for hosts that read the error after a trap. */
static JSValue native_trap(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    size_t length;
    const char *message = JS_ToCStringLen(ctx, &length, argv[0]);
    if (message != NULL)
        kernel_set_error(message, length);
    __builtin_trap();
}

/* Top-level code used a host facility. Only build time runs top-level code, so the report goes to
   stderr, where the compiler shows it with the build failure. */
static JSValue native_report_top_level(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    const char *message = JS_ToCString(ctx, argv[1]);
    const char *stack = JS_ToCString(ctx, argv[2]);
    fprintf(stderr, "%s\n%s", message ? message : "", stack ? stack : "");
    JS_FreeCString(ctx, message);
    JS_FreeCString(ctx, stack);
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry native_functions[] = {
    JS_CFUNC_DEF("input", 0, native_input),
    JS_CFUNC_DEF("output", 1, native_output),
    JS_CFUNC_DEF("alloc", 1, native_alloc),
    JS_CFUNC_DEF("length", 1, native_length),
    JS_CFUNC_DEF("read", 1, native_read),
    JS_CFUNC_DEF("free", 1, native_free),
    JS_CFUNC_DEF("config", 1, native_config),
    JS_CFUNC_DEF("varGet", 1, native_var_get),
    JS_CFUNC_DEF("varSet", 2, native_var_set),
    JS_CFUNC_DEF("varDelete", 1, native_var_delete),
    JS_CFUNC_DEF("log", 2, native_log),
    JS_CFUNC_DEF("invoke", 2, native_invoke),
    JS_CFUNC_DEF("now", 0, native_now),
    JS_CFUNC_DEF("trap", 1, native_trap),
    JS_CFUNC_DEF("reportTopLevel", 3, native_report_top_level),
};

JSValue engine_new_natives(JSContext *ctx)
{
    JSValue natives = JS_NewObject(ctx);
    if (JS_IsException(natives))
        return natives;
    JS_SetPropertyFunctionList(ctx, natives, native_functions, sizeof(native_functions) / sizeof(native_functions[0]));
    JS_SetPropertyStr(ctx, natives, "files", engine_new_file_natives(ctx));
    return natives;
}
