// Only SDL's audio: the window stays GLFW's.
#include <SDL.h>
