/*
 * rasterbar.h: the C ABI between the Rasterbar host and scene scripts.
 *
 * This header is the whole interface: nothing Swift-typed crosses between the
 * host and a separately compiled script library: Swift's in-memory layouts
 * are not a contract between two images compiled apart, so only plain C data
 * and function pointers taking an opaque host pointer cross.
 * - Every top-level struct starts with its ABI version and its size; the ABI
 *   grows by appending fields, and a host refuses a script whose version it
 *   does not know or whose struct is smaller than it needs.
 * - The host owns every GPU object. Scripts hold handles (rb_shader, rb_texture, rb_target), never
 *   GL names; a stale or foreign handle is ignored with a log line.
 * - Every callback takes the opaque `host` pointer of the context first.
 * - A script library exports one symbol, RB_SCRIPT_ENTRY_SYMBOL, returning its
 *   rb_script. The Swift SDK generates it: script authors write no C.
 *
 * Thread and state contract: every call, in both directions, happens on the
 * host's render thread, inside a script call ([in-call]). Pointers passed in
 * are valid only for the duration of the call.
 */
#ifndef RASTERBAR_H
#define RASTERBAR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version: bumped on any incompatible change; appended fields keep it. */
#define RB_ABI_VERSION 2u

/* The symbol a script library exports: `const rb_script *rasterbar_script_entry(void)`. */
#define RB_SCRIPT_ENTRY_SYMBOL "rasterbar_script_entry"

/* A host-owned object (shader program, texture, render target); 0 is "none". */
/* Handles: one type per kind, so a shader cannot be passed where a texture
 * goes. The id packs the kind, the scene that was given it, a generation of
 * that scene's handle table (bumped when a new version of the script takes
 * over) and a slot. 0 is "none". The host checks every handle: a stale one
 * (kept from before a reload), one from another scene or of another kind is
 * reported once and ignored, never trusted. */
typedef struct rb_shader { uint32_t id; } rb_shader;   /* a fullscreen or geometry program */
typedef struct rb_texture { uint32_t id; } rb_texture; /* a PNG, or a render target's colour */
typedef struct rb_target { uint32_t id; } rb_target;   /* a render target owned by the scene */

/* Log levels for rb_context.log. */
typedef enum rb_log_level {
    RB_LOG_DEBUG = 0,
    RB_LOG_INFO = 1,
    RB_LOG_WARNING = 2,
    RB_LOG_ERROR = 3,
} rb_log_level;

/* What geometry vertices make. */
typedef enum rb_primitive {
    RB_POINTS = 0,
    RB_LINES = 1,
    RB_LINE_STRIP = 2,
    RB_TRIANGLES = 3,
    RB_TRIANGLE_STRIP = 4,
} rb_primitive;

/* How draws combine with what is already in the target. */
typedef enum rb_blend {
    RB_BLEND_NONE = 0,     /* replace */
    RB_BLEND_ALPHA = 1,    /* src * a + dst * (1 - a) */
    RB_BLEND_ADD = 2,      /* src * a + dst: glows, particles */
} rb_blend;

/* One vertex of script geometry: the vertex stage sees rb_Position, rb_Color. */
typedef struct rb_vertex {
    float position[4];     /* xyz, and w: point size in pixels for RB_POINTS */
    float color[4];        /* rgba */
} rb_vertex;

/* Render target flags. */
#define RB_TARGET_HDR 1u   /* RGBA16F instead of RGBA8 */

/* A render target's shape; zero fields mean "the default". */
typedef struct rb_target_desc {
    uint32_t width;        /* 0: the scene's output width times scale */
    uint32_t height;       /* 0: the scene's output height times scale */
    float scale;           /* 0: 1 */
    uint32_t flags;        /* RB_TARGET_* */
} rb_target_desc;

/* What a scene knows about the frame being drawn. Times are in seconds. */
/* Values in rb_frame_info's spectrum and waveform: Shadertoy's music texture width. */
#define RB_MUSIC_BINS 512

/* This frame. Reached through a pointer from rb_context, so it can grow
 * (fields are only ever appended) without moving anything in the context. */
typedef struct rb_frame_info {
    uint32_t struct_size;  /* sizeof(rb_frame_info) as the host compiled it */
    double time;           /* demo time */
    double scene_time;     /* time since the scene started */
    double scene_progress; /* 0 at the scene's start, 1 at its end */
    double delta;          /* time since the previous frame */
    int64_t frame;         /* frame number */
    float resolution[2];   /* scene output size in pixels */
    float mouse[4];        /* Shadertoy's iMouse */
    double bpm;            /* the demo's tempo (meta.bpm), 0 when it has none */
    double bar;            /* bars since the demo's start, from 0 (0 without a bpm) */
    double beat;           /* beats into this bar, from 0, fractional */
    double fps;            /* the demo's frame rate (meta.fps) */
    /* --- The music (appended: read only where struct_size covers them) --- */
    const float *spectrum; /* RB_MUSIC_BINS values, 0..1: Shadertoy's music texture row 0 (all 0 without music) */
    const float *waveform; /* RB_MUSIC_BINS values, 0..1, 0.5 is silence: the texture's row 1 */
    double music_time;     /* seconds into the music file (demo time + meta.music.offset) */
    double sample_rate;    /* the music's sample rate (iSampleRate); 44100 without music */
} rb_frame_info;

