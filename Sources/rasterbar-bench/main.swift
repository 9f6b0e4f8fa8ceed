// rasterbar-bench: prints the engine's figures against its targets.
// Run it as `swift run -c release rasterbar-bench [DEMO [frames|store|export|export-ffmpeg|scripts|scripts-reload|soak [RELOADS]|pack|rocket|shadertoy|music [SECONDS]]]`; BENCHMARKS.md
// records the results with the machine they came from. Figures are ratios
// within one run, so a noisy shared machine still gives comparable numbers.
import Foundation
import RasterbarCore
import RasterbarGL
import RasterbarHost
import RawGLReference

// Mesa's shader caches (the GLSL cache and llvmpipe's JIT cache, on disk in
// ~/.cache/mesa_shader_cache) would let the reload benchmark's driver floor
// find a text the engine compiled a moment before, or the reverse. Off for this
// process's driver, which reads the variable once, when the EGL display starts;
// unset again afterwards so child processes (the player in the cold-start
// benchmark) keep the cache a user has.
let mesaShaderCacheNote: String = {
    setenv("MESA_SHADER_CACHE_DISABLE", "true", 1)
    defer { unsetenv("MESA_SHADER_CACHE_DISABLE") }
    do {
        _ = try HeadlessContext()
        return "off in this process (MESA_SHADER_CACHE_DISABLE=true when its EGL display started)"
    } catch {
        return "unknown (no GL: \(error))"
    }
}()

// Line by line even into a file or pipe, so long runs show their progress.
setvbuf(stdout, nil, _IOLBF, 0)
let arguments = Array(CommandLine.arguments.dropFirst())
let demoPath = arguments.first ?? "demo.json"
let size = PixelSize(width: 1280, height: 720)
let framesPerRound = 40
let rounds = 7

func fail(_ message: String) -> Never {
    fputs("rasterbar-bench: \(message)\n", stderr)
    exit(1)
}

func now() -> Double { monotonicSeconds() }

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func cpuName() -> String {
    guard let text = try? FileIO.readText("/proc/cpuinfo"),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
          let colon = line.firstIndex(of: ":") else { return "unknown CPU" }
    return String(line[line.index(after: colon)...].drop { $0 == " " })
}

/// Engine vs raw C on each scene shader: the engine's headless frame (scene
/// selection, uniforms, draw, readback) divided by the least C that draws the
/// same shader and reads it back, in the same process and context.
func benchmarkHeadlessFrames() throws {
    let folder = try DemoFolder.load(demoPath)
    let headless = try Engine(folder: folder, options: Engine.Options(mode: .offline, size: size, environment: [:]))
    print("machine: \(cpuName()), \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) cores; GL: \(currentRendererName()); \(currentGLVersion()); \(headless.context?.platformName ?? "")")
    print("headless frame at \(size), \(rounds) rounds of \(framesPerRound) frames, engine and raw C alternating; medians of per-round ms/frame")
    print("target: engine/raw <= 1.05")
    var buffer: [UInt8] = []
    var raw = [UInt8](repeating: 0, count: size.width * size.height * 4)
    var error = [CChar](repeating: 0, count: 1024)
    for (index, scene) in folder.demo.scenes.enumerated() {
        // The raw reference draws one fragment shader: script scenes have no raw equivalent.
        guard case let .shader(shader) = scene.source, let from = soloWindow(folder.demo, scene: index, length: 2) else { continue }
        let source = try ShaderSource.load(shader) { try FileIO.readText(folder.path(of: $0)) }
        // Both draw the same two seconds, where the scene is alone on screen.
        let step = 2 / Double(framesPerRound)
        func engineRound() throws -> Double {
            let t0 = now()
            for i in 0..<framesPerRound {
                try headless.drawStrict(at: from + Double(i) * step)
                headless.target.readPixels(into: &buffer)
            }
            return (now() - t0) / Double(framesPerRound) * 1000
        }
        let uniforms = RawUniforms(folder.demo, scene: index, times: (0..<framesPerRound).map { from + Double($0) * step })
        func rawRound() throws -> Double {
            let seconds = uniforms.withCArray { list, count in
                rb_raw_reference_run(source.text, Int32(size.width), Int32(size.height), Int32(framesPerRound),
                                     from - scene.start, step, list, count, &raw, &error, error.count)
            }
            guard seconds >= 0 else { fail("raw reference failed: \(String(cString: error))") }
            return seconds / Double(framesPerRound) * 1000
        }
        // The same frames read back as a top-down Image (a new allocation and a
        // row flip per frame), which is what `rasterbar render` writes out.
        func imageRound() throws -> Double {
            let t0 = now()
            for i in 0..<framesPerRound { _ = try headless.renderImage(at: from + Double(i) * step) }
            return (now() - t0) / Double(framesPerRound) * 1000
        }
        _ = try engineRound(); _ = try rawRound(); _ = try imageRound() // warm up: compile, first allocations
        var engine: [Double] = [], reference: [Double] = [], ratios: [Double] = [], imageRatios: [Double] = []
        for _ in 0..<rounds {
            let e = try engineRound(), r = try rawRound(), i = try imageRound()
            engine.append(e); reference.append(r); ratios.append(e / r); imageRatios.append(i / r)
        }
        let pad = shader.padding(to: 26)
        print("  scene \(index) \(pad) engine \(fmt(median(engine))) ms  raw C \(fmt(median(reference))) ms  ratio \(fmt(median(ratios), 3))  (top-down Image: \(fmt(median(imageRatios), 3)))")
    }
}

