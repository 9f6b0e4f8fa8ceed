// The demo as data: metadata, scenes on layers of a timeline, sync tracks and
// transitions, read from demo.json (DemoReader) with a message for every rule
// that names the JSON path and the line and column. No GL and no file
// watching here: a demo is a function of time, and these are its queries.

/// A demo: metadata, scenes, tracks and transitions.
public struct Demo: Sendable, Equatable {
    /// Title, output size and timing.
    public struct Meta: Sendable, Equatable {
        public var title: String
        public var author: String?
        public var resolution: PixelSize
        public var fps: Double
        public var duration: Double
        /// Beats per minute, for musical time ("8:0") and the overlay's bar:beat.
        public var bpm: Double?
        public var beatsPerBar: Int
        /// Rows per beat in a GNU Rocket editor (its grid): row = beats x rowsPerBeat.
        public var rowsPerBeat: Int = 8
        /// The soundtrack, if the demo has one.
        public var music: Music?
    }

    /// The soundtrack: a file (or a sound shader), where in it demo time 0 falls, and how loud it plays.
    public struct Music: Sendable, Equatable {
        /// Path of an OGG Vorbis, WAV, FLAC or MP3 file, or of a sound shader, relative to the demo's root folder.
        public var file: String
        /// True when `file` is a GLSL sound shader (Shadertoy's `mainSound`), rendered on the GPU into samples.
        public var isShader = false
        /// A sound shader's Common file (Shadertoy prepends it to the sound pass too).
        public var common: String?
        /// Seconds into the file at demo time 0.
        public var offset: Double = 0
        /// Playback level, 0...1 (the spectrum and exports hear the file as mixed at this level only in exports).
        public var volume: Double = 1
        /// Where meta.music is written in demo.json, for messages about it.
        public var origin: String

        public init(file: String, offset: Double = 0, volume: Double = 1, origin: String) {
            self.file = file
            self.offset = offset
            self.volume = volume
            self.origin = origin
        }

        /// Seconds into the file at demo time `time`.
        public func fileTime(at time: Double) -> Double { time + offset }
    }

    /// One of a multi-pass scene's buffers, in the order Shadertoy runs them.
    public enum BufferID: String, Sendable, CaseIterable, Comparable {
        case A, B, C, D
        public static func < (a: BufferID, b: BufferID) -> Bool { a.rawValue < b.rawValue }
    }

    /// What a scene channel (iChannel0..3) is bound to.
    public enum Channel: Sendable, Equatable {
        /// A PNG, by path relative to the demo's root folder.
        case image(String)
        /// The soundtrack as Shadertoy gives it: a 512x2 texture, row 0 the spectrum, row 1 the waveform.
        case music
        /// A buffer of the same scene: this frame's contents when it ran earlier in the order, else the previous frame's.
        case buffer(BufferID)
        /// Shadertoy's 256x3 keyboard texture: keys down, pressed this frame, toggled.
        case keyboard
        /// A built-in noise medium by its channel name ("noise:rgba-medium", "noise3d:grey", ...).
        case noise(String)
        /// A volume (3D texture) in Shadertoy's .bin format, by path.
        case volume(String)
        /// A cubemap: six PNG faces, +X -X +Y -Y +Z -Z.
        case cubemap([String])

        /// The PNG path, for an image channel.
        public var imagePath: String? { if case let .image(p) = self { return p } else { return nil } }

        /// The files the channel reads.
        public var files: [String] {
            switch self {
            case let .image(p), let .volume(p): return [p]
            case let .cubemap(faces): return faces
            case .music, .buffer, .keyboard, .noise: return []
            }
        }

        /// The GLSL sampler type its iChannel uniform has.
        public var samplerType: String {
            switch self {
            case .cubemap: return "samplerCube"
            case .volume: return "sampler3D"
            case let .noise(name): return name.hasPrefix("noise3d:") ? "sampler3D" : "sampler2D"
            default: return "sampler2D"
            }
        }

        /// How Shadertoy samples it unless told otherwise.
        public var defaultSampling: Sampling {
            switch self {
            case .image, .noise, .volume: return Sampling(filter: .mipmap, wrap: .repeat, vflip: true)
            case .cubemap: return Sampling(filter: .mipmap, wrap: .clamp, vflip: false)
            case .buffer, .music: return Sampling(filter: .linear, wrap: .clamp, vflip: false)
            case .keyboard: return Sampling(filter: .nearest, wrap: .clamp, vflip: false)
            }
        }

        /// True where `vflip` means something: textures uploaded from rows of pixels.
        public var canFlip: Bool {
            switch self {
            case .image, .noise: return true
            default: return false
            }
        }
    }

    /// The built-in noise media, by channel name: stand-ins for Shadertoy's, generated by the engine.
    public static let noiseMedia = NoiseMedium.allCases.map(\.rawValue)

