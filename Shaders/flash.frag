// A white flash on every kick drum, added over the scene below it (layer 1,
// blend add). iChannel0 is the music: the flash follows what is heard, not the
// beat clock, so it hits with the drum even where the drum skips a beat.
#include "lib/music.glsl"
uniform float fade;

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    float flash = kick(iChannel0);
    vec2 p = fragCoord / iResolution.xy - 0.5;
    fragColor = vec4(vec3(0.35 * flash * (1.0 - dot(p, p))) * fade, 1.0);
}
