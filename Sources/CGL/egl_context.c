// Headless EGL contexts: the device platform (a real GPU, e.g. NVIDIA) is
// preferred, then Mesa's surfaceless platform (llvmpipe or a Mesa GPU driver).
// With glvnd both vendors answer for surfaceless, so trying it first would put
// an NVIDIA machine on llvmpipe: that is why the device platform goes first.
#include "cgl.h"
#include <stdio.h>
#include <string.h>

static int has_extension(const char *list, const char *name) {
    if (!list) return 0;
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    }
    return 0;
}

static const char *egl_error_name(EGLint code) {
    switch (code) {
    case EGL_SUCCESS: return "EGL_SUCCESS";
    case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
    case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
    case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
    case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
    default: return "EGL error";
    }
}

// Initialises `dpy` and creates a current core context on it.
/// The newest OpenGL core context the display gives: 4.5, else 4.3, else 4.1
/// (the floor the engine needs); sharing objects with `share` if not
/// EGL_NO_CONTEXT; made current when `make_current` (and dropped if it cannot be).
static EGLContext create_core_context(EGLDisplay dpy, EGLConfig config, EGLContext share, int make_current) {
    static const EGLint versions[][2] = {{4, 5}, {4, 3}, {4, 1}};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        const EGLint attribs[] = {
            EGL_CONTEXT_MAJOR_VERSION, versions[i][0],
            EGL_CONTEXT_MINOR_VERSION, versions[i][1],
            EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
            EGL_NONE,
        };
        EGLContext ctx = eglCreateContext(dpy, config, share, attribs);
        if (ctx == EGL_NO_CONTEXT) continue;
        if (make_current && !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
            eglDestroyContext(dpy, ctx);
            continue;
        }
        return ctx;
    }
    return EGL_NO_CONTEXT;
}

