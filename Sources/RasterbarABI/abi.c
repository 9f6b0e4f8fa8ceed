// Proves the header compiles as C and pins the layout promises it makes.
#include "rasterbar.h"
#include <stddef.h>

_Static_assert(offsetof(rb_context, abi_version) == 0, "abi_version comes first");
_Static_assert(offsetof(rb_context, struct_size) == 4, "struct_size comes second");
_Static_assert(offsetof(rb_script, abi_version) == 0, "abi_version comes first");
_Static_assert(offsetof(rb_script, struct_size) == 4, "struct_size comes second");
_Static_assert(offsetof(rb_frame_info, struct_size) == 0, "struct_size comes first");
_Static_assert(offsetof(rb_context, frame) < offsetof(rb_context, shader), "frame info is reached before any callback, by pointer");
_Static_assert(sizeof(rb_shader) == 4 && sizeof(rb_texture) == 4 && sizeof(rb_target) == 4, "handles are one 32-bit id");
_Static_assert(sizeof(rb_vertex) == 32, "vertices are 8 floats");
