// FreeType names its headers through macros (FT_FREETYPE_H), which only C can follow.
#include <ft2build.h>
#include FT_FREETYPE_H
