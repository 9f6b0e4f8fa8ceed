// The context a scene draws with: frame information and what the host can do
// for it. Every method is a thin call through rasterbar.h.
import RasterbarABI

// Handles are the host's ids (rasterbar.h's rb_shader, rb_texture, rb_target);
// 0 is "none". The host checks every handle it is given (its kind, its scene,
// that it is not from before a reload), so a kept or made-up one is harmless.

/// A fullscreen or geometry shader program, owned by the host.
public struct Shader: Equatable {
    public let handle: UInt32
    public init(handle: UInt32) { self.handle = handle }
}
/// A PNG texture, owned by the host.
public struct Texture: Equatable {
    public let handle: UInt32
    public init(handle: UInt32) { self.handle = handle }
}
/// A render target, owned by the host; also samplable like a texture.
public struct Target: Equatable {
    public let handle: UInt32
    public init(handle: UInt32) { self.handle = handle }
}

/// How draws combine with what is already in the target.
public enum Blend { case none, alpha, add }

/// What vertices make.
public enum Primitive { case points, lines, lineStrip, triangles, triangleStrip }

/// One vertex: position (w is the point size for points) and colour.
public struct Vertex {
    public var position: Vec4
    public var color: Vec4
    public init(_ position: Vec4, _ color: Vec4) {
        self.position = position
        self.color = color
    }
    public init(x: Float, y: Float, z: Float = 0, size: Float = 1, color: Vec4) {
        self.init(Vec4(x, y, z, size), color)
    }
}

/// This frame, and what the host can do for the scene during it.
public struct Context {
    let raw: UnsafePointer<rb_context>

    init(_ raw: UnsafePointer<rb_context>) { self.raw = raw }

    var host: UnsafeMutableRawPointer? { raw.pointee.host }

    // MARK: Time and input

    /// Seconds since the demo started.
    public var time: Double { raw.pointee.frame.pointee.time }
    /// Seconds since this scene started.
    public var sceneTime: Double { raw.pointee.frame.pointee.scene_time }
    /// 0 at the scene's start, 1 at its end.
    public var progress: Double { raw.pointee.frame.pointee.scene_progress }
    /// The demo's tempo in beats per minute (meta.bpm), 0 when it has none.
    public var bpm: Double { raw.pointee.frame.pointee.bpm }
    /// Bars since the demo's start, from 0 (whole number; 0 without a bpm).
    public var bar: Int { Int(raw.pointee.frame.pointee.bar) }
    /// Beats into this bar, from 0, with the fraction: 2.5 is half-way through beat 2.
    public var beat: Double { raw.pointee.frame.pointee.beat }
    /// The demo's frame rate (meta.fps).
    public var fps: Double { raw.pointee.frame.pointee.fps }
    /// Seconds since the previous frame.
    public var delta: Double { raw.pointee.frame.pointee.delta }
    /// The frame number.
    public var frameNumber: Int { Int(raw.pointee.frame.pointee.frame) }
    /// The scene's output size in pixels.
    public var resolution: Vec2 { Vec2(raw.pointee.frame.pointee.resolution.0, raw.pointee.frame.pointee.resolution.1) }
    /// Shadertoy's iMouse.
    public var mouse: Vec4 { let m = raw.pointee.frame.pointee.mouse; return Vec4(m.0, m.1, m.2, m.3) }

    // MARK: Music

