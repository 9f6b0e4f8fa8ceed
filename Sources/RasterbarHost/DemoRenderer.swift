// Draws the demo at a given time into its offscreen target: picks the scene,
// compiles its program on first use, works out the Shadertoy uniforms. The
// window and the headless renderer both draw through this, so what the window
// shows and what a PNG holds come from one code path.
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
    public let folder: DemoFolder
    public let renderer: SceneRenderer
    var programs: [Int: ShaderProgram] = [:]

    /// Prepares to draw `folder`'s demo at `size` (default: the demo's resolution).
    public init(folder: DemoFolder, size: PixelSize? = nil) throws {
        self.folder = folder
        renderer = try SceneRenderer(size: size ?? folder.demo.meta.resolution)
    }

    public var demo: Demo { folder.demo }
    public var target: RenderTarget { renderer.target }

    /// Compiles every scene's shader now, so errors surface before playing.
    public func compileAll() throws {
        for i in demo.scenes.indices { _ = try program(forScene: i) }
    }

    /// The program of scene `index`, compiled on first use.
    public func program(forScene index: Int) throws -> ShaderProgram {
        if let p = programs[index] { return p }
        let scene = demo.scenes[index]
        let p = try ShaderProgram(fragment: try folder.shaderSource(for: scene), file: scene.shader)
        programs[index] = p
        return p
    }

    /// Draws the demo at `time` (seconds) into the target.
    public func draw(at time: Double, clock: FrameClock) throws {
        guard let index = demo.sceneIndex(at: time) else {
            renderer.draw(nil, uniforms(time: time, scene: nil, clock: clock))
            return
        }
        let program = try program(forScene: index)
        renderer.draw(program, uniforms(time: time, scene: demo.scenes[index], clock: clock))
    }

    func uniforms(time: Double, scene: Demo.Scene?, clock: FrameClock) -> FrameUniforms {
        let start = scene?.start ?? 0
        let length = scene.map { $0.end - $0.start } ?? 1
        return FrameUniforms(resolution: renderer.size, sceneTime: time - start, demoTime: time,
                             sceneProgress: min(1, max(0, (time - start) / length)), timeDelta: clock.timeDelta,
                             frameRate: demo.meta.fps, frame: clock.frame, mouse: clock.mouse, date: clock.date)
    }
}
