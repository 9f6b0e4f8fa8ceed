// Draws the demo at a given time into its offscreen target: picks the scene
// from the live timeline, takes its program and textures from the store,
// works out the Shadertoy uniforms. The window and the headless renderer both
// draw through this, so what the window shows and what a PNG holds come from
// one code path. Reloads happen in the store's `sync`; this just draws
// whatever the handles hold now.
import Foundation
import RasterbarCore
import RasterbarGL

/// How a frame's clock-dependent inputs are chosen.
public struct FrameInputs: Sendable, Equatable {
    /// Frame number (iFrame).
    public var frame: Int
    /// Seconds since the previous frame (iTimeDelta).
    public var timeDelta: Double
    /// Shadertoy's iDate.
    public var date: SIMD4<Float>
    /// Shadertoy's iMouse in render-target pixels.
    public var mouse: SIMD4<Float> = .zero

    public init(frame: Int, timeDelta: Double, date: SIMD4<Float>, mouse: SIMD4<Float> = .zero) {
        self.frame = frame
        self.timeDelta = timeDelta
        self.date = date
        self.mouse = mouse
    }

    /// The clock of a frame rendered offline: everything follows from `time`,
    /// so a frame renders the same on every run. iDate counts from
    /// 2000-01-01 00:00 at demo time 0 (a wall clock would break that).
    public static func offline(time: Double, demo: Demo) -> FrameInputs {
        FrameInputs(frame: demo.frameNumber(at: time), timeDelta: 1 / demo.meta.fps,
                   date: SIMD4(2000, 0, 1, Float(time)))
    }
}

/// Renders a demo's frames into an offscreen target. GL thread only.
public final class DemoRenderer {
    public let store: Store
    /// The live timeline: replaced in place when demo.json is saved.
    public let timeline: Res<Demo>
    /// A fixed output size, or nil to follow the demo's resolution (also after reloads).
    let sizeOverride: PixelSize?
    /// Offline frames are a pure function of time (scripts are replayed from their
    /// scene's start); live frames follow the inputs.
    let offline: Bool
    public private(set) var renderer: SceneRenderer
    /// The store's handles this renderer draws with, by key (programs, textures, faces).
    var held: [ResourceKey: AnyObject] = [:]
    /// Multi-pass scenes' buffers, by scene name.
    var chains: [String: BufferChain] = [:]
    /// Counts frames drawn, so a multi-pass scene can tell it was not drawn in the previous one.
    var drawSerial = 0
    /// The keys Shadertoy's keyboard channel shows (live play: the window and the control channel).
    public var keyboard = KeyboardState()
    lazy var keyboardTextureObject = Texture(singleChannelWidth: KeyboardState.width, height: KeyboardState.height)
    var keyboardUpload: (serial: Int, state: KeyboardState)?
    /// The built-in noise media made so far, by channel name and flip.
    var noiseTextures: [String: Texture] = [:]
    /// Cubemaps by their faces' paths, with the face generations they were built from.
    var cubemaps: [[String]: (generations: [Int], texture: Texture)] = [:]
    var scripts: [String: ScriptScene] = [:]
    /// Ends script calls that run too long.
    var watchdog: Watchdog?
    /// Told each time a script generation takes over: script, library path, generation.
    public var onScriptGeneration: ((String, String, Int) -> Void)?
    /// The soundtrack's spectrum and waveform, for music channels and scripts.
    let music = MusicInput()
    /// Drawn where a scene has nothing to show: the crawling magenta stripes.
    lazy var placeholder: ShaderProgram? = ShaderProgram.fallback(for: try! .file("placeholder"))

    /// Loads the timeline `demoKey` (a demo.json path relative to the store's
    /// root) and prepares to draw at `size` (default: the demo's resolution).
    /// Scripts compile with the store's `ScriptCompiler` (the engine registers
    /// it). Throws if the timeline cannot be loaded: there is nothing to play.
    init(store: Store, demoKey: String, size: PixelSize? = nil, offline: Bool) throws {
        self.store = store
        self.offline = offline
        timeline = try store.get(try .file(demoKey), as: Demo.self)
        sizeOverride = size
        renderer = try SceneRenderer(size: size ?? timeline.value.meta.resolution)
        Guard.install()
    }

