#include "raw_gl_reference.h"
#include "cgl.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *vertex_source =
    "#version 330 core\n"
    "void main() {\n"
    "  vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);\n"
    "  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);\n"
    "}\n";

static GLuint compile(GLenum type, const char *src, char *error, size_t size) {
    GLuint s = glCreateShader(type);
    glShaderSource(s, 1, &src, NULL);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        glGetShaderInfoLog(s, (GLsizei)size, NULL, error);
        glDeleteShader(s);
        return 0;
    }
    return s;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/// Compiles and links; 0 with `error` filled on failure.
static GLuint build_program(const char *vertex_source, const char *fragment_source, char *error, size_t size) {
    GLuint vs = compile(GL_VERTEX_SHADER, vertex_source, error, size);
    if (!vs) return 0;
    GLuint fs = compile(GL_FRAGMENT_SHADER, fragment_source, error, size);
    if (!fs) {
        glDeleteShader(vs);
        return 0;
    }
    GLuint program = glCreateProgram();
    glAttachShader(program, vs);
    glAttachShader(program, fs);
    glLinkProgram(program);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(program, GL_LINK_STATUS, &ok);
    if (!ok) {
        glGetProgramInfoLog(program, (GLsizei)size, NULL, error);
        glDeleteProgram(program);
        return 0;
    }
    return program;
}

double rb_raw_reference_run(const char *fragment_source, int width, int height, int frames,
                            double first_time, double time_step,
                            const rb_raw_uniform *uniforms, int uniform_count,
                            uint8_t *pixels, char *error, size_t error_size) {
    GLuint program = build_program(vertex_source, fragment_source, error, error_size);
    if (!program) return -1;
    GLuint texture, fbo, vao;
    glGenTextures(1, &texture);
    glBindTexture(GL_TEXTURE_2D, texture);
    glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, width, height);
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glUseProgram(program);
    GLint time_loc = glGetUniformLocation(program, "iTime");
    GLint res_loc = glGetUniformLocation(program, "iResolution");
    GLint locations[64];
    if (uniform_count > 64) uniform_count = 64;
    for (int u = 0; u < uniform_count; u++) locations[u] = glGetUniformLocation(program, uniforms[u].name);
    glViewport(0, 0, width, height);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    // llvmpipe compiles the shader to machine code at its first draw: do that
    // one untimed, as the engine's program is warm when its frames are timed.
    // (With Mesa's disk cache off, as the benchmark runs, it costs 40-100 ms.)
    glUniform1f(time_loc, (float)first_time);
    glUniform3f(res_loc, (float)width, (float)height, 1.0f);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glFinish();

    double start = now();
    for (int i = 0; i < frames; i++) {
        glUniform1f(time_loc, (float)(first_time + i * time_step));
        glUniform3f(res_loc, (float)width, (float)height, 1.0f);
        for (int u = 0; u < uniform_count; u++) {
            if (locations[u] < 0) continue;
            const float *v = uniforms[u].values + (size_t)i * uniforms[u].components;
            switch (uniforms[u].components) {
            case 1: glUniform1fv(locations[u], 1, v); break;
            case 2: glUniform2fv(locations[u], 1, v); break;
            case 3: glUniform3fv(locations[u], 1, v); break;
            default: glUniform4fv(locations[u], 1, v); break;
            }
        }
        glDrawArrays(GL_TRIANGLES, 0, 3);
        glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
    }
    double seconds = now() - start;

    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glDeleteFramebuffers(1, &fbo);
    glDeleteTextures(1, &texture);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(program);
    return seconds;
}

// MARK: The driver's floor for a shader reload

void rb_raw_read_pixel(unsigned framebuffer, int x, int y, uint8_t rgba[4]) {
    glBindFramebuffer(GL_READ_FRAMEBUFFER, framebuffer);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(x, y, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
}

/// An RGBA8 target of width x height, bound and cleared, with a vertex array
/// bound: the state the engine draws a scene in.
typedef struct floor_target {
    GLuint texture, framebuffer, vertex_array;
} floor_target;

static void target_begin(floor_target *t, int width, int height) {
    glGenTextures(1, &t->texture);
    glBindTexture(GL_TEXTURE_2D, t->texture);
    glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, width, height);
    glGenFramebuffers(1, &t->framebuffer);
    glBindFramebuffer(GL_FRAMEBUFFER, t->framebuffer);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, t->texture, 0);
    glGenVertexArrays(1, &t->vertex_array);
    glBindVertexArray(t->vertex_array);
    glViewport(0, 0, width, height);
    glDisable(GL_BLEND);
    glClearColor(0, 0, 0, 1);
    glClear(GL_COLOR_BUFFER_BIT); // touch the pages before any clock starts
    glFinish();
}

