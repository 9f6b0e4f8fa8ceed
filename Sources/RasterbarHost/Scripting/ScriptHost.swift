// The host side of rasterbar.h for one script scene: the rb_context a script
// sees, the table behind its handles, and the callbacks it makes. Scripts
// name resources by path; the host loads them through the store (so they
// reload too) and hands out typed handles. A handle is checked on every use:
// one that is zero where something is needed, of another kind, from another
// scene, or stale (kept from an instance before the current one) is ignored
// and reported once, never trusted.
import RasterbarABI
import RasterbarCore
import RasterbarGL

/// The rb_context and resource handles of one script scene. Render thread only.
final class ScriptHost {
    enum Object {
        case program(Res<ShaderProgram>)
        case texture(Res<Texture>)
        case target(String)
    }

    let store: Store
    /// The demo's scene renderer (it may be replaced when the resolution changes).
    let renderer: () -> SceneRenderer
    let script: String
    let log: (String) -> Void
    /// The context every call receives; allocated once so its address is stable.
    let context: UnsafeMutablePointer<rb_context>

    /// What a handle's id says it is.
    enum Kind: UInt32 { case shader = 1, texture = 2, target = 3 }

    /// Scenes number their handles apart, so one scene's handle is refused by another.
    nonisolated(unsafe) static var lastSceneTag: UInt32 = 0
    let sceneTag: UInt32
    /// The handle table's generation: a new instance of the script starts a new table.
    var epoch: UInt32 = 1
    var objects: [Object] = []
    var handles: [String: UInt32] = [:]
    var targets: [String: RenderTarget] = [:]
    /// Per program id: sampler name -> texture id.
    var samplers: [UInt32: [String: UInt32]] = [:]
    /// The demo's timing, for the frame info (bpm, bar, beat, fps).
    let meta: () -> Demo.Meta
    /// The frame info the context points at.
    let frameInfo: UnsafeMutablePointer<rb_frame_info>
    /// This frame's spectrum (512 floats) then waveform (512), where the frame info points.
    let musicValues: UnsafeMutablePointer<Float>
    var uniforms: FrameUniforms?
    var params: [String: Double] = [:]
    /// This frame's sync tracks (and params), by name.
    var tracks: [String: NamedUniform] = [:]
    /// Every track name the script has asked for (a sync editor offers them).
    var askedTracks: Set<String> = []
    var current: RenderTarget?
    /// Where the scene's output goes this frame (nil: the demo's target).
    var output: RenderTarget?
    var complaints: Set<String> = []

    init(store: Store, script: String, renderer: @escaping () -> SceneRenderer, meta: @escaping () -> Demo.Meta, log: @escaping (String) -> Void) {
        self.store = store
        self.script = script
        self.renderer = renderer
        self.meta = meta
        self.log = log
        Self.lastSceneTag = Self.lastSceneTag % 255 + 1
        sceneTag = Self.lastSceneTag
        musicValues = .allocate(capacity: 2 * Int(RB_MUSIC_BINS))
        musicValues.initialize(repeating: 0, count: 2 * Int(RB_MUSIC_BINS))
        frameInfo = .allocate(capacity: 1)
        frameInfo.initialize(to: rb_frame_info())
        frameInfo.pointee.struct_size = UInt32(MemoryLayout<rb_frame_info>.size)
        context = .allocate(capacity: 1)
        context.initialize(to: rb_context())
        context.pointee.abi_version = RB_ABI_VERSION
        context.pointee.struct_size = UInt32(MemoryLayout<rb_context>.size)
        context.pointee.host = Unmanaged.passUnretained(self).toOpaque()
        context.pointee.frame = UnsafePointer(frameInfo)
        Self.installCallbacks(context)
    }

    deinit {
        context.deinitialize(count: 1)
        context.deallocate()
        frameInfo.deinitialize(count: 1)
        frameInfo.deallocate()
        musicValues.deallocate()
    }

    static func from(_ host: UnsafeMutableRawPointer?) -> ScriptHost {
        Unmanaged<ScriptHost>.fromOpaque(host!).takeUnretainedValue()
    }

