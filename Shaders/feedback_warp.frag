// Feedback: the previous frame, zoomed towards the centre, turned and faded.
uniform sampler2D uPrevious;
uniform float uZoom;
uniform float uTurn;

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy - 0.5;
    float c = cos(uTurn), s = sin(uTurn);
    uv = mat2(c, -s, s, c) * uv / uZoom;
    vec3 previous = texture(uPrevious, uv + 0.5).rgb;
    // Each channel fades at its own rate, so trails drift through the spectrum
    // without turning grey.
    previous *= vec3(0.975, 0.955, 0.985);
    fragColor = vec4(previous, 1.0);
}