static int make_context(EGLDisplay dpy, rb_egl_context *out, char *error, size_t size) {
    EGLint major = 0, minor = 0;
    if (!eglInitialize(dpy, &major, &minor)) {
        snprintf(error, size, "eglInitialize failed (%s)", egl_error_name(eglGetError()));
        return 0;
    }
    const char *exts = eglQueryString(dpy, EGL_EXTENSIONS);
    if (!has_extension(exts, "EGL_KHR_surfaceless_context")) {
        snprintf(error, size, "EGL display lacks EGL_KHR_surfaceless_context");
        eglTerminate(dpy);
        return 0;
    }
    if (!eglBindAPI(EGL_OPENGL_API)) {
        snprintf(error, size, "eglBindAPI(EGL_OPENGL_API) failed (%s)", egl_error_name(eglGetError()));
        eglTerminate(dpy);
        return 0;
    }
    EGLConfig config = EGL_NO_CONFIG_KHR;
    if (!has_extension(exts, "EGL_KHR_no_config_context")) {
        const EGLint want[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
        EGLint count = 0;
        if (!eglChooseConfig(dpy, want, &config, 1, &count) || count < 1) {
            snprintf(error, size, "no EGL config renders OpenGL");
            eglTerminate(dpy);
            return 0;
        }
    }
    EGLContext ctx = create_core_context(dpy, config, EGL_NO_CONTEXT, 1);
    if (ctx != EGL_NO_CONTEXT) {
        out->display = dpy;
        out->context = ctx;
        return 1;
    }
    snprintf(error, size, "no OpenGL 4.1+ core context on this EGL display (%s)", egl_error_name(eglGetError()));
    eglTerminate(dpy);
    return 0;
}

static int try_device(rb_egl_context *out, int allow_software, char *error, size_t size) {
    PFNEGLQUERYDEVICESEXTPROC query_devices =
        (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
    PFNEGLQUERYDEVICESTRINGEXTPROC query_string =
        (PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
    PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
    if (!query_devices || !query_string || !get_display) {
        snprintf(error, size, "EGL lacks EGL_EXT_device_enumeration / EGL_EXT_platform_device");
        return 0;
    }
    EGLDeviceEXT devices[16];
    EGLint count = 0;
    if (!query_devices(16, devices, &count) || count == 0) {
        snprintf(error, size, "no EGL devices found");
        return 0;
    }
    for (EGLint i = 0; i < count; i++) {
        const char *dev_exts = query_string(devices[i], EGL_EXTENSIONS);
        if (!allow_software && has_extension(dev_exts, "EGL_MESA_device_software")) continue;
        EGLDisplay dpy = get_display(EGL_PLATFORM_DEVICE_EXT, devices[i], NULL);
        if (dpy == EGL_NO_DISPLAY) continue;
        if (make_context(dpy, out, error, size)) {
            out->platform = RB_EGL_DEVICE;
            return 1;
        }
    }
    if (!error[0]) snprintf(error, size, "no usable hardware EGL device");
    return 0;
}

static int try_surfaceless(rb_egl_context *out, char *error, size_t size) {
    const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
    if (!has_extension(client, "EGL_MESA_platform_surfaceless") || !get_display) {
        snprintf(error, size, "EGL lacks EGL_MESA_platform_surfaceless (install Mesa: libegl-mesa0, libgl1-mesa-dri)");
        return 0;
    }
    EGLDisplay dpy = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
    if (dpy == EGL_NO_DISPLAY) {
        snprintf(error, size, "eglGetPlatformDisplayEXT(surfaceless) failed (%s)", egl_error_name(eglGetError()));
        return 0;
    }
    if (!make_context(dpy, out, error, size)) return 0;
    out->platform = RB_EGL_SURFACELESS;
    return 1;
}

int rb_egl_create(rb_egl_context *out, rb_egl_platform platform, char *error, size_t size) {
    memset(out, 0, sizeof *out);
    if (size) error[0] = '\0';
    char first[256] = "";
    switch (platform) {
    case RB_EGL_DEVICE:
        return try_device(out, 1, error, size);
    case RB_EGL_SURFACELESS:
        return try_surfaceless(out, error, size);
    case RB_EGL_AUTO:
    default:
        if (try_device(out, 0, first, sizeof first)) return 1;
        if (try_surfaceless(out, error, size)) return 1;
        // Last chance: Mesa's software device through the device platform.
        if (try_device(out, 1, error, size)) return 1;
        return 0;
    }
}

int rb_egl_create_shared(rb_egl_context *out, const rb_egl_context *share, char *error, size_t size) {
    memset(out, 0, sizeof *out);
    if (size) error[0] = '\0';
    if (!share || share->display == EGL_NO_DISPLAY || share->context == EGL_NO_CONTEXT) {
        snprintf(error, size, "no context to share with");
        return 0;
    }
    EGLDisplay dpy = share->display;
    if (!eglBindAPI(EGL_OPENGL_API)) {
        snprintf(error, size, "eglBindAPI(EGL_OPENGL_API) failed (%s)", egl_error_name(eglGetError()));
        return 0;
    }
    // The same config as the shared context (none where EGL_KHR_no_config_context).
    EGLConfig config = EGL_NO_CONFIG_KHR;
    EGLint config_id = 0;
    if (eglQueryContext(dpy, share->context, EGL_CONFIG_ID, &config_id) && config_id != 0) {
        const EGLint want[] = {EGL_CONFIG_ID, config_id, EGL_NONE};
        EGLint count = 0;
        if (!eglChooseConfig(dpy, want, &config, 1, &count) || count < 1) config = EGL_NO_CONFIG_KHR;
    }
    EGLContext ctx = create_core_context(dpy, config, share->context, 0);
    if (ctx != EGL_NO_CONTEXT) {
        out->display = dpy;
        out->context = ctx;
        out->platform = share->platform;
        return 1;
    }
    snprintf(error, size, "cannot create a context sharing objects with the first (%s)", egl_error_name(eglGetError()));
    return 0;
}

int rb_egl_make_current(const rb_egl_context *ctx) {
    return eglMakeCurrent(ctx->display, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx->context) ? 1 : 0;
}

void rb_egl_destroy(rb_egl_context *ctx) {
    if (ctx->display == EGL_NO_DISPLAY || ctx->display == NULL) return;
    eglMakeCurrent(ctx->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    // No eglTerminate: platform displays are shared per process, and other
    // contexts (another renderer, the benchmark's reference) may still use it.
    if (ctx->context != EGL_NO_CONTEXT) eglDestroyContext(ctx->display, ctx->context);
    memset(ctx, 0, sizeof *ctx);
}