func fmt(_ v: Double, _ decimals: Int = 2) -> String { String(format: "%.\(decimals)f", v) }

/// The uniforms the engine sets for scene `index` besides iTime and
/// iResolution (tracks, params, rb*), at each of `times`, in the raw loop's form.
final class RawUniforms {
    private var storage: [(name: UnsafeMutablePointer<CChar>, values: [Float], components: Int)] = []

    init(_ demo: Demo, scene index: Int, times: [Double]) {
        let scene = demo.scenes[index]
        func add(_ name: String, _ components: Int, _ value: (Double) -> [Float]) {
            storage.append((strdup(name)!, times.flatMap(value), components))
        }
        for track in demo.tracks {
            add(track.name, track.components) { t in
                let v = track.value(at: t)
                return Array([Float(v.x), Float(v.y), Float(v.z), Float(v.w)].prefix(track.components))
            }
        }
        for (name, value) in scene.params { add(name, 1) { _ in [Float(value)] } }
        add("rbDemoTime", 1) { [Float($0)] }
        add("rbSceneProgress", 1) { [Float(min(1, max(0, ($0 - scene.start) / scene.length)))] }
        add("rbBeat", 1) { t in [Float(demo.meta.bpm.map { t * $0 / 60 } ?? 0)] }
    }

    deinit { for entry in storage { free(entry.name) } }

    /// Calls `body` with the C array of uniforms.
    func withCArray<T>(_ body: (UnsafePointer<rb_raw_uniform>, Int32) -> T) -> T {
        var arrays: [UnsafeMutablePointer<Float>] = []
        defer { arrays.forEach { $0.deallocate() } }
        let list = storage.map { entry -> rb_raw_uniform in
            let values = UnsafeMutablePointer<Float>.allocate(capacity: entry.values.count)
            values.initialize(from: entry.values, count: entry.values.count)
            arrays.append(values)
            return rb_raw_uniform(name: entry.name, components: Int32(entry.components), values: values)
        }
        return list.withUnsafeBufferPointer { body($0.baseAddress!, Int32($0.count)) }
    }
}

/// The start of `length` seconds inside scene `index` where it is alone on
/// screen (no other layer, no transition): engine and raw C then draw exactly
/// the same shader. Nil if the scene never is.
func soloWindow(_ demo: Demo, scene index: Int, length: Double) -> Double? {
    let scene = demo.scenes[index]
    return stride(from: scene.start, through: scene.end - length, by: 0.25).first { start in
        stride(from: start, to: start + length, by: 1.0 / 60).allSatisfy { t in
            demo.activeScenes(at: t) == [index] && demo.transition(at: t, layer: scene.layer) == nil
        }
    }
}

extension String {
    func padding(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

do {
    let only = arguments.dropFirst().first
    if only == nil || only == "frames" { try benchmarkHeadlessFrames() }
    if only == nil || only == "store" { try benchmarkStore() }
    if only == nil || only == "export" {
        try benchmarkExport()
        benchmarkTimeline()
    }
    if only == nil || only == "scripts" {
        try benchmarkColdStart()
        try benchmarkScripts()
    }
    if only == "scripts-reload" { try benchmarkScripts(reloadsOnly: true) }
    if only == "soak" { try benchmarkReloadSoak(reloads: Int(arguments.dropFirst(2).first ?? "") ?? 1000) }
    if only == nil || only == "pack" { try benchmarkPack() }
    if only == nil || only == "export-ffmpeg" {
        try benchmarkExportVsFFmpeg()
        try benchmarkShardsAnd4K()
    }
    if only == nil || only == "rocket" { try benchmarkRocket() }
    if only == nil || only == "shadertoy" {
        try benchmarkMultipass()
        try benchmarkSoundShader()
    }
    if only == nil || only == "music" {
        try benchmarkSpectrum()
        try benchmarkFramesWithMusic()
        try benchmarkAudioClock(seconds: Double(arguments.dropFirst(2).first ?? "") ?? 300)
    }
} catch {
    fail("\(error)")
}
