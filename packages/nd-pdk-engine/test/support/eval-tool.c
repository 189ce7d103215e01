/*
 * A WASI command for tests of the QuickJS build itself: evaluates stdin as a global script in a
 * plain QuickJS context (no Extism glue) and prints the completion value as a string to stdout.
 * An exception is printed to stderr, with exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "quickjs.h"

int main(void)
{
    size_t capacity = 1 << 16, used = 0;
    char *source = malloc(capacity);
    for (;;) {
        if (source == NULL)
            return 2;
        if (capacity - used < 2) {
            capacity *= 2;
            source = realloc(source, capacity);
            continue;
        }
        ssize_t count = read(0, source + used, capacity - used - 1);
        if (count <= 0)
            break;
        used += (size_t)count;
    }
    source[used] = '\0';

    JSRuntime *runtime = JS_NewRuntime();
    JSContext *context = JS_NewContext(runtime);
    JSValue result = JS_Eval(context, source, used, "eval_tool", JS_EVAL_TYPE_GLOBAL);
    int failed = JS_IsException(result);
    if (failed)
        result = JS_GetException(context);
    const char *text = JS_ToCString(context, result);
    fputs(text ? text : "(no text)", failed ? stderr : stdout);
    return failed ? 1 : 0;
}
