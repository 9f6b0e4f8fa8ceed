// A dark gradient with a slow glow, behind the particles.
uniform float fade;
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    vec3 top = vec3(0.02, 0.01, 0.05), bottom = vec3(0.08, 0.02, 0.1);
    vec3 col = mix(bottom, top, uv.y);
    col += vec3(0.10, 0.04, 0.12) * exp(-8.0 * length(uv - vec2(0.5 + 0.3 * sin(iTime * 0.9), 0.15)));
    col *= fade;
    fragColor = vec4(col, 1.0);
}
