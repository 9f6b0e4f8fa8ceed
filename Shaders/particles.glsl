// Glowing round points for script geometry. One file, two stages: the engine
// compiles it with RB_VERTEX_SHADER, then with RB_FRAGMENT_SHADER.
#ifdef RB_VERTEX_SHADER
out vec4 vColor;
void main() {
    gl_Position = vec4(rb_Position.xyz, 1.0);
    gl_PointSize = rb_Position.w;
    vColor = rb_Color;
}
#else
in vec4 vColor;
out vec4 fragColor;
void main() {
    vec2 p = gl_PointCoord * 2.0 - 1.0;
    float d = dot(p, p);
    if (d > 1.0) discard;
    float glow = exp(-d * 4.0);
    fragColor = vec4(vColor.rgb * glow, vColor.a * glow);
}
#endif
