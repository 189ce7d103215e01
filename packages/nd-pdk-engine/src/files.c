/*
 * The file natives behind the `files` API of @nd/pdk (the FileNatives interface of
 * @nd/pdk-types/internal): mounts, read, write, list, stat, remove and mkdir over the folders the
 * host preopens through WASI, such as /storage and /libraries/<id> in Navidrome.
 *
 * Paths are resolved here, not by wasi-libc. Debian's wasi-libc (the 2022-05-10 snapshot) reads the
 * preopens in a constructor, which runs when Wizer makes the snapshot. There are no preopens then,
 * and this release has no __wasilibc_reset_preopens to read them again, so a plain
 * stat("/storage/a") in a plugin fails with ENOTCAPABLE at run time (seen in @extism/extism 1.0.3).
 * This file lists the preopens itself with fd_prestat_get on first use, and passes each path to
 * the *at functions as a preopen descriptor and a relative path.
 *
 * A failure throws an Error whose `code` is the errno name (ENOENT, EROFS, ...) and whose message is
 * strerror's text.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "engine.h"
#include "quickjs.h"

/* More preopens than any host passes; Navidrome passes one per allowed library plus /storage. */
#define MAX_PREOPENS 256

struct preopen {
    int fd;
    /* The guest path of the folder: absolute, without a trailing slash, "/" for the root. */
    char *name;
    size_t length;
};

static struct preopen preopens[MAX_PREOPENS];
/* -1 until the first file native runs. Top-level code cannot reach the natives (the prelude rejects
   them), so the snapshot always starts at -1 and every instance lists its own preopens. */
static int preopen_count = -1;

/* Normalizes a preopen name to an absolute guest path: "storage", "./storage" and "/storage/" all
   become "/storage", and "." becomes "/". */
static char *normalize_preopen_name(const char *raw, size_t raw_length, size_t *length)
{
    size_t start = 0;
    if (raw_length >= 1 && raw[0] == '.' && (raw_length == 1 || raw[1] == '/'))
        start = 1;
    while (start < raw_length && raw[start] == '/')
        start++;
    size_t end = raw_length;
    while (end > start && raw[end - 1] == '/')
        end--;

    char *name = malloc(end - start + 2);
    if (name == NULL)
        return NULL;
    name[0] = '/';
    memcpy(name + 1, raw + start, end - start);
    name[end - start + 1] = '\0';
    *length = end - start + 1;
    return name;
}

/* Lists the preopened directories, which WASI numbers from descriptor 3 without gaps. */
static void find_preopens(void)
{
    preopen_count = 0;
    for (int fd = 3; preopen_count < MAX_PREOPENS; fd++) {
        __wasi_prestat_t prestat;
        __wasi_errno_t error = __wasi_fd_prestat_get(fd, &prestat);
        if (error == __WASI_ERRNO_BADF)
            break;
        if (error != __WASI_ERRNO_SUCCESS || prestat.tag != __WASI_PREOPENTYPE_DIR)
            continue;

        size_t raw_length = prestat.u.dir.pr_name_len;
        char *raw = malloc(raw_length + 1);
        if (raw == NULL)
            break;
        if (__wasi_fd_prestat_dir_name(fd, (uint8_t *)raw, raw_length) == __WASI_ERRNO_SUCCESS) {
            size_t length;
            char *name = normalize_preopen_name(raw, raw_length, &length);
            if (name != NULL)
                preopens[preopen_count++] = (struct preopen){ .fd = fd, .name = name, .length = length };
        }
        free(raw);
    }
}

/*
 * Finds the preopen with the longest name that contains `path` and sets `relative` to the rest of
 * the path, "." for the folder itself. Returns the preopen's descriptor, or -1 when no folder is
 * mounted there.
 */
