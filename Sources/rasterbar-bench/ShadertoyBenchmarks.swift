// Shadertoy's buffers: a four-buffer scene's frame in the engine against raw C
// doing the same passes in the same context, and what the offline replay of a
// feedback scene costs per second of scene (render --time deep into it).
import Foundation
import RasterbarCore
import RasterbarGL
import RasterbarHost
import RawGLReference

/// The passes: A feeds back on itself (a moving smear), B, C and D blur the
/// pass before them, the image tone-maps D. Costs like a small real piece.
let multipassShaders: [(file: String, text: String)] = [
    ("a.glsl", """
        void mainImage(out vec4 c, in vec2 f) {
            vec2 uv = f / iResolution.xy;
            vec4 old = texture(iChannel0, uv + vec2(0.002 * sin(iTime), 0.001));
            float d = length(uv - 0.5 - 0.3 * vec2(cos(iTime * 1.3), sin(iTime * 0.7)));
            c = mix(old * 0.98, vec4(0.5 + 0.5 * cos(iTime + uv.xyx * 6.0 + vec3(0, 2, 4)), 1.0), smoothstep(0.08, 0.0, d));
        }
        """),
] + ["b.glsl", "c.glsl", "d.glsl"].map { file in (file, """
        void mainImage(out vec4 c, in vec2 f) {
            vec2 px = 1.0 / iResolution.xy, uv = f * px;
            c = 0.4 * texture(iChannel0, uv) + 0.15 * (texture(iChannel0, uv + vec2(px.x, 0.0)) + texture(iChannel0, uv - vec2(px.x, 0.0))
                + texture(iChannel0, uv + vec2(0.0, px.y)) + texture(iChannel0, uv - vec2(0.0, px.y)));
        }
        """) } + [
    ("image.glsl", "void mainImage(out vec4 c, in vec2 f) { vec3 v = texture(iChannel0, f / iResolution.xy).rgb; c = vec4(v / (1.0 + v), 1.0); }"),
]

/// A demo folder holding the four-buffer scene, `seconds` long.
func writeMultipassDemo(seconds: Double) throws -> DemoFolder {
    let root = NSTemporaryDirectory() + "rasterbar-bench-multipass-\(getpid())"
    try? FileManager.default.removeItem(atPath: root)
    try FileManager.default.createDirectory(atPath: root + "/Shaders", withIntermediateDirectories: true)
    for shader in multipassShaders { try FileIO.writeAtomically(Array(shader.text.utf8), to: root + "/Shaders/" + shader.file) }
    let demo = """
        {"meta": {"title": "multipass", "resolution": [\(size.width), \(size.height)], "fps": 60},
         "scenes": [{"name": "toy", "start": 0, "end": \(seconds), "shader": "Shaders/image.glsl", "channels": ["buffer:D"],
                     "buffers": {"A": {"shader": "Shaders/a.glsl", "channels": ["buffer:A"]}, "B": {"shader": "Shaders/b.glsl", "channels": ["buffer:A"]},
                                 "C": {"shader": "Shaders/c.glsl", "channels": ["buffer:B"]}, "D": {"shader": "Shaders/d.glsl", "channels": ["buffer:C"]}}}]}
        """
    try FileIO.writeAtomically(Array(demo.utf8), to: root + "/demo.json")
    return try DemoFolder.load(root + "/demo.json")
}