    /// True when the host's frame info has the music fields (it was built with them).
    var hasMusic: Bool {
        Int(raw.pointee.frame.pointee.struct_size) >= MemoryLayout<rb_frame_info>.offset(of: \.sample_rate)! + MemoryLayout<Double>.size
    }
    /// The music's spectrum now: 512 values from 0 to 1, low frequencies first
    /// (bin i is around i * sampleRate / 2048 Hz), as Shadertoy's music texture row 0.
    /// All 0 without music; empty only from a host too old to have music.
    public var spectrum: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: hasMusic ? raw.pointee.frame.pointee.spectrum : nil, count: hasMusic ? Int(RB_MUSIC_BINS) : 0)
    }
    /// The music's waveform now: the last 512 samples, 0 to 1 with 0.5 silent, as the texture's row 1.
    public var waveform: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: hasMusic ? raw.pointee.frame.pointee.waveform : nil, count: hasMusic ? Int(RB_MUSIC_BINS) : 0)
    }
    /// Seconds into the music file (demo time plus meta.music.offset).
    public var musicTime: Double { hasMusic ? raw.pointee.frame.pointee.music_time : time }
    /// The music's sample rate (Shadertoy's iSampleRate).
    public var sampleRate: Double { hasMusic ? raw.pointee.frame.pointee.sample_rate : 44100 }

    // MARK: Resources

    /// A fullscreen fragment shader by path (Shadertoy style or plain GLSL).
    public func shader(_ path: String) -> Shader { Shader(handle: raw.pointee.shader(host, path).id) }
    /// A geometry shader by path: one file, stages selected by RB_VERTEX_SHADER / RB_FRAGMENT_SHADER.
    public func geometryShader(_ path: String) -> Shader { Shader(handle: raw.pointee.geometry_shader(host, path).id) }
    /// A PNG texture by path.
    public func texture(_ path: String) -> Texture { Texture(handle: raw.pointee.texture(host, path).id) }
    /// This scene's render target `name`: by default the output's size; `hdr` for 16-bit floats.
    public func target(_ name: String, width: Int = 0, height: Int = 0, scale: Float = 1, hdr: Bool = false) -> Target {
        var desc = rb_target_desc(width: UInt32(max(0, width)), height: UInt32(max(0, height)), scale: scale,
                                  flags: hdr ? RB_TARGET_HDR : 0)
        return Target(handle: raw.pointee.render_target(host, name, &desc).id)
    }

    // MARK: Uniforms

    public func set(_ shader: Shader, _ name: String, _ value: Float) { setFloats(shader, name, [value]) }
    public func set(_ shader: Shader, _ name: String, _ value: Vec2) { setFloats(shader, name, [value.x, value.y]) }
    public func set(_ shader: Shader, _ name: String, _ value: Vec3) { setFloats(shader, name, [value.x, value.y, value.z]) }
    public func set(_ shader: Shader, _ name: String, _ value: Vec4) { setFloats(shader, name, [value.x, value.y, value.z, value.w]) }
    public func set(_ shader: Shader, _ name: String, _ value: Int) { raw.pointee.set_int(host, rb_shader(id: shader.handle), name, Int32(value)) }
    public func set(_ shader: Shader, _ name: String, _ texture: Texture) {
        raw.pointee.set_texture(host, rb_shader(id: shader.handle), name, rb_texture(id: texture.handle))
    }
    public func set(_ shader: Shader, _ name: String, _ target: Target) {
        raw.pointee.set_texture(host, rb_shader(id: shader.handle), name, raw.pointee.target_texture(host, rb_target(id: target.handle)))
    }

    func setFloats(_ shader: Shader, _ name: String, _ values: [Float]) {
        values.withUnsafeBufferPointer { raw.pointee.set_float(host, rb_shader(id: shader.handle), name, $0.baseAddress, UInt32($0.count)) }
    }

    // MARK: Drawing

    /// Draws into `target` from now on (nil: the scene's output), cleared to `clear` if given.
    public func pass(to target: Target? = nil, clear: Vec4? = nil) {
        if var c = clear {
            withUnsafePointer(to: &c) { p in
                p.withMemoryRebound(to: Float.self, capacity: 4) { raw.pointee.begin_pass(host, rb_target(id: target?.handle ?? 0), $0) }
            }
        } else {
            raw.pointee.begin_pass(host, rb_target(id: target?.handle ?? 0), nil)
        }
    }

    /// How the next draws combine with the target.
    public func blend(_ mode: Blend) {
        switch mode {
        case .none: raw.pointee.set_blend(host, RB_BLEND_NONE)
        case .alpha: raw.pointee.set_blend(host, RB_BLEND_ALPHA)
        case .add: raw.pointee.set_blend(host, RB_BLEND_ADD)
        }
    }

    /// Runs `shader` over the whole target; Shadertoy's uniforms are set for you.
    public func fullscreen(_ shader: Shader) { raw.pointee.draw_fullscreen(host, rb_shader(id: shader.handle)) }

    /// Draws `vertices` with a geometry shader.
    public func draw(_ shader: Shader, _ primitive: Primitive, _ vertices: [Vertex]) {
        let p: rb_primitive
        switch primitive {
        case .points: p = RB_POINTS
        case .lines: p = RB_LINES
        case .lineStrip: p = RB_LINE_STRIP
        case .triangles: p = RB_TRIANGLES
        case .triangleStrip: p = RB_TRIANGLE_STRIP
        }
        vertices.withUnsafeBytes { bytes in
            raw.pointee.draw_geometry(host, rb_shader(id: shader.handle), p, bytes.baseAddress?.assumingMemoryBound(to: rb_vertex.self),
                                      UInt32(vertices.count))
        }
    }

    // MARK: Timeline and log

    /// The scene's parameter `name` from demo.json, else the sync track `name`, else `fallback`.
    public func param(_ name: String, default fallback: Float = 0) -> Float { raw.pointee.param(host, name, fallback) }

    /// The sync track `name` at this frame's time (unused components are 0), or nil if there is none.
    public func track(_ name: String) -> Vec4? {
        var value = Vec4.zero
        let count = withUnsafeMutablePointer(to: &value) { p in
            p.withMemoryRebound(to: Float.self, capacity: 4) { raw.pointee.track(host, name, $0, 4) }
        }
        return count == 0 ? nil : value
    }

    /// Writes a line to the player's log.
    public func log(_ message: String) { raw.pointee.log(host, RB_LOG_INFO, message) }
}
