// The classic tunnel: polar coordinates into a procedural texture, with depth fog.
// Shadertoy style; the `twist` track winds it, `fade` dims it.
uniform float fade;
uniform float twist;

float checker(vec2 q) {
    vec2 c = floor(q);
    return mod(c.x + c.y, 2.0);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float t = iTime;

    // The tunnel winds: its centre drifts over time.
    p += 0.25 * vec2(sin(t * 0.7), cos(t * 0.9));
    float r = length(p);
    float a = atan(p.y, p.x);

    // Map to the tunnel wall: u around, v into the screen.
    float depth = 0.6 / max(r, 0.001);
    vec2 uv = vec2(a / 3.14159 * 4.0 + t * 0.3 + twist * depth * 0.35, depth + t * 2.0);
    float c = checker(uv * vec2(2.0, 1.0));
    float glow = 0.5 + 0.5 * sin(uv.y * 3.0 - t * 4.0);
    vec3 warm = vec3(1.0, 0.45, 0.15), cool = vec3(0.1, 0.55, 1.0);
    vec3 col = mix(warm, cool, c) * (0.55 + 0.45 * glow);

    // Rings of light racing towards the viewer.
    col += vec3(1.0, 0.9, 0.7) * pow(0.5 + 0.5 * sin(uv.y * 0.75 - t * 3.0), 24.0);
    // Depth fog: dark far away (small r).
    col *= smoothstep(0.0, 0.9, r);
    col = pow(col, vec3(0.9));
    col *= fade;
    fragColor = vec4(col, 1.0);
}