    public var demo: Demo { timeline.value }

    /// Live track edits over the timeline's tracks (the control channel, a sync editor).
    public var trackOverrides = TrackOverrides() {
        didSet { mergedTracks = nil }
    }
    /// The merged tracks, kept until the timeline or the edits change.
    var mergedTracks: (generation: Int, tracks: [Track])?

    /// The timeline's tracks with the live edits in their place.
    public var tracks: [Track] {
        if let m = mergedTracks, m.generation == timeline.generation { return m.tracks }
        let merged = trackOverrides.tracks(over: demo)
        mergedTracks = (timeline.generation, merged)
        return merged
    }
    public var target: RenderTarget { renderer.target }

    /// The program of a shader file (a pass wrapped as `variant` says); a broken shader gives the error pattern.
    public func program(for shader: String, variant: ShaderProgram.PassVariant? = nil) throws -> Res<ShaderProgram> {
        try resource(try ShaderProgram.key(for: shader, variant: variant))
    }

    /// The store's handle for `key`, kept after the first ask.
    func resource<T: Loadable>(_ key: ResourceKey) throws -> Res<T> {
        if let r = held[key] as? Res<T> { return r }
        let r = try store.get(key, as: T.self)
        held[key] = r
        return r
    }

    /// The texture of a PNG file, bottom-up (Shadertoy's vflip) unless `flipped` is false; a broken PNG gives a checkerboard.
    public func texture(for path: String, flipped: Bool = true) throws -> Res<Texture> {
        try resource(try Texture.key(for: path, flipped: flipped))
    }

    /// A volume file (Shadertoy's .bin) as a 3D texture.
    public func volume(for path: String) throws -> Res<Texture> {
        try resource(try Texture.volumeKey(for: path))
    }

    /// One face of a cubemap, decoded.
    func cubeFace(_ path: String) throws -> Res<FaceImage> {
        try resource(try FaceImage.key(for: path))
    }

    /// A cubemap from six PNG faces, built again when one of them reloads.
    func cubemap(_ paths: [String]) throws -> Texture {
        let images = try paths.map { try cubeFace($0) }
        let generations = images.map(\.generation)
        if let built = cubemaps[paths], built.generations == generations { return built.texture }
        let texture = try Texture(cubeFaces: FaceImage.squareFaces(images.map(\.value), paths: paths))
        cubemaps[paths] = (generations, texture)
        return texture
    }

    /// A built-in noise medium, made once.
    func noiseTexture(_ name: String, flipped: Bool) throws -> Texture {
        let id = "\(name)|\(flipped)"
        if let t = noiseTextures[id] { return t }
        guard let medium = NoiseMedium(rawValue: name) else { throw RasterbarError(.invalidDemo, "unknown noise medium '\(name)'") }
        // The media's bytes are laid out for Shadertoy's default vflip; without it the rows go the other way.
        var bytes = medium.bytes()
        if !flipped, !medium.is3D {
            let row = medium.width * medium.channels
            bytes = (0..<medium.height).reversed().flatMap { bytes[$0 * row..<($0 + 1) * row] }
        }
        let texture = medium.depth > 1
            ? Texture(width: medium.width, height: medium.height, depth: medium.depth, channels: medium.channels, bytes: bytes)
            : Texture(width: medium.width, height: medium.height, channels: medium.channels, bytes: bytes)
        noiseTextures[id] = texture
        return texture
    }

    /// The decoded soundtrack named by meta.music (nil without one); a broken
    /// file gives silence and an error, a broken reload keeps the last good mix.
    public func musicClip() throws -> Res<AudioClip>? {
        guard let music = demo.meta.music else { return nil }
        guard music.isShader else { return try store.get(try .file(music.file), as: AudioClip.self) }
        let clip = try store.get(try SoundShaderService.key(for: music), as: AudioClip.self)
        // A sound shader is rendered as long as the demo needs; a longer demo renders it again.
        if clip.generation > 0, clip.error == nil, clip.value.duration + 0.5 / SoundShaderRenderer.rate < soundShaderSeconds(music) {
            store.invalidate(try SoundShaderService.key(for: music))
        }
        return clip
    }

    /// How much of a sound shader the demo plays: to its end, from the music's offset.
    func soundShaderSeconds(_ music: Demo.Music) -> Double { demo.meta.duration + music.offset }

