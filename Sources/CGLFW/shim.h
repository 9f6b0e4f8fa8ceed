// GLFW without its own GL include: GL comes from the CGL module, one way only.
#define GLFW_INCLUDE_NONE 1
#include <GLFW/glfw3.h>
