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

/// Reads one RGBA8 pixel of `framebuffer` (the current context's), bottom-up
/// coordinates. For checking which edit a frame shows.
void rb_raw_read_pixel(unsigned framebuffer, int x, int y, uint8_t rgba[4]);

/// Where the time of a shader reload goes in the driver itself.
typedef struct rb_raw_reload_timing {
    double compile_link; ///< compiling both stages and linking, with the status checks
    double first_draw;   ///< the first draw with the program, to glFinish (llvmpipe JITs here)
    double next_draw;    ///< a second draw of the same frame: the frame's own cost
} rb_raw_reload_timing;

/// The driver's floor for a shader reload: compiles `vertex_source` and
/// `fragment_source` (complete GLSL), links them, and draws the first
/// width x height frame into an RGBA8 framebuffer, to glFinish; nothing else.
/// Setting up and clearing the framebuffer happen before the clock starts.
/// Uses the current context and leaves framebuffer 0, program 0 and vertex
/// array 0 bound. Returns the seconds of compile + link + first draw (and the
/// parts in `timing`), or a negative value with `error` filled.
double rb_raw_reload_floor(const char *vertex_source, const char *fragment_source, int width, int height,
                           rb_raw_reload_timing *timing, char *error, size_t error_size);

/// Whether warming a program up on a second context moves the driver's work
/// off the render thread: a background thread with a context sharing objects
/// with the current one compiles, links and draws the program once (same
/// framebuffer format, size and state); then the calling thread draws with it
/// in its own context. `background` gets the worker's times (its first draw
/// is the warm-up), `render` the calling thread's: `render->first_draw` close
/// to `render->next_draw` means the warm-up helped, close to a cold first
/// draw means the driver compiles again per context. Returns 1, or 0 with
/// `error` filled.
int rb_raw_shared_warmup_probe(const char *vertex_source, const char *fragment_source, int width, int height,
                               rb_raw_reload_timing *background, rb_raw_reload_timing *render,
                               char *error, size_t error_size);
/// Shadertoy's buffers in raw C: `buffer_count` (1-4) buffer passes into
/// RGBA32F targets (two per buffer, swapped after each pass; the first pass
/// reads its own previous frame, each later pass the one before it), then the
/// image pass reading the last buffer, into RGBA8 read back into `pixels`
/// each frame. Sets iTime, iResolution, iFrame and iChannel0 (unit 0, linear,
/// clamped). Sources are complete GLSL. Returns the seconds taken, or a
/// negative value with `error` filled.
double rb_raw_multipass_run(const char *const *buffer_sources, int buffer_count, const char *image_source,
                            int width, int height, int frames, double first_time, double time_step,
                            uint8_t *pixels, char *error, size_t error_size);
#endif