static int resolve_path(const char *path, const char **relative)
{
    if (preopen_count < 0)
        find_preopens();

    const struct preopen *best = NULL;
    for (int i = 0; i < preopen_count; i++) {
        const struct preopen *candidate = &preopens[i];
        int is_root = candidate->length == 1;
        int contains = is_root || (strncmp(path, candidate->name, candidate->length) == 0 &&
                                   (path[candidate->length] == '\0' || path[candidate->length] == '/'));
        if (contains && (best == NULL || candidate->length > best->length))
            best = candidate;
    }
    if (best == NULL || path[0] != '/')
        return -1;

    const char *rest = path + (best->length == 1 ? 0 : best->length);
    while (*rest == '/')
        rest++;
    *relative = *rest == '\0' ? "." : rest;
    return best->fd;
}

static const char *errno_name(int error)
{
    switch (error) {
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EROFS: return "EROFS";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case EBADF: return "EBADF";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case ELOOP: return "ELOOP";
    case EMFILE: return "EMFILE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOMEM: return "ENOMEM";
    case ENOSPC: return "ENOSPC";
    case ENOSYS: return "ENOSYS";
    case EDQUOT: return "EDQUOT";
    case EFBIG: return "EFBIG";
    case EXDEV: return "EXDEV";
    default: return NULL;
    }
}

/* Throws an Error with the errno name as `code` and strerror's text as the message. */
static JSValue throw_errno(JSContext *ctx, int error)
{
    char unknown[24];
    const char *name = errno_name(error);
    if (name == NULL) {
        snprintf(unknown, sizeof(unknown), "ERRNO_%d", error);
        name = unknown;
    }
    JSValue thrown = JS_NewError(ctx);
    if (JS_IsException(thrown))
        return thrown;
    JS_DefinePropertyValueStr(ctx, thrown, "message", JS_NewString(ctx, strerror(error)), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, thrown, "code", JS_NewString(ctx, name), JS_PROP_C_W_E);
    return JS_Throw(ctx, thrown);
}

/*
 * Reads a path argument and resolves it. Returns the preopen's descriptor, or -1 with an exception
 * pending. The caller frees *text with JS_FreeCString when the result is not -1.
 */
static int read_path(JSContext *ctx, JSValueConst value, const char **text, const char **relative)
{
    size_t length;
    *text = JS_ToCStringLen(ctx, &length, value);
    if (*text == NULL)
        return -1;
    int error = 0;
    int fd = -1;
    if (strlen(*text) != length)
        error = EINVAL; /* a NUL inside the path */
    else if ((fd = resolve_path(*text, relative)) < 0)
        error = ENOENT;
    if (error != 0) {
        JS_FreeCString(ctx, *text);
        throw_errno(ctx, error);
        return -1;
    }
    return fd;
}

static const char *kind_of(mode_t mode)
{
    if (S_ISREG(mode))
        return "file";
    if (S_ISDIR(mode))
        return "directory";
    return "other";
}

static void free_buffer(JSRuntime *rt, void *opaque, void *ptr)
{
    js_free_rt(rt, ptr);
}

static JSValue native_mounts(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    if (preopen_count < 0)
        find_preopens();
    JSValue names = JS_NewArray(ctx);
    if (JS_IsException(names))
        return names;
    for (int i = 0; i < preopen_count; i++)
        JS_SetPropertyUint32(ctx, names, (uint32_t)i, JS_NewStringLen(ctx, preopens[i].name, preopens[i].length));
    return names;
}

/* Reads the rest of fd into a new ArrayBuffer; size_hint is the file's size when known. */
static JSValue read_all(JSContext *ctx, int fd, size_t size_hint)
{
    /* One byte more than the size, so that the read that finds the end needs no larger buffer. */
    size_t capacity = size_hint + 1;
    size_t used = 0;
    uint8_t *bytes = js_malloc(ctx, capacity);
    if (bytes == NULL)
        return JS_EXCEPTION;
    for (;;) {
        if (used == capacity) {
            uint8_t *larger = js_realloc(ctx, bytes, capacity * 2);
            if (larger == NULL) {
                js_free(ctx, bytes);
                return JS_EXCEPTION;
            }
            bytes = larger;
            capacity *= 2;
        }
        ssize_t count = read(fd, bytes + used, capacity - used);
        if (count < 0) {
            int error = errno;
            js_free(ctx, bytes);
            return throw_errno(ctx, error);
        }
        if (count == 0)
            break;
        used += (size_t)count;
    }
    return JS_NewArrayBuffer(ctx, bytes, used, free_buffer, NULL, 0);
}