    static func string(_ c: UnsafePointer<CChar>?) -> String { c.map { String(cString: $0) } ?? "" }

    static func installCallbacks(_ c: UnsafeMutablePointer<rb_context>) {
        c.pointee.shader = { host, path in rb_shader(id: ScriptHost.from(host).program(ScriptHost.string(path), geometry: false)) }
        c.pointee.geometry_shader = { host, path in rb_shader(id: ScriptHost.from(host).program(ScriptHost.string(path), geometry: true)) }
        c.pointee.texture = { host, path in rb_texture(id: ScriptHost.from(host).texture(ScriptHost.string(path))) }
        c.pointee.render_target = { host, name, desc in
            rb_target(id: ScriptHost.from(host).target(ScriptHost.string(name), desc?.pointee ?? rb_target_desc()))
        }
        c.pointee.target_texture = { host, target in rb_texture(id: ScriptHost.from(host).targetTexture(target.id)) }
        c.pointee.set_float = { host, program, name, values, count in
            guard let values, (1...4).contains(count) else { return }
            ScriptHost.from(host).withProgram(program.id) { $0.setUniform(ScriptHost.string(name), floats: UnsafeBufferPointer(start: values, count: Int(count))) }
        }
        c.pointee.set_int = { host, program, name, value in
            ScriptHost.from(host).withProgram(program.id) { $0.setUniform(ScriptHost.string(name), int: value) }
        }
        c.pointee.set_texture = { host, program, name, texture in
            let h = ScriptHost.from(host)
            guard h.resolve(program.id, .shader, "set_texture") != nil, h.resolve(texture.id, .texture, "set_texture") != nil else { return }
            h.samplers[program.id, default: [:]][ScriptHost.string(name)] = texture.id
        }
        c.pointee.begin_pass = { host, target, clear in
            ScriptHost.from(host).beginPass(target.id, clear: clear.map { SIMD4($0[0], $0[1], $0[2], $0[3]) })
        }
        c.pointee.set_blend = { host, mode in
            let h = ScriptHost.from(host)
            h.renderer().setBlend(mode == RB_BLEND_ALPHA ? .alpha : mode == RB_BLEND_ADD ? .add : .none)
        }
        c.pointee.draw_fullscreen = { host, program in ScriptHost.from(host).drawFullscreen(program.id) }
        c.pointee.draw_geometry = { host, program, primitive, vertices, count in
            ScriptHost.from(host).drawGeometry(program.id, primitive, vertices, Int(count))
        }
        c.pointee.param = { host, name, fallback in
            let h = ScriptHost.from(host), key = ScriptHost.string(name)
            return h.params[key].map(Float.init) ?? h.tracks[key]?.value.x ?? fallback
        }
        c.pointee.track = { host, name, out, capacity in
            let me = ScriptHost.from(host), name = ScriptHost.string(name)
            me.askedTracks.insert(name)
            guard let track = me.tracks[name] else { return 0 }
            if let out { for i in 0..<min(Int(capacity), track.components) { out[i] = track.value[i] } }
            return UInt32(track.components)
        }
        c.pointee.log = { host, level, message in
            let prefix = level == RB_LOG_ERROR ? "error: " : level == RB_LOG_WARNING ? "warning: " : ""
            let h = ScriptHost.from(host)
            h.log("\(h.script): \(prefix)\(ScriptHost.string(message))")
        }
    }

    // MARK: Frames

