// The engine: the one place where the resource store, the file watcher, the
// script compiler, the demo renderer, the headless GL context and the clock
// are wired together. `play` (windowed and headless), `render`, `check`, the
// benchmarks and the tests all build one, so they all load, reload and draw
// the same way. It knows nothing of windows, keys or output streams: the
// player and the commands bring those.
import Foundation
import RasterbarCore
import RasterbarGL

/// A demo, loaded and ready to draw. GL thread only.
public final class Engine {
    /// How the engine is put together.
    public struct Options {
        /// Live: scripts compile in the background and frames follow the clock
        /// (play). Offline: frames are a pure function of time, scripts are
        /// replayed on the demo's frame grid and compile inline (render, check).
        public enum Mode: Sendable { case live, offline }

        public var mode: Mode
        /// Output size; nil follows the demo's resolution (also after reloads).
        public var size: PixelSize?
        /// Watch the demo's files and reload them on `sync()`; nil loads once.
        public var watch: FileWatcher.Options?
        /// The GL context to draw with. `.headless` makes (and keeps) an EGL
        /// context; `.shared` uses a given one (the tests' single context);
        /// `.current` uses whatever context is current (a window's).
        public var context: ContextChoice = .headless
        /// Compile scripts on a background queue (the player) or inline, blocking
        /// the frame that needs them (renders, checks, tests). Default: by mode.
        public var backgroundCompiles: Bool?
        /// Seconds a script call (create, frame, save, destroy) may run before it
        /// is stopped and the scene rolls back as for a trap.
        public var scriptTimeout: Double = 2
        /// Process environment: toolchain, cache, EGL platform, script flags.
        public var environment: [String: String]
        /// Where a live engine plays meta.music: the sound device, or the silent
        /// null output (which still drives demo time). Offline engines play nothing.
        public var audio: AudioChoice = .null
        /// The person's playback level, 0...1, times meta.music.volume.
        public var volume: Double = 1

        public init(mode: Mode, size: PixelSize? = nil, watch: FileWatcher.Options? = nil,
                    environment: [String: String] = ProcessInfo.processInfo.environment) {
            self.mode = mode
            self.size = size
            self.watch = watch
            self.environment = environment
        }
    }

    /// Which GL context the engine draws with.
    public enum ContextChoice {
        case headless
        case shared(HeadlessContext)
        case current
    }

    public let folder: DemoFolder
    public let options: Options
    public let store: Store
    public let watcher: FileWatcher?
    public let compiler: ScriptCompiler
    public let renderer: DemoRenderer
    /// The headless context the engine draws with, kept alive as long as the engine.
    public let context: HeadlessContext?
    /// Where demo time comes from: the music while a soundtrack plays live,
    /// otherwise real time or the frame grid.
    public var clock: TimeSource { soundtrack?.clock ?? baseClock }
    /// The clock without music.
    var baseClock: TimeSource
    /// The live soundtrack, while the demo has one.
    var soundtrack: Soundtrack?
    /// Demo time, pause and looping: the player's rules.
    public private(set) var playback: Playback
    /// Receives every load, reload, error and warning, on the GL thread, as it happens.
    public var onEvent: (StoreEvent) -> Void {
        get { relay.send }
        set { relay.send = newValue }
    }
    /// The store reports through this, so events of the very first load (the
    /// timeline, inside init) reach `onEvent` too.
    let relay: EventRelay