static void target_end(floor_target *t) {
    glUseProgram(0);
    glBindVertexArray(0);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glDeleteVertexArrays(1, &t->vertex_array);
    glDeleteFramebuffers(1, &t->framebuffer);
    glDeleteTextures(1, &t->texture);
}

/// One frame with `program`, as the engine draws a Shadertoy scene, to glFinish.
static void draw_frame(GLuint program, int width, int height, float time) {
    glUseProgram(program);
    GLint resolution = glGetUniformLocation(program, "iResolution");
    GLint itime = glGetUniformLocation(program, "iTime");
    if (resolution >= 0) glUniform3f(resolution, (float)width, (float)height, 1.0f);
    if (itime >= 0) glUniform1f(itime, time);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glFinish();
}

double rb_raw_reload_floor(const char *vertex_source, const char *fragment_source, int width, int height,
                           rb_raw_reload_timing *timing, char *error, size_t error_size) {
    floor_target target;
    target_begin(&target, width, height);
    double t0 = now();
    GLuint program = build_program(vertex_source, fragment_source, error, error_size);
    if (!program) {
        target_end(&target);
        return -1;
    }
    double t1 = now();
    draw_frame(program, width, height, 1.0f);
    double t2 = now();
    draw_frame(program, width, height, 1.0f + 1.0f / 60);
    double t3 = now();
    glDeleteProgram(program);
    target_end(&target);
    if (timing) {
        timing->compile_link = t1 - t0;
        timing->first_draw = t2 - t1;
        timing->next_draw = t3 - t2;
    }
    return t2 - t0;
}

// MARK: Warming up on a shared context

typedef struct warmup_job {
    rb_egl_context context;
    const char *vertex_source, *fragment_source;
    int width, height;
    GLuint program;
    rb_raw_reload_timing timing;
    char error[512];
} warmup_job;

