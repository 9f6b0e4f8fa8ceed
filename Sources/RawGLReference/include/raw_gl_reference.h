// The raw C yardstick for the engine's own cost: the least code that draws a
// fragment shader over a fullscreen triangle into a framebuffer and reads the
// pixels back each frame. The benchmark divides the engine's time by this.
#ifndef RAW_GL_REFERENCE_H
#define RAW_GL_REFERENCE_H
#include <stddef.h>
#include <stdint.h>

/// Draws `frames` frames of `fragment_source` (complete GLSL with #version) at
/// width x height in the current GL context, setting iTime and iResolution,
/// reading RGBA8 back into `pixels` (width*height*4 bytes) each frame.
/// Returns the seconds taken, or a negative value with `error` filled.
double rb_raw_reference_run(const char *fragment_source, int width, int height, int frames,
                            double first_time, double time_step, uint8_t *pixels,
                            char *error, size_t error_size);
#endif
