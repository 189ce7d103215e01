/*
 * The engine's lifecycle: one QuickJS runtime and context per wasm instance, set up with the
 * extism-js globals and the plugin bundle inside `wizer.initialize` at build time, then driven
 * through `__nd_invoke` once per Extism export call.
 *
 * Build time: the compiler runs `wizer.initialize` under Wizer with the build header and the bundle
 * on stdin, and Wizer snapshots the resulting memory. Every Extism import is a stub that fails at
 * that point, which is why the prelude refuses host facilities in top-level code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embedded-js.h"
#include "engine.h"
#include "kernel.h"
#include "quickjs.h"

/*
 * The linker reserves ND_STACK_BYTES of wasm shadow stack (see the build script); QuickJS stops
 * JavaScript recursion with a catchable InternalError at JS_STACK_LIMIT_BYTES of it. The limit is
 * this low because the host's native stack can run out first. In Node 20 (about 1 MiB of stack), a
 * 768 KiB limit let V8 throw "Maximum call stack size exceeded" through the wasm call, which leaves
 * the instance broken. 512 KiB still worked, and 384 KiB allows about 1,300 nested calls.
 */
#ifndef ND_STACK_BYTES
#error "ND_STACK_BYTES must be defined by the build"
#endif
#define JS_STACK_LIMIT_BYTES (ND_STACK_BYTES / 8 * 3)

static JSRuntime *runtime;
static JSContext *context;
/* The object that dispatch.js returns: configure, call, finish and describe. */
static JSValue dispatcher;

/* Runs promise jobs until the queue is empty. A job that throws is dropped, as in extism-js. */
static void drain_jobs(void)
{
    JSContext *job_context;
    for (;;) {
        int status = JS_ExecutePendingJob(runtime, &job_context);
        if (status == 0)
            return;
        if (status < 0)
            JS_FreeValue(job_context, JS_GetException(job_context));
    }
}

static JSValue call_dispatcher(const char *method, int argc, JSValueConst *argv)
{
    JSValue fn = JS_GetPropertyStr(context, dispatcher, method);
    JSValue result = JS_Call(context, fn, JS_UNDEFINED, argc, argv);
    JS_FreeValue(context, fn);
    return result;
}

/* Prints the pending exception as extism-js renders it ("Exception: message" and the stack) and
   exits, which makes Wizer fail the build. */
static void fail_build(const char *stage)
{
    JSValue exception = JS_GetException(context);
    JSValue text = JS_IsUndefined(dispatcher) ? JS_ToString(context, exception) : call_dispatcher("describe", 1, &exception);
    const char *message = JS_ToCString(context, text);
    fprintf(stderr, "%s failed: %s\n", stage, message ? message : "(the exception could not be converted to text)");
    exit(1);
}

static JSValue evaluate(const char *source, size_t length, const char *file_name)
{
    return JS_Eval(context, source, length, file_name, JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_STRICT);
}

/* Reads all of stdin into a NUL-terminated buffer, which JS_Eval requires. */
static char *read_stdin(size_t *length)
{
    size_t capacity = 1 << 16;
    size_t used = 0;
    char *buffer = malloc(capacity);
    for (;;) {
        if (buffer == NULL) {
            fprintf(stderr, "reading the plugin bundle from stdin failed: out of memory\n");
            exit(1);
        }
        if (capacity - used < 2) {
            capacity *= 2;
            buffer = realloc(buffer, capacity);
            continue;
        }
        ssize_t count = read(0, buffer + used, capacity - used - 1);
        if (count < 0) {
            perror("reading the plugin bundle from stdin failed");
            exit(1);
        }
        if (count == 0)
            break;
        used += (size_t)count;
    }
    buffer[used] = '\0';
    *length = used;
    return buffer;
}

