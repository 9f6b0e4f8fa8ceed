// Measures sourcekitd's compile request (the toolchain's libsourcekitdInProc.so)
// against swift-frontend on the same edits, every edit new, and checks whether
// a kept compiler instance compiles an edited body correctly. The figures in
// BENCHMARKS.md ("Scene scripts") that are not from rasterbar-bench come from
// this. Build and run (SDK: the cached one, e.g. $RASTERBAR_CACHE/engine-*/sdk):
//
//   T=$(dirname $(dirname $(readlink -f $(which swiftc))))
//   clang -O1 -I $T/include Tools/sourcekitd-compile.c -L $T/lib -lsourcekitdInProc \
//       -Wl,-rpath,$T/lib -o /tmp/sourcekitd-compile
//   /tmp/sourcekitd-compile $T/bin/swift-frontend SDK MODULE_CACHE Scripts/Particles.swift 24
//
// Three ways per edit of the particle script plus 22 helpers (the benchmark's
// edit): sourcekitd keeping the instance (only changed bodies type-checked
// again), sourcekitd with a fresh instance each time, and swift-frontend.
#include <SourceKit/sourcekitd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *values, int n, double p) {
    double sorted[256];
    memcpy(sorted, values, n * sizeof *values);
    qsort(sorted, n, sizeof *sorted, compare);
    return sorted[(int)(p * (n - 1) + 0.5)];
}

static char *script_text;
static char work[256], source[512], entry[512], object[512];
static const char *sdk, *cache;

/// The script plus helpers whose bodies change with every edit.
static void write_edit(int edit) {
    FILE *f = fopen(source, "w");
    fprintf(f, "%s\n// Helpers, edited on every save (edit %d).\nenum Tuning {\n", script_text, edit);
    for (int i = 0; i < 22; i++)
        fprintf(f, "    static func curve%d(_ x: Float) -> Float { smoothstep(0, 1, x) * %d.0 / 100 }\n", i, edit + i);
    fputs("}\n", f);
    fclose(f);
}

static sourcekitd_uid_t uid(const char *name) { return sourcekitd_uid_get_from_cstr(name); }

/// One compile request; returns its status, prints the first diagnostic of a failure.
static int compile(const char *session) {
    const char *arguments[] = {"-c", "-wmo", source, entry, "-module-name", "Script_Edit", "-parse-as-library", "-Onone",
                               "-enforce-exclusivity=unchecked", "-I", sdk, "-module-cache-path", cache, "-o", object};
    sourcekitd_object_t request = sourcekitd_request_dictionary_create(NULL, NULL, 0);
    sourcekitd_request_dictionary_set_uid(request, uid("key.request"), uid("source.request.compile"));
    sourcekitd_request_dictionary_set_string(request, uid("key.name"), session);
    sourcekitd_object_t list = sourcekitd_request_array_create(NULL, 0);
    for (size_t i = 0; i < sizeof arguments / sizeof *arguments; i++)
        sourcekitd_request_array_set_string(list, SOURCEKITD_ARRAY_APPEND, arguments[i]);
    sourcekitd_request_dictionary_set_value(request, uid("key.compilerargs"), list);
    sourcekitd_response_t response = sourcekitd_send_request_sync(request);
    sourcekitd_request_release(request);
    if (sourcekitd_response_is_error(response)) {
        fprintf(stderr, "request failed: %s\n", sourcekitd_response_error_get_description(response));
        exit(1);
    }
    sourcekitd_variant_t value = sourcekitd_response_get_value(response);
    int status = (int)sourcekitd_variant_dictionary_get_int64(value, uid("key.value"));
    sourcekitd_variant_t diagnostics = sourcekitd_variant_dictionary_get_value(value, uid("key.diagnostics"));
    if (status != 0 && sourcekitd_variant_array_get_count(diagnostics) > 0) {
        sourcekitd_variant_t first = sourcekitd_variant_array_get_value(diagnostics, 0);
        printf("    %s: line %lld: %s\n", session, (long long)sourcekitd_variant_dictionary_get_int64(first, uid("key.line")),
               sourcekitd_variant_dictionary_get_string(first, uid("key.description")));
    }
    sourcekitd_response_dispose(response);
    return status;
}

static void close_session(const char *session) {
    sourcekitd_object_t request = sourcekitd_request_dictionary_create(NULL, NULL, 0);
    sourcekitd_request_dictionary_set_uid(request, uid("key.request"), uid("source.request.compile.close"));
    sourcekitd_request_dictionary_set_string(request, uid("key.name"), session);
    sourcekitd_response_dispose(sourcekitd_send_request_sync(request));
    sourcekitd_request_release(request);
}