    /// Renders the demo's sound shader for the store (registered by the engine):
    /// live, on the music decoder's queue in a GL context of its own, so a save
    /// never stalls the picture; otherwise here.
    func renderSoundShader(_ request: SoundShaderService.Request, _ context: LoadContext, environment: [String: String]) throws -> AudioClip {
        let source = try ShaderSource.sound(request.file, common: request.common) { try context.readText($0) }
        let seconds = demo.meta.music.map(soundShaderSeconds) ?? demo.meta.duration
        guard let decoder = context.service(MusicDecoder.self) else {
            return try SoundShaderRenderer.render(source, file: request.file, seconds: seconds)
        }
        return try decoder.clip(key: context.key, hash: contentHash(Array(source.text.utf8)) ^ seconds.bitPattern, doing: "rendering") {
            // A context per render: EGL binds one to a thread, and the queue may run on any.
            let gl = try HeadlessContext(environment: environment)
            return try withExtendedLifetime(gl) { try SoundShaderRenderer.render(source, file: request.file, seconds: seconds) }
        }
    }

    /// What is wrong with the soundtrack, at meta.music: the file (missing,
    /// empty, corrupt, not audio) or an offset past its end.
    public func musicError() throws -> RasterbarError? {
        guard let music = demo.meta.music, let clip = try musicClip() else { return nil }
        if let e = clip.error {
            // A sound shader's compile error already names its file and line.
            if music.isShader { return e }
            return RasterbarError(.invalidMusic, "meta.music: \(music.file): \(e.message)", at: music.origin, hint: e.hint)
        }
        // The offset is checked against a file that has loaded, not the silence standing in meanwhile.
        if clip.generation > 0, music.offset >= clip.value.duration {
            return RasterbarError(.invalidMusic, "meta.music.offset: \(String(format2: music.offset)) s is past the end of \(music.file) (\(String(format2: clip.value.duration)) s long)",
                                  at: music.origin, hint: "use an offset under \(String(format2: clip.value.duration)) s, or a longer file")
        }
        return nil
    }

    /// The soundtrack for strict work (render, export, check): meta.music and
    /// its decoded clip, nil without music, or the music's error.
    public func validMusic() throws -> (music: Demo.Music, clip: AudioClip)? {
        guard let music = demo.meta.music, let clip = try musicClip() else { return nil }
        if let e = try musicError() { throw e }
        return (music, clip.value)
    }

    /// Float and vec names the demo's code reads that no track defines: the
    /// shaders' own uniforms (not scene params) and the tracks scripts ask
    /// for. A sync editor offers them as new tracks.
    public var undefinedTrackNames: [(name: String, components: Int)] {
        let defined = Set(demo.tracks.map(\.name)).union(demo.scenes.flatMap(\.params.keys))
        var seen: Set<String> = []
        let programs = held.values.compactMap { $0 as? Res<ShaderProgram> }
        let uniforms = programs.sorted { $0.value.file < $1.value.file }.flatMap { $0.value.declaredFloats }
        let asked = scripts.values.flatMap { $0.host.askedTracks.sorted() }.map { (name: $0, components: 1) }
        return (uniforms + asked).filter { !defined.contains($0.name) && seen.insert($0.name).inserted }
    }

    /// The running script of a scene (one instance per scene).
    func scriptScene(for scene: Demo.Scene, path: String) throws -> ScriptScene {
        let id = "\(scene.name)|\(path)"
        if let s = scripts[id] { return s }
        let library = try store.get(try ScriptLibrary.key(for: path), as: ScriptLibrary.self)
        let host = ScriptHost(store: store, script: path, renderer: { [unowned self] in renderer },
                              meta: { [unowned self] in demo.meta }) { [unowned self] line in
            store.onEvent(.warning(message: line))
        }
        let s = try ScriptScene(script: path, library: library, host: host, watchdog: watchdog) { [unowned self] in store.onEvent($0) }
        s.onGeneration = { [unowned self] in onScriptGeneration?($0, $1, $2) }
        scripts[id] = s
        return s
    }

