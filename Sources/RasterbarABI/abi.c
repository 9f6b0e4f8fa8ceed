// Proves the header compiles as C and pins the layout promises it makes.
#include "rasterbar.h"
#include <stddef.h>

_Static_assert(offsetof(rb_context, abi_version) == 0, "abi_version comes first");
_Static_assert(offsetof(rb_context, struct_size) == 4, "struct_size comes second");
_Static_assert(offsetof(rb_script, abi_version) == 0, "abi_version comes first");
_Static_assert(offsetof(rb_script, struct_size) == 4, "struct_size comes second");
_Static_assert(sizeof(rb_vertex) == 32, "vertices are 8 floats");

uint32_t rb_abi_version(void) { return RB_ABI_VERSION; }
