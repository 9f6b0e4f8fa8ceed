// Only SDL's audio: the window stays GLFW's.
#include <SDL2/SDL.h>
