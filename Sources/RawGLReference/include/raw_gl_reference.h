// The raw C yardstick for the engine's own cost: the least code that draws a
// fragment shader over a fullscreen triangle into a framebuffer and reads the
// pixels back each frame. The benchmark divides the engine's time by this.
#ifndef RAW_GL_REFERENCE_H
#define RAW_GL_REFERENCE_H
#include <stddef.h>
#include <stdint.h>

/// A float uniform set every frame: `components` (1-4) floats per frame, one
/// frame after another. It lets the loop draw exactly the picture the engine
/// draws when a demo drives its shaders with tracks.
typedef struct rb_raw_uniform {
    const char *name;
    int components;
    const float *values;
} rb_raw_uniform;

/// Draws `frames` frames of `fragment_source` (complete GLSL with #version) at
/// width x height in the current GL context, setting iTime, iResolution and
/// `uniforms`, reading RGBA8 back into `pixels` (width*height*4 bytes) each
/// frame. Returns the seconds taken, or a negative value with `error` filled.
double rb_raw_reference_run(const char *fragment_source, int width, int height, int frames,
                            double first_time, double time_step,
                            const rb_raw_uniform *uniforms, int uniform_count,
                            uint8_t *pixels, char *error, size_t error_size);
#endif
