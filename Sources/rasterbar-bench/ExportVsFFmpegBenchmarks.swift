// Export against the best of what exists, in one run on one machine: PNG
// export vs the raw C loop rendering the same frames plus ffmpeg's own PNG
// encoder turning those frames into files (time and total size), video
// export vs raw C plus ffmpeg encoding the same raw frames alone (same codec
// and settings), what splitting a script scene into shards costs, and the
// peak memory of a 4K export.
import Foundation
import RasterbarCore
import RasterbarGL
import RasterbarHost
import RawGLReference

/// A noisy fbm shader: the hardest kind of frame to compress.
let fbmShader = """
    float hash(vec2 p) { return fract(sin(dot(p, vec2(127.1, 311.7))) * 43758.5453); }
    float noise(vec2 p) {
        vec2 i = floor(p), f = fract(p);
        vec2 u = f * f * (3.0 - 2.0 * f);
        return mix(mix(hash(i), hash(i + vec2(1, 0)), u.x), mix(hash(i + vec2(0, 1)), hash(i + vec2(1, 1)), u.x), u.y);
    }
    float fbm(vec2 p) { float v = 0.0, a = 0.5; for (int i = 0; i < 6; i++) { v += a * noise(p); p *= 2.03; a *= 0.5; } return v; }
    void mainImage(out vec4 c, in vec2 f) {
        vec2 p = f / iResolution.y * 6.0 + iTime * 0.3;
        float v = fbm(p + fbm(p + iTime * 0.1));
        c = vec4(0.5 + 0.5 * cos(6.28 * (v + vec3(0.0, 0.33, 0.67))), 1.0);
    }
    """

func benchmarkExportVsFFmpeg() throws {
    let size = PixelSize(width: 1280, height: 720)
    let fps = 30.0, frames = 90
    let original = try DemoFolder.load(demoPath)
    let tracks = String(decoding: try FileIO.read(original.file), as: UTF8.self)
    let tracksJSON = (try? parseJSON(Array(tracks.utf8)))?["tracks"].map { String(decoding: Array(tracks.utf8)[$0.start..<$0.end], as: UTF8.self) } ?? "{}"
    print("")
    print("export vs raw C + ffmpeg: \(frames) frames at \(size), \(Int(fps)) fps, one shader scene each; PNG export is RGB (ffmpeg's png encoder writes RGB too)")
    print("targets: PNG export time <= raw C + ffmpeg -c:v png, size <= 1.05x ffmpeg's; video export time <= 1.1 x (raw C + ffmpeg alone)")
    let work = NSTemporaryDirectory() + "rasterbar-ffmpeg-bench-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: work) }
    for (label, shader, start) in [("copper bars (Shaders/rasterbars.frag)", "Shaders/rasterbars.frag", 1.0),
                                   ("spheres (Shaders/spheres.frag)", "Shaders/spheres.frag", 24.0),
                                   ("noisy fbm", "Shaders/fbm.frag", 0.0)] {
        // A one-scene demo of the shader, the default demo's tracks and Shaders/ beside it.
        let dir = work + "/" + (shader as NSString).lastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? FileManager.default.copyItem(atPath: original.path(of: "Shaders"), toPath: dir + "/Shaders")
        try FileIO.writeAtomically(Array(fbmShader.utf8), to: dir + "/Shaders/fbm.frag")
        try FileIO.writeAtomically(Array("""
            {"meta": {"resolution": [\(size.width), \(size.height)], "fps": \(Int(fps)), "bpm": 120, "duration": 40},
             "scenes": [{"name": "s", "start": 0, "end": 40, "shader": "\(shader)"}], "tracks": \(tracksJSON)}
            """.utf8), to: dir + "/demo.json")
        let folder = try DemoFolder.load(dir + "/demo.json")
        let engine = try Engine(folder: folder, options: Engine.Options(mode: .offline, environment: [:]))
        let range = ExportRange(from: start, to: start + Double(frames) / fps, fps: fps)

        // Raw C: the least code drawing the same shader and reading the frames back.
        let source = try ShaderSource.load(shader) { try FileIO.readText(folder.path(of: $0)) }
        let uniforms = RawUniforms(folder.demo, scene: 0, times: range.frames.map(range.time(of:)))
        var raw = [UInt8](repeating: 0, count: size.width * size.height * 4)
        var error = [CChar](repeating: 0, count: 1024)
        let rawSeconds = uniforms.withCArray { list, count in
            rb_raw_reference_run(source.text, Int32(size.width), Int32(size.height), Int32(frames), range.from, 1 / fps, list, count, &raw, &error, error.count)
        }
        guard rawSeconds >= 0 else { fail("raw reference failed: \(String(cString: error))") }

        // The same frames as raw files for ffmpeg: RGB for PNG, RGBA for video.
        var rgb = Data(capacity: frames * size.width * size.height * 3), rgba = Data(capacity: frames * size.width * size.height * 4)
        for frame in range.frames {
            let image = try engine.renderImage(at: range.time(of: frame))
            rgba.append(contentsOf: image.pixels)
            for i in stride(from: 0, to: image.pixels.count, by: 4) { rgb.append(contentsOf: image.pixels[i..<i + 3]) }
        }
        try rgb.write(to: URL(fileURLWithPath: dir + "/frames.rgb"))
        try rgba.write(to: URL(fileURLWithPath: dir + "/frames.rgba"))
        try FileManager.default.createDirectory(atPath: dir + "/ffmpeg-png", withIntermediateDirectories: true)
        let input = ["-f", "rawvideo", "-s", "\(size.width)x\(size.height)", "-framerate", String(Int(fps))]
        let ffmpegPNG = try timeFFmpeg(input + ["-pix_fmt", "rgb24", "-i", dir + "/frames.rgb", "-c:v", "png", dir + "/ffmpeg-png/f%06d.png"])
        let ffmpegPNGSize = folderBytes(dir + "/ffmpeg-png")
        let video = try VideoSettings().videoArguments(for: "mp4")
        let ffmpegVideo = try timeFFmpeg(input + ["-pix_fmt", "rgba", "-i", dir + "/frames.rgba"] + video + [dir + "/ffmpeg.mp4"])

        // Rasterbar's exports of the same frames.
        var t0 = now()
        try Exporter(engine: engine, range: range, destination: .pngSequence(folder: dir + "/export-png")).run()
        let exportPNG = now() - t0
        let exportPNGSize = folderBytes(dir + "/export-png")
        t0 = now()
        try Exporter(engine: engine, range: range, destination: .video(path: dir + "/export.mp4")).run()
        let exportVideo = now() - t0

        print("  \(label)")
        print("    PNG:   export \(fmt(exportPNG)) s, \(fmt(Double(exportPNGSize) / 1e6, 1)) MB | raw C \(fmt(rawSeconds)) s + ffmpeg png \(fmt(ffmpegPNG)) s = \(fmt(rawSeconds + ffmpegPNG)) s, \(fmt(Double(ffmpegPNGSize) / 1e6, 1)) MB"
              + " | time ratio \(fmt(exportPNG / (rawSeconds + ffmpegPNG), 3)), size ratio \(fmt(Double(exportPNGSize) / Double(ffmpegPNGSize), 3))")
        print("    video: export \(fmt(exportVideo)) s | raw C \(fmt(rawSeconds)) s + ffmpeg alone \(fmt(ffmpegVideo)) s = \(fmt(rawSeconds + ffmpegVideo)) s | ratio \(fmt(exportVideo / (rawSeconds + ffmpegVideo), 3))")
    }
}

