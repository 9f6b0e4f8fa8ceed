// Feedback: the accumulated image graded onto the screen.
uniform sampler2D uImage;
uniform float fade;

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    vec3 col = texture(uImage, uv).rgb;
    col = 1.0 - exp(-col * 1.6);                       // soft tone mapping
    col *= 1.0 - 0.4 * dot(uv - 0.5, uv - 0.5) * 2.0;  // vignette
    col *= fade;
    fragColor = vec4(col, 1.0);
}
