// Script figures: save-to-new-frame latency of a ~100-line script through each
// compile path (the swiftc driver, swift-frontend and ld.lld directly, the
// compile service) against the floor of swift-frontend and ld.lld alone, cold start
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

/// One compile path's save-to-first-new-frame figures for a script.
struct ScriptReloadFigures {
    /// Save to the end of the first frame drawn by the new generation, ms.
    var latency: [Double] = []
    /// Of that, time in compiler and linker processes (or the service's request), ms.
    var tool: [Double] = []
    /// The rest: the engine's part (watcher, job, files, sync, dlopen, state, the frame), ms.
    var engine: [Double] = []
    /// Paths that actually built each save (a fallback shows here).
    var paths: [ScriptCompiler.Path: Int] = [:]
    /// Where the engine's part goes: save to the compile's start (the watcher
    /// reading the save, the job queued), the job outside the compiler and
    /// linker (files, spawning), and the compile's end to the end of the new
    /// frame (the watcher poked, the loop woken, sync, dlopen, state, the frame).
    var toStart: [Double] = [], inJob: [Double] = [], toFrame: [Double] = []
    var compiler: [Double] = [], linker: [Double] = []
    /// Of `toFrame`: the sync() that reloaded (dlopen), the first new frame's
    /// draw (the state handed over, the frame), and an ordinary frame's draw.
    var reloadSync: [Double] = [], firstDraw: [Double] = [], ordinaryDraw: [Double] = []
}

/// A live engine playing one script scene whose compiles take `path`; saves
/// are measured one at a time, from the save to the end of the first frame
/// the new generation draws, in a loop paced like the headless player.
final class ReloadRig {
    let name: String
    let path: ScriptCompiler.Path
    let dir: String
    let engine: Engine
    let frames: FrameDriver
    var figures = ScriptReloadFigures()

