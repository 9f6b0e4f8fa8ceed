// The player: a short loop over the engine, in a window or headless. Each
// frame: take input (keys, control commands), advance demo time from the
// clock, apply saved changes, draw, present. Reloads, errors and the first
// frame after each reload are reported to people on stderr and, with
// --events, as JSON lines on stdout for tools.
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
    /// Read control commands, one JSON object per line, from stdin.
    public var control = false
    /// Write the first frame after each reload to this PNG.
    public var snapshot: String?
    /// How files are watched.
    public var watch = FileWatcher.Options()
    /// Show the overlay from the start (Tab toggles it).
    public var overlay = false
    /// Seconds a script call may run before it is stopped (the scene rolls back).
    public var scriptTimeout: Double = 2
    /// Play the music on the silent null output (demo time still follows it).
    public var mute = false
    /// Music playback level, 0...1 (times meta.music.volume).
    public var volume: Double = 1
    /// Sync with a GNU Rocket editor at this address ("" for 127.0.0.1:1338).
    public var rocket: String?
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

/// Plays a demo until it ends, Esc, the window closes, a quit command, or `maxFrames`.
public final class Player {
    let folder: DemoFolder
    let options: PlayOptions
    let environment: [String: String]
    let output: PlayerOutput

    // Set up by `open()`.
    var engine: Engine!
    var window: Window?
    var text: TextRenderer?
    var control: ControlChannel?
    /// The link to a Rocket editor, with --rocket.
    var rocket: RocketLink?
    /// Status for the supervisor, when one started this player.
    lazy var link = SupervisorLink(environment: environment)

    // Loop state.
    var frames = 0
    var quitRequested = false
    var overlayVisible = false
    var mouse = SIMD4<Float>.zero
    var lastFrameClock = 0.0
    var frameCounter = FrameCounter()
    var startedClock = 0.0
    /// Store events since they were last reported.
    var pendingEvents: [StoreEvent] = []
    /// Errors still standing, by resource, for the in-window panel.
    var openErrors: [String: String] = [:]
    /// Snapshot commands waiting for the next drawn frame.
    var pendingSnapshots: [ControlRequest] = []

    public init(folder: DemoFolder, options: PlayOptions, environment: [String: String], output: PlayerOutput = .standard) {
        self.folder = folder
        self.options = options
        self.environment = environment
        self.output = output
    }

    /// Plays. Throws `.noDisplay` for a window with no display; broken shaders,
    /// scripts and textures only report and show their fallbacks.
    public func run() throws -> PlayResult {
        // However it ends (Esc, the end, an error), the player chose to: no restart.
        defer { link.quit() }
        try open()
        while !finished {
            handleInput()
            if finished { break }
            if frames > 0 { engine.advance() }
            rocket?.follow(engine)
            let reloaded = engine.sync()
            reportEvents()
            try drawFrame(reloaded: reloaded, synced: rocket?.takeChangedTracks() ?? [])
            try present()
            frames += 1
            link.status(engine.playback)
            pace()
        }
        refuseSnapshots(because: "the player stopped before drawing another frame")
        return PlayResult(frames: frames, endTime: engine.playback.time)
    }

    /// True once the player should stop.
    var finished: Bool {
        // A snapshot asked for before a quit still gets its frame.
        // Linked to a sync editor, the end of the demo is a place to stop, not to quit.
        (quitRequested && pendingSnapshots.isEmpty) || link.orphaned || window?.shouldClose == true || engine.playback.quitRequested
            || (engine.playback.reachedEnd && rocket == nil)
            || options.maxFrames.map { frames >= $0 } == true
    }

