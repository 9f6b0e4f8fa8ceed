// Draws the demo at a given time into its offscreen target: picks the scene
// from the live timeline, takes its program and textures from the store,
// works out the Shadertoy uniforms. The window and the headless renderer both
// draw through this, so what the window shows and what a PNG holds come from
// one code path. Reloads happen in the store's `sync`; this just draws
// whatever the handles hold now.
import CGL
import RasterbarCore
import RasterbarGL

/// How a frame's clock-dependent inputs are chosen.
public struct FrameClock: Sendable, Equatable {
    /// Frame number (iFrame).
    public var frame: Int
    /// Seconds since the previous frame (iTimeDelta).
    public var timeDelta: Double
    /// Shadertoy's iDate.
    public var date: SIMD4<Float>
    /// Shadertoy's iMouse in render-target pixels.
    public var mouse: SIMD4<Float> = .zero

    /// The clock of a frame rendered offline: everything follows from `time`,
    /// so a frame renders the same on every run. iDate counts from
    /// 2000-01-01 00:00 at demo time 0 (a wall clock would break that).
    public static func offline(time: Double, demo: Demo) -> FrameClock {
        FrameClock(frame: demo.frameNumber(at: time), timeDelta: 1 / demo.meta.fps,
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
    public private(set) var renderer: SceneRenderer
    var programs: [String: Res<ShaderProgram>] = [:]
    var textures: [String: Res<Texture>] = [:]

    /// Loads the timeline `demoKey` (a demo.json path relative to the store's
    /// root) and prepares to draw at `size` (default: the demo's resolution).
    /// Throws if the timeline cannot be loaded: there is nothing to play.
    public init(store: Store, demoKey: String, size: PixelSize? = nil) throws {
        self.store = store
        timeline = try store.get(try .file(demoKey), as: Demo.self)
        sizeOverride = size
        renderer = try SceneRenderer(size: size ?? timeline.value.meta.resolution)
    }

    public var demo: Demo { timeline.value }
    public var target: RenderTarget { renderer.target }

    /// The program of a shader file; a broken shader gives the error pattern.
    public func program(for shader: String) throws -> Res<ShaderProgram> {
        if let p = programs[shader] { return p }
        let p = try store.get(try ShaderProgram.key(for: shader), as: ShaderProgram.self)
        programs[shader] = p
        return p
    }

    /// The texture of a PNG file; a broken PNG gives a checkerboard.
    public func texture(for path: String) throws -> Res<Texture> {
        if let t = textures[path] { return t }
        let t = try store.get(try .file(path), as: Texture.self)
        textures[path] = t
        return t
    }

    /// Loads every scene's program and textures now, so errors surface before
    /// the first frame. Returns the errors (each also reported by the store).
    @discardableResult
    public func loadAll() throws -> [RasterbarError] {
        var errors: [RasterbarError] = []
        for scene in demo.scenes {
            if let e = try program(for: scene.shader).error { errors.append(e) }
            for path in scene.channels.compactMap({ $0 }) + scene.textures.map(\.path) {
                if let e = try texture(for: path).error { errors.append(e) }
            }
        }
        return errors
    }

    /// The first error among what the scene at `time` uses, if any.
    public func error(at time: Double) throws -> RasterbarError? {
        if let e = timeline.error { return e }
        guard let index = demo.sceneIndex(at: time) else { return nil }
        let scene = demo.scenes[index]
        if let e = try program(for: scene.shader).error { return e }
        for path in scene.channels.compactMap({ $0 }) + scene.textures.map(\.path) {
            if let e = try texture(for: path).error { return e }
        }
        return nil
    }

    /// Draws the demo at `time` (seconds) into the target.
    public func draw(at time: Double, clock: FrameClock) throws {
        let demo = self.demo
        if sizeOverride == nil, renderer.size != demo.meta.resolution {
            renderer = try SceneRenderer(size: demo.meta.resolution)
        }
        guard let index = demo.sceneIndex(at: time) else {
            renderer.draw(nil, uniforms(time: time, scene: nil, clock: clock))
            return
        }
        let scene = demo.scenes[index]
        let channels = try scene.channels.map { try $0.map { try texture(for: $0).value } }
        let named = try scene.textures.map { (uniform: $0.uniform, texture: try texture(for: $0.path).value) }
        renderer.draw(try program(for: scene.shader).value, uniforms(time: time, scene: scene, clock: clock),
                      channels: channels, named: named)
    }

    func uniforms(time: Double, scene: Demo.Scene?, clock: FrameClock) -> FrameUniforms {
        let start = scene?.start ?? 0
        let length = scene.map { $0.end - $0.start } ?? 1
        return FrameUniforms(resolution: renderer.size, sceneTime: time - start, demoTime: time,
                             sceneProgress: min(1, max(0, (time - start) / length)), timeDelta: clock.timeDelta,
                             frameRate: demo.meta.fps, frame: clock.frame, mouse: clock.mouse, date: clock.date)
    }
}