/* The context passed to every script call. [host-owned, in-call] */
typedef struct rb_context {
    uint32_t abi_version;  /* RB_ABI_VERSION of the host */
    uint32_t struct_size;  /* sizeof(rb_context) as the host compiled it */
    void *host;            /* opaque: pass back as the first argument of every callback */
    const rb_frame_info *frame; /* this frame; valid during the call it is given to */

    /* --- Resources, through the host's store (reloaded when their files change) --- */
    /* A fullscreen fragment shader (Shadertoy style or plain GLSL), by path. */
    rb_shader (*shader)(void *host, const char *path);
    /* A geometry shader: one file holding both stages, selected by
       RB_VERTEX_SHADER / RB_FRAGMENT_SHADER. */
    rb_shader (*geometry_shader)(void *host, const char *path);
    /* A PNG texture, by path. */
    rb_texture (*texture)(void *host, const char *path);
    /* A render target owned by this scene, by name; the same name gives the
       same target (recreated if desc changes). desc may be NULL. */
    rb_target (*render_target)(void *host, const char *name, const rb_target_desc *desc);
    /* A render target's colour, to sample in a later pass. */
    rb_texture (*target_texture)(void *host, rb_target target);

    /* --- Uniforms, remembered per program until changed --- */
    /* count: 1 to 4 floats (float, vec2, vec3, vec4). */
    void (*set_float)(void *host, rb_shader program, const char *name, const float *values, uint32_t count);
    void (*set_int)(void *host, rb_shader program, const char *name, int32_t value);
    /* A texture or render target bound to a sampler2D uniform. */
    void (*set_texture)(void *host, rb_shader program, const char *name, rb_texture texture);

    /* --- Drawing --- */
    /* Starts drawing into `target` (0: the scene's output); clears to
       clear_rgba unless it is NULL. */
    void (*begin_pass)(void *host, rb_target target, const float *clear_rgba);
    void (*set_blend)(void *host, rb_blend mode);
    /* A fullscreen triangle with `program`; Shadertoy uniforms are set for you. */
    void (*draw_fullscreen)(void *host, rb_shader program);
    /* `count` vertices, copied into a host-owned buffer before the call returns. */
    void (*draw_geometry)(void *host, rb_shader program, rb_primitive primitive,
                          const rb_vertex *vertices, uint32_t count);

    /* --- Timeline --- */
    /* The scene's parameter `name` from demo.json, else the first component
       of the sync track `name`, else `fallback`. */
    float (*param)(void *host, const char *name, float fallback);
    /* The sync track `name` at this frame's time: writes up to `capacity`
       components to `out` and returns how many the track has (1-4), or 0 when
       there is no such track. */
    uint32_t (*track)(void *host, const char *name, float *out, uint32_t capacity);

    /* --- Log --- */
    void (*log)(void *host, rb_log_level level, const char *message);
} rb_context;

/* Receives a script's saved state. [in-call] */
typedef struct rb_state_writer {
    void *host;
    void (*write)(void *host, const void *bytes, size_t size);
} rb_state_writer;

/* What create() says about the state it was given. */
typedef enum rb_restore_result {
    RB_STATE_NONE = 0,         /* no state was given: started fresh */
    RB_STATE_RESTORED = 1,     /* the state was restored */
    RB_STATE_INCOMPATIBLE = 2, /* the state no longer fits the scene: started fresh */
} rb_restore_result;

/* A scene script, as its library exports it. [script-owned, static] */
typedef struct rb_script {
    uint32_t abi_version;  /* RB_ABI_VERSION the script was built against */
    uint32_t struct_size;  /* sizeof(rb_script) as the script compiled it */
    const char *name;      /* the scene type's name */

    /* Makes an instance, restoring `state` (from save_state of an earlier
       generation) when it is not NULL; reports what happened in *restored. */
    void *(*create)(const rb_context *ctx, const void *state, size_t state_size, int32_t *restored);
    /* Draws one frame. */
    void (*frame)(void *instance, const rb_context *ctx);
    /* Writes the instance's state (before a reload) through `writer`. */
    void (*save_state)(void *instance, const rb_context *ctx, const rb_state_writer *writer);
    /* Frees the instance. */
    void (*destroy)(void *instance, const rb_context *ctx);
} rb_script;

/* The type of the entry symbol. */
typedef const rb_script *(*rb_script_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* RASTERBAR_H */