    /// Opens the window (or not), builds the engine, loads everything, starts the clock.
    func open() throws {
        var engineOptions = Engine.Options(mode: .live, watch: options.watch, environment: environment)
        engineOptions.scriptTimeout = options.scriptTimeout
        // Headless plays are for machines: silent, but the music still drives time.
        engineOptions.audio = options.mute || options.headless ? .null : .device
        engineOptions.volume = options.volume
        if !options.headless {
            window = try Window(title: "\(folder.demo.meta.title) - Rasterbar", size: PixelSize(width: 1280, height: 720),
                                environment: environment)
            engineOptions.context = .current
            text = makeText()
        }
        // A script stuck in a frame holds this thread: the watchdog's warning is
        // printed from its own thread, at once.
        let output = self.output, events = options.events
        engine = try Engine(folder: folder, options: engineOptions, onEvent: { [unowned self] in pendingEvents.append($0) },
                            urgent: { event in
                                if events { output.event(event.jsonLine) }
                                if let line = event.humanLine { output.human(line) }
                            })
        try engine.loadAll()
        reportEvents()
        overlayVisible = options.overlay
        if options.control { control = ControlChannel() }
        if let address = options.rocket {
            guard engine.demo.meta.bpm != nil else {
                throw RasterbarError(.invalidArgument, "--rocket needs meta.bpm in demo.json: the editor's rows are beats",
                                     hint: "add \"bpm\" (and \"rowsPerBeat\", default 8) to meta")
            }
            rocket = try RocketLink(address: address) { [unowned self] in pendingEvents.append($0) }
            // A key from the editor ends the wait for the next frame: it shows at once.
            if let watcher = engine.watcher { rocket?.ring = { watcher.wake() } }
        }
        resume()
        startedClock = monotonicSeconds()
        lastFrameClock = startedClock
    }

    /// Starts the clock where the options say, or, for a player restarted after
    /// a crash, where the last one was; says what happened.
    func resume() {
        engine.renderer.onScriptGeneration = { [unowned self] in link.generation(script: $0, number: $2, library: $1) }
        guard let resumed = SupervisorLink.resume(from: environment) else {
            engine.start(at: options.start, paused: options.paused, loops: options.loop)
            return
        }
        engine.start(at: min(resumed.time, engine.demo.meta.duration), paused: resumed.paused, loops: resumed.loops,
                     sceneLoop: resumed.sceneLoop)
        let avoided = SupervisorLink.libraries(SupervisorLink.avoidKey, in: environment).keys.sorted()
        let cause = environment[SupervisorLink.recoveredKey] ?? "the player crashed"
        var message = "restarted after a crash: \(cause)"
        if !avoided.isEmpty { message += "; not loaded again until saved: \(avoided.joined(separator: ", "))" }
        message += "; every script's state started fresh"
        // In the panel until the script that was blamed reloads.
        openErrors["recovered:" + (avoided.first.map { "script:" + $0 } ?? "")] = message
        if options.events { output.event(StoreEvent.warning(message: message).jsonLine) }
    }

    /// Text for the overlay and the error panel; without a font the player still plays.
    func makeText() -> TextRenderer? {
        guard let font = TextRenderer.fontPath(environment: environment) else {
            output.human("no font found for the overlay (install fonts-dejavu-core, or set RASTERBAR_FONT)")
            return nil
        }
        do { return try TextRenderer(fontPath: font, pixels: 15) } catch {
            output.human("no overlay text: \(error)")
            return nil
        }
    }

    /// Keys from the window, then commands from the control channel.
    func handleInput() {
        for command in window?.pollCommands() ?? [] {
            switch command {
            case .toggleFullscreen: window?.toggleFullscreen()
            case .toggleOverlay: overlayVisible.toggle()
            case .toggleSceneKeys:
                window?.sceneKeys.toggle()
                output.human(window?.sceneKeys == true ? "keys: every key goes to the scene's keyboard texture; F1 gives the player its keys back"
                                                       : "keys: the player's keys are the player's again")
            default: engine.apply(command)
            }
        }
        for line in control?.take() ?? [] { handleControl(line) }
        rocket?.update(engine)
    }