static JSValue native_read(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    const char *path;
    const char *relative;
    int dir = read_path(ctx, argv[0], &path, &relative);
    if (dir < 0)
        return JS_EXCEPTION;

    int fd = openat(dir, relative, O_RDONLY);
    int error = errno;
    JS_FreeCString(ctx, path);
    if (fd < 0)
        return throw_errno(ctx, error);

    struct stat info;
    if (fstat(fd, &info) != 0) {
        error = errno;
        close(fd);
        return throw_errno(ctx, error);
    }
    /* A directory opens for reading, and runtimes differ in how read() then fails. */
    if (S_ISDIR(info.st_mode)) {
        close(fd);
        return throw_errno(ctx, EISDIR);
    }
    JSValue result = read_all(ctx, fd, info.st_size > 0 ? (size_t)info.st_size : 0);
    close(fd);
    return result;
}

static JSValue native_write(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    size_t length;
    uint8_t *bytes = JS_GetArrayBuffer(ctx, &length, argv[1]);
    if (bytes == NULL)
        return JS_EXCEPTION;
    int append = JS_ToBool(ctx, argv[2]);

    const char *path;
    const char *relative;
    int dir = read_path(ctx, argv[0], &path, &relative);
    if (dir < 0)
        return JS_EXCEPTION;
    int fd = openat(dir, relative, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0666);
    int error = errno;
    JS_FreeCString(ctx, path);
    if (fd < 0)
        return throw_errno(ctx, error);

    size_t written = 0;
    while (written < length) {
        ssize_t count = write(fd, bytes + written, length - written);
        if (count < 0) {
            error = errno;
            close(fd);
            return throw_errno(ctx, error);
        }
        written += (size_t)count;
    }
    if (close(fd) != 0)
        return throw_errno(ctx, errno);
    return JS_UNDEFINED;
}

/*
 * Returns the kind of an entry of `dir`, the folder at `folder` relative to the mount's preopen
 * `mount`, or NULL when memory runs out. A link or an entry of unknown type is resolved from the
 * listed folder first, and then from the preopen with the entry's whole path, because WASI hosts
 * resolve links differently. Node's uvwasi keeps a lookup beneath the descriptor it starts from, so a
 * link to a parent folder fails from the listed folder but not from the preopen. uvwasi also reads an
 * absolute link target as a guest path, which only a descriptor other than a preopen accepts.
 * Navidrome's wazero lets the operating system follow both kinds of link from either descriptor.
 */
static const char *entry_kind(DIR *dir, int mount, const char *folder, const struct dirent *entry)
{
    if (entry->d_type == DT_REG)
        return "file";
    if (entry->d_type == DT_DIR)
        return "directory";
    if (entry->d_type != DT_LNK && entry->d_type != DT_UNKNOWN)
        return "other";

    struct stat info;
    if (fstatat(dirfd(dir), entry->d_name, &info, 0) == 0)
        return kind_of(info.st_mode);

    size_t folder_length = strcmp(folder, ".") == 0 ? 0 : strlen(folder);
    while (folder_length > 0 && folder[folder_length - 1] == '/')
        folder_length--;
    size_t name_length = strlen(entry->d_name);
    char *path = malloc(folder_length + name_length + 2);
    if (path == NULL)
        return NULL;
    size_t used = 0;
    if (folder_length > 0) {
        memcpy(path, folder, folder_length);
        path[folder_length] = '/';
        used = folder_length + 1;
    }
    memcpy(path + used, entry->d_name, name_length + 1);
    int status = fstatat(mount, path, &info, 0);
    free(path);
    /* A broken link, or one the host does not let the plugin follow, is "other". */
    if (status != 0)
        return "other";
    return kind_of(info.st_mode);
}

