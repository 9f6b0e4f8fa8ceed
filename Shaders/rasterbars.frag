// Copper bars over a plasma: the effect the engine is named after.
// Shadertoy style: no #version, mainImage. The demo's tracks drive it: `fade`
// (brightness) and `barSpeed`; the music (iChannel0) makes it pulse on the kick
// and draws its waveform as an oscilloscope line.
#include "lib/music.glsl"
uniform float fade;
uniform float barSpeed;

vec3 palette(float t) {
    return 0.5 + 0.5 * cos(6.28318 * (t + vec3(0.0, 0.33, 0.67)));
}

// One bar: a bright core with a metallic falloff, like a copper list on an Amiga.
vec3 bar(float y, float centre, vec3 tint) {
    float d = abs(y - centre);
    float core = smoothstep(0.045, 0.0, d);
    float shine = pow(max(0.0, 1.0 - d / 0.045), 3.0);
    return tint * core + vec3(1.0) * shine * 0.35;
}

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    vec2 p = (fragCoord - 0.5 * iResolution.xy) / iResolution.y;
    float t = iTime;

    // Plasma: a sum of sines, dimmed so the bars stand out.
    float v = sin(p.x * 6.0 + t)
            + sin((p.y * 5.0 + t * 0.7) * 1.3)
            + sin(length(p * 7.0 + vec2(sin(t * 0.5), cos(t * 0.4)) * 2.0) - t)
            + sin(p.x * 3.0 - p.y * 4.0 + t * 1.3);
    vec3 col = palette(v * 0.15 + t * 0.05) * 0.35;

    // Eight bars swinging through each other, drawn back to front.
    for (int i = 0; i < 8; i++) {
        float fi = float(i);
        float phase = t * barSpeed + fi * 0.45;
        float centre = 0.5 + 0.36 * sin(phase);
        float depth = cos(phase);                  // > 0: in front
        vec3 tint = palette(fi / 8.0 + 0.1) * (0.65 + 0.35 * depth);
        float cover = smoothstep(0.05, 0.0, abs(uv.y - centre));
        col = mix(col, bar(uv.y, centre, tint), cover);
    }

    // Scanlines and a vignette for the CRT feel.
    col *= 0.9 + 0.1 * sin(fragCoord.y * 3.14159);
    col *= 1.0 - 0.35 * dot(p, p);
    // The music's waveform as a thin glowing line low on the screen.
    float wave = 0.12 + 0.08 * waveform(iChannel0, uv.x);
    col += vec3(0.55, 0.85, 1.0) * smoothstep(0.006, 0.0, abs(uv.y - wave)) * 0.8;
    // A lift on every kick, then the demo's fade.
    col *= 1.0 + 0.3 * kick(iChannel0);
    col *= fade;
    fragColor = vec4(col, 1.0);
}
