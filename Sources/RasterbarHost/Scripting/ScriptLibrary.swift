// A compiled scene script, loaded through the store: its source file is the
// dependency, the compiler turns it into a library, this opens it and checks
// its ABI before anything in it runs.
//
// Libraries are never dlclosed. The Swift runtime registers each image's type
// metadata and conformance records when it is loaded and never unregisters
// them; after a dlclose the next dynamic cast anywhere in the process scans
// the unloaded records and crashes (seen with Swift 6.3 on Linux: SIGSEGV in
// the host's very next `as?`). So every
// generation stays mapped, which is what the memory benchmark measures. Each
// content gets its own file name in the cache, so dlopen's cache by path
// never hands back stale code; saving content that was loaded before reuses
// that (identical) image.
import Foundation
import RasterbarABI
import RasterbarCore
import RasterbarGuard

/// A loaded script library, or the placeholder while none has loaded.
public final class ScriptLibrary: Loadable {
    /// The scene type the script defines.
    public let typeName: String
    /// The exported description; nil for the placeholder.
    let script: UnsafePointer<rb_script>?
    /// The library file; empty for the placeholder.
    public let path: String

    init(typeName: String, script: UnsafePointer<rb_script>?, path: String) {
        self.typeName = typeName
        self.script = script
        self.path = path
    }

    /// True until a library has loaded.
    public var isPlaceholder: Bool { script == nil }

    public static let kind = "script"

    /// The store key of a script file's library.
    public static func key(for script: String) throws -> ResourceKey { try .logical("script", script) }

    public static func load(from context: LoadContext) throws -> ScriptLibrary {
        let script = context.key.path
        let source = try context.read(script)
        guard let compiler = context.service(ScriptCompiler.self) else {
            throw RasterbarError(.scriptLoad, "no script compiler is set up", at: script)
        }
        // What the compiler has to say (a fallback to a slower path) comes out as store warnings.
        defer { for warning in compiler.takeWarnings() { context.warn(warning) } }
        var library = try compiler.library(for: script, source: source)
        // After a crash the supervisor may have ruled this very library out.
        if let recovery = context.service(ScriptRecovery.self) {
            // The generation before, kept in the cache: in use by this process from before it is looked for.
            library = try recovery.library(for: script, compiled: library) { fallback in
                if fallback.hasPrefix(compiler.cacheRoot + "/") { compiler.cache.use(fallback) }
            }
        }
        return try open(library, script: script, typeName: try ScriptCompiler.typeName(of: script))
    }

    /// Nothing loaded yet: the scene shows a placeholder.
    public static func fallback(for key: ResourceKey) -> ScriptLibrary? {
        ScriptLibrary(typeName: (try? ScriptCompiler.typeName(of: key.path)) ?? key.path, script: nil, path: "")
    }

    /// Opens a library and checks it is a Rasterbar script of this ABI.
    public static func open(_ library: String, script: String, typeName: String) throws -> ScriptLibrary {
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw RasterbarError(.scriptLoad, "cannot load the compiled script: \(reason)", at: script)
        }
        // Its code, and the SDK's beside it in the cache, is where the watchdog may end a call.
        Guard.registerScriptImages(under: URL(fileURLWithPath: library).deletingLastPathComponent().deletingLastPathComponent().path + "/")
        guard let symbol = dlsym(handle, RB_SCRIPT_ENTRY_SYMBOL) else {
            throw RasterbarError(.scriptLoad, "the library exports no \(RB_SCRIPT_ENTRY_SYMBOL)", at: script,
                                 hint: "scripts are built by Rasterbar from Scripts/Name.swift; do not load other libraries")
        }
        let entry = unsafeBitCast(symbol, to: rb_script_entry_fn.self)
        // Even the entry runs script code (its static initialisers): guard it.
        final class Out { var script: UnsafePointer<rb_script>? }
        let out = Out()
        let signal = Guard.call { out.script = entry() }
        let result = out.script
        if signal != 0 {
            throw RasterbarError(.scriptTrap, "crashed (\(Guard.name(signal))) while loading", at: script)
        }
        guard let script = result else {
            throw RasterbarError(.scriptLoad, "\(RB_SCRIPT_ENTRY_SYMBOL) returned nothing", at: script)
        }
        let description = script.pointee
        guard description.abi_version == RB_ABI_VERSION else {
            let older = description.abi_version < RB_ABI_VERSION
            throw RasterbarError(.abiMismatch, "built for Rasterbar's script ABI \(description.abi_version), this engine speaks ABI \(RB_ABI_VERSION)",
                                 at: library, hint: older ? "it was built by an older Rasterbar: save the script (or run rasterbar check) and it is rebuilt for this one"
                                                          : "it was built by a newer Rasterbar: use that one, or save the script to rebuild it here")
        }
        guard Int(description.struct_size) >= MemoryLayout<rb_script>.size,
              description.create != nil, description.frame != nil, description.save_state != nil, description.destroy != nil else {
            throw RasterbarError(.abiMismatch, "its rb_script is incomplete (size \(description.struct_size), need \(MemoryLayout<rb_script>.size))",
                                 at: library)
        }
        return ScriptLibrary(typeName: typeName, script: script, path: library)
    }
}
