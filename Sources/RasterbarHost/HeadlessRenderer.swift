// Renders demo frames with no window and no display server: for
// `rasterbar render`, tests and benchmarks. Frame-exact: a frame depends only
// on its time.
import RasterbarCore
import RasterbarGL

/// A demo renderer with its own EGL context. Use it on the thread that made it.
public final class HeadlessRenderer {
    public let context: HeadlessContext
    public let demoRenderer: DemoRenderer

    /// Loads nothing itself: give it a loaded demo folder. `size` overrides
    /// the demo's resolution.
    public init(folder: DemoFolder, size: PixelSize? = nil, context: HeadlessContext? = nil,
                environment: [String: String] = [:]) throws {
        let context = try context ?? HeadlessContext(environment: environment)
        context.makeCurrent()
        self.context = context
        demoRenderer = try DemoRenderer(folder: folder, size: size)
    }

    public var demo: Demo { demoRenderer.demo }

    /// Checks that `time` lies inside the demo.
    public func validate(time: Double) throws {
        guard time.isFinite, time >= 0, time <= demo.meta.duration else {
            throw RasterbarError(.timeOutOfRange, "time \(time) is outside the demo",
                                 hint: "choose a time from 0 to \(demo.meta.duration) seconds")
        }
    }

    /// Draws the frame at `time` into the offscreen target.
    public func draw(at time: Double) throws {
        try validate(time: time)
        context.makeCurrent()
        try demoRenderer.draw(at: time, clock: .offline(time: time, demo: demo))
    }

    /// Renders the frame at `time` and reads it back top-down.
    public func renderImage(at time: Double) throws -> Image {
        try draw(at: time)
        return demoRenderer.target.readImage()
    }
}