static void install_globals(void)
{
    JSValue install = evaluate(nd_prelude_source, sizeof(nd_prelude_source) - 1, "extism_prelude");
    if (JS_IsException(install))
        fail_build("evaluating the prelude");
    JSValue natives = engine_new_natives(context);
    JSValue control = JS_Call(context, install, JS_UNDEFINED, 1, (JSValueConst *)&natives);
    JS_FreeValue(context, natives);
    JS_FreeValue(context, install);
    if (JS_IsException(control))
        fail_build("installing the prelude");

    JSValue create = evaluate(nd_dispatch_source, sizeof(nd_dispatch_source) - 1, "nd_dispatch");
    if (JS_IsException(create))
        fail_build("evaluating the dispatcher");
    dispatcher = JS_Call(context, create, JS_UNDEFINED, 1, (JSValueConst *)&control);
    JS_FreeValue(context, create);
    JS_FreeValue(context, control);
    if (JS_IsException(dispatcher))
        fail_build("creating the dispatcher");
}

/*
 * Builds the runtime and evaluates the plugin. stdin contains one line of JSON, the build header
 * {"exports": [...], "hostFunctions": [...]}, followed by the bundle, which is evaluated as a strict
 * global script named eval_script.
 */
__attribute__((export_name("wizer.initialize")))
void nd_initialize(void)
{
    dispatcher = JS_UNDEFINED;
    runtime = JS_NewRuntime();
    context = runtime == NULL ? NULL : JS_NewContext(runtime);
    if (context == NULL) {
        fprintf(stderr, "creating the QuickJS runtime failed: out of memory\n");
        exit(1);
    }
    JS_SetMaxStackSize(runtime, JS_STACK_LIMIT_BYTES);
    install_globals();

    size_t length;
    char *input = read_stdin(&length);
    char *newline = memchr(input, '\n', length);
    if (newline == NULL) {
        fprintf(stderr, "the build input must start with a line of JSON (the build header); no newline was found\n");
        exit(1);
    }
    JSValue header = JS_NewStringLen(context, input, (size_t)(newline - input));
    JSValue configured = call_dispatcher("configure", 1, &header);
    JS_FreeValue(context, header);
    if (JS_IsException(configured))
        fail_build("reading the build header");
    JS_FreeValue(context, configured);

    const char *bundle = newline + 1;
    JSValue result = evaluate(bundle, length - (size_t)(bundle - input), "eval_script");
    free(input);
    if (JS_IsException(result))
        fail_build("evaluating the plugin's top-level code");
    JS_FreeValue(context, result);

    // NOTE: extism-js leaves jobs queued by top-level code for the first call. They run here instead,
    // so that they belong to build time like the rest of the top-level code.
    drain_jobs();
    JS_RunGC(runtime);
}

/* Sets the error text of a failed call from a JavaScript string. */
static void set_error(JSValue text)
{
    size_t length;
    const char *message = JS_ToCStringLen(context, &length, text);
    if (message == NULL) {
        static const char fallback[] = "the call failed, and its error could not be converted to text";
        kernel_set_error(fallback, sizeof(fallback) - 1);
        return;
    }
    kernel_set_error(message, length);
    JS_FreeCString(context, message);
}

/*
 * Runs the plugin export number `index` (its position in the build header's list) and returns its
 * Extism return code. A thrown error or a rejected promise sets the error text and returns -1.
 * The per-plugin build adds one wasm export per plugin export that calls this.
 */
__attribute__((export_name("__nd_invoke")))
int32_t nd_invoke(int32_t index)
{
    /* Each call starts at the top of the shadow stack, which may differ from build time. */
    JS_UpdateStackTop(runtime);

    JSValue argument = JS_NewInt32(context, index);
    JSValue record = call_dispatcher("call", 1, &argument);
    if (JS_IsException(record)) {
        /* Only an engine fault gets here: call() catches what the export throws. */
        JSValue exception = JS_GetException(context);
        set_error(exception);
        JS_FreeValue(context, exception);
        return -1;
    }
    drain_jobs();

    JSValue outcome = call_dispatcher("finish", 1, &record);
    JS_FreeValue(context, record);
    if (JS_IsException(outcome)) {
        JSValue exception = JS_GetException(context);
        set_error(exception);
        JS_FreeValue(context, exception);
        return -1;
    }

    int32_t code = -1;
    JSValue code_value = JS_GetPropertyStr(context, outcome, "code");
    JS_ToInt32(context, &code, code_value);
    JS_FreeValue(context, code_value);

    JSValue error = JS_GetPropertyStr(context, outcome, "error");
    if (!JS_IsUndefined(error))
        set_error(error);
    JS_FreeValue(context, error);
    JS_FreeValue(context, outcome);
    return code;
}
