// The host side of rasterbar.h for one script scene: the rb_context a script
// sees, the table behind its handles, and the callbacks it makes. Scripts
// name resources by path; the host loads them through the store (so they
// reload too) and hands out integer handles. A handle that is zero, stale or
// of the wrong kind is ignored and reported once, never trusted.
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

    var objects: [Object] = []
    var handles: [String: rb_handle] = [:]
    var targets: [String: (desc: rb_target_desc, target: RenderTarget)] = [:]
    var samplers: [rb_handle: [String: rb_handle]] = [:]
    var uniforms: FrameUniforms?
    var params: [String: Double] = [:]
    /// This frame's sync tracks (and params), by name.
    var tracks: [String: NamedUniform] = [:]
    var current: RenderTarget?
    /// Where the scene's output goes this frame (nil: the demo's target).
    var output: RenderTarget?
    var complaints: Set<String> = []

    init(store: Store, script: String, renderer: @escaping () -> SceneRenderer, log: @escaping (String) -> Void) {
        self.store = store
        self.script = script
        self.renderer = renderer
        self.log = log
        context = .allocate(capacity: 1)
        context.initialize(to: rb_context())
        context.pointee.abi_version = RB_ABI_VERSION
        context.pointee.struct_size = UInt32(MemoryLayout<rb_context>.size)
        context.pointee.host = Unmanaged.passUnretained(self).toOpaque()
        Self.installCallbacks(context)
    }

    deinit {
        context.deinitialize(count: 1)
        context.deallocate()
    }

    static func from(_ host: UnsafeMutableRawPointer?) -> ScriptHost {
        Unmanaged<ScriptHost>.fromOpaque(host!).takeUnretainedValue()
    }

    static func string(_ c: UnsafePointer<CChar>?) -> String { c.map { String(cString: $0) } ?? "" }

    static func installCallbacks(_ c: UnsafeMutablePointer<rb_context>) {
        c.pointee.shader = { host, path in ScriptHost.from(host).program(ScriptHost.string(path), geometry: false) }
        c.pointee.geometry_shader = { host, path in ScriptHost.from(host).program(ScriptHost.string(path), geometry: true) }
        c.pointee.texture = { host, path in ScriptHost.from(host).texture(ScriptHost.string(path)) }
        c.pointee.render_target = { host, name, desc in ScriptHost.from(host).target(ScriptHost.string(name), desc?.pointee ?? rb_target_desc()) }
        c.pointee.set_float = { host, program, name, values, count in
            guard let values, (1...4).contains(count) else { return }
            ScriptHost.from(host).withProgram(program) { $0.setUniform(ScriptHost.string(name), floats: UnsafeBufferPointer(start: values, count: Int(count))) }
        }
        c.pointee.set_int = { host, program, name, value in
            ScriptHost.from(host).withProgram(program) { $0.setUniform(ScriptHost.string(name), int: value) }
        }
        c.pointee.set_texture = { host, program, name, texture in
            ScriptHost.from(host).samplers[program, default: [:]][ScriptHost.string(name)] = texture
        }
        c.pointee.begin_pass = { host, target, clear in
            ScriptHost.from(host).beginPass(target, clear: clear.map { SIMD4($0[0], $0[1], $0[2], $0[3]) })
        }
        c.pointee.set_blend = { host, mode in
            let h = ScriptHost.from(host)
            h.renderer().setBlend(mode == RB_BLEND_ALPHA ? .alpha : mode == RB_BLEND_ADD ? .add : .none)
        }
        c.pointee.draw_fullscreen = { host, program in ScriptHost.from(host).drawFullscreen(program) }
        c.pointee.draw_geometry = { host, program, primitive, vertices, count in
            ScriptHost.from(host).drawGeometry(program, primitive, vertices, Int(count))
        }
        c.pointee.param = { host, name, fallback in
            let h = ScriptHost.from(host), key = ScriptHost.string(name)
            return h.params[key].map(Float.init) ?? h.tracks[key]?.value.x ?? fallback
        }
        c.pointee.track = { host, name, out, capacity in
            guard let track = ScriptHost.from(host).tracks[ScriptHost.string(name)] else { return 0 }
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
        context.pointee.frame = rb_frame_info(
            time: uniforms.demoTime, scene_time: uniforms.sceneTime, scene_progress: uniforms.sceneProgress,
            delta: uniforms.timeDelta, frame: Int64(uniforms.frame),
            resolution: (Float(r.size.width), Float(r.size.height)),
            mouse: (uniforms.mouse.x, uniforms.mouse.y, uniforms.mouse.z, uniforms.mouse.w))
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

    func handle(for key: String, make: () throws -> Object) -> rb_handle {
        if let h = handles[key] { return h }
        do {
            objects.append(try make())
            let h = rb_handle(objects.count)
            handles[key] = h
            return h
        } catch {
            complain("\(key): \(error)")
            return 0
        }
    }

    func object(_ handle: rb_handle) -> Object? {
        guard handle >= 1, Int(handle) <= objects.count else { return nil }
        return objects[Int(handle) - 1]
    }

    func program(_ path: String, geometry: Bool) -> rb_handle {
        handle(for: "\(geometry ? "geometry" : "shader"):\(path)") {
            let key = geometry ? try ShaderProgram.geometryKey(for: path) : try ShaderProgram.key(for: path)
            return .program(try store.get(key, as: ShaderProgram.self))
        }
    }

    func texture(_ path: String) -> rb_handle {
        handle(for: "texture:\(path)") { .texture(try store.get(try .file(path), as: Texture.self)) }
    }

    func target(_ name: String, _ desc: rb_target_desc) -> rb_handle {
        let h = handle(for: "target:\(name)") { .target(name) }
        guard h != 0 else { return 0 }
        let out = renderer().size
        let scale = desc.scale > 0 ? desc.scale : 1
        let width = desc.width > 0 ? Int(desc.width) : max(1, Int(Float(out.width) * scale))
        let height = desc.height > 0 ? Int(desc.height) : max(1, Int(Float(out.height) * scale))
        let hdr = desc.flags & RB_TARGET_HDR != 0
        if let existing = targets[name], existing.target.size == PixelSize(width: width, height: height), existing.target.hdr == hdr {
            return h
        }
        do {
            let size = PixelSize(width: min(width, PixelSize.maxDimension), height: min(height, PixelSize.maxDimension))
            targets[name] = (desc, try RenderTarget(size: size, hdr: hdr))
        } catch {
            complain("render target '\(name)': \(error)")
            return 0
        }
        return h
    }

    func withProgram(_ handle: rb_handle, _ body: (ShaderProgram) -> Void) {
        guard case let .program(res)? = object(handle) else { return complain("handle \(handle) is not a shader") }
        body(res.value)
    }

    /// The GL texture behind a texture or render-target handle.
    func textureName(_ handle: rb_handle) -> (name: UInt32, size: PixelSize)? {
        switch object(handle) {
        case let .texture(res)?: return (res.value.name, res.value.size)
        case let .target(name)?: return targets[name].map { ($0.target.texture, $0.target.size) }
        default: return nil
        }
    }

    // MARK: Drawing

    func beginPass(_ handle: rb_handle, clear: SIMD4<Float>?) {
        let r = renderer()
        if handle == 0 {
            current = output ?? r.target
        } else if case let .target(name)? = object(handle), let target = targets[name]?.target {
            current = target
        } else {
            return complain("handle \(handle) is not a render target")
        }
        r.bind(current!)
        if let clear { r.clear(to: clear) }
    }

    /// Binds the program with the frame's uniforms and its samplers.
    func prepare(_ handle: rb_handle) -> ShaderProgram? {
        guard case let .program(res)? = object(handle) else {
            complain("handle \(handle) is not a shader")
            return nil
        }
        guard let uniforms, let current else { return nil }
        let r = renderer()
        let program = res.value
        program.use()
        r.setFrameUniforms(program, uniforms, size: current.size)
        var bound: [(uniform: String, texture: UInt32)] = []
        for (name, texture) in (samplers[handle] ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let t = textureName(texture) else {
                complain("sampler \(name): handle \(texture) is not a texture or render target")
                continue
            }
            if case let .target(targetName)? = object(texture), targets[targetName]?.target === current {
                complain("sampler \(name) reads the render target '\(targetName)' it draws into")
                continue
            }
            bound.append((name, t.name))
        }
        r.bindNamed(program, bound)
        return program
    }

    func drawFullscreen(_ handle: rb_handle) {
        guard prepare(handle) != nil else { return }
        renderer().drawFullscreenTriangle()
    }

    func drawGeometry(_ handle: rb_handle, _ primitive: rb_primitive, _ vertices: UnsafePointer<rb_vertex>?, _ count: Int) {
        guard let vertices, count > 0 else { return }
        if case let .program(res)? = object(handle), res.isFallback { return } // a broken geometry shader draws nothing
        guard prepare(handle) != nil else { return }
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