/// Wall time of one ffmpeg run (quiet, overwriting).
func timeFFmpeg(_ arguments: [String]) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"] + arguments
    let t0 = now()
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fail("ffmpeg failed: \(arguments.joined(separator: " "))") }
    return now() - t0
}

/// The bytes of the PNG files in a folder.
func folderBytes(_ folder: String) -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".png") }.reduce(0) { sum, name in
        sum + (((try? FileManager.default.attributesOfItem(atPath: folder + "/" + name))?[.size] as? Int) ?? 0)
    }
}

/// A script scene exported whole and as 4 shards (each a fresh engine, as on
/// 4 machines, so each replays the script from the scene's start); and a 4K
/// export's peak memory.
func benchmarkShardsAnd4K() throws {
    let folder = try DemoFolder.load(demoPath)
    guard let index = folder.demo.scenes.firstIndex(where: { $0.isScript }) else { return }
    let scene = folder.demo.scenes[index]
    let range = ExportRange(from: scene.start, to: scene.end, fps: 30)
    let size = PixelSize(width: 640, height: 360)
    func export(_ shard: Shard?) throws -> Double {
        let engine = try Engine(folder: folder, options: Engine.Options(mode: .offline, size: size, environment: [:]))
        let exporter = Exporter(engine: engine, range: range, destination: .discard)
        exporter.shard = shard
        let t0 = now()
        try exporter.run()
        return now() - t0
    }
    _ = try export(nil)
    let whole = try export(nil)
    let shards = try (1...4).map { try export(try Shard(parsing: "\($0)/4")) }.reduce(0, +)
    print("")
    print("shards: the script scene '\(scene.name)' (\(range.frames.count) frames at \(size), no encoder), whole vs 4 shards in sequence, each a fresh engine")
    print("  whole \(fmt(whole)) s, 4 shards \(fmt(shards)) s: overhead \(fmt((shards / whole - 1) * 100, 1))% (each shard replays the script from the scene's start)")

    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rasterbar").path
    guard FileManager.default.isExecutableFile(atPath: executable) else { return print("  (4K: build the release rasterbar to measure)") }
    let out = NSTemporaryDirectory() + "rasterbar-4k-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["render", demoPath, "--from", "0", "--to", "2", "--fps", "30", "--size", "3840x2160", "--out", out + "/", "--quiet"]
    process.standardOutput = FileHandle.nullDevice
    let t0 = now()
    try process.run()
    process.waitUntilExit()
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    print("4K: 60 frames of the default demo at 3840x2160 to PNG: \(fmt(now() - t0, 1)) s, peak RSS \(usage.ru_maxrss / 1024) MB (frames in flight capped at 256 MB)")
}