    /// Loads `folder`'s demo (the timeline must load: there is nothing to play
    /// otherwise) and prepares to draw it. `onEvent` gets the store's events on
    /// the GL thread; `urgent` gets, from the watchdog's own thread, what must
    /// be told while the GL thread is stuck (a script frame that does not
    /// return): print it at once, from any thread.
    public init(folder: DemoFolder, options: Options, onEvent: @escaping (StoreEvent) -> Void = { _ in },
                urgent: @escaping @Sendable (StoreEvent) -> Void = { _ in }) throws {
        self.folder = folder
        self.options = options
        let relay = EventRelay(onEvent)
        self.relay = relay
        switch options.context {
        case .headless: context = try HeadlessContext(environment: options.environment)
        case let .shared(shared): context = shared
        case .current: context = nil
        }
        context?.makeCurrent()
        watcher = options.watch.map { FileWatcher(root: folder.root, options: $0) }
        store = Store(root: folder.root, watcher: watcher) { relay.send($0) }
        let live = options.mode == .live
        let background = options.backgroundCompiles ?? live
        compiler = ScriptCompiler(demoRoot: folder.root, blocking: !background, environment: options.environment)
        if background {
            // A finished background compile tells the store directly; the next sync loads it.
            compiler.whenFinished { [weak store] script in
                if let store, let key = try? ScriptLibrary.key(for: script) { store.invalidate(key) }
            }
            // And a save starts compiling the moment the watcher has read it, not at the next sync().
            watcher?.whenSettled { [weak compiler] path, bytes in compiler?.prefetch(script: path, source: bytes) }
        }
        store.register(compiler)
        if live {
            // The music decodes off the GL thread; the finished decode reloads it.
            store.register(MusicDecoder { [weak store] key in store?.invalidate(key) })
        }
        store.register(ScriptRecovery(environment: options.environment))
        renderer = try DemoRenderer(store: store, demoKey: folder.demoKey, size: options.size, offline: !live)
        // Sound shaders render on this engine's GL thread, when the store loads them.
        store.register(SoundShaderService { [unowned renderer, environment = options.environment] in
            try renderer.renderSoundShader($0, $1, environment: environment)
        })
        baseClock = live ? RealTimeClock() : OfflineFrameClock(fps: renderer.demo.meta.fps)
        playback = Playback(duration: renderer.demo.meta.duration)
        if live { StderrTap.start() }
        // Live or not, a script call that does not return in time is ended.
        renderer.watchdog = Watchdog(limit: options.scriptTimeout) { urgent(.warning(message: $0)) }
    }

    // Framebuffers and vertex arrays belong to one context, and names repeat
    // across contexts: the renderer's GL objects must go with this engine's
    // context current, or they take another engine's objects with them.
    deinit { context?.makeCurrent() }

    public var demo: Demo { renderer.demo }
    public var target: RenderTarget { renderer.target }

    // MARK: Time

    /// Starts playing at `start` (paused or not, looping the demo or not, looping
    /// a scene or not), on `clock`; while a soundtrack plays live, the music's
    /// clock drives time instead and `clock` takes over if the music goes.
    public func start(at start: Double, paused: Bool, loops: Bool, sceneLoop: Range<Double>? = nil, clock: TimeSource? = nil) {
        playback = Playback(duration: demo.meta.duration, start: start, loops: loops, paused: paused)
        playback.setSceneLoop(sceneLoop)
        if let clock { baseClock = clock }
        self.clock.setPaused(paused)
        self.clock.seek(to: playback.time)
        syncMusic()
    }

    /// Applies a player command to time (seek, pause, scene loop, ...); the
    /// clock follows wherever the command moved time.
    public func apply(_ command: PlayerCommand) {
        if command == .reloadAll { store.reloadAll() }
        if case let .key(code, down) = command { renderer.keyboard.set(code: code, down: down) }
        let before = playback
        playback.apply(command, in: demo)
        followPlayback(from: before)
    }

    /// Jumps to `time`, clamped into the demo.
    public func seek(to time: Double) {
        let before = playback
        playback.seek(to: time)
        followPlayback(from: before)
    }

    /// Pauses or plays.
    public func setPaused(_ paused: Bool) {
        guard playback.paused != paused else { return }
        apply(.togglePause)
    }

    /// Tells the clock where a command put time. Pausing or playing also
    /// re-anchors the clock on the playback's time (the last frame's), so
    /// resuming continues from the frame on screen, not from a moment later.
    func followPlayback(from before: Playback) {
        if playback.paused != before.paused {
            clock.setPaused(playback.paused)
            clock.seek(to: playback.time)
        } else if playback.time != before.time {
            clock.seek(to: playback.time)
        }
    }

    /// Moves demo time to what the clock says now; loops and the end are the
    /// playback's rules, and the clock is told when they move time.
    public func advance() {
        let proposed = clock.now
        let before = playback.time
        playback.advance(by: proposed - before)
        if playback.time != proposed, !playback.paused { clock.seek(to: playback.time) }
    }

    // MARK: Resources

