// A white flash on every beat, added over the scene below it (layer 1, blend add).
uniform float fade;

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    float flash = pow(1.0 - fract(rbBeat), 8.0);
    vec2 p = fragCoord / iResolution.xy - 0.5;
    fragColor = vec4(vec3(0.35 * flash * (1.0 - dot(p, p))) * fade, 1.0);
}
