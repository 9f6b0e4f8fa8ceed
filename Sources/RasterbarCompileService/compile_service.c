// The script compile service (see include/rasterbar_compile_service.h for the
// protocol). Usage: rasterbar-compile-service /path/to/libsourcekitdInProc.so
//
// sourcekitd is opened with dlopen and its few entry points declared here, so
// this file needs no SourceKit header to build (the package build checks it
// without the toolchain's include folder).
#define _GNU_SOURCE
#include "rasterbar_compile_service.h"
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void *sk_object;
typedef void *sk_uid;
typedef void *sk_response;
typedef struct { uint64_t data[3]; } sk_variant;

static struct {
    void (*initialize)(void);
    sk_uid (*uid)(const char *);
    const char *(*uid_string)(sk_uid);
    sk_object (*dictionary_create)(const sk_uid *, const sk_object *, size_t);
    void (*dictionary_set_value)(sk_object, sk_uid, sk_object);
    void (*dictionary_set_string)(sk_object, sk_uid, const char *);
    void (*dictionary_set_uid)(sk_object, sk_uid, sk_uid);
    sk_object (*array_create)(const sk_object *, size_t);
    void (*array_set_string)(sk_object, size_t, const char *);
    void (*release)(sk_object);
    sk_response (*send)(sk_object);
    bool (*is_error)(sk_response);
    const char *(*error_description)(sk_response);
    sk_variant (*value)(sk_response);
    void (*dispose)(sk_response);
    sk_variant (*get_value)(sk_variant, sk_uid);
    const char *(*get_string)(sk_variant, sk_uid);
    int64_t (*get_int64)(sk_variant, sk_uid);
    sk_uid (*get_uid)(sk_variant, sk_uid);
    size_t (*array_count)(sk_variant);
    sk_variant (*array_value)(sk_variant, size_t);
} sk;

#define SK_ARRAY_APPEND ((size_t)-1)

static const char *load(const char *path) {
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) return dlerror();
#define SYM(field, name) if (!(*(void **)&sk.field = dlsym(lib, name))) return "missing " name
    SYM(initialize, "sourcekitd_initialize");
    SYM(uid, "sourcekitd_uid_get_from_cstr");
    SYM(uid_string, "sourcekitd_uid_get_string_ptr");
    SYM(dictionary_create, "sourcekitd_request_dictionary_create");
    SYM(dictionary_set_value, "sourcekitd_request_dictionary_set_value");
    SYM(dictionary_set_string, "sourcekitd_request_dictionary_set_string");
    SYM(dictionary_set_uid, "sourcekitd_request_dictionary_set_uid");
    SYM(array_create, "sourcekitd_request_array_create");
    SYM(array_set_string, "sourcekitd_request_array_set_string");
    SYM(release, "sourcekitd_request_release");
    SYM(send, "sourcekitd_send_request_sync");
    SYM(is_error, "sourcekitd_response_is_error");
    SYM(error_description, "sourcekitd_response_error_get_description");
    SYM(value, "sourcekitd_response_get_value");
    SYM(dispose, "sourcekitd_response_dispose");
    SYM(get_value, "sourcekitd_variant_dictionary_get_value");
    SYM(get_string, "sourcekitd_variant_dictionary_get_string");
    SYM(get_int64, "sourcekitd_variant_dictionary_get_int64");
    SYM(get_uid, "sourcekitd_variant_dictionary_get_uid");
    SYM(array_count, "sourcekitd_variant_array_get_count");
    SYM(array_value, "sourcekitd_variant_array_get_value");
#undef SYM
    return NULL;
}

/// The protocol's stream: the real stdout, kept apart so nothing sourcekitd
/// prints can corrupt it (stdout itself then goes to stderr).
static FILE *out;

/// One line from stdin without its newline; NULL at the end.
static char *read_line(void) {
    static char *line;
    static size_t capacity;
    ssize_t n = getline(&line, &capacity, stdin);
    if (n < 0) return NULL;
    if (n > 0 && line[n - 1] == '\n') line[n - 1] = 0;
    return line;
}