    init(name: String, path: ScriptCompiler.Path, first: String) throws {
        self.name = name
        self.path = path
        dir = try scriptDemo(first, name: name).dir
        var options = Engine.Options(mode: .live, watch: FileWatcher.Options())
        options.environment["RASTERBAR_COMPILE_PATH"] = path.rawValue
        engine = try Engine(folder: try DemoFolder.load(dir + "/demo.json"), options: options)
        try engine.loadAll()
        frames = FrameDriver(engine)
        // The first generation is a cold compile (and starts the service): not measured.
        let started = now()
        while ScriptDiagnostics.runningGeneration(engine.renderer, scene: 0) == nil {
            engine.store.sync()
            try frames.draw()
            usleep(2000)
            if now() - started > 120 { fail("\(name) never loaded through \(path)") }
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// Saves `text` and plays until the new generation has drawn a frame.
    func measure(_ text: String, save: Int) throws {
        let store = engine.store, renderer = engine.renderer
        let compiled = engine.compiler.records.count
        let saved = now()
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/Scripts/\(name).swift"))
        let before = ScriptDiagnostics.runningGeneration(renderer, scene: 0) ?? 0
        var nextFrame = saved - Double.random(in: 0..<(1.0 / 60))
        while true {
            let syncStarted = now()
            let reloaded = store.sync()
            let drawStarted = now()
            try frames.draw()
            let drawn = now()
            if let g = ScriptDiagnostics.runningGeneration(renderer, scene: 0), g > before {
                if !reloaded.isEmpty { figures.reloadSync.append((drawStarted - syncStarted) * 1000) }
                figures.firstDraw.append((drawn - drawStarted) * 1000)
                let latency = (drawn - saved) * 1000
                let records = engine.compiler.records.dropFirst(compiled)
                guard records.count == 1, let record = records.first, record.succeeded else {
                    fail("save \(save) of \(name): expected one successful compile, got \(records.map { "\($0.path) \($0.succeeded)" })")
                }
                let tool = record.compilerMilliseconds + record.linkerMilliseconds
                figures.latency.append(latency)
                figures.tool.append(tool)
                figures.engine.append(latency - tool)
                figures.paths[record.path, default: 0] += 1
                figures.toStart.append((record.started - saved) * 1000)
                figures.inJob.append(record.milliseconds - tool)
                figures.toFrame.append(latency - (record.ended - saved) * 1000)
                figures.compiler.append(record.compilerMilliseconds)
                figures.linker.append(record.linkerMilliseconds)
                return
            }
            figures.ordinaryDraw.append((drawn - drawStarted) * 1000)
            if now() - saved > 20 { fail("save \(save) of \(name) never reloaded") }
            // As the headless player paces: sleep to the next frame slot, but
            // wake the moment a change (the finished compile's poke) is ready.
            nextFrame += 1.0 / 60
            let wait = nextFrame - now()
            if wait > 0 { engine.watcher?.waitForChange(timeout: wait) }
        }
    }
}

/// `reloadsOnly`: the save-to-new-frame figures alone (`scripts-reload`).
func benchmarkScripts(reloadsOnly: Bool = false) throws {
    let context = try HeadlessContext() // one current GL context for everything below
    defer { withExtendedLifetime(context) {} }
    print("")
    print("scripts: save-to-first-new-frame latency at 1280x720, player loop at 60 fps, every save a new edit and a real compile")
    print("target (the particle script): p50 <= 300 ms, p95 <= 450 ms, the engine's part <= 25 ms p50")
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
    // RASTERBAR_BENCH_SAVES and RASTERBAR_BENCH_PATHS (e.g. "direct,service") narrow a run while investigating.
    let environment = ProcessInfo.processInfo.environment
    let saves = environment["RASTERBAR_BENCH_SAVES"].flatMap { Int($0) } ?? 24
    let paths = environment["RASTERBAR_BENCH_PATHS"].map { $0.split(separator: ",").compactMap { ScriptCompiler.Path(rawValue: String($0)) } }
        ?? ScriptCompiler.Path.allCases
    let floorDemo = NSTemporaryDirectory() + "rasterbar-bench-floor-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: floorDemo) }
    let floor = ScriptCompiler(demoRoot: floorDemo, blocking: true, environment: ProcessInfo.processInfo.environment)
    for (name, label, source) in [("Particles", "Scripts/Particles.swift + helpers", hundredLineScript),
                                  ("Pulse", "a small scene", small)] {
        let lines = try source(0).split(separator: "\n", omittingEmptySubsequences: false).count
        print("  \(label) (\(lines) lines), \(saves) saves per path, the paths taking turns save by save (so all see the same machine):")
        let rigs = try ScriptCompiler.Path.allCases.filter(paths.contains).enumerated().map { index, path in
            try ReloadRig(name: name, path: path, first: try source(index * 1000))
        }
        var floorTimes: [Double] = []
        for save in 1...saves {
            for (index, rig) in rigs.enumerated() {
                // Every save of every path is a new text.
                let text = try source(index * 1000 + save)
                try rig.measure(text, save: save)
                usleep(50_000)
                if rig.path == .direct {
                    // swift-frontend and ld.lld alone on the same text, nothing else running.
                    let t = try floor.timeFrontendAndLink(script: "Scripts/\(name).swift", source: Array(text.utf8))
                    floorTimes.append(t.frontend + t.link)
                    usleep(50_000)
                }
            }
        }
        func p(_ values: [Double], _ q: Double = 0.5) -> String { fmt(percentile(values, q), 1) }
        for rig in rigs {
            let f = rig.figures
            for warning in rig.engine.compiler.takeWarnings() { print("    warning: \(warning)") }
            let built = f.paths.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", ")
            print("    \(rig.path.rawValue.padding(to: 8)) p50 \(p(f.latency)) ms  p95 \(p(f.latency, 0.95)) ms  max \(fmt(f.latency.max() ?? 0, 1)) ms"
                  + "  (built by: \(built))")
            print("             compiler p50 \(p(f.compiler)) ms, linker p50 \(p(f.linker)) ms; engine's part p50 \(p(f.engine)) ms  p95 \(p(f.engine, 0.95)) ms"
                  + " = save to compile start \(p(f.toStart)) + in the job \(p(f.inJob)) + compile end to new frame \(p(f.toFrame)) (p50s)")
            print("             of the last: the reloading sync() \(p(f.reloadSync)) ms, the first new frame's draw \(p(f.firstDraw)) ms"
                  + " (an ordinary frame's \(p(f.ordinaryDraw)) ms)")
            if rig.path == .direct, !floorTimes.isEmpty {
                print("    floor    swift-frontend + ld.lld alone on the direct path's texts: p50 \(p(floorTimes)) ms  p95 \(p(floorTimes, 0.95)) ms")
            }
        }
    }

    if reloadsOnly { return }

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

    // Memory kept per reload: every generation stays loaded (`soak` runs 1,000).
    try benchmarkReloadSoak(reloads: 200)
}

/// Milliseconds from launching `rasterbar play --headless` to its first frame, warm cache.
func benchmarkColdStart() throws {
    print("")
    print("scripts: cold start of the default demo with a warm cache, launch to first frame (target <= 1 s)")
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rasterbar").path
    guard FileManager.default.isExecutableFile(atPath: executable) else { fail("build rasterbar first: \(executable)") }
    func launch(start: Double) throws -> Double {
        try millisecondsToFirstFrame(executable, ["play", "--headless", "--events", "--frames", "2", "--start", String(start), demoPath]) ?? 0
    }
    _ = try launch(start: 0) // fills the cache if it is cold
    for (label, start) in [("first frame in a shader scene (t = 0)", 0.0), ("first frame in a script scene (t = 17)", 17.0)] {
        let runs = try (0..<5).map { _ in try launch(start: start) }
        print("  \(label.padding(to: 40))  median \(fmt(median(runs))) ms  max \(fmt(runs.max() ?? 0)) ms  (5 launches)")
    }
}

/// Milliseconds from launching `program` with `arguments` (a player with
/// `--events`) to its first `frame` event, or nil if it drew none.
func millisecondsToFirstFrame(_ program: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Double? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    if let environment { process.environment = environment }
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
    return text.contains(#""event":"frame""#) ? elapsed : nil
}
