// Script figures: save-to-new-frame latency of a ~100-line script, cold start
// of the default demo with a warm cache, the cost of one script call through
// the ABI and the crash guard, and memory kept per reload (libraries are
// never unloaded).
import Foundation
import RasterbarCore
import RasterbarGL
import RasterbarHost

/// Resident memory of this process, in bytes.
func residentBytes() -> Int {
    guard let statm = try? FileIO.readText("/proc/self/statm"),
          let pages = Int(statm.split(separator: " ")[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Live frames with scripts compiled inline, no watcher: reloads are driven by hand.
var inlineLive: Engine.Options {
    var options = Engine.Options(mode: .live)
    options.backgroundCompiles = false
    return options
}

/// Draws live frames one after another, 1/60 s apart.
final class FrameDriver {
    let engine: Engine
    var renderer: DemoRenderer { engine.renderer }
    var frame = 0
    init(_ engine: Engine) { self.engine = engine }

    func draw() throws {
        frame += 1
        try renderer.draw(at: Double(frame) / 60, inputs: FrameInputs(frame: frame, timeDelta: 1.0 / 60, date: .zero))
        finishGL()
    }
}

/// A temporary demo with one script scene; `source` is the script.
func scriptDemo(_ source: String, name: String) throws -> (dir: String, folder: DemoFolder) {
    let dir = NSTemporaryDirectory() + "rasterbar-bench-script-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let repo = FileManager.default.currentDirectoryPath
    try FileManager.default.createDirectory(atPath: dir + "/Scripts", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: repo + "/Shaders", toPath: dir + "/Shaders")
    try Data(#"{"meta": {"resolution": [1280, 720]}, "scenes": [{"name": "s", "start": 0, "end": 1000, "script": "Scripts/\#(name).swift"}]}"#.utf8)
        .write(to: URL(fileURLWithPath: dir + "/demo.json"))
    try Data(source.utf8).write(to: URL(fileURLWithPath: dir + "/Scripts/\(name).swift"))
    return (dir, try DemoFolder.load(dir + "/demo.json"))
}

/// Makes every benchmark run's edits new, so no save is served from the script cache.
let runNonce = UInt32.random(in: 0...UInt32.max)

/// The bundled particle script plus a helper that each save edits: about 100 lines.
func hundredLineScript(edit: Int) throws -> String {
    let particles = try String(contentsOfFile: FileManager.default.currentDirectoryPath + "/Scripts/Particles.swift", encoding: .utf8)
    var helpers = "\n// Helpers, edited on every save (run \(runNonce), edit \(edit)).\nenum Tuning {\n"
    for i in 0..<22 { helpers += "    static func curve\(i)(_ x: Float) -> Float { smoothstep(0, 1, x) * \(edit + i).0 / 100 }\n" }
    return particles + helpers + "}\n"
}

/// Save-to-first-new-frame latency of a script, in a loop paced like the player
/// (sync and draw every 1/60 s, the save landing anywhere inside a frame), and
/// the same edits compiled alone for comparison.
func scriptReloadLatency(name: String, saves: Int, source: (Int) throws -> String) throws -> (latency: [Double], compileAlone: [Double], lines: Int) {
    let (dir, _) = try scriptDemo(try source(0), name: name)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let engine = try Engine(folder: try DemoFolder.load(dir + "/demo.json"), options: Engine.Options(mode: .live, watch: FileWatcher.Options()))
    let store = engine.store, renderer = engine.renderer
    try engine.loadAll()
    let frames = FrameDriver(engine)
    // The first generation is a cold compile: not measured.
    while ScriptDiagnostics.runningGeneration(renderer, scene: 0) == nil {
        store.sync()
        try frames.draw()
        usleep(2000)
    }
    var latencies: [Double] = []
    for save in 1...saves {
        let saved = now()
        try Data(try source(save).utf8).write(to: URL(fileURLWithPath: "\(dir)/Scripts/\(name).swift"))
        let before = ScriptDiagnostics.runningGeneration(renderer, scene: 0) ?? 0
        var nextFrame = saved - Double.random(in: 0..<(1.0 / 60))
        while true {
            store.sync()
            try frames.draw()
            if let g = ScriptDiagnostics.runningGeneration(renderer, scene: 0), g > before {
                latencies.append((now() - saved) * 1000)
                break
            }
            if now() - saved > 20 { fail("save \(save) of \(name) never reloaded") }
            nextFrame += 1.0 / 60
            let wait = nextFrame - now()
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
        }
        usleep(50_000)
    }
    let alone = ScriptCompiler(demoRoot: dir, blocking: true, environment: ProcessInfo.processInfo.environment)
    var compiles: [Double] = []
    for save in 1...8 {
        let bytes = Array(try source(10_000 + save).utf8)
        let t0 = now()
        _ = try alone.library(for: "Scripts/\(name).swift", source: bytes)
        compiles.append((now() - t0) * 1000)
    }
    return (latencies, compiles, try source(0).split(separator: "\n", omittingEmptySubsequences: false).count)
}

func benchmarkScripts() throws {
    let context = try HeadlessContext() // one current GL context for everything below
    defer { withExtendedLifetime(context) {} }
    print("")
    print("scripts: save-to-first-new-frame latency at 1280x720, player loop at 60 fps, every save a real compile")
    print("target: p50 <= 300 ms, p95 <= 600 ms")
    let small = { (edit: Int) -> String in
        """
        import RasterbarSDK
        // run \(runNonce), edit \(edit)
        final class Pulse: Scene {
            struct State: Codable { var frames = 0 }
            var state = State()
            init() {}
            func frame(_ context: Context) {
                state.frames += 1
                let shader = context.shader("Shaders/backdrop.frag")
                context.pass(clear: Vec4(0, 0, 0, 1))
                context.fullscreen(shader)
            }
        }
        """
    }
    for (name, label, source) in [("Particles", "Scripts/Particles.swift + helpers", hundredLineScript),
                                  ("Pulse", "a small scene", small)] {
        let r = try scriptReloadLatency(name: name, saves: 24, source: source)
        print("  \(label) (\(r.lines) lines): p50 \(fmt(percentile(r.latency, 0.5))) ms  p95 \(fmt(percentile(r.latency, 0.95))) ms  max \(fmt(r.latency.max() ?? 0)) ms (24 saves); swiftc alone p50 \(fmt(percentile(r.compileAlone, 0.5))) ms")
    }

    // One script call through the ABI and the guard.
    print("")
    print("scripts: cost of one script frame call through the ABI and the guard (target <= 2 us)")
    let empty = try scriptDemo("import RasterbarSDK\nfinal class Empty: Scene { init() {}; func frame(_ context: Context) {} }\n", name: "Empty")
    defer { try? FileManager.default.removeItem(atPath: empty.dir) }
    let emptyEngine = try Engine(folder: try DemoFolder.load(empty.dir + "/demo.json"), options: inlineLive)
    let emptyRenderer = emptyEngine.renderer
    try emptyEngine.loadAll()
    let (bareCall, guardedCall, sceneFrame) = try ScriptDiagnostics.callCost(emptyRenderer, scene: 0, calls: 200_000)
    print("  bare C call into the script        \(fmt(bareCall, 3)) us")
    print("  the same call under the guard      \(fmt(guardedCall, 3)) us")
    print("  a whole script scene frame         \(fmt(sceneFrame, 3)) us  (guard, watchdog, frame info, GL pass state)")

    // Memory kept per reload: every generation stays loaded.
    print("")
    print("scripts: resident memory growth per reload over 200 reloads (target <= 1 MiB)")
    let soak = try scriptDemo(try hundredLineScript(edit: 0), name: "Particles")
    defer { try? FileManager.default.removeItem(atPath: soak.dir) }
    let soakEngine = try Engine(folder: try DemoFolder.load(soak.dir + "/demo.json"), options: inlineLive)
    let soakStore = soakEngine.store, soakRenderer = soakEngine.renderer
    try soakEngine.loadAll()
    let soakFrames = FrameDriver(soakEngine)
    for _ in 0..<10 { try soakFrames.draw() }
    let startRSS = residentBytes()
    let reloads = 200
    for i in 1...reloads {
        try Data(try hundredLineScript(edit: 1000 + i).utf8).write(to: URL(fileURLWithPath: soak.dir + "/Scripts/Particles.swift"))
        soakStore.reloadAll()
        soakStore.sync()
        try soakFrames.draw()
    }
    finishGL()
    let growth = Double(residentBytes() - startRSS) / Double(reloads) / 1024
    let generation = ScriptDiagnostics.runningGeneration(soakRenderer, scene: 0) ?? 0
    print("  \(reloads) reloads (now generation \(generation)): \(fmt(Double(residentBytes() - startRSS) / 1_048_576)) MiB in all, \(fmt(growth)) KiB per reload")
}

/// Milliseconds from launching `rasterbar play --headless` to its first frame, warm cache.
func benchmarkColdStart() throws {
    print("")
    print("scripts: cold start of the default demo with a warm cache, launch to first frame (target <= 1 s)")
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rasterbar").path
    guard FileManager.default.isExecutableFile(atPath: executable) else { fail("build rasterbar first: \(executable)") }
    func launch(start: Double) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["play", "--headless", "--events", "--frames", "2", "--start", String(start), demoPath]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let t0 = now()
        try process.run()
        var text = ""
        while !text.contains(#""event":"frame""#) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let elapsed = (now() - t0) * 1000
        process.waitUntilExit()
        return elapsed
    }
    _ = try launch(start: 0) // fills the cache if it is cold
    for (label, start) in [("first frame in a shader scene (t = 0)", 0.0), ("first frame in a script scene (t = 17)", 17.0)] {
        let runs = try (0..<5).map { _ in try launch(start: start) }
        print("  \(label.padding(to: 40))  median \(fmt(median(runs))) ms  max \(fmt(runs.max() ?? 0)) ms  (5 launches)")
    }
}