func benchmarkMultipass() throws {
    let folder = try writeMultipassDemo(seconds: 60)
    defer { try? FileManager.default.removeItem(atPath: folder.root) }
    print("four-buffer Shadertoy scene (A feeds back, B-D blur, image tone-maps) at \(size), \(rounds) rounds of \(framesPerRound) frames, engine and raw C alternating; medians of per-round ms/frame")
    print("target: engine/raw <= 1.05")
    // The texts the engine compiles, wrapped the same way, so both draw the same passes.
    let wrapped = try multipassShaders.map { shader in
        try ShaderSource.load("Shaders/" + shader.file, common: nil, samplers: [.texture2D], pass: shader.file == "image.glsl" ? .image : .buffer) {
            try FileIO.readText(folder.path(of: $0))
        }.text
    }
    let step = 1.0 / 60
    var engine = try Engine(folder: folder, options: Engine.Options(mode: .offline, size: size, environment: [:]))
    var buffer: [UInt8] = []
    var raw = [UInt8](repeating: 0, count: size.width * size.height * 4)
    var error = [CChar](repeating: 0, count: 1024)
    var frame = 0
    func engineRound() throws -> Double {
        // Frames go on along the grid, as an export renders them: one step per frame.
        let t0 = now()
        for _ in 0..<framesPerRound {
            try engine.drawStrict(at: Double(frame) * step)
            engine.target.readPixels(into: &buffer)
            frame += 1
        }
        return (now() - t0) / Double(framesPerRound) * 1000
    }
    func rawRound() throws -> Double {
        let buffers = wrapped.dropLast().map { strdup($0) }
        defer { buffers.forEach { free($0) } }
        let pointers = buffers.map { UnsafePointer($0) }
        let seconds = pointers.withUnsafeBufferPointer {
            rb_raw_multipass_run($0.baseAddress, 4, wrapped.last!, Int32(size.width), Int32(size.height), Int32(framesPerRound),
                                 0, step, &raw, &error, error.count)
        }
        guard seconds >= 0 else { throw RasterbarError(.graphicsUnavailable, "raw C: \(String(cString: error))") }
        return seconds / Double(framesPerRound) * 1000
    }
    _ = try engineRound() // compiles and warms the programs
    var engineTimes: [Double] = [], rawTimes: [Double] = []
    for _ in 0..<rounds {
        engineTimes.append(try engineRound())
        rawTimes.append(try rawRound())
    }
    let e = median(engineTimes), r = median(rawTimes)
    print("  engine \(fmt(e, 2)) ms, raw C \(fmt(r, 2)) ms, engine/raw \(fmt(e / r, 3))  \(e / r <= 1.05 ? "met" : "MISSED")")

    // render --time deep into a feedback scene replays it from the start: a fresh engine per render, as the command does.
    print("offline replay of the feedback scene: a fresh engine rendering one frame at scene time T (1280x720)")
    var perSecond: [Double] = []
    for t in [0.0, 1, 2, 4] {
        engine = try Engine(folder: folder, options: Engine.Options(mode: .offline, size: size, environment: [:]))
        let t0 = now()
        let image = try engine.renderImage(at: t)
        let seconds = now() - t0
        guard image.pixels.contains(where: { $0 != 0 }) else { fail("the replayed frame at \(t) s is empty") }
        print("  T = \(fmt(t, 0)) s: \(fmt(seconds * 1000, 0)) ms")
        perSecond.append(seconds)
    }
    print("  replay cost: \(fmt((perSecond[3] - perSecond[0]) / 4, 2)) s per second of scene (\(fmt((perSecond[3] - perSecond[0]) / 4 / 60 * 1000, 1)) ms per frame replayed)")
}

/// A sound shader like the ones demosceners write: a kick, a bass line and a
/// detuned lead of eight harmonics, a few dozen operations per sample.
let soundShader = """
    float note(float n) { return 440.0 * exp2((n - 69.0) / 12.0); }
    vec2 mainSound(int samp, float time) {
        float beat = time * 2.0, b = fract(beat);
        float kick = sin(6.2831 * 50.0 * b - 20.0 * exp(-b * 30.0)) * exp(-b * 6.0);
        float bassNote = note(36.0 + 3.0 * mod(floor(beat / 4.0), 4.0));
        float bass = 0.3 * sin(6.2831 * bassNote * time + 2.0 * sin(6.2831 * bassNote * 2.0 * time)) * exp(-fract(beat * 2.0) * 3.0);
        vec2 lead = vec2(0.0);
        for (int h = 1; h <= 8; h++) {
            float f = note(60.0 + 7.0 * mod(floor(beat), 3.0)) * float(h);
            lead += vec2(sin(6.2831 * f * 1.003 * time), sin(6.2831 * f * 0.997 * time)) / float(h * h);
        }
        return 0.4 * kick + bass + 0.15 * lead * exp(-fract(beat) * 2.0);
    }
    """

func benchmarkSoundShader() throws {
    let root = NSTemporaryDirectory() + "rasterbar-bench-sound-\(getpid())"
    try? FileManager.default.removeItem(atPath: root)
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root + "/Shaders", withIntermediateDirectories: true)
    print("sound shader (kick, FM bass, 8-harmonic stereo lead) rendered for the demo's length, 44100 Hz stereo; 5 runs, each a fresh engine and new text")
    var perMinute: [Double] = []
    for run in 0..<5 {
        // New text every run: neither Mesa's cache nor ours may answer.
        try FileIO.writeAtomically(Array((soundShader + "\n// edit \(run) \(getpid())\n").utf8), to: root + "/Shaders/sound.glsl")
        try FileIO.writeAtomically(Array("void mainImage(out vec4 c, in vec2 f) { c = vec4(0.0); }".utf8), to: root + "/Shaders/s.frag")
        try FileIO.writeAtomically(Array("""
            {"meta": {"title": "sound", "resolution": [64, 64], "duration": 60, "music": {"shader": "Shaders/sound.glsl"}},
             "scenes": [{"name": "s", "start": 0, "end": 60, "shader": "Shaders/s.frag"}]}
            """.utf8), to: root + "/demo.json")
        let engine = try Engine(folder: try DemoFolder.load(root + "/demo.json"), options: Engine.Options(mode: .offline, environment: [:]))
        let t0 = now()
        guard let (_, clip) = try engine.renderer.validMusic() else { fail("no music rendered") }
        let seconds = now() - t0
        perMinute.append(seconds)
        if run == 0 { print("  \(clip.frames) sample frames") }
    }
    let m = median(perMinute)
    print("  60 s of sound: median \(fmt(m * 1000, 0)) ms (min \(fmt(perMinute.min()! * 1000, 0)), max \(fmt(perMinute.max()! * 1000, 0))): \(fmt(60 / m, 0)) x real time")
}