    /// Applies every saved change: the first frame drawn after it shows it.
    /// Returns what reloaded. The demo's length follows a reloaded timeline.
    @discardableResult
    public func sync() -> [ResourceKey] {
        let reloaded = store.sync()
        if playback.duration != demo.meta.duration { playback.setDuration(demo.meta.duration) }
        syncMusic()
        return reloaded
    }

    /// Live: plays meta.music (a new mix, offset or volume carries on at the
    /// same demo time) and lets it drive demo time; without music, the
    /// monotonic clock takes over where the music was.
    func syncMusic() {
        guard options.mode == .live else { return }
        guard let music = demo.meta.music, let clip = try? renderer.musicClip()?.value else {
            if let old = soundtrack {
                old.close()
                soundtrack = nil
                baseClock.seek(to: playback.time)
                baseClock.setPaused(playback.paused)
            }
            return
        }
        if let soundtrack, soundtrack.follow(clip: clip, music: music, at: playback.time) { return }
        soundtrack?.close()
        soundtrack = Soundtrack(clip: clip, music: music, choice: options.audio, level: options.volume,
                                start: playback.time, paused: playback.paused, environment: options.environment) { [relay] in relay.send($0) }
    }

    /// Loads every scene's shader or script and its textures now, so problems
    /// show before the first frame; returns them (each is also an event).
    /// Live, the music's first decode is waited for (up to `musicWait`
    /// seconds), so a demo starts with its soundtrack rather than a moment of silence.
    @discardableResult
    public func loadAll(musicWait: Double = 30) throws -> [RasterbarError] {
        if let clip = try renderer.musicClip(), clip.isLoading {
            let deadline = monotonicSeconds() + musicWait
            while clip.isLoading, monotonicSeconds() < deadline {
                store.sync()
                usleep(2000)
            }
        }
        return try renderer.loadAll()
    }

    // MARK: Tracks

    /// Live track edits, over demo.json's tracks: uniforms and scripts read through them.
    public var trackOverrides: TrackOverrides {
        get { renderer.trackOverrides }
        set { renderer.trackOverrides = newValue }
    }

    /// Writes the live track edits into demo.json (atomically; every other byte
    /// of the file stays as it was), then drops them: demo.json now says the
    /// same. The engine's own write is not reported as an edit. Returns the
    /// names of the tracks written.
    @discardableResult
    public func saveTracks() throws -> [String] {
        let edited = trackOverrides.edited.values.sorted { $0.name < $1.name }
        guard !edited.isEmpty else { return [] }
        // Saves already read by the watcher apply first, so they are not undone.
        sync()
        let bytes = try FileIO.read(folder.file)
        let written = try TrackWriter.write(edited, into: bytes, file: folder.demoKey)
        try FileIO.writeAtomically(written, to: folder.file, keepingModeOf: folder.file)
        store.adoptOwnWrite(written, at: folder.demoKey)
        trackOverrides.clearAll()
        return edited.map(\.name)
    }

    // MARK: Drawing

    /// Draws the frame at the playback's time, with live inputs (frame number,
    /// time since the last frame, wall-clock date, mouse).
    public func draw(_ inputs: FrameInputs) throws {
        try renderer.draw(at: playback.time, inputs: inputs)
        // A press shows in one frame.
        renderer.keyboard.endFrame()
        clock.frameDrawn()
    }

    /// Checks that `time` lies inside the demo.
    public func validate(time: Double) throws { try demo.checkInside(time, what: "time") }

    /// Draws the frame at `time` offline, strictly: a frame whose shader,
    /// script or texture failed is an error, never a fallback pattern in a file.
    public func drawStrict(at time: Double) throws {
        try validate(time: time)
        context?.makeCurrent()
        if let error = try renderer.error(at: time) { throw error }
        try renderer.draw(at: time, inputs: .offline(time: time, demo: demo))
        // A script that trapped while drawing this frame: the file must not hold a placeholder.
        if let error = try renderer.error(at: time) { throw error }
    }

    /// Renders the frame at `time` strictly and reads it back top-down.
    public func renderImage(at time: Double) throws -> Image {
        try drawStrict(at: time)
        return renderer.target.readImage()
    }
}

/// Where the store's events go: a box the engine can point elsewhere after init.
final class EventRelay {
    var send: (StoreEvent) -> Void
    init(_ send: @escaping (StoreEvent) -> Void) { self.send = send }
}