/// Writes text with newlines turned into spaces.
static void put_flat(const char *text) {
    for (const char *c = text ? text : ""; *c; c++) fputc(*c == '\n' || *c == '\r' ? ' ' : *c, out);
}

static void fail_request(const char *why, const char *detail) {
    fprintf(out, "done -1 1\nerror: %s", why);
    if (detail) { fputs(": ", out); put_flat(detail); }
    fputc('\n', out);
    fflush(out);
}

static const char *severity(sk_uid uid) {
    const char *name = uid ? sk.uid_string(uid) : "";
    const char *last = strrchr(name, '.');
    return last ? last + 1 : "error";
}

static void compile(const char *session) {
    char *count_line = read_line();
    long count = count_line ? strtol(count_line, NULL, 10) : -1;
    if (count < 0 || count > 10000) return fail_request("bad argument count", count_line);
    sk_object request = sk.dictionary_create(NULL, NULL, 0);
    sk_object arguments = sk.array_create(NULL, 0);
    for (long i = 0; i < count; i++) {
        char *argument = read_line();
        if (!argument) { sk.release(request); sk.release(arguments); return fail_request("arguments cut short", NULL); }
        sk.array_set_string(arguments, SK_ARRAY_APPEND, argument);
    }
    sk.dictionary_set_uid(request, sk.uid("key.request"), sk.uid("source.request.compile"));
    sk.dictionary_set_string(request, sk.uid("key.name"), session);
    sk.dictionary_set_value(request, sk.uid("key.compilerargs"), arguments);
    sk_response response = sk.send(request);
    sk.release(request);
    if (sk.is_error(response)) {
        fail_request("sourcekitd refused the request", sk.error_description(response));
        sk.dispose(response);
        return;
    }
    sk_variant value = sk.value(response);
    int64_t status = sk.get_int64(value, sk.uid("key.value"));
    sk_variant diagnostics = sk.get_value(value, sk.uid("key.diagnostics"));
    size_t n = sk.array_count(diagnostics);
    fprintf(out, "done %d %zu\n", status == 0 ? 0 : 1, n);
    for (size_t i = 0; i < n; i++) {
        sk_variant d = sk.array_value(diagnostics, i);
        const char *file = sk.get_string(d, sk.uid("key.filepath"));
        const char *kind = severity(sk.get_uid(d, sk.uid("key.severity")));
        if (file && *file) {
            fprintf(out, "%s:%lld:%lld: %s: ", file, (long long)sk.get_int64(d, sk.uid("key.line")),
                    (long long)sk.get_int64(d, sk.uid("key.column")), kind);
        } else {
            fprintf(out, "%s: ", kind);
        }
        put_flat(sk.get_string(d, sk.uid("key.description")));
        fputc('\n', out);
    }
    fflush(out);
    sk.dispose(response);
}

/// Drops the session's compiler instance, so the next compile starts afresh.
static void close_session(const char *session) {
    sk_object request = sk.dictionary_create(NULL, NULL, 0);
    sk.dictionary_set_uid(request, sk.uid("key.request"), sk.uid("source.request.compile.close"));
    sk.dictionary_set_string(request, sk.uid("key.name"), session);
    sk.dispose(sk.send(request));
    sk.release(request);
}

int main(int argc, char **argv) {
    out = fdopen(dup(STDOUT_FILENO), "w");
    if (!out) return 1;
    dup2(STDERR_FILENO, STDOUT_FILENO);
    const char *problem = argc < 2 ? "usage: rasterbar-compile-service libsourcekitdInProc.so" : load(argv[1]);
    if (problem) {
        fputs("failed ", out);
        put_flat(problem);
        fputc('\n', out);
        fflush(out);
        return 1;
    }
    sk.initialize();
    fputs("ready\n", out);
    fflush(out);
    char *line;
    while ((line = read_line())) {
        if (strncmp(line, "compile ", 8) == 0) {
            char *session = strdup(line + 8);
            compile(session);
            // After the reply, so the engine does not wait for it.
            close_session(session);
            free(session);
        } else {
            fail_request("unknown request", line);
        }
    }
    // No sourcekitd_shutdown: its background threads may outlive it; the process ends here.
    _exit(0);
}