    /// Loads every scene's program or script and its textures now, so errors
    /// surface before the first frame. Returns the errors (each also reported by the store).
    @discardableResult
    public func loadAll() throws -> [RasterbarError] {
        var errors: [RasterbarError] = []
        for scene in demo.scenes {
            switch scene.source {
            case .shader: errors += try passErrors(scene)
            case .script:
                if let e = try sourceError(scene) { errors.append(e) }
                errors += try channelErrors(scene)
            }
        }
        if let e = try musicError() { errors.append(e) }
        return errors
    }

    func sourceError(_ scene: Demo.Scene) throws -> RasterbarError? {
        switch scene.source {
        case .shader: return try passErrors(scene).first
        case let .script(path):
            let s = try scriptScene(for: scene, path: path)
            return s.library.error ?? s.trap
        }
    }

    /// The first error among what the frame at `time` uses, if any.
    public func error(at time: Double) throws -> RasterbarError? {
        if let e = timeline.error { return e }
        let active = demo.activeScenes(at: time)
        let mixes = active.count > 1 || active.contains { demo.transition(at: time, layer: demo.scenes[$0].layer) != nil }
        if mixes, compositor == nil, let e = compositorFailure { return e }
        if let e = try musicError() { return e }
        for index in scenesDrawn(at: time) {
            let scene = demo.scenes[index]
            if let e = try sourceError(scene) { return e }
            if let e = try channelErrors(scene).first { return e }
        }
        return nil
    }

    /// Every scene the frame at `time` draws: the active ones, and the scene a
    /// transition is leaving.
    func scenesDrawn(at time: Double) -> [Int] {
        let active = demo.activeScenes(at: time)
        let leaving = Set(active.map { demo.scenes[$0].layer }).compactMap { demo.transition(at: time, layer: $0)?.from }
        return active + leaving
    }

    // MARK: Drawing

    /// Scratch targets at the output size: a layer, and the two sides of a transition.
    var scratch: [RenderTarget] = []
    /// Mixes transitions and layers. Built on first use; if it cannot be built
    /// (a driver that refuses its shaders) the error is reported once and
    /// frames show their lowest layer without transitions, rather than nothing.
    lazy var compositor: Compositor? = {
        do { return try Compositor() } catch {
            let e = error as? RasterbarError ?? RasterbarError(.graphicsUnavailable, "\(error)")
            compositorFailure = RasterbarError(.graphicsUnavailable, "transitions and layers are off: the compositor did not build: \(e.message)",
                                               hint: "a frame with one scene on one layer still draws")
            store.onEvent(.warning(message: compositorFailure!.description))
            return nil
        }
    }()
    /// Why there is no compositor, for strict (offline) frames that need one.
    var compositorFailure: RasterbarError?

    func scratchTargets() throws -> [RenderTarget] {
        if scratch.first?.size != renderer.size {
            scratch = try (0..<3).map { _ in try RenderTarget(size: renderer.size) }
        }
        return scratch
    }

    /// Draws the demo at `time` (seconds) into the target: each layer's scene
    /// (or transition) in turn, higher layers combined over the lower ones.
    public func draw(at time: Double, inputs: FrameInputs) throws {
        let demo = self.demo
        drawSerial += 1
        if sizeOverride == nil, renderer.size != demo.meta.resolution {
            renderer = try SceneRenderer(size: demo.meta.resolution)
        }
        let named = namedUniforms(at: time)
        let active = demo.activeScenes(at: time)
        // Only demos with multi-pass scenes pay for this, per frame.
        defer { releaseBuffers(at: time) }
        guard !active.isEmpty else {
            renderer.draw(nil, uniforms(time: time, scene: nil, inputs: inputs, named: named))
            return
        }
        for (position, index) in active.enumerated() {
            let scene = demo.scenes[index]
            // The lowest layer draws straight into the output; the others into a
            // scratch target that is then combined over it.
            let destination = position == 0 ? renderer.target : try scratchTargets()[0]
            if let transition = demo.transition(at: time, layer: scene.layer), let compositor {
                let sides = try scratchTargets()
                try drawScene(transition.from, at: time, inputs: inputs, named: named, into: sides[1])
                try drawScene(transition.to, at: time, inputs: inputs, named: named, into: sides[2])
                renderer.bind(destination)
                compositor.transition(from: sides[1], to: sides[2], progress: transition.progress(at: time),
                                      style: Self.style(transition.kind), size: renderer.size, with: renderer)
            } else {
                try drawScene(index, at: time, inputs: inputs, named: named, into: destination)
            }
            if position > 0, let compositor {
                renderer.bind(renderer.target)
                compositor.composite(destination, blend: scene.blend == .add ? .add : .alpha, size: renderer.size, with: renderer)
            }
        }
    }