    /// How a channel is sampled.
    public struct Sampling: Sendable, Hashable {
        public enum Filter: String, Sendable, CaseIterable { case nearest, linear, mipmap }
        public enum Wrap: String, Sendable, CaseIterable { case clamp, `repeat` }
        public var filter: Filter
        public var wrap: Wrap
        /// Rows uploaded bottom-up, so texture coordinate (0, 0) is the image's bottom-left corner.
        public var vflip: Bool

        public init(filter: Filter, wrap: Wrap, vflip: Bool) {
            self.filter = filter
            self.wrap = wrap
            self.vflip = vflip
        }
    }

    /// A channel with its sampling.
    public struct ChannelInput: Sendable, Equatable {
        public var source: Channel
        public var sampling: Sampling

        public init(_ source: Channel, sampling: Sampling? = nil) {
            self.source = source
            self.sampling = sampling ?? source.defaultSampling
        }
    }

    /// One buffer pass of a shader scene: a Shadertoy-style shader drawing into a float RGBA target.
    public struct BufferPass: Sendable, Equatable {
        public var id: BufferID
        public var shader: String
        public var channels: [ChannelInput?] = []

        public init(id: BufferID, shader: String, channels: [ChannelInput?] = []) {
            self.id = id
            self.shader = shader
            self.channels = channels
        }
    }

    /// What draws a scene.
    public enum Source: Sendable, Equatable {
        /// A fragment shader path, relative to the demo's root folder.
        case shader(String)
        /// A Swift scene script path, relative to the demo's root folder.
        case script(String)

        /// The path, whichever it is.
        public var path: String {
            switch self {
            case let .shader(p), let .script(p): return p
            }
        }
    }

    /// How a scene on a higher layer combines with the layers below it.
    public enum Blend: String, Sendable, CaseIterable {
        /// Over, by the scene's alpha.
        case over
        /// Added: glows, particles, flashes.
        case add
    }

    /// A texture bound to a uniform of the scene's shader by name.
    public struct NamedTexture: Sendable, Equatable {
        public var uniform: String
        public var path: String
    }

    /// One scene: what draws between `start` and `end` (seconds, end exclusive).
    public struct Scene: Sendable, Equatable {
        public var name: String
        public var start: Double
        public var end: Double
        /// What draws the scene: a fragment shader or a Swift script.
        public var source: Source
        /// Scenes on higher layers draw over lower ones; one layer's scenes never overlap.
        public var layer: Int = 0
        /// How this scene combines with the layers below.
        public var blend: Blend = .over
        /// Named numbers the scene reads: uniforms for shaders, `param` for scripts.
        public var params: [String: Double] = [:]
        /// What iChannel0..3 are bound to (nil: nothing).
        public var channels: [ChannelInput?] = []
        /// Text prepended to every pass of a shader scene (Shadertoy's Common tab).
        public var common: String?
        /// Buffer passes drawn before the image each frame, in order A, B, C, D.
        public var buffers: [BufferPass] = []
        /// PNG paths bound to sampler2D uniforms by name.
        public var textures: [NamedTexture] = []
        /// Where the scene is written in demo.json, for messages about it.
        public var origin: String

        /// Every channel of every pass: the image's, then each buffer's.
        public var allChannels: [ChannelInput] { (channels + buffers.flatMap(\.channels)).compactMap { $0 } }
        /// The PNGs this scene samples: image channels of every pass, then named textures.
        public var imagePaths: [String] { allChannels.compactMap(\.source.imagePath) + textures.map(\.path) }
        /// True when a buffer reads its own previous frame (or a later buffer's): its
        /// frames depend on every frame before them since the scene started.
        public var hasFeedback: Bool {
            buffers.contains { pass in pass.channels.contains { input in
                if case let .buffer(id)? = input?.source { return id >= pass.id } else { return false }
            } }
        }

        /// True for a script scene.
        public var isScript: Bool { if case .script = source { return true } else { return false } }
        public var length: Double { end - start }
    }

