#include "raw_gl_reference.h"
#include "cgl.h"
#include <stdio.h>
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

double rb_raw_reference_run(const char *fragment_source, int width, int height, int frames,
                            double first_time, double time_step,
                            const rb_raw_uniform *uniforms, int uniform_count,
                            uint8_t *pixels, char *error, size_t error_size) {
    GLuint vs = compile(GL_VERTEX_SHADER, vertex_source, error, error_size);
    if (!vs) return -1;
    GLuint fs = compile(GL_FRAGMENT_SHADER, fragment_source, error, error_size);
    if (!fs) return -1;
    GLuint program = glCreateProgram();
    glAttachShader(program, vs);
    glAttachShader(program, fs);
    glLinkProgram(program);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(program, GL_LINK_STATUS, &ok);
    if (!ok) {
        glGetProgramInfoLog(program, (GLsizei)error_size, NULL, error);
        return -1;
    }
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
