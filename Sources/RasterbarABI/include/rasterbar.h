/*
 * rasterbar.h: the C ABI between the Rasterbar host and scene scripts.
 *
 * This header is the whole interface: nothing Swift-typed crosses between the
 * host and a separately compiled script library (see shared/DESIGN.md). Every
 * top-level struct starts with its ABI version and its size, so the ABI grows
 * by appending fields; a host refuses a script whose version it does not know.
 *
 * Version 1 (foundation): the frame information a scene sees each frame and a
 * logging callback. The scripts issue extends this with resource access,
 * drawing and the exported entry points.
 */
#ifndef RASTERBAR_H
#define RASTERBAR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version: bumped on any incompatible change; appended fields keep it. */
#define RB_ABI_VERSION 1u

/* Log levels for rb_context.log. */
typedef enum rb_log_level {
    RB_LOG_DEBUG = 0,
    RB_LOG_INFO = 1,
    RB_LOG_WARNING = 2,
    RB_LOG_ERROR = 3,
} rb_log_level;

/* What a scene knows about the frame being drawn. Times are in seconds. */
typedef struct rb_frame_info {
    double time;           /* demo time */
    double scene_time;     /* time since the scene started */
    double scene_progress; /* 0 at the scene's start, 1 at its end */
    double delta;          /* time since the previous frame */
    int64_t frame;         /* frame number */
    float resolution[2];   /* render target size in pixels */
    float mouse[4];        /* Shadertoy's iMouse: xy while held, zw click (negative when up) */
} rb_frame_info;

/* The context passed to every script call. [host-owned, valid during the call] */
typedef struct rb_context {
    uint32_t abi_version;  /* RB_ABI_VERSION of the host */
    uint32_t struct_size;  /* sizeof(rb_context) as the host compiled it */
    rb_frame_info frame;   /* this frame */
    void *host;            /* opaque: pass back as the first argument of every callback */

    /* Writes one line to the host's log. [any call] */
    void (*log)(void *host, rb_log_level level, const char *message);
} rb_context;

/* The ABI version this header describes, for checks from languages without macros. */
uint32_t rb_abi_version(void);

#ifdef __cplusplus
}
#endif

#endif /* RASTERBAR_H */