    /// Draws the frame at the current time; reports the first frame, the first
    /// after each reload and the first showing a sync editor's keys (`synced`:
    /// their tracks), and writes requested snapshots.
    func drawFrame(reloaded: [ResourceKey], synced: [String] = []) throws {
        let now = monotonicSeconds()
        let dt = frames == 0 ? 1 / engine.demo.meta.fps : now - lastFrameClock
        lastFrameClock = now
        if let window { mouse = window.mouse(for: engine.target.size, previous: mouse) }
        try engine.draw(FrameInputs(frame: frames, timeDelta: dt, date: Self.wallClockDate(), mouse: mouse))
        frameCounter.tick(at: now)
        // The first frame is reported too: tools learn the player is up.
        if !reloaded.isEmpty || !synced.isEmpty || frames == 0 { try reportFrame(reloaded: reloaded, synced: synced) }
        writeSnapshots()
    }

    /// Shows the frame: in the window with the overlay and the error panel, or
    /// nowhere (headless); saves the screenshot after the last frame.
    func present() throws {
        let lastFrame = options.maxFrames.map { frames + 1 >= $0 } ?? false
        guard let window else {
            if lastFrame, let path = options.screenshot { try engine.target.readImage().writePNG(to: path) }
            return
        }
        window.present(engine.target)
        if let text { drawText(text, size: window.framebufferSize, fullscreen: window.isFullscreen) }
        if lastFrame, let path = options.screenshot { try window.readBackBuffer().writePNG(to: path) }
        window.swap()
    }

    func drawText(_ text: TextRenderer, size: PixelSize, fullscreen: Bool) {
        if overlayVisible {
            text.draw(Overlay.status(engine.demo, engine.playback, fps: frameCounter.perSecond, fullscreen: fullscreen),
                      x: 8, y: 8, size: size, background: SIMD4(0, 0, 0, 0.65))
        }
        // Errors stay on screen until a good save fixes them.
        let errorLines = openErrors.values.sorted().prefix(8).map { TextRenderer.Line($0, color: SIMD4(1, 0.85, 0.85, 1)) }
        guard !errorLines.isEmpty else { return }
        let height = Float(errorLines.count) * text.lineHeight + 12
        text.draw(Array(errorLines), x: 8, y: Float(size.height) - height - 8, size: size, background: SIMD4(0.45, 0, 0, 0.85))
    }

    /// A window waits for vsync in `swap`. Headless sleeps to the next frame's
    /// time, but wakes as soon as a saved file has been read, so a reload starts
    /// then rather than at the next frame slot.
    func pace() {
        guard window == nil else { return }
        let next = startedClock + Double(frames) / engine.demo.meta.fps
        if let watcher = engine.watcher {
            watcher.waitForChange(timeout: next - monotonicSeconds())
        } else {
            sleepUntil(monotonic: next)
        }
    }

    // MARK: Reporting

    func reportEvents() {
        for event in pendingEvents {
            if options.events { output.event(event.jsonLine) }
            if let line = event.humanLine { output.human(line) }
            switch event {
            case let .error(_, key, error): openErrors[key.description] = error.description
            case let .reload(_, key, generation, _):
                openErrors[key.description] = nil
                // A new version of the script that crashed the player clears that story too.
                if generation > 1 { openErrors["recovered:" + key.description] = nil }
            case .rocket(.disconnected): openErrors["rocket"] = event.humanLine
            case .rocket(.connected): openErrors["rocket"] = nil
            case .warning, .audio, .rocket: break
            }
        }
        pendingEvents.removeAll()
    }

    /// The first frame drawn after a reload: finished, optionally saved, reported.
    func reportFrame(reloaded: [ResourceKey], synced: [String] = []) throws {
        var fields: [(String, JSONLine.Value)] = [("event", .string("frame")), ("frame", .int(frames)),
                                                  ("time", .number(rounded(engine.playback.time))),
                                                  ("reloaded", .strings(reloaded.map(\.path)))]
        if !synced.isEmpty { fields.append(("synced", .strings(synced))) }
        if let path = options.snapshot {
            try engine.target.readImage().writePNG(to: path)
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