    /// A transition from a scene into the one that follows it on its layer.
    /// It starts where the second scene starts and lasts `duration`; the first
    /// scene keeps playing past its end until the transition is over.
    public struct Transition: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case crossfade
            /// Through black.
            case fade
            /// A moving edge; the direction it moves in.
            case wipe(WipeDirection)
        }

        public enum WipeDirection: String, Sendable, CaseIterable { case left, right, up, down }

        /// Scene indices.
        public var from: Int
        public var to: Int
        public var kind: Kind
        public var start: Double
        public var duration: Double

        public var end: Double { start + duration }

        /// 0 at the start, 1 at the end.
        public func progress(at time: Double) -> Double { min(1, max(0, (time - start) / duration)) }
    }

    public var meta: Meta
    /// In time order.
    public var scenes: [Scene]
    /// By name.
    public var tracks: [Track] = []
    public var transitions: [Transition] = []

    // MARK: Queries

    /// The scenes drawing at `time`, lowest layer first. At the very end of the
    /// demo the scenes that end there still draw, so the last frame is not black.
    public func activeScenes(at time: Double) -> [Int] {
        var active = scenes.indices.filter { scenes[$0].start <= time && time < scenes[$0].end }
        if time >= meta.duration {
            active = scenes.indices.filter { scenes[$0].end == meta.duration || (scenes[$0].start <= time && time < scenes[$0].end) }
        }
        return active.sorted { (scenes[$0].layer, scenes[$0].start) < (scenes[$1].layer, scenes[$1].start) }
    }

    /// The transition running at `time` on `layer`, if any.
    public func transition(at time: Double, layer: Int) -> Transition? {
        transitions.first { scenes[$0.to].layer == layer && $0.start <= time && time < $0.end }
    }

    /// The scene that draws at `time` on the lowest layer (what the overlay names).
    public func sceneIndex(at time: Double) -> Int? { activeScenes(at: time).first }

    /// The frame number for `time` at the demo's frame rate (Shadertoy's iFrame).
    public func frameNumber(at time: Double) -> Int {
        Int((time * meta.fps + 1e-6).rounded(.down))
    }

    /// Bar and beat (both from 0) at `time`, when the demo has a bpm.
    public func barBeat(at time: Double) -> (bar: Int, beat: Double)? {
        guard let bpm = meta.bpm else { return nil }
        let beats = time * bpm / 60
        let bar = Int((beats / Double(meta.beatsPerBar)).rounded(.down))
        return (bar, beats - Double(bar * meta.beatsPerBar))
    }

    /// The track named `name`.
    public func track(named name: String) -> Track? { tracks.first { $0.name == name } }

    /// Every script the demo uses, once each.
    public var scripts: [String] {
        var seen: Set<String> = []
        return scenes.compactMap { if case let .script(p) = $0.source, seen.insert(p).inserted { return p } else { return nil } }
    }

    /// The files scene `i` reads.
    public func referencedFiles(ofScene i: Int) -> [String] { sceneFiles(i).map(\.path) }

    /// Every file the demo names, with where it is named (for existence checks).
    public var referencedFiles: [(path: String, field: String, origin: String)] {
        scenes.indices.flatMap(sceneFiles) + (meta.music.map { music in
            [(music.file, "meta.music", music.origin)] + (music.common.map { [($0, "meta.music.common", music.origin)] } ?? [])
        } ?? [])
    }

    /// The files scene `i` reads, with the JSON path that names each.
    func sceneFiles(_ i: Int) -> [(path: String, field: String, origin: String)] {
        let scene = scenes[i]
        func channelFiles(_ channels: [ChannelInput?], _ field: String) -> [(path: String, field: String, origin: String)] {
            channels.enumerated().flatMap { c, input in (input?.source.files ?? []).map { ($0, "\(field)[\(c)]", scene.origin) } }
        }
        return [(scene.source.path, "scenes[\(i)].\(scene.isScript ? "script" : "shader")", scene.origin)]
            + (scene.common.map { [($0, "scenes[\(i)].common", scene.origin)] } ?? [])
            + channelFiles(scene.channels, "scenes[\(i)].channels")
            + scene.buffers.flatMap { pass in
                [(pass.shader, "scenes[\(i)].buffers.\(pass.id).shader", scene.origin)]
                    + channelFiles(pass.channels, "scenes[\(i)].buffers.\(pass.id).channels")
            }
            + scene.textures.map { ($0.path, "scenes[\(i)].textures.\($0.uniform)", scene.origin) }
    }

    /// Every PNG a scene of the demo samples (channels and named textures), once each, in order.
    public var imagePaths: [String] {
        var seen: Set<String> = []
        return scenes.flatMap { $0.imagePaths }.filter { seen.insert($0).inserted }
    }
}

extension Demo: Loadable {
    public static let kind = "demo"

    /// Reads demo.json through the store; a bad edit keeps the last good timeline.
    public static func load(from context: LoadContext) throws -> Demo {
        try parse(try context.read(context.key.path), file: context.key.path)
    }

    /// Reads and validates demo.json text. `file` names it in messages.
    public static func parse(_ bytes: [UInt8], file: String) throws -> Demo {
        let root: JSONValue
        do {
            root = try parseJSON(bytes)
        } catch let e as JSONSyntaxError {
            throw RasterbarError(.invalidJSON, e.message, file: file, line: e.line, column: e.column,
                                 hint: "demo.json must be valid JSON")
        }
        return try DemoReader(file: file).demo(root)
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelt names.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in 1...b.count {
            let keep = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = keep
        }
    }
    return row[b.count]
}

/// The candidate closest to `word`, if it is a plausible typo of it.
func closest(_ word: String, in candidates: [String]) -> String? {
    candidates.map { ($0, editDistance($0.lowercased(), word.lowercased())) }
        .filter { $0.1 <= max(1, min(3, word.count / 3)) }.min { $0.1 < $1.1 }?.0
}
