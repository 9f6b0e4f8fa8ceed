// The player loop: real time from a monotonic clock, keys, drawing the demo
// into its offscreen target and showing it in the window.
#if canImport(Glibc)
import Glibc
#endif
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
    public init() {}
}

/// What a finished play reports.
public struct PlayResult: Sendable {
    public var frames: Int
    public var endTime: Double
}

/// Plays a demo in a window until it ends, Esc, or the window closes.
public final class Player {
    let folder: DemoFolder
    let options: PlayOptions
    let environment: [String: String]

    public init(folder: DemoFolder, options: PlayOptions, environment: [String: String]) {
        self.folder = folder
        self.options = options
        self.environment = environment
    }

    /// Opens the window and plays. Throws `.noDisplay` with no display, and
    /// shader errors before the first frame.
    public func run() throws -> PlayResult {
        let demo = folder.demo
        let window = try Window(title: "\(demo.meta.title) - Rasterbar", size: PixelSize(width: 1280, height: 720),
                                environment: environment)
        let renderer = try DemoRenderer(folder: folder)
        try renderer.compileAll()
        var playback = Playback(duration: demo.meta.duration, start: options.start, loops: options.loop, paused: options.paused)
        var frames = 0
        var mouse = SIMD4<Float>.zero
        let clock = ContinuousClock()
        var last = clock.now
        while !window.shouldClose {
            for command in window.pollCommands() { playback.apply(command) }
            if playback.quitRequested || playback.reachedEnd { break }
            let now = clock.now
            let dt = (now - last).seconds
            last = now
            if frames > 0 { playback.advance(by: dt) }
            mouse = window.mouse(for: renderer.target.size, previous: mouse)
            let frameClock = FrameClock(frame: frames, timeDelta: frames == 0 ? 1 / demo.meta.fps : dt,
                                        date: Self.wallClockDate(), mouse: mouse)
            try renderer.draw(at: playback.time, clock: frameClock)
            window.present(renderer.target)
            frames += 1
            if let limit = options.maxFrames, frames >= limit {
                if let path = options.screenshot { try window.readBackBuffer().writePNG(to: path) }
                window.swap()
                break
            }
            window.swap()
        }
        return PlayResult(frames: frames, endTime: playback.time)
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

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