static int frontend(const char *executable) {
    char *argv[] = {(char *)executable, "-frontend", "-c", source, entry, "-module-name", "Script_Edit", "-parse-as-library",
                    "-Onone", "-enforce-exclusivity=unchecked", "-I", (char *)sdk, "-module-cache-path", (char *)cache,
                    "-o", object, NULL};
    pid_t pid;
    int status;
    if (posix_spawn(&pid, executable, NULL, NULL, argv, environ) != 0) return -1;
    waitpid(pid, &status, 0);
    return WEXITSTATUS(status);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s swift-frontend SDK MODULE_CACHE SCRIPT.swift [EDITS]\n", argv[0]);
        return 2;
    }
    const char *swift_frontend = argv[1];
    sdk = argv[2];
    cache = argv[3];
    int edits = argc > 5 ? atoi(argv[5]) : 24;
    if (edits < 1 || edits > 256) edits = 24;
    FILE *f = fopen(argv[4], "r");
    if (!f) { perror(argv[4]); return 1; }
    script_text = calloc(1, 1 << 20);
    fread(script_text, 1, (1 << 20) - 1, f);
    fclose(f);
    const char *name = strrchr(argv[4], '/') ? strrchr(argv[4], '/') + 1 : argv[4];
    char type[128];
    snprintf(type, sizeof type, "%.*s", (int)(strlen(name) - 6), name);

    snprintf(work, sizeof work, "/tmp/sourcekitd-compile-XXXXXX");
    if (!mkdtemp(work)) { perror("mkdtemp"); return 1; }
    snprintf(source, sizeof source, "%s/%s", work, name);
    snprintf(entry, sizeof entry, "%s/RasterbarEntry.swift", work);
    snprintf(object, sizeof object, "%s/out.o", work);
    char entry_text[2048];
    snprintf(entry_text, sizeof entry_text,
             "import RasterbarSDK\nprivate let rasterbarExport = SceneExport(%s.self,\n"
             "    create: { c, s, n, r in rasterbarExport.create(c, s, n, r) }, frame: { i, c in rasterbarExport.frame(i, c) },\n"
             "    save: { i, c, w in rasterbarExport.save(i, c, w) }, destroy: { i, c in rasterbarExport.destroy(i, c) })\n"
             "@_cdecl(\"rasterbar_script_entry\")\npublic func rasterbarScriptEntry() -> UnsafeRawPointer { rasterbarExport.entry }\n", type);
    write_file(entry, entry_text);

    sourcekitd_initialize();
    double kept[256], fresh[256], direct[256];
    int kept_failures = 0;
    write_edit(0);
    compile("kept"); // the kept session's first compile sets it up: not timed
    for (int i = 0; i < edits; i++) {
        write_edit(1000 + i);
        double t0 = now();
        kept_failures += compile("kept") != 0;
        double t1 = now();
        close_session("fresh");
        double t2 = now();
        if (compile("fresh") != 0) { fprintf(stderr, "a fresh compile failed\n"); return 1; }
        double t3 = now();
        if (frontend(swift_frontend) != 0) { fprintf(stderr, "swift-frontend failed\n"); return 1; }
        double t4 = now();
        kept[i] = (t1 - t0) * 1000;
        fresh[i] = (t3 - t2) * 1000;
        direct[i] = (t4 - t3) * 1000;
    }
    printf("%d edits of %s + 22 helpers, ms p50 / p95:\n", edits, name);
    printf("  sourcekitd, instance kept    %6.1f / %6.1f  (%d of %d failed)\n", percentile(kept, edits, .5), percentile(kept, edits, .95), kept_failures, edits);
    printf("  sourcekitd, fresh instance   %6.1f / %6.1f\n", percentile(fresh, edits, .5), percentile(fresh, edits, .95));
    printf("  swift-frontend               %6.1f / %6.1f\n", percentile(direct, edits, .5), percentile(direct, edits, .95));

    // A body edit in a kept instance: is a local still found?
    const char *check = "import RasterbarSDK\nfinal class %s: Scene { init() {}; func frame(_ context: Context) {} }\n"
                        "func probe() -> Int {\n    let value = %d\n    return value\n}\n";
    char text[1024];
    close_session("check");
    for (int version = 1; version <= 2; version++) {
        snprintf(text, sizeof text, check, type, version);
        write_file(source, text);
        int status = compile("check");
        printf("  kept instance, body edit %d of a function with a local: %s\n", version,
               status == 0 ? "compiled" : "REJECTED (valid code)");
    }
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", work);
    return system(command) == 0 ? 0 : 1;
}
