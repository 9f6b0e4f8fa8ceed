// Store figures: how long from saving a shader to the first frame that shows
// it, and what `sync()` costs on a frame where nothing changed.
import Foundation
import RasterbarCore
import RasterbarGL
import RasterbarHost
import RawGLReference

/// A plain text file as a resource, for watching many files cheaply.
final class WatchedText: Loadable {
    static let kind = "text"
    let bytes: Int
    init(bytes: Int) { self.bytes = bytes }
    static func load(from context: LoadContext) throws -> WatchedText {
        WatchedText(bytes: try context.read(context.key.path).count)
    }
}

/// A copy of the demo in a temporary folder, to edit freely.
func temporaryDemoCopy(_ folder: DemoFolder) throws -> String {
    let dir = NSTemporaryDirectory() + "rasterbar-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: folder.file, toPath: dir + "/demo.json")
    // Scenes, their includes and textures: copy the folders they live in.
    for scene in folder.demo.scenes {
        let top = String(scene.source.path.split(separator: "/").first ?? "")
        let target = dir + "/" + top
        if !top.isEmpty, !FileManager.default.fileExists(atPath: target) {
            try FileManager.default.copyItem(atPath: folder.path(of: top), toPath: target)
        }
    }
    return dir
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let s = values.sorted()
    return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
}

// MARK: Shader save to first new frame, against the driver's floor

/// The cheap shader every save edits: Shadertoy's template for a new shader.
/// Each edit is a new variant (a new constant in the code, not a comment, so
/// neither the GLSL compiler nor llvmpipe's JIT could find it in a cache) and
/// the bottom-left pixel says which edit a frame shows.
func liveShader(edit: Int) -> String {
    """
    // Shadertoy's new-shader template; benchmark run \(runNonce), edit \(edit).
    void mainImage(out vec4 fragColor, in vec2 fragCoord) {
        vec2 uv = fragCoord / iResolution.xy;
        vec3 col = 0.5 + 0.5 * cos(iTime + uv.xyx + vec3(0, 2, 4));
        if (fragCoord.x < 1.0 && fragCoord.y < 1.0) col = vec3(\(edit % 256).0, \(edit / 256 % 256).0, \(runNonce % 256).0) / 255.0;
        fragColor = vec4(col, 1.0);
    }

    """
}

/// The pixel `liveShader(edit:)` paints at (0, 0).
func liveShaderPixel(edit: Int) -> [UInt8] {
    [UInt8(edit % 256), UInt8(edit / 256 % 256), UInt8(runNonce % 256)]
}

let liveShaderFile = "Shaders/live.frag"

/// Every shader text the benchmark compiles is new: edits are numbered across the whole run.
var liveEdits = 0
func nextLiveEdit() -> Int {
    liveEdits += 1
    return liveEdits
}

/// How an editor saves, done with plain system calls on a writer thread.
enum BenchSave: CaseIterable {
    case inPlace, tempAndRename, deleteAndRecreate, burst, truncateThenTwoWrites, heldOpen

    var label: String {
        switch self {
        case .inPlace: return "write in place"
        case .tempAndRename: return "temp + rename"
        case .deleteAndRecreate: return "delete + recreate"
        case .burst: return "burst of 3 saves"
        case .truncateThenTwoWrites: return "truncate, 2 writes"
        case .heldOpen: return "fd held 5 ms"
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { fail("cannot write the shader (\(String(cString: strerror(errno))))") }
            rest = rest.dropFirst(n)
        }
    }

    static func create(_ path: String, _ flags: Int32) -> Int32 {
        let fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0o644)
        if fd < 0 { fail("cannot open \(path) (\(String(cString: strerror(errno))))") }
        return fd
    }

    /// Saves `text` to `path`. The clock starts before the first system call.
    func save(_ text: String, to path: String) {
        let bytes = Array(text.utf8)
        switch self {
        case .inPlace:
            let fd = Self.create(path, O_CREAT | O_TRUNC)
            Self.writeAll(fd, bytes[...])
            close(fd)
        case .tempAndRename:
            let temp = path + ".tmp"
            let fd = Self.create(temp, O_CREAT | O_TRUNC)
            Self.writeAll(fd, bytes[...])
            close(fd)
            rename(temp, path)
        case .deleteAndRecreate:
            unlink(path)
            let fd = Self.create(path, O_CREAT | O_EXCL)
            Self.writeAll(fd, bytes[...])
            close(fd)
        case .burst:
            // Three complete saves back to back (an editor's save, then a
            // formatter's, say): two drafts, then the edit. Only the last counts.
            for draft in 1...2 {
                BenchSave.inPlace.save(text + "// draft \(draft)\n", to: path)
            }
            BenchSave.inPlace.save(text, to: path)
        case .truncateThenTwoWrites:
            let fd = Self.create(path, 0)
            ftruncate(fd, 0)
            Self.writeAll(fd, bytes[..<(bytes.count / 2)])
            Self.writeAll(fd, bytes[(bytes.count / 2)...])
            close(fd)
        case .heldOpen:
            let fd = Self.create(path, O_TRUNC)
            Self.writeAll(fd, bytes[...])
            usleep(5_000)
            close(fd)
        }
    }
}