    static func style(_ kind: Demo.Transition.Kind) -> Compositor.TransitionStyle {
        switch kind {
        case .crossfade: return .crossfade
        case .fade: return .fade
        case let .wipe(direction):
            switch direction {
            case .left: return .wipe(SIMD2(-1, 0))
            case .right: return .wipe(SIMD2(1, 0))
            case .up: return .wipe(SIMD2(0, 1))
            case .down: return .wipe(SIMD2(0, -1))
            }
        }
    }

    /// Draws one scene at `time` into `destination`.
    func drawScene(_ index: Int, at time: Double, inputs: FrameInputs, named: [NamedUniform], into destination: RenderTarget) throws {
        let demo = self.demo
        let scene = demo.scenes[index]
        let params = scene.params.map { NamedUniform(name: $0.key, components: 1, value: SIMD4(Float($0.value), 0, 0, 0)) }
        let sceneNamed = named + params
        // What replays (feedback buffers, scripts) reads the tracks at each replayed frame's own time.
        let namedAt = { (t: Double) in t == time ? sceneNamed : self.namedUniforms(at: t) + params }
        switch scene.source {
        case let .shader(path):
            try drawShaderScene(scene, image: path, at: time, inputs: inputs, namedAt: namedAt, into: destination)
        case let .script(path):
            let script = try scriptScene(for: scene, path: path)
            script.host.output = destination
            defer { script.host.output = nil }
            let drew: Bool
            if offline {
                drew = script.drawOffline(at: time, scene: scene, fps: demo.meta.fps) { t in
                    self.uniforms(time: t, scene: scene, inputs: .offline(time: t, demo: demo), named: namedAt(t))
                }
            } else {
                drew = script.draw(uniforms(time: time, scene: scene, inputs: inputs, named: sceneNamed), params: scene.params)
            }
            if !drew { drawPlaceholder(script, uniforms(time: time, scene: scene, inputs: inputs, named: sceneNamed), into: destination) }
        }
    }

    /// Every track's value at `time`, as uniforms.
    func namedUniforms(at time: Double) -> [NamedUniform] {
        tracks.map { track in
            let v = track.value(at: time)
            return NamedUniform(name: track.name, components: track.components, value: SIMD4(Float(v.x), Float(v.y), Float(v.z), Float(v.w)))
        }
    }

    /// A script with nothing to run: dark grey while its first compile runs,
    /// the magenta stripes when it failed.
    func drawPlaceholder(_ script: ScriptScene, _ uniforms: FrameUniforms, into destination: RenderTarget) {
        let compiling = script.library.isFallback && script.library.isLoading && script.trap == nil
        renderer.draw(compiling ? nil : placeholder, uniforms, into: destination)
        if compiling {
            renderer.bind(destination)
            renderer.clear(to: SIMD4(0.08, 0.08, 0.1, 1))
        }
    }

    func uniforms(time: Double, scene: Demo.Scene?, inputs: FrameInputs, named: [NamedUniform] = []) -> FrameUniforms {
        let start = scene?.start ?? 0
        let length = scene.map { $0.end - $0.start } ?? 1
        var u = FrameUniforms(resolution: renderer.size, sceneTime: time - start, demoTime: time,
                              sceneProgress: min(1, max(0, (time - start) / length)), timeDelta: inputs.timeDelta,
                              frameRate: demo.meta.fps, frame: inputs.frame, mouse: inputs.mouse, date: inputs.date)
        u.named = named
        u.beat = demo.meta.bpm.map { time * $0 / 60 } ?? 0
        if let music = demo.meta.music, let clip = try? musicClip() {
            u.sampleRate = clip.value.rate
            u.musicTime = music.fileTime(at: time)
            u.music = self.music.frame(clip: clip.value, offset: music.offset, fps: demo.meta.fps, time: time)
        } else {
            u.musicTime = time
        }
        return u
    }
}
