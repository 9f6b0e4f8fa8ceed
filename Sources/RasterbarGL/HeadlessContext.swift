// A GL context with no window and no display server (EGL): for rendering to
// files, tests and benchmarks. The GL calls are the same as in a window.
import CGL
import RasterbarCore

/// A current, surfaceless GL 4.1+ core context. Create and use it on one thread.
public final class HeadlessContext {
    var context = rb_egl_context()

    /// Which EGL platform the context came from.
    public var platformName: String {
        context.platform == RB_EGL_DEVICE ? "EGL device" : "EGL surfaceless (Mesa)"
    }

    /// Creates the context and makes it current. `RASTERBAR_EGL_PLATFORM`
    /// (`device` or `surfaceless`) forces a platform; by default a hardware
    /// device is preferred, then Mesa's surfaceless platform.
    public init(environment: [String: String] = [:]) throws {
        let platform: rb_egl_platform
        switch environment["RASTERBAR_EGL_PLATFORM"]?.lowercased() {
        case "device": platform = RB_EGL_DEVICE
        case "surfaceless": platform = RB_EGL_SURFACELESS
        case nil, "", "auto": platform = RB_EGL_AUTO
        case let other?:
            throw RasterbarError(.invalidArgument, "RASTERBAR_EGL_PLATFORM='\(other)' is unknown", hint: "use device, surfaceless or auto")
        }
        var error = [CChar](repeating: 0, count: 512)
        guard rb_egl_create(&context, platform, &error, error.count) != 0 else {
            let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw RasterbarError(.graphicsUnavailable, "no headless OpenGL: \(reason)",
                                 hint: "install Mesa's EGL and drivers: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri")
        }
    }

    deinit { rb_egl_destroy(&context) }

    /// Makes this context current on the calling thread.
    public func makeCurrent() {
        _ = rb_egl_make_current(&context)
    }
}