    /// Prepares a frame: its information in the context, drawing into the scene's output.
    func beginFrame(_ uniforms: FrameUniforms, params: [String: Double]) {
        self.uniforms = uniforms
        self.params = params
        tracks = Dictionary(uniforms.named.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let r = renderer()
        current = output ?? r.target
        r.bind(current!)
        r.setBlend(.none)
        let meta = self.meta()
        let beats = meta.bpm.map { uniforms.demoTime * $0 / 60 } ?? 0
        let bar = (beats / Double(meta.beatsPerBar)).rounded(.down)
        frameInfo.pointee = rb_frame_info(
            struct_size: UInt32(MemoryLayout<rb_frame_info>.size),
            time: uniforms.demoTime, scene_time: uniforms.sceneTime, scene_progress: uniforms.sceneProgress,
            delta: uniforms.timeDelta, frame: Int64(uniforms.frame),
            resolution: (Float(r.size.width), Float(r.size.height)),
            mouse: (uniforms.mouse.x, uniforms.mouse.y, uniforms.mouse.z, uniforms.mouse.w),
            bpm: meta.bpm ?? 0, bar: bar, beat: beats - bar * Double(meta.beatsPerBar), fps: meta.fps,
            spectrum: UnsafePointer(musicValues), waveform: UnsafePointer(musicValues + Int(RB_MUSIC_BINS)),
            music_time: uniforms.musicTime, sample_rate: uniforms.sampleRate)
        uniforms.music.spectrum.withUnsafeBufferPointer { musicValues.update(from: $0.baseAddress!, count: Int(RB_MUSIC_BINS)) }
        uniforms.music.waveform.withUnsafeBufferPointer { (musicValues + Int(RB_MUSIC_BINS)).update(from: $0.baseAddress!, count: Int(RB_MUSIC_BINS)) }
    }

    /// Leaves GL as the next draw expects it, whatever the script did.
    func endFrame() {
        let r = renderer()
        r.setBlend(.none)
        r.bind(output ?? r.target)
    }

    // MARK: Handles

    func complain(_ message: String) {
        guard complaints.insert(message).inserted else { return }
        log("\(script): \(message)")
    }

    /// A new instance of the script: handles from earlier instances go stale.
    func newTable() {
        epoch = epoch % 255 + 1
        objects.removeAll()
        handles.removeAll()
        samplers.removeAll()
    }

    /// The id of a handle: kind, scene, table generation, slot.
    func id(_ kind: Kind, slot: Int) -> UInt32 {
        kind.rawValue << 28 | sceneTag << 20 | epoch << 12 | UInt32(slot)
    }

    /// The handle for `key` in this table, made on first use; 0 (and a report) on failure.
    func handle(_ kind: Kind, for key: String, make: () throws -> Object) -> UInt32 {
        if let h = handles[key] { return h }
        guard objects.count < 4095 else {
            complain("too many resources in one scene (4095): \(key) was not made")
            return 0
        }
        do {
            objects.append(try make())
            let h = id(kind, slot: objects.count)
            handles[key] = h
            return h
        } catch {
            complain("\(key): \(error)")
            return 0
        }
    }

    /// What handle `id` stands for, if it is a live handle of `kind` given to this scene; reported once otherwise.
    func resolve(_ id: UInt32, _ kind: Kind, _ use: String) -> Object? {
        let hex = "0x" + String(id, radix: 16)
        guard id != 0 else {
            complain("\(use): no \(kind) given (a handle of 0)")
            return nil
        }
        guard let actual = Kind(rawValue: id >> 28) else {
            complain("\(use): handle \(hex) was never given out by Rasterbar")
            return nil
        }
        guard actual == kind else {
            complain("\(use): handle \(hex) is a \(actual), not a \(kind)")
            return nil
        }
        guard (id >> 20) & 0xFF == sceneTag else {
            complain("\(use): handle \(hex) belongs to another scene; ask for the resource in this one")
            return nil
        }
        guard (id >> 12) & 0xFF == epoch else {
            complain("\(use): handle \(hex) is stale: it was given to an earlier instance of this script (before a reload); ask for the resource again")
            return nil
        }
        let slot = Int(id & 0xFFF)
        guard slot >= 1, slot <= objects.count else {
            complain("\(use): handle \(hex) was never given out by Rasterbar")
            return nil
        }
        return objects[slot - 1]
    }

    func program(_ path: String, geometry: Bool) -> UInt32 {
        handle(.shader, for: "\(geometry ? "geometry" : "shader"):\(path)") {
            let key = geometry ? try ShaderProgram.geometryKey(for: path) : try ShaderProgram.key(for: path)
            return .program(try store.get(key, as: ShaderProgram.self))
        }
    }

    func texture(_ path: String) -> UInt32 {
        handle(.texture, for: "texture:\(path)") { .texture(try store.get(try .file(path), as: Texture.self)) }
    }

    func target(_ name: String, _ desc: rb_target_desc) -> UInt32 {
        let h = handle(.target, for: "target:\(name)") { .target(name) }
        guard h != 0 else { return 0 }
        let out = renderer().size
        let scale = desc.scale > 0 ? desc.scale : 1
        let width = desc.width > 0 ? Int(desc.width) : max(1, Int(Float(out.width) * scale))
        let height = desc.height > 0 ? Int(desc.height) : max(1, Int(Float(out.height) * scale))
        let hdr = desc.flags & RB_TARGET_HDR != 0
        if let existing = targets[name], existing.size == PixelSize(width: width, height: height), existing.format == (hdr ? .rgba16f : .rgba8) {
            return h
        }
        do {
            let size = PixelSize(width: min(width, PixelSize.maxDimension), height: min(height, PixelSize.maxDimension))
            targets[name] = try RenderTarget(size: size, format: hdr ? .rgba16f : .rgba8)
        } catch {
            complain("render target '\(name)': \(error)")
            return 0
        }
        return h
    }

    /// A texture handle for a render target's colour.
    func targetTexture(_ target: UInt32) -> UInt32 {
        guard case let .target(name)? = resolve(target, .target, "target_texture") else { return 0 }
        return handle(.texture, for: "target-texture:\(name)") { .target(name) }
    }

    func withProgram(_ handle: UInt32, _ body: (ShaderProgram) -> Void) {
        guard case let .program(res)? = resolve(handle, .shader, "set uniform") else { return }
        body(res.value)
    }

    /// The GL texture behind a texture handle (a PNG or a render target's colour).
    func textureName(_ object: Object) -> (name: UInt32, size: PixelSize)? {
        switch object {
        case let .texture(res): return (res.value.name, res.value.size)
        case let .target(name): return targets[name].map { ($0.texture, $0.size) }
        case .program: return nil
        }
    }

    // MARK: Drawing

    func beginPass(_ handle: UInt32, clear: SIMD4<Float>?) {
        let r = renderer()
        if handle == 0 {
            current = output ?? r.target
        } else if case let .target(name)? = resolve(handle, .target, "begin_pass"), let target = targets[name] {
            current = target
        } else {
            return
        }
        r.bind(current!)
        if let clear { r.clear(to: clear) }
    }

    /// Binds the program with the frame's uniforms and its samplers.
    func prepare(_ handle: UInt32, _ use: String) -> ShaderProgram? {
        guard case let .program(res)? = resolve(handle, .shader, use) else { return nil }
        guard let uniforms, let current else { return nil }
        let r = renderer()
        let program = res.value
        program.use()
        r.setFrameUniforms(program, uniforms, size: current.size)
        var bound: [(uniform: String, texture: UInt32)] = []
        for (name, texture) in (samplers[handle] ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let object = resolve(texture, .texture, "sampler \(name)"), let t = textureName(object) else { continue }
            if case let .target(targetName) = object, targets[targetName] === current {
                complain("sampler \(name) reads the render target '\(targetName)' it draws into")
                continue
            }
            bound.append((name, t.name))
        }
        r.bindNamed(program, bound)
        return program
    }

    func drawFullscreen(_ handle: UInt32) {
        guard prepare(handle, "draw_fullscreen") != nil else { return }
        renderer().drawFullscreenTriangle()
    }

    func drawGeometry(_ handle: UInt32, _ primitive: rb_primitive, _ vertices: UnsafePointer<rb_vertex>?, _ count: Int) {
        guard let vertices, count > 0 else { return }
        if case let .program(res)? = resolve(handle, .shader, "draw_geometry"), res.isFallback { return } // a broken geometry shader draws nothing
        guard prepare(handle, "draw_geometry") != nil else { return }
        let mode: PrimitiveMode
        switch primitive {
        case RB_POINTS: mode = .points
        case RB_LINES: mode = .lines
        case RB_LINE_STRIP: mode = .lineStrip
        case RB_TRIANGLE_STRIP: mode = .triangleStrip
        default: mode = .triangles
        }
        renderer().drawGeometry(UnsafeRawPointer(vertices), count: count, as: mode)
    }
}
