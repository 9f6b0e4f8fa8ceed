// The player loop, in a window or headless: real time from a monotonic clock,
// keys, the store synced once per frame (so saved files show up in the next
// frame), the demo drawn into its offscreen target and shown. Reloads, errors
// and the first frame after each reload are reported to people on stderr and,
// with --events, as JSON lines on stdout for tools.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RasterbarCore
import RasterbarGL

/// How to play.
public struct PlayOptions: Sendable {
    /// Demo time to start at, in seconds.
    public var start: Double = 0
    /// Start again at the end instead of quitting.
    public var loop = false
    /// Start paused (Space plays).
    public var paused = false
    /// Quit after this many frames (for tests and screenshots).
    public var maxFrames: Int?
    /// Write what the window shows after the last frame to this PNG.
    public var screenshot: String?
    /// No window: an EGL context, frames paced at the demo's fps.
    public var headless = false
    /// Write events as JSON lines on stdout.
    public var events = false
    /// Write the first frame after each reload to this PNG.
    public var snapshot: String?
    /// How files are watched.
    public var watch = FileWatcher.Options()
    public init() {}
}

/// What a finished play reports.
public struct PlayResult: Sendable {
    public var frames: Int
    public var endTime: Double
}

/// Where the player's lines go.
public struct PlayerOutput {
    /// One line for people (stderr).
    public var human: (String) -> Void
    /// One JSON line for tools (stdout).
    public var event: (String) -> Void

    /// stderr and stdout, flushed line by line so tools see each event at once.
    public static let standard = PlayerOutput(
        human: { fputs("rasterbar: \($0)\n", stderr) },
        event: { fputs($0 + "\n", stdout); fflush(stdout) })
}

/// Plays a demo until it ends, Esc, the window closes, or `maxFrames`.
public final class Player {
    let folder: DemoFolder
    let options: PlayOptions
    let environment: [String: String]
    let output: PlayerOutput

    public init(folder: DemoFolder, options: PlayOptions, environment: [String: String], output: PlayerOutput = .standard) {
        self.folder = folder
        self.options = options
        self.environment = environment
        self.output = output
    }

    /// Plays. Throws `.noDisplay` for a window with no display; broken shaders
    /// and textures only report and show their fallbacks.
    public func run() throws -> PlayResult {
        var window: Window?
        var headless: HeadlessContext?
        if options.headless {
            headless = try HeadlessContext(environment: environment)
        } else {
            window = try Window(title: "\(folder.demo.meta.title) - Rasterbar", size: PixelSize(width: 1280, height: 720),
                                environment: environment)
        }
        _ = headless // keeps the headless context alive for the whole loop
        let pending = EventQueue()
        let watcher = FileWatcher(root: folder.root, options: options.watch)
        let store = Store(root: folder.root, watcher: watcher) { pending.events.append($0) }
        // Scripts compile in the background; a finished compile reloads the
        // script through the store like a save would.
        let compiler = ScriptCompiler(demoRoot: folder.root, blocking: false, environment: environment)
        compiler.whenFinished { [weak watcher] script in watcher?.poke(script) }
        store.register(compiler)
        StderrTap.start()
        let output = self.output, events = options.events
        let watchdog = Watchdog(limit: 1.0) { message in
            if events { output.event(StoreEvent.warning(message: message).jsonLine) }
            output.human(message)
        }
        let renderer = try DemoRenderer(store: store, demoKey: folder.demoKey, environment: environment)
        renderer.watchdog = watchdog
        try renderer.loadAll()
        report(pending)

        var playback = Playback(duration: renderer.demo.meta.duration, start: options.start, loops: options.loop,
                                paused: options.paused)
        var frames = 0
        var mouse = SIMD4<Float>.zero
        let clock = ContinuousClock()
        let started = clock.now
        var last = started
        while window?.shouldClose != true {
            for command in window?.pollCommands() ?? [] {
                if command == .reloadAll { store.reloadAll() }
                playback.apply(command)
            }
            if playback.quitRequested || playback.reachedEnd { break }
            let reloaded = store.sync()
            report(pending)
            if playback.duration != renderer.demo.meta.duration { playback.setDuration(renderer.demo.meta.duration) }
            let now = clock.now
            let dt = (now - last).seconds
            last = now
            if frames > 0 { playback.advance(by: dt) }
            if let window { mouse = window.mouse(for: renderer.target.size, previous: mouse) }
            let frameClock = FrameClock(frame: frames, timeDelta: frames == 0 ? 1 / renderer.demo.meta.fps : dt,
                                        date: Self.wallClockDate(), mouse: mouse)
            try renderer.draw(at: playback.time, clock: frameClock)
            // The first frame is reported too: tools learn the player is up.
            if !reloaded.isEmpty || frames == 0 { try reportFrame(frames, time: playback.time, reloaded: reloaded, renderer: renderer) }
            frames += 1
            let lastFrame = options.maxFrames.map { frames >= $0 } ?? false
            if let window {
                window.present(renderer.target)
                if lastFrame, let path = options.screenshot { try window.readBackBuffer().writePNG(to: path) }
                window.swap()
            } else {
                if lastFrame, let path = options.screenshot { try renderer.target.readImage().writePNG(to: path) }
                // No vsync without a window: sleep to the next frame's time.
                let next = started + .seconds(Double(frames) / renderer.demo.meta.fps)
                if next > clock.now { sleep(until: next, clock: clock) }
            }
            if lastFrame { break }
        }
        return PlayResult(frames: frames, endTime: playback.time)
    }

    func report(_ pending: EventQueue) {
        for event in pending.events {
            if options.events { output.event(event.jsonLine) }
            if let line = event.humanLine { output.human(line) }
        }
        pending.events.removeAll()
    }

    /// The first frame drawn after a reload: finished, optionally saved, reported.
    func reportFrame(_ frame: Int, time: Double, reloaded: [ResourceKey], renderer: DemoRenderer) throws {
        var fields: [(String, JSONLine.Value)] = [("event", .string("frame")), ("frame", .int(frame)),
                                                  ("time", .number((time * 1000).rounded() / 1000)),
                                                  ("reloaded", .strings(reloaded.map(\.path)))]
        if let path = options.snapshot {
            try renderer.target.readImage().writePNG(to: path)
            fields.append(("snapshot", .string(path)))
        } else {
            finishGL()
        }
        if options.events { output.event(JSONLine.object(fields)) }
    }

    /// Shadertoy's iDate from the local wall clock.
    static func wallClockDate() -> SIMD4<Float> {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var parts = tm()
        localtime_r(&t, &parts)
        let seconds = Float(parts.tm_hour * 3600 + parts.tm_min * 60 + parts.tm_sec) + Float(ts.tv_nsec) / 1e9
        return SIMD4(Float(parts.tm_year + 1900), Float(parts.tm_mon), Float(parts.tm_mday), seconds)
    }
}

/// Events gathered during a load or sync, reported after it.
final class EventQueue {
    var events: [StoreEvent] = []
}

/// Sleeps the calling thread until `deadline` (the loop is synchronous).
func sleep(until deadline: ContinuousClock.Instant, clock: ContinuousClock) {
    let remaining = (deadline - clock.now).seconds
    guard remaining > 0 else { return }
    var ts = timespec(tv_sec: Int(remaining), tv_nsec: Int((remaining - Double(Int(remaining))) * 1e9))
    nanosleep(&ts, nil)
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