/// When the writer thread started the save in flight.
final class SaveClock: @unchecked Sendable {
    private let lock = NSLock()
    private var started: Double?
    func start() { lock.lock(); started = now(); lock.unlock() }
    func take() -> Double? { lock.lock(); defer { started = nil; lock.unlock() }; return started }
    var value: Double? { lock.lock(); defer { lock.unlock() }; return started }
}

/// The engine the reload benchmark drives: offline frames at 1280x720, a real watcher.
func makeReloadRenderer(root: String) throws -> Engine {
    try Engine(folder: try DemoFolder.load(root + "/demo.json"),
               options: Engine.Options(mode: .offline, size: PixelSize(width: 1280, height: 720), watch: FileWatcher.Options()))
}

/// A temporary demo: one scene, `liveShaderFile`, at 1280x720 and 60 fps.
func liveShaderDemo(edit: Int) throws -> String {
    let dir = NSTemporaryDirectory() + "rasterbar-bench-reload-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir + "/Shaders", withIntermediateDirectories: true)
    try Data(#"{"meta": {"resolution": [1280, 720], "fps": 60}, "scenes": [{"name": "live", "start": 0, "end": 3600, "shader": "\#(liveShaderFile)"}]}"#.utf8)
        .write(to: URL(fileURLWithPath: dir + "/demo.json"))
    try Data(liveShader(edit: edit).utf8).write(to: URL(fileURLWithPath: dir + "/" + liveShaderFile))
    return dir
}

/// The raw C driver floor for one shader text, exactly as the engine gets it
/// (wrapped the same way, with the same vertex stage), in the current context.
func driverFloor(_ text: String) throws -> rb_raw_reload_timing {
    let source = try ShaderSource.load(liveShaderFile) { _ in text }
    var timing = rb_raw_reload_timing()
    var error = [CChar](repeating: 0, count: 2048)
    let seconds = rb_raw_reload_floor(ShaderProgram.vertexSource(for: source), source.text, 1280, 720, &timing, &error, error.count)
    guard seconds >= 0 else { fail("driver floor: \(String(cString: error))") }
    return timing
}

/// What one loop measured, in milliseconds.
struct ReloadFigures {
    var latency: [Double] = []
    var byStyle: [BenchSave: [Double]] = [:]
    /// Save to the end of the `sync()` that compiled and linked the new program.
    var synced: [Double] = []
    /// Save to the start of that `sync()`: the watcher, and waiting for the loop.
    var syncStarted: [Double] = []
    /// That `sync()` itself: reading the change, assembling, compiling and linking.
    var syncCost: [Double] = []
    /// The engine's first frame with the new program, to glFinish (the driver's JIT runs here).
    var firstDraw: [Double] = []
    var floor: [Double] = []
    var floorCompile: [Double] = []
    var floorFirstDraw: [Double] = []
    var floorNextDraw: [Double] = []
    /// Frame-to-frame gaps (frame end to frame end) of the old frames drawn while a reload was pending.
    var oldFrameGaps: [Double] = []
    /// The gap from the last old frame to the first new one.
    var newFrameGaps: [Double] = []
    /// Cost of a frame with nothing to reload.
    var frameCost: [Double] = []
    /// Frames that showed a draft of a burst, or a half-written file, before the edit.
    var intermediate = 0
    /// Per save: the engine's time minus the floor's for the same text. The
    /// driver's JIT time drifts with the machine's load (35-50 ms here within
    /// seconds); pairing each save with its own text's floor takes that out.
    var pairedOverFloor: [Double] = []
}

/// Saves the cheap shader `savesPerStyle` times in each style while a loop
/// draws it at 60 fps, each save landing at a random point of a frame, and
/// measures from the start of each save to the end (glFinish) of the first
/// frame that shows it. Between saves, with the loop paused, the raw C driver
/// floor compiles, links and draws the very same text in the same context.
/// `wake`: the loop sleeps in `FileWatcher.waitForChange` until its next frame
/// slot (woken by a save); otherwise it sleeps to the slot blind.
func shaderReloadLatency(savesPerStyle: Int, wake: Bool) throws -> ReloadFigures {
    let dir = try liveShaderDemo(edit: nextLiveEdit())
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let headless = try makeReloadRenderer(root: dir)
    let watcher = headless.watcher!
    let path = dir + "/" + liveShaderFile
    let writer = DispatchQueue(label: "rasterbar-bench.writer")
    let clock = SaveClock()
    let plan = (0..<savesPerStyle).flatMap { _ in BenchSave.allCases }
    var next = 0
    var figures = ReloadFigures()

    struct Waiting { var style: BenchSave; var edit: Int; var text: String; var floorAfter: Bool; var since: Double }
    var waiting: Waiting?
    var idleUntil = now() + 0.3
    var windowGaps: [Double] = []
    var frame = 0
    var lastFrameEnd = now()
    let detail = ProcessInfo.processInfo.environment["RASTERBAR_BENCH_DETAIL"] != nil
    var lastFloor = 0.0
    func floor(_ text: String) throws {
        let t = try driverFloor(text)
        lastFloor = (t.compile_link + t.first_draw) * 1000
        if detail { print("      floor: compile+link \(fmt(t.compile_link * 1000, 1)) + first draw \(fmt(t.first_draw * 1000, 1)) ms") }
        figures.floor.append((t.compile_link + t.first_draw) * 1000)
        figures.floorCompile.append(t.compile_link * 1000)
        figures.floorFirstDraw.append(t.first_draw * 1000)
        figures.floorNextDraw.append(t.next_draw * 1000)
        headless.context?.makeCurrent()
    }

    while true {
        let frameStart = now()
        let reloaded = headless.store.sync()
        let synced = now()
        try headless.drawStrict(at: Double(frame % 180_000) / 60)
        finishGL()
        let frameEnd = now()
        frame += 1
        let gap = (frameEnd - lastFrameEnd) * 1000
        lastFrameEnd = frameEnd

        if let w = waiting {
            if !reloaded.isEmpty {
                var rgba = [UInt8](repeating: 0, count: 4)
                rb_raw_read_pixel(headless.target.framebuffer, 0, 0, &rgba)
                if Array(rgba[0..<3]) == liveShaderPixel(edit: w.edit), let started = clock.take() {
                    figures.latency.append((frameEnd - started) * 1000)
                    figures.synced.append((synced - started) * 1000)
                    figures.syncStarted.append((frameStart - started) * 1000)
                    figures.syncCost.append((synced - frameStart) * 1000)
                    figures.firstDraw.append((frameEnd - synced) * 1000)
                    if detail {
                        print("      save \(w.edit) \(w.style.label): \(fmt((frameEnd - started) * 1000, 1)) ms = to sync() \(fmt((frameStart - started) * 1000, 1)) + sync() \(fmt((synced - frameStart) * 1000, 1)) + first draw \(fmt((frameEnd - synced) * 1000, 1))")
                    }
                    figures.byStyle[w.style, default: []].append((frameEnd - started) * 1000)
                    figures.oldFrameGaps += windowGaps
                    figures.newFrameGaps.append(gap)
                    waiting = nil
                    if w.floorAfter { try floor(w.text) }
                    figures.pairedOverFloor.append((frameEnd - started) * 1000 - lastFloor)
                    idleUntil = now() + Double.random(in: 0.08...0.12)
                    lastFrameEnd = now() // the pause for the floor is no frame gap
                } else {
                    figures.intermediate += 1
                    windowGaps.append(gap)
                }
            } else if let started = clock.value, frameEnd > started {
                windowGaps.append(gap)
            }
            if now() - w.since > 5 { fail("no frame showed save \(w.edit) (\(w.style.label)) within 5 s") }
        } else {
            if reloaded.isEmpty { figures.frameCost.append((frameEnd - frameStart) * 1000) }
            if frameEnd >= idleUntil {
                guard next < plan.count else { return figures }
                let style = plan[next], edit = nextLiveEdit(), text = liveShader(edit: edit)
                // Floor before the save for half of the edits, after it for the
                // other half: whatever warmth one leaves, the other gets as often.
                let floorAfter = next % 2 == 1
                next += 1
                if !floorAfter { try floor(text) }
                let delay = Double.random(in: 0..<(1.0 / 60))
                writer.async {
                    usleep(UInt32(delay * 1e6))
                    clock.start()
                    style.save(text, to: path)
                }
                waiting = Waiting(style: style, edit: edit, text: text, floorAfter: floorAfter, since: now())
                windowGaps = []
                lastFrameEnd = now()
            }
        }

        // Pace to 60 fps from this frame's start.
        let slot = frameStart + 1.0 / 60
        let remaining = slot - now()
        if remaining > 0 {
            if wake {
                watcher.waitForChange(timeout: remaining)
            } else {
                usleep(UInt32(remaining * 1e6))
            }
        }
    }
}

/// Warm-up on a shared context, in raw C: does compiling and drawing a new
/// program once on a background thread spare the render thread the driver's
/// work at its own first draw? Returns ms: background compile+link, background
/// first (warm-up) draw, then the render thread's first and next draws.
func sharedContextWarmup(samples: Int) throws -> (compile: [Double], warm: [Double], first: [Double], next: [Double]) {
    let context = try HeadlessContext()
    context.makeCurrent()
    var result: (compile: [Double], warm: [Double], first: [Double], next: [Double]) = ([], [], [], [])
    for _ in 0..<samples {
        let source = try ShaderSource.load(liveShaderFile) { _ in liveShader(edit: nextLiveEdit()) }
        var background = rb_raw_reload_timing(), render = rb_raw_reload_timing()
        var error = [CChar](repeating: 0, count: 2048)
        guard rb_raw_shared_warmup_probe(ShaderProgram.vertexSource(for: source), source.text, 1280, 720,
                                         &background, &render, &error, error.count) != 0 else {
            fail("shared-context warm-up: \(String(cString: error))")
        }
        result.compile.append(background.compile_link * 1000)
        result.warm.append(background.first_draw * 1000)
        result.first.append(render.first_draw * 1000)
        result.next.append(render.next_draw * 1000)
        usleep(50_000)
    }
    return result
}

func benchmarkShaderReload() throws {
    let savesPerStyle = 10
    print("")
    print("store: shader save to first new frame, \(liveShaderFile) (Shadertoy's new-shader template) at 1280x720, loop at 60 fps")
    print("  \(BenchSave.allCases.count) save styles x \(savesPerStyle), every save a new variant, each landing at a random point of a frame; clock from the save's first system call to glFinish of the first frame showing it")
    print("  Mesa shader cache: \(mesaShaderCacheNote)")
    // The cache must not answer the floor's compile of a text the engine just compiled (or the reverse).
    let probe = try HeadlessContext()
    probe.makeCurrent()
    _ = try driverFloor(liveShader(edit: nextLiveEdit())) // the process's first compile starts LLVM
    let same = liveShader(edit: nextLiveEdit())
    let once = try driverFloor(same), twice = try driverFloor(same)
    print("  cache check, one text compiled twice by the floor: first draws \(fmt(once.first_draw * 1000, 1)) ms and \(fmt(twice.first_draw * 1000, 1)) ms (a cache answering leaves the frame's own cost, \(fmt(twice.next_draw * 1000, 1)) ms)")

    func p(_ v: [Double], _ q: Double) -> String { fmt(percentile(v, q), 1) }
    for wake in [true, false] {
        let f = try shaderReloadLatency(savesPerStyle: savesPerStyle, wake: wake)
        let floor50 = percentile(f.floor, 0.5), floor95 = percentile(f.floor, 0.95)
        let e50 = percentile(f.latency, 0.5), e95 = percentile(f.latency, 0.95)
        let met = e50 <= floor50 + 16 && e95 <= floor95 + 30
        print("")
        print(wake ? "  loop sleeping in FileWatcher.waitForChange until its next frame slot (woken by a save), as the headless player does"
                   : "  loop sleeping blind until its next frame slot, as a window waiting for vsync does")
        print("    engine        p50 \(p(f.latency, 0.5)) ms  p95 \(p(f.latency, 0.95)) ms  max \(fmt(f.latency.max() ?? 0, 1)) ms  (\(f.latency.count) saves)")
        print("    driver floor  p50 \(fmt(floor50, 1)) ms  p95 \(fmt(floor95, 1)) ms  (raw C, same texts, same context: compile+link p50 \(p(f.floorCompile, 0.5)), first draw p50 \(p(f.floorFirstDraw, 0.5)), a second draw p50 \(p(f.floorNextDraw, 0.5)) ms)")
        print("    target p50 <= floor + 16 ms, p95 <= floor p95 + 30 ms: engine is floor +\(fmt(e50 - floor50, 1)) ms at p50, floor p95 +\(fmt(e95 - floor95, 1)) ms at p95 -> \(met ? "met" : "missed")")
        print("    paired with the floor of its own text, the engine takes p50 \(fmt(percentile(f.pairedOverFloor, 0.5), 1)) ms, p95 \(fmt(percentile(f.pairedOverFloor, 0.95), 1)) ms more")
        print("    by style, p50: " + BenchSave.allCases.map { "\($0.label) \(p(f.byStyle[$0] ?? [0], 0.5))" }.joined(separator: ", ") + " ms")
        print("    where it goes, p50: save to sync() \(p(f.syncStarted, 0.5)) ms (watcher, then the loop waking or reaching its slot), sync() \(p(f.syncCost, 0.5)) ms (compile and link), first draw \(p(f.firstDraw, 0.5)) ms (driver's JIT and the frame)")
        print("    frames showing a draft or half a file first: \(f.intermediate)")
        let frameCost = percentile(f.frameCost, 0.5)
        let oldWorst = f.oldFrameGaps.max() ?? 0
        print("    frames while a reload is pending: longest gap between old frames \(fmt(oldWorst, 1)) ms (\(f.oldFrameGaps.count) gaps; a frame costs p50 \(fmt(frameCost, 1)) ms, one slot is 16.7 ms) -> \(oldWorst <= 16.7 + frameCost + 1 ? "no stall beyond one frame" : "stalls")")
        print("    gap from the last old frame to the first new one: p50 \(p(f.newFrameGaps, 0.5)) ms  max \(fmt(f.newFrameGaps.max() ?? 0, 1)) ms (the compile and the driver's JIT run on the render thread, inside this gap)")
    }

    print("")
    let w = try sharedContextWarmup(samples: 8)
    print("  warm-up on a second context sharing objects, on a background thread (raw C, 8 new edits, same framebuffer format, size and state):")
    print("    background: compile+link p50 \(p(w.compile, 0.5)) ms, warm-up draw p50 \(p(w.warm, 0.5)) ms; then on the render thread: first draw p50 \(p(w.first, 0.5)) ms, next draw p50 \(p(w.next, 0.5)) ms")
    let moved = percentile(w.first, 0.5) < 2 * percentile(w.next, 0.5) + 3
    print("    -> \(moved ? "the warm-up moves the driver's work off the render thread" : "the render thread's first draw still pays the JIT: this driver compiles per context, so a shared-context warm-up does not help")")
}

/// Microseconds per `sync()` with nothing changed.
func syncCost(store: Store, calls: Int = 200_000) -> Double {
    for _ in 0..<1000 { store.sync() }
    let t0 = now()
    for _ in 0..<calls { store.sync() }
    return (now() - t0) / Double(calls) * 1e6
}

func benchmarkStore() throws {
    try benchmarkShaderReload()
    let folder = try DemoFolder.load(demoPath)

    print("")
    print("store: sync() with nothing changed (target < 20 us)")
    let dir = try temporaryDemoCopy(folder)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let headless = try Engine(folder: try DemoFolder.load(dir + "/demo.json"), options: Engine.Options(mode: .offline, watch: FileWatcher.Options()))
    try headless.loadAll()
    print("  default demo (\(headless.store.count) resources, \(headless.watcher?.watchedCount ?? 0) files)   \(fmt(syncCost(store: headless.store), 3)) us")

    let many = dir + "/many"
    for i in 0..<1000 {
        let sub = many + "/d\(i / 50)"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        try Data("file \(i)\n".utf8).write(to: URL(fileURLWithPath: sub + "/f\(i).txt"))
    }
    let watcher = FileWatcher(root: many)
    let store = Store(root: many, watcher: watcher)
    for i in 0..<1000 { _ = try store.get(try .file("d\(i / 50)/f\(i).txt"), as: WatchedText.self) }
    print("  1,000 watched files in 20 folders           \(fmt(syncCost(store: store), 3)) us")
}
