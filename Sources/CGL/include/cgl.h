// CGL: OpenGL 4.x core and EGL for Swift, plus headless context creation.
//
// Why a C target: GL prototypes need GL_GLEXT_PROTOTYPES defined before the
// headers (a macro Swift cannot set), and EGL's platform entry points are
// extensions reached only through eglGetProcAddress function pointers.
// Nothing here draws; drawing lives in the Swift GL backend.
#ifndef CGL_H
#define CGL_H

#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <stddef.h>

/// Which EGL platform a headless context comes from.
typedef enum rb_egl_platform {
    RB_EGL_AUTO = 0,        ///< a hardware EGL device if there is one, else Mesa surfaceless
    RB_EGL_DEVICE = 1,      ///< EGL_EXT_platform_device only (NVIDIA, or Mesa's software device)
    RB_EGL_SURFACELESS = 2, ///< EGL_MESA_platform_surfaceless only
} rb_egl_platform;

/// A current headless GL context with no surface: draw into framebuffer objects.
typedef struct rb_egl_context {
    EGLDisplay display;
    EGLContext context;
    rb_egl_platform platform; ///< the platform actually used
} rb_egl_context;

/// Creates a GL 4.1+ core context with no display server and makes it current
/// on the calling thread. Returns 1 on success; on failure returns 0 and writes
/// a one-line reason into `error`.
int rb_egl_create(rb_egl_context *out, rb_egl_platform platform, char *error, size_t error_size);

/// Creates a second context on `share`'s display that shares its objects
/// (programs, textures, buffers; not framebuffers or vertex arrays), for use on
/// another thread. It is not made current: call rb_egl_make_current on the
/// thread that uses it. Returns 1 on success; on failure 0 and a reason.
int rb_egl_create_shared(rb_egl_context *out, const rb_egl_context *share, char *error, size_t error_size);

/// Makes the context current on the calling thread again. Returns 1 on success.
int rb_egl_make_current(const rb_egl_context *ctx);

/// Releases the context (the shared display stays initialised).
void rb_egl_destroy(rb_egl_context *ctx);

#endif
