// Store figures: how long from saving a shader to the first frame that shows
// it, and what `sync()` costs on a frame where nothing changed.
import Foundation
import RasterbarCore
import RasterbarGL
import RasterbarHost

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

/// Saves a shader `saves` times (alternating in-place writes and renames) and
/// measures until the first frame drawn with the new program has finished.
/// `paced`: the loop draws a frame every 1/60 s and syncs once per frame, as
/// the player does; otherwise it syncs every 0.5 ms (the engine alone).
func reloadLatency(folder: DemoFolder, shader: String, saves: Int, paced: Bool) throws -> [Double] {
    let dir = try temporaryDemoCopy(folder)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let copy = try DemoFolder.load(dir + "/demo.json")
    let headless = try Engine(folder: copy, options: Engine.Options(mode: .offline, size: PixelSize(width: 1280, height: 720), watch: FileWatcher.Options()))
    guard let index = copy.demo.scenes.firstIndex(where: { $0.source == .shader(shader) }),
          let time = soloWindow(copy.demo, scene: index, length: 1) else { fail("no scene shows \(shader) alone") }
    let original = try String(contentsOfFile: dir + "/" + shader, encoding: .utf8)
    try headless.drawStrict(at: time)
    finishGL()
    var latencies: [Double] = []
    for i in 0..<saves {
        // A real edit: a new constant, so the program and its pixels change.
        // New in every run: Mesa keeps compiled shaders in a disk cache, and a
        // repeated edit would measure that cache instead of a compile.
        let loop = paced ? 1 : 0
        let text = original + "\n// run \(runNonce) loop \(loop) edit \(i)\nconst float rbBenchEdit\(i) = \(runNonce % 1000)\(loop).\(i);\n"
        let path = dir + "/" + shader
        let saved = now()
        if i % 2 == 0 {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } else {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path + ".tmp"))
            rename(path + ".tmp", path)
        }
        // A save lands anywhere inside a frame: start the frame clock at a random phase.
        var nextFrame = saved - Double.random(in: 0..<(1.0 / 60))
        while true {
            let reloaded = headless.store.sync()
            if !reloaded.isEmpty {
                let synced = now()
                try headless.drawStrict(at: time)
                finishGL()
                latencies.append((now() - saved) * 1000)
                if ProcessInfo.processInfo.environment["RASTERBAR_BENCH_DETAIL"] != nil {
                    print("    save \(i): reloaded after \(fmt((synced - saved) * 1000)) ms, frame done after \(fmt((now() - saved) * 1000)) ms")
                }
                break
            }
            if now() - saved > 5 { fail("no reload within 5 s of save \(i)") }
            if paced {
                try headless.drawStrict(at: time)
                finishGL()
                nextFrame += 1.0 / 60
                let wait = nextFrame - now()
                if wait > 0 { usleep(UInt32(wait * 1e6)) }
            } else {
                usleep(500)
            }
        }
        usleep(30_000) // let the save settle completely before the next one
    }
    return latencies
}

/// Microseconds per `sync()` with nothing changed.
func syncCost(store: Store, calls: Int = 200_000) -> Double {
    for _ in 0..<1000 { store.sync() }
    let t0 = now()
    for _ in 0..<calls { store.sync() }
    return (now() - t0) / Double(calls) * 1e6
}

func benchmarkStore() throws {
    let folder = try DemoFolder.load(demoPath)
    print("")
    print("store: save-to-first-new-frame latency, Shaders/tunnel.frag at 1280x720, debounce \(Int(FileWatcher.Options().debounce * 1000)) ms included")
    print("target: p50 <= 30 ms, p95 <= 60 ms")
    for paced in [false, true] {
        let l = try reloadLatency(folder: folder, shader: "Shaders/tunnel.frag", saves: 40, paced: paced)
        print("  \(paced ? "player loop at 60 fps (sync once per frame)" : "engine alone (sync every 0.5 ms)     ")  p50 \(fmt(percentile(l, 0.5))) ms  p95 \(fmt(percentile(l, 0.95))) ms  max \(fmt(l.max() ?? 0)) ms  (\(l.count) saves)")
    }

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