static JSValue native_list(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    const char *path;
    const char *relative;
    int mount = read_path(ctx, argv[0], &path, &relative);
    if (mount < 0)
        return JS_EXCEPTION;
    int fd = openat(mount, relative, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        int error = errno;
        JS_FreeCString(ctx, path);
        return throw_errno(ctx, error);
    }
    DIR *dir = fdopendir(fd);
    if (dir == NULL) {
        int error = errno;
        close(fd);
        JS_FreeCString(ctx, path);
        return throw_errno(ctx, error);
    }

    JSValue entries = JS_NewArray(ctx);
    uint32_t index = 0;
    int error = 0;
    for (;;) {
        errno = 0;
        struct dirent *entry = readdir(dir);
        if (entry == NULL) {
            error = errno;
            break;
        }
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        /* `relative` points into `path`, so `path` is freed only after the loop. */
        const char *kind = entry_kind(dir, mount, relative, entry);
        if (kind == NULL) {
            error = ENOMEM;
            break;
        }
        JSValue item = JS_NewObject(ctx);
        JS_SetPropertyStr(ctx, item, "name", JS_NewString(ctx, entry->d_name));
        JS_SetPropertyStr(ctx, item, "kind", JS_NewString(ctx, kind));
        JS_SetPropertyUint32(ctx, entries, index++, item);
    }
    closedir(dir);
    JS_FreeCString(ctx, path);
    if (error != 0) {
        JS_FreeValue(ctx, entries);
        return throw_errno(ctx, error);
    }
    return entries;
}

static JSValue native_stat(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    const char *path;
    const char *relative;
    int dir = read_path(ctx, argv[0], &path, &relative);
    if (dir < 0)
        return JS_EXCEPTION;
    struct stat info;
    int status = fstatat(dir, relative, &info, 0);
    int error = errno;
    JS_FreeCString(ctx, path);
    if (status != 0)
        return throw_errno(ctx, error);

    JSValue result = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, result, "kind", JS_NewString(ctx, kind_of(info.st_mode)));
    JS_SetPropertyStr(ctx, result, "size", JS_NewFloat64(ctx, (double)info.st_size));
    JS_SetPropertyStr(ctx, result, "modifiedMs", JS_NewFloat64(ctx, (double)info.st_mtim.tv_sec * 1000.0 + (double)(info.st_mtim.tv_nsec / 1000000)));
    return result;
}

static JSValue native_remove(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    const char *path;
    const char *relative;
    int dir = read_path(ctx, argv[0], &path, &relative);
    if (dir < 0)
        return JS_EXCEPTION;
    /* The entry itself decides between unlink and rmdir: a link to a directory is unlinked. */
    struct stat info;
    int status = fstatat(dir, relative, &info, AT_SYMLINK_NOFOLLOW);
    if (status == 0)
        status = unlinkat(dir, relative, S_ISDIR(info.st_mode) ? AT_REMOVEDIR : 0);
    int error = errno;
    JS_FreeCString(ctx, path);
    if (status != 0)
        return throw_errno(ctx, error);
    return JS_UNDEFINED;
}

static JSValue native_mkdir(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv)
{
    const char *path;
    const char *relative;
    int dir = read_path(ctx, argv[0], &path, &relative);
    if (dir < 0)
        return JS_EXCEPTION;
    int status = mkdirat(dir, relative, 0777);
    int error = errno;
    JS_FreeCString(ctx, path);
    if (status != 0)
        return throw_errno(ctx, error);
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry file_functions[] = {
    JS_CFUNC_DEF("mounts", 0, native_mounts),
    JS_CFUNC_DEF("read", 1, native_read),
    JS_CFUNC_DEF("write", 3, native_write),
    JS_CFUNC_DEF("list", 1, native_list),
    JS_CFUNC_DEF("stat", 1, native_stat),
    JS_CFUNC_DEF("remove", 1, native_remove),
    JS_CFUNC_DEF("mkdir", 1, native_mkdir),
};

JSValue engine_new_file_natives(JSContext *ctx)
{
    JSValue files = JS_NewObject(ctx);
    if (JS_IsException(files))
        return files;
    JS_SetPropertyFunctionList(ctx, files, file_functions, sizeof(file_functions) / sizeof(file_functions[0]));
    return files;
}