static void *warmup_thread(void *argument) {
    warmup_job *job = argument;
    if (!rb_egl_make_current(&job->context)) {
        snprintf(job->error, sizeof job->error, "cannot make the shared context current");
        return NULL;
    }
    floor_target target;
    target_begin(&target, job->width, job->height);
    double t0 = now();
    job->program = build_program(job->vertex_source, job->fragment_source, job->error, sizeof job->error);
    double t1 = now();
    if (job->program) {
        draw_frame(job->program, job->width, job->height, 1.0f);
        double t2 = now();
        draw_frame(job->program, job->width, job->height, 1.0f + 1.0f / 60);
        double t3 = now();
        job->timing.compile_link = t1 - t0;
        job->timing.first_draw = t2 - t1;
        job->timing.next_draw = t3 - t2;
    }
    target_end(&target); // the program stays: it is shared
    glFinish();
    eglMakeCurrent(job->context.display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    return NULL;
}

int rb_raw_shared_warmup_probe(const char *vertex_source, const char *fragment_source, int width, int height,
                               rb_raw_reload_timing *background, rb_raw_reload_timing *render,
                               char *error, size_t error_size) {
    rb_egl_context current = {eglGetCurrentDisplay(), eglGetCurrentContext(), RB_EGL_AUTO};
    if (current.context == EGL_NO_CONTEXT) {
        snprintf(error, error_size, "no current EGL context");
        return 0;
    }
    warmup_job job;
    memset(&job, 0, sizeof job);
    if (!rb_egl_create_shared(&job.context, &current, error, error_size)) return 0;
    job.vertex_source = vertex_source;
    job.fragment_source = fragment_source;
    job.width = width;
    job.height = height;
    floor_target target;
    target_begin(&target, width, height);
    pthread_t thread;
    int ok = pthread_create(&thread, NULL, warmup_thread, &job) == 0;
    if (ok) pthread_join(thread, NULL);
    eglDestroyContext(job.context.display, job.context.context);
    if (!ok || !job.program) {
        snprintf(error, error_size, "%s", ok ? job.error : "cannot start a thread");
        target_end(&target);
        return 0;
    }
    double t0 = now();
    draw_frame(job.program, width, height, 1.0f);
    double t1 = now();
    draw_frame(job.program, width, height, 1.0f + 1.0f / 60);
    double t2 = now();
    glDeleteProgram(job.program);
    target_end(&target);
    if (background) *background = job.timing;
    if (render) {
        render->compile_link = 0;
        render->first_draw = t1 - t0;
        render->next_draw = t2 - t1;
    }
    return 1;
}

// MARK: Shadertoy's buffers

/// One float target and its framebuffer.
typedef struct { GLuint texture, fbo; } raw_target;

static raw_target make_target(GLenum format, int width, int height) {
    raw_target t;
    glGenTextures(1, &t.texture);
    glBindTexture(GL_TEXTURE_2D, t.texture);
    glTexStorage2D(GL_TEXTURE_2D, 1, format, width, height);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glGenFramebuffers(1, &t.fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, t.fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, t.texture, 0);
    glClearColor(0, 0, 0, 0);
    glClear(GL_COLOR_BUFFER_BIT);
    return t;
}

double rb_raw_multipass_run(const char *const *buffer_sources, int buffer_count, const char *image_source,
                            int width, int height, int frames, double first_time, double time_step,
                            uint8_t *pixels, char *error, size_t error_size) {
    if (buffer_count < 1 || buffer_count > 4) {
        snprintf(error, error_size, "1 to 4 buffers");
        return -1;
    }
    GLuint programs[5];
    int passes = buffer_count + 1;
    for (int p = 0; p < passes; p++) {
        programs[p] = build_program(vertex_source, p < buffer_count ? buffer_sources[p] : image_source, error, error_size);
        if (!programs[p]) {
            for (int q = 0; q < p; q++) glDeleteProgram(programs[q]);
            return -1;
        }
    }
    // Per buffer the newest contents and the one drawn next; the image into RGBA8.
    raw_target newest[4], spare[4];
    for (int b = 0; b < buffer_count; b++) {
        newest[b] = make_target(GL_RGBA32F, width, height);
        spare[b] = make_target(GL_RGBA32F, width, height);
    }
    raw_target image = make_target(GL_RGBA8, width, height);
    GLuint vao;
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glViewport(0, 0, width, height);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glActiveTexture(GL_TEXTURE0);

    // Frame -1 is the untimed warm-up (llvmpipe compiles at the first draw).
    double start = 0;
    for (int i = -1; i < frames; i++) {
        if (i == 0) { glFinish(); start = now(); }
        float t = (float)(first_time + (i < 0 ? 0 : i) * time_step);
        for (int p = 0; p < passes; p++) {
            glUseProgram(programs[p]);
            glUniform1f(glGetUniformLocation(programs[p], "iTime"), t);
            glUniform3f(glGetUniformLocation(programs[p], "iResolution"), (float)width, (float)height, 1.0f);
            glUniform1i(glGetUniformLocation(programs[p], "iFrame"), i < 0 ? 0 : i);
            glUniform1i(glGetUniformLocation(programs[p], "iChannel0"), 0);
            // A reads its own previous frame; every later pass reads the pass before it.
            glBindTexture(GL_TEXTURE_2D, newest[p == 0 ? 0 : p - 1].texture);
            glBindFramebuffer(GL_FRAMEBUFFER, p < buffer_count ? spare[p].fbo : image.fbo);
            glDrawArrays(GL_TRIANGLES, 0, 3);
            if (p < buffer_count) {
                raw_target swap = newest[p];
                newest[p] = spare[p];
                spare[p] = swap;
            }
        }
        glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
    }
    double seconds = now() - start;

    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    for (int b = 0; b < buffer_count; b++) {
        glDeleteFramebuffers(1, &newest[b].fbo);
        glDeleteTextures(1, &newest[b].texture);
        glDeleteFramebuffers(1, &spare[b].fbo);
        glDeleteTextures(1, &spare[b].texture);
    }
    glDeleteFramebuffers(1, &image.fbo);
    glDeleteTextures(1, &image.texture);
    glDeleteVertexArrays(1, &vao);
    for (int p = 0; p < passes; p++) glDeleteProgram(programs[p]);
    return seconds;
}
