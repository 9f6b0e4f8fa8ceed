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
    /// Show the overlay from the start (Tab toggles it).
    public var overlay = false
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
        var overlayVisible = options.overlay
        var frameRate = FrameRate()
        // Text for the overlay and the error panel; without a font the player still plays.
        var text: TextRenderer?
        if window != nil {
            if let font = TextRenderer.fontPath(environment: environment) {
                do { text = try TextRenderer(fontPath: font, pixels: 15) } catch { output.human("no overlay text: \(error)") }
            } else {
                output.human("no font found for the overlay (install fonts-dejavu-core, or set RASTERBAR_FONT)")
            }
        }
        var frames = 0
        var mouse = SIMD4<Float>.zero
        let clock = ContinuousClock()
        let started = clock.now
        var last = started
        while window?.shouldClose != true {
            for command in window?.pollCommands() ?? [] {
                switch command {
                case .reloadAll: store.reloadAll()
                case .toggleFullscreen: window?.toggleFullscreen()
                case .toggleOverlay: overlayVisible.toggle()
                default: break
                }
                playback.apply(command, in: renderer.demo)
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
            frameRate.tick(dt)
            if let window {
                window.present(renderer.target)
                if let text {
                    let size = window.framebufferSize
                    if overlayVisible {
                        text.draw(Overlay.status(renderer.demo, playback, fps: frameRate.value, fullscreen: window.isFullscreen),
                                  x: 8, y: 8, size: size, background: SIMD4(0, 0, 0, 0.65))
                    }
                    // Errors stay on screen until a good save fixes them.
                    let errorLines = pending.openErrors.values.sorted().map { TextRenderer.Line($0, color: SIMD4(1, 0.85, 0.85, 1)) }
                    if !errorLines.isEmpty {
                        let shown = Array(errorLines.prefix(8))
                        let height = Float(shown.count) * text.lineHeight + 12
                        text.draw(shown, x: 8, y: Float(size.height) - height - 8, size: size, background: SIMD4(0.45, 0, 0, 0.85))
                    }
                }
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
            switch event {
            case let .error(_, key, error): pending.openErrors[key.description] = error.description
            case let .reload(_, key, _, _): pending.openErrors[key.description] = nil
            case .warning: break
            }
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

/// Events gathered during a load or sync, reported after it, and the errors
/// still standing (by resource) for the in-window panel.
final class EventQueue {
    var events: [StoreEvent] = []
    var openErrors: [String: String] = [:]
}

/// Frames per second, smoothed.
struct FrameRate {
    var value: Double = 0
    mutating func tick(_ dt: Double) {
        guard dt > 0 else { return }
        value = value == 0 ? 1 / dt : value * 0.95 + (1 / dt) * 0.05
    }
}

/// What the overlay says.
enum Overlay {
    static func clock(_ t: Double) -> String {
        let minutes = Int(t) / 60, seconds = t - Double(minutes * 60)
        let s = String(format: "%05.2f", seconds)
        return "\(minutes):\(s)"
    }

    static func status(_ demo: Demo, _ playback: Playback, fps: Double, fullscreen: Bool) -> [TextRenderer.Line] {
        let t = playback.time
        var first = "\(clock(t)) / \(clock(demo.meta.duration))"
        if let (bar, beat) = demo.barBeat(at: t) { first += "   bar \(bar):\(Int(beat.rounded(.down)))" }
        first += "   \(Int(fps.rounded())) fps"
        let scenes = demo.activeScenes(at: t).map { demo.scenes[$0].name }
        var second = "scene: " + (scenes.isEmpty ? "-" : scenes.joined(separator: " + "))
        if let transition = demo.activeScenes(at: t).compactMap({ demo.transition(at: t, layer: demo.scenes[$0].layer) }).first {
            second += "   (from \(demo.scenes[transition.from].name), \(Int(transition.progress(at: t) * 100))%)"
        }
        var flags: [String] = []
        if playback.paused { flags.append("paused") }
        if let range = playback.loopRange, let scene = demo.scenes.first(where: { $0.start == range.lowerBound }) {
            flags.append("looping \(scene.name)")
        }
        if playback.loops { flags.append("looping the demo") }
        if fullscreen { flags.append("fullscreen") }
        return [
            TextRenderer.Line("\(demo.meta.title)" + (demo.meta.author.map { " by \($0)" } ?? "")),
            TextRenderer.Line(first),
            TextRenderer.Line(second + (flags.isEmpty ? "" : "   [" + flags.joined(separator: ", ") + "]")),
            TextRenderer.Line("Space pause  Left/Right 1 s (Shift 10 s)  Up/Down scene  Home start  L loop  R reload  F full  Tab hide  Esc quit",
                              color: SIMD4(0.7, 0.7, 0.7, 1)),
        ]
    }
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
