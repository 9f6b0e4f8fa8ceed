// Rocket: from the editor sending a key to the player's first frame that shows
// it. The real player (`rasterbar play --headless --rocket`, paced at the
// demo's fps) against the mock editor the tests use, both on this machine;
// the player reports that frame (an `--events` frame event naming the track)
// once it has finished rendering.
import Foundation
import RasterbarCore
import RasterbarHost
import RasterbarTestSupport

func benchmarkRocket(samples: Int = 60) throws {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rasterbar").path
    guard FileManager.default.isExecutableFile(atPath: executable) else {
        fail("\(executable) is missing: build it first (swift build -c release --product rasterbar)")
    }
    let editor = try MockRocketEditor()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["play", demoPath, "--headless", "--mute", "--loop", "--events", "--no-supervise", "--rocket", "127.0.0.1:\(editor.port)"]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    let frames = SyncedFrames()
    out.fileHandleForReading.readabilityHandler = { frames.read($0.availableData, at: monotonicSeconds()) }
    try process.run()
    defer { process.terminate(); process.waitUntilExit() }
    let deadline = monotonicSeconds() + 60
    while !editor.messages.tracks.contains("fade") {
        guard monotonicSeconds() < deadline else { fail("the player never asked the editor for its tracks") }
        usleep(10_000)
    }
    let fade = editor.messages.tracks.firstIndex(of: "fade")!
    sleepUntil(monotonic: monotonicSeconds() + 1) // past the first frames' compiles
    var scratch: [UInt8] = []
    var latencies: [Double] = []
    var random = SystemRandomNumberGenerator()
    for i in 0..<samples {
        let before = frames.count
        let sent = monotonicSeconds()
        editor.setKey(fade, row: 0, value: Float(i % 2 == 0 ? 0.25 : 0.75), type: 0)
        while true {
            if let arrived = frames.arrival(before) { latencies.append((arrived - sent) * 1000); break }
            guard monotonicSeconds() - sent < 5 else { fail("no frame showed the key within 5 s") }
            usleep(200)
        }
        // Keys land anywhere in the frame period.
        usleep(UInt32(20_000 + Int.random(in: 0..<16_667, using: &random)))
    }
    let sorted = latencies.sorted()
    let fps = (try? DemoFolder.load(demoPath).demo.meta.fps) ?? 60
    print("Rocket: editor key to the first frame showing it, \(samples) keys, headless player at \(fmt(fps, 0)) fps on \(demoPath)")
    print("target: p50 <= one frame (\(fmt(1000 / fps, 1)) ms) + 2 ms")
    print("  p50 \(fmt(median(latencies), 1)) ms  p95 \(fmt(sorted[sorted.count * 95 / 100], 1)) ms  min \(fmt(sorted.first!, 1)) ms  max \(fmt(sorted.last!, 1)) ms")
    // The floor: what drawing one live frame of this demo costs here (draw and
    // finish, as the player's frame event waits for), 5 frames at each of 30
    // points across it; scripts compiled before timing.
    var options = Engine.Options(mode: .live, environment: ProcessInfo.processInfo.environment)
    options.backgroundCompiles = false
    let engine = try Engine(folder: try DemoFolder.load(demoPath), options: options)
    try engine.loadAll()
    let duration = engine.demo.meta.duration
    var costs: [Double] = []
    for i in 0..<30 {
        let start = duration * Double(i) / 30
        for k in 0..<6 {
            engine.seek(to: start + Double(k) / 60)
            let t0 = monotonicSeconds()
            try engine.draw(FrameInputs(frame: k, timeDelta: 1.0 / 60, date: .zero))
            engine.target.readPixels(into: &scratch)
            if k > 0 { costs.append((monotonicSeconds() - t0) * 1000) }
        }
    }
    print("  anchor: one frame of this demo costs \(fmt(median(costs), 1)) ms to draw and read back here (median of \(costs.count) live frames across it, p95 \(fmt(costs.sorted()[costs.count * 95 / 100], 1)) ms)")
}

/// The player's frame events that name the synced track, with when each arrived.
final class SyncedFrames: @unchecked Sendable {
    let lock = NSLock()
    var arrivals: [Double] = []
    var pending = Data()

    func read(_ data: Data, at now: Double) {
        lock.lock()
        defer { lock.unlock() }
        pending.append(data)
        while let newline = pending.firstIndex(of: 10) {
            let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
            pending.removeSubrange(pending.startIndex...newline)
            if line.contains(#""event":"frame""#), line.contains(#""synced":["fade"]"#) { arrivals.append(now) }
        }
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return arrivals.count }

    func arrival(_ index: Int) -> Double? {
        lock.lock()
        defer { lock.unlock() }
        return index < arrivals.count ? arrivals[index] : nil
    }
}
