// RasterbarSDK: what a scene script imports. An idiomatic Swift layer over
// rasterbar.h: a `Scene` protocol, a `Context` to draw with, small math types.
// It is compiled into its own library (once per engine version) that scripts
// link; the host never links it and never sees its types.
internal import Glibc
import RasterbarABI

/// A scene script: `Scripts/Name.swift` defines `final class Name: Scene`.
///
/// The engine makes one instance when the scene starts and calls `frame`
/// every frame. When you save the file, the new code takes over: declare your
/// state as a `Codable` value in `state` and it carries over to the new code
/// field by field. A field you add takes its default, a field you remove is
/// dropped, a field whose type changed starts from its default, and every
/// other field (in nested structs and arrays of structs too) keeps its value;
/// the player names the fields that restarted. NaN and infinities carry over.
/// Only a state that cannot be carried at all (its top-level type changed)
/// starts fresh, and the player says so.
public protocol Scene: AnyObject {
    /// What survives a reload; `Stateless` if nothing needs to.
    associatedtype State: Codable = Stateless
    /// A fresh scene.
    init()
    /// The state carried across reloads.
    var state: State { get set }
    /// Draws one frame.
    func frame(_ context: Context)
}

/// The state of a scene that keeps nothing across reloads.
public struct Stateless: Codable {
    public init() {}
}

extension Scene where State == Stateless {
    public var state: Stateless {
        get { Stateless() }
        set {}
    }
}

/// Connects a scene type to the C entry points. The engine generates the code
/// that uses it; scripts never call it.
public final class SceneExport<S: Scene> {
    public typealias CreateFunction = @convention(c) (UnsafePointer<rb_context>?, UnsafeRawPointer?, Int, UnsafeMutablePointer<Int32>?) -> UnsafeMutableRawPointer?
    public typealias FrameFunction = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<rb_context>?) -> Void
    public typealias SaveFunction = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<rb_context>?, UnsafePointer<rb_state_writer>?) -> Void

    let script: UnsafeMutablePointer<rb_script>

    /// Describes `type` with the C functions the generated code provides.
    public init(_ type: S.Type, create: CreateFunction, frame: FrameFunction, save: SaveFunction, destroy: FrameFunction) {
        script = UnsafeMutablePointer<rb_script>.allocate(capacity: 1)
        script.initialize(to: rb_script(
            abi_version: RB_ABI_VERSION, struct_size: UInt32(MemoryLayout<rb_script>.size),
            name: strdup(String(describing: type)).map { UnsafePointer($0) },
            create: create, frame: frame, save_state: save, destroy: destroy))
    }

    /// The pointer the entry symbol returns.
    public var entry: UnsafeRawPointer { UnsafeRawPointer(script) }

    public func create(_ context: UnsafePointer<rb_context>?, _ state: UnsafeRawPointer?, _ size: Int,
                       _ restored: UnsafeMutablePointer<Int32>?) -> UnsafeMutableRawPointer? {
        let scene = S()
        var result = RB_STATE_NONE
        if let state, size > 0 {
            // A fresh instance's state is the new code's defaults.
            if let carried = StateCarry.restore(S.State.self, from: Array(UnsafeRawBufferPointer(start: state, count: size)), defaults: scene.state) {
                scene.state = carried.state
                result = RB_STATE_RESTORED
                if let report = carried.report, let context { Context(context).log(report) }
            } else {
                result = RB_STATE_INCOMPATIBLE
            }
        }
        restored?.pointee = Int32(result.rawValue)
        return Unmanaged.passRetained(scene).toOpaque()
    }

    public func frame(_ instance: UnsafeMutableRawPointer?, _ context: UnsafePointer<rb_context>?) {
        guard let instance, let context else { return }
        Unmanaged<S>.fromOpaque(instance).takeUnretainedValue().frame(Context(context))
    }

    public func save(_ instance: UnsafeMutableRawPointer?, _ context: UnsafePointer<rb_context>?,
                     _ writer: UnsafePointer<rb_state_writer>?) {
        guard let instance, let writer else { return }
        let scene = Unmanaged<S>.fromOpaque(instance).takeUnretainedValue()
        let data: [UInt8]
        do {
            data = try StateCoding.encode(scene.state)
        } catch {
            // Nothing is written: the new code starts fresh, and the player says why.
            if let context { Context(context).log("the state cannot be saved (\(StateCoding.describe(error))), so the new code starts fresh") }
            return
        }
        data.withUnsafeBytes { writer.pointee.write(writer.pointee.host, $0.baseAddress, $0.count) }
    }

    public func destroy(_ instance: UnsafeMutableRawPointer?, _ context: UnsafePointer<rb_context>?) {
        guard let instance else { return }
        Unmanaged<S>.fromOpaque(instance).release()
    }
}
