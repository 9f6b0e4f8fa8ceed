#version 410 core
// A raymarched field of spheres. Plain GLSL: this file declares its own
// version, uniforms and output, and Rasterbar compiles it as written.

uniform vec3 iResolution;
uniform float iTime;
uniform float fade;      // the demo's tracks
uniform vec2 camera;     // height and sway
uniform float rbBeat;
out vec4 fragColor;

float scene(vec3 p) {
    vec3 q = p;
    q.xz = mod(q.xz + 2.0, 4.0) - 2.0;             // repeat every 4 units
    float bob = 0.35 * sin(iTime * 2.0 + floor((p.x + 2.0) / 4.0) * 1.7 + floor((p.z + 2.0) / 4.0));
    float sphere = length(q - vec3(0.0, bob, 0.0)) - 1.0;
    float floorPlane = p.y + 1.2;
    return min(sphere, floorPlane);
}

vec3 normalAt(vec3 p) {
    vec2 e = vec2(0.002, 0.0);
    return normalize(vec3(scene(p + e.xyy) - scene(p - e.xyy),
                          scene(p + e.yxy) - scene(p - e.yxy),
                          scene(p + e.yyx) - scene(p - e.yyx)));
}

void main() {
    vec2 uv = (2.0 * gl_FragCoord.xy - iResolution.xy) / iResolution.y;
    float t = iTime;
    vec3 eye = vec3(2.0 * sin(t * 0.3) + camera.y, camera.x, t * 2.5);
    vec3 forward = normalize(vec3(0.3 * sin(t * 0.2) - 0.1 * camera.y, -0.1 * camera.x, 1.0));
    vec3 right = normalize(cross(vec3(0.0, 1.0, 0.0), forward));
    vec3 up = cross(forward, right);
    vec3 dir = normalize(forward * 1.6 + right * uv.x + up * uv.y);

    float dist = 0.0;
    bool hit = false;
    for (int i = 0; i < 72; i++) {
        float d = scene(eye + dir * dist);
        if (d < 0.002) { hit = true; break; }
        dist += d;
        if (dist > 40.0) break;
    }

    vec3 sky = mix(vec3(0.02, 0.02, 0.06), vec3(0.35, 0.12, 0.4), clamp(dir.y * 2.0 + 0.5, 0.0, 1.0));
    vec3 col = sky;
    if (hit) {
        vec3 p = eye + dir * dist;
        vec3 n = normalAt(p);
        vec3 light = normalize(vec3(0.6, 0.8, -0.4));
        float diffuse = max(dot(n, light), 0.0);
        float rim = pow(1.0 - max(dot(n, -dir), 0.0), 3.0);
        vec3 base = p.y < -1.15
            ? mix(vec3(0.08), vec3(0.3, 0.1, 0.35), mod(floor(p.x) + floor(p.z), 2.0))
            : 0.5 + 0.5 * cos(vec3(0.0, 2.0, 4.0) + p.z * 0.15 + t);
        float pulse = pow(1.0 - fract(rbBeat), 3.0);
        col = base * (0.15 + 0.85 * diffuse) + rim * vec3(0.9, 0.5, 1.0) * (0.6 + 0.6 * pulse);
        col = mix(col, sky, 1.0 - exp(-0.004 * dist * dist));
    }
    col = pow(col, vec3(0.4545));
    col *= fade;
    fragColor = vec4(col, 1.0);
}
