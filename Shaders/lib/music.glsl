// Reading the soundtrack from a "music" channel (Shadertoy's 512x2 texture:
// row 0 the spectrum, row 1 the waveform).

// The kick drum: the lowest spectrum bins (about 20-110 Hz at 44.1 kHz), 0 to 1.
// The spectrum is smoothed from frame to frame, so this rises on the hit and
// falls off over a few frames after it: a flash with a tail, for free.
float kick(sampler2D music) {
    float level = 0.0;
    for (int i = 1; i <= 4; i++) level += texture(music, vec2((float(i) + 0.5) / 512.0, 0.25)).x;
    return smoothstep(0.86, 0.97, level / 4.0);
}

// The waveform at x (0 to 1 across the screen), -1 to 1.
float waveform(sampler2D music, float x) {
    return texture(music, vec2(x, 0.75)).x * 2.0 - 1.0;
}
