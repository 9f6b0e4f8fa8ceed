// Plain coloured geometry (lines, triangles) for script scenes.
#ifdef RB_VERTEX_SHADER
out vec4 vColor;
void main() {
    gl_Position = vec4(rb_Position.xyz, 1.0);
    vColor = rb_Color;
}
#else
in vec4 vColor;
out vec4 fragColor;
void main() { fragColor = vColor; }
#endif
