/* Shared declarations of the engine's C files. */
#ifndef ND_ENGINE_H
#define ND_ENGINE_H

#include "quickjs.h"

/* Returns the `natives` object the prelude is installed with, backed by the Extism kernel. */
JSValue engine_new_natives(JSContext *ctx);

/* Returns the `files` object of the natives: the primitives of @nd/pdk's files API (files.c). */
JSValue engine_new_file_natives(JSContext *ctx);

#endif
