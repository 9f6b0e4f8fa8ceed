// Renders demo frames with no window and no display server: for
// `rasterbar render`, tests and benchmarks. Frame-exact: a frame depends only
// on its time. Strict: a frame whose shader or texture failed to load is an
// error, never an error pattern in a file.
import Foundation
import RasterbarCore
import RasterbarGL

/// A demo renderer with its own EGL context. Use it on the thread that made it.
public final class HeadlessRenderer {
    public let context: HeadlessContext
    public let demoRenderer: DemoRenderer

    /// Renders `folder`'s demo; `size` overrides its resolution. Pass a watcher
    /// to have `sync()` pick up edits (tests, benchmarks).
    public init(folder: DemoFolder, size: PixelSize? = nil, context: HeadlessContext? = nil,
                watcher: FileWatcher? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                onEvent: @escaping (StoreEvent) -> Void = { _ in }) throws {
        let context = try context ?? HeadlessContext(environment: environment)
        context.makeCurrent()
        self.context = context
        let store = Store(root: folder.root, watcher: watcher, onEvent: onEvent)
        demoRenderer = try DemoRenderer(store: store, demoKey: folder.demoKey, size: size, offline: true, environment: environment)
    }

    public var demo: Demo { demoRenderer.demo }
    public var store: Store { demoRenderer.store }

    /// Checks that `time` lies inside the demo.
    public func validate(time: Double) throws {
        guard time.isFinite, time >= 0, time <= demo.meta.duration else {
            throw RasterbarError(.timeOutOfRange, "time \(time) is outside the demo",
                                 hint: "choose a time from 0 to \(demo.meta.duration) seconds")
        }
    }

    /// Draws the frame at `time` into the offscreen target; throws the error of
    /// anything the frame needs that failed to load.
    public func draw(at time: Double) throws {
        try validate(time: time)
        context.makeCurrent()
        if let error = try demoRenderer.error(at: time) { throw error }
        try demoRenderer.draw(at: time, clock: .offline(time: time, demo: demo))
        // A script that trapped while drawing this frame: the file must not hold a placeholder.
        if let error = try demoRenderer.error(at: time) { throw error }
    }

    /// Renders the frame at `time` and reads it back top-down.
    public func renderImage(at time: Double) throws -> Image {
        try draw(at: time)
        return demoRenderer.target.readImage()
    }
}
