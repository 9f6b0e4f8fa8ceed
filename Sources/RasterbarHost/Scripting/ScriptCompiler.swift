// Compiles scene scripts to shared libraries with swiftc, into a
// content-addressed cache, off the render thread.
//
// - The SDK (Sources/RasterbarSDK, over rasterbar.h) is built once per engine
//   version into the cache and linked by every script; the host never links it.
// - A script's library is keyed by its source, the SDK, the compiler's
//   version and the ABI version: a second start with the same files loads
//   every script without compiling.
// - The engine generates each script's C entry point, so authors write no
//   @_cdecl: `Scripts/Name.swift` must define `final class Name: Scene`.
// - In the player, compiles run on a background queue and the render loop
//   never waits: the store marks the script loading, and the finished compile
//   invalidates its key, so the next sync loads it: watcher -> store -> script
//   loader -> compiler -> (background) -> store -> loader -> generation swap.
import Foundation
import RasterbarABI
import RasterbarCore

/// Builds and caches script libraries. Thread-safe.
public final class ScriptCompiler: @unchecked Sendable {
    /// Where compiled things live: `$RASTERBAR_CACHE`, else `$XDG_CACHE_HOME/rasterbar`, else `~/.cache/rasterbar`.
    public static func defaultCacheRoot(environment: [String: String]) -> String {
        if let explicit = environment["RASTERBAR_CACHE"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/rasterbar" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/rasterbar"
    }

    /// The SDK's Swift sources and the ABI header, found from this file's
    /// place in the source tree (`RASTERBAR_SOURCES` overrides: the folder
    /// holding RasterbarSDK/ and RasterbarABI/).
    static func sourcesRoot(environment: [String: String]) -> String {
        if let explicit = environment["RASTERBAR_SOURCES"], !explicit.isEmpty { return explicit }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    enum Job {
        case compiling
        case done(Result<String, RasterbarError>)
    }

    let environment: [String: String]
    private var located: Result<Toolchain, RasterbarError>?
    let cacheRoot: String
    let demoRoot: String
    let sourcesRoot: String
    /// True: compile inline (render, check); false: on the background queue (play).
    let blocking: Bool
    /// Called on the compile queue when a background compile of a script finishes.
    var onFinished: @Sendable (String) -> Void = { _ in }

    private let lock = NSLock()
    private var jobs: [String: Job] = [:]
    private var sdk: Result<SDK, RasterbarError>?
    private let queue = DispatchQueue(label: "rasterbar.script-compiler", qos: .userInitiated)

    /// The built SDK: where scripts find its module and library.
    struct SDK {
        let directory: String
        let key: String
    }

    public init(demoRoot: String, blocking: Bool, environment: [String: String]) {
        self.demoRoot = demoRoot
        self.blocking = blocking
        cacheRoot = Self.defaultCacheRoot(environment: environment)
        sourcesRoot = Self.sourcesRoot(environment: environment)
        scriptFlags = (environment["RASTERBAR_SCRIPT_OPTIMIZE"] == "1" ? ["-O"] : ["-Onone"]) + Self.flags
        self.environment = environment
    }

    /// swiftc, looked up on first use (a demo without scripts never asks).
    var toolchain: Result<Toolchain, RasterbarError> {
        toolchainLock.lock()
        defer { toolchainLock.unlock() }
        if let located { return located }
        let result: Result<Toolchain, RasterbarError>
        do { result = .success(try Toolchain.locate(environment: environment)) } catch let e as RasterbarError {
            result = .failure(e)
        } catch {
            result = .failure(RasterbarError(.toolchainMissing, "\(error)"))
        }
        located = result
        return result
    }
    private let toolchainLock = NSLock()

    /// Calls `finished(script)` (on the compile queue) when a background compile ends.
    public func whenFinished(_ finished: @escaping @Sendable (String) -> Void) {
        onFinished = finished
    }

    /// The type a script file must define: its file name.
    public static func typeName(of script: String) throws -> String {
        let file = script.split(separator: "/").last.map(String.init) ?? script
        let name = String(file.dropLast(".swift".count))
        let valid = file.hasSuffix(".swift") && name.first.map { $0 == "_" || $0.isLetter } == true
            && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        guard valid else {
            throw RasterbarError(.scriptCompile, "'\(file)' cannot name a scene type", at: script,
                                 hint: "name the file after its type: Scripts/Tunnel.swift defines final class Tunnel: Scene")
        }
        return name
    }

    /// The compiled library for `script` (demo-relative) whose contents are
    /// `source`: its path when ready; throws its compile error, or `StillLoading`
    /// while a background compile runs.
    public func library(for script: String, source: [UInt8]) throws -> String {
        let name = try Self.typeName(of: script)
        let sdk = try self.builtSDK()
        EditorSupport.scriptLoading(script, sdk: sdk, compiler: self) // compile_commands.json, for editors
        let hash = Self.hex(contentHash(source + Array("\0\(sdk.key)\0\(Self.entryTemplateVersion)\0\(scriptFlags.joined(separator: " "))".utf8)))
        let output = "\(cacheRoot)/\(sdk.key)/scripts/\(name)-\(hash).so"
        if FileManager.default.fileExists(atPath: output) { return output }
        if blocking {
            let result = compile(script: script, name: name, source: source, hash: hash, sdk: sdk, output: output)
            return try result.get()
        }
        lock.lock()
        defer { lock.unlock() }
        switch jobs[hash] {
        case .compiling?:
            throw StillLoading("compiling \(script)")
        case let .done(result)?:
            return try result.get()
        case nil:
            jobs[hash] = .compiling
            queue.async { [self] in
                let result = compile(script: script, name: name, source: source, hash: hash, sdk: sdk, output: output)
                lock.lock()
                jobs[hash] = .done(result)
                lock.unlock()
                onFinished(script)
            }
            throw StillLoading("compiling \(script)")
        }
    }

    // MARK: The SDK

    /// Builds the SDK once per engine version (under a file lock, so several
    /// processes sharing the cache build it once), or returns the cached one.
    func builtSDK() throws -> SDK {
        lock.lock()
        defer { lock.unlock() }
        if let sdk { return try sdk.get() }
        let result: Result<SDK, RasterbarError>
        do { result = .success(try buildSDK()) } catch let e as RasterbarError { result = .failure(e) } catch {
            result = .failure(RasterbarError(.scriptCompile, "cannot build the script SDK: \(error)"))
        }
        sdk = result
        return try result.get()
    }

    /// Bumped when the generated entry code changes.
    static let entryTemplateVersion = "entry-1"

    func buildSDK() throws -> SDK {
        let toolchain = try self.toolchain.get()
        let sdkSources = sourcesRoot + "/RasterbarSDK"
        let header = sourcesRoot + "/RasterbarABI/include/rasterbar.h"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: sdkSources)) ?? [])
            .filter { $0.hasSuffix(".swift") }.sorted()
        guard !files.isEmpty, FileManager.default.fileExists(atPath: header) else {
            throw RasterbarError(.scriptCompile, "the script SDK sources are missing at \(sdkSources)",
                                 hint: "run from a Rasterbar checkout, or set RASTERBAR_SOURCES to its Sources folder")
        }
        var material = Array("abi \(RB_ABI_VERSION)\n\(toolchain.version)\n\(Self.sdkFlags.joined(separator: " "))\n".utf8)
        material += try FileIO.read(header)
        for file in files { material += Array(file.utf8) + (try FileIO.read(sdkSources + "/" + file)) }
        let key = "engine-" + Self.hex(contentHash(material))
        let directory = "\(cacheRoot)/\(key)/sdk"
        let sdk = SDK(directory: directory, key: key)
        if FileManager.default.fileExists(atPath: directory + "/libRasterbarSDK.so") { return sdk }

        try FileManager.default.createDirectory(atPath: "\(cacheRoot)/\(key)/scripts", withIntermediateDirectories: true)
        let lockFD = open("\(cacheRoot)/\(key)/.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        defer { if lockFD >= 0 { close(lockFD) } }
        if lockFD >= 0 { flock(lockFD, LOCK_EX) }
        if FileManager.default.fileExists(atPath: directory + "/libRasterbarSDK.so") { return sdk } // built meanwhile

        let temp = "\(directory).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: temp)
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: header, toPath: temp + "/rasterbar.h")
        try Data("module RasterbarABI {\n    header \"rasterbar.h\"\n    export *\n}\n".utf8)
            .write(to: URL(fileURLWithPath: temp + "/module.modulemap"))
        let arguments = ["-emit-library", "-emit-module", "-parse-as-library", "-module-name", "RasterbarSDK"] + Self.sdkFlags
            + ["-I", temp, "-module-cache-path", "\(cacheRoot)/modules",
               "-emit-module-path", temp + "/RasterbarSDK.swiftmodule", "-o", temp + "/libRasterbarSDK.so"]
            + files.map { sdkSources + "/" + $0 }
        let result = try Subprocess.run(toolchain.swiftc, arguments)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw RasterbarError(.scriptCompile, "the script SDK does not compile: \(result.output.prefix(2000))")
        }
        // The module map names the header by a path inside the SDK folder, so
        // the finished folder can be renamed into place.
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.moveItem(atPath: temp, toPath: directory)
        return sdk
    }

    /// Flags for the SDK and every script. Exclusivity checks are off because
    /// a trap caught by the guard jumps out of script frames, and the runtime's
    /// access records for those frames would be left dangling. Whole-module
    /// mode runs one frontend for the script and its generated entry instead of
    /// two, each loading the standard library and the SDK (0.43 s -> 0.34 s for
    /// the particle script here).
    static let flags = ["-enforce-exclusivity=unchecked", "-wmo"]
    /// The SDK is built once, optimised.
    static let sdkFlags = ["-O"] + flags
    /// Scripts are built unoptimised by default: with -O, Swift's checks
    /// (index out of range, unwrapping nil, overflow) trap without printing
    /// their message, and live coding needs the message more than the speed.
    /// `RASTERBAR_SCRIPT_OPTIMIZE=1` builds them with -O (a separate cache entry).
    let scriptFlags: [String]

    // MARK: One script

    func compile(script: String, name: String, source: [UInt8], hash: String, sdk: SDK, output: String) -> Result<String, RasterbarError> {
        do {
            let toolchain = try self.toolchain.get()
            let work = "\(cacheRoot)/\(sdk.key)/work/\(name)-\(hash)-\(getpid())"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }
            // Compile the bytes that were hashed, not whatever the file holds by now.
            let sourceFile = "\(work)/\(name).swift"
            let entryFile = "\(work)/RasterbarEntry.swift"
            try Data(source).write(to: URL(fileURLWithPath: sourceFile))
            try Data(Self.entrySource(typeName: name).utf8).write(to: URL(fileURLWithPath: entryFile))
            let temp = output + ".tmp-\(getpid())"
            let arguments = ["-emit-library", "-parse-as-library", "-module-name", "Script_\(name)_\(hash.prefix(8))"] + scriptFlags
                + ["-I", sdk.directory, "-L", sdk.directory, "-lRasterbarSDK", "-Xlinker", "-rpath", "-Xlinker", sdk.directory,
                   "-module-cache-path", "\(cacheRoot)/modules", "-o", temp, sourceFile, entryFile]
            let result = try Subprocess.run(toolchain.swiftc, arguments, directory: work)
            guard result.status == 0 else {
                try? FileManager.default.removeItem(atPath: temp)
                return .failure(Self.diagnose(result.output, script: script, typeName: name, sourceFile: sourceFile, entryFile: entryFile))
            }
            try FileManager.default.moveItem(atPath: temp, toPath: output)
            return .success(output)
        } catch let e as RasterbarError {
            return .failure(e)
        } catch {
            return .failure(RasterbarError(.scriptCompile, "\(error)", at: script))
        }
    }

    /// The C entry point of a script, generated so that authors write none.
    static func entrySource(typeName: String) -> String {
        """
        // Generated by Rasterbar: the C entry point of \(typeName).
        import RasterbarSDK

        private let rasterbarExport = SceneExport(\(typeName).self,
            create: { context, state, size, restored in rasterbarExport.create(context, state, size, restored) },
            frame: { instance, context in rasterbarExport.frame(instance, context) },
            save: { instance, context, writer in rasterbarExport.save(instance, context, writer) },
            destroy: { instance, context in rasterbarExport.destroy(instance, context) })

        @_cdecl("rasterbar_script_entry")
        public func rasterbarScriptEntry() -> UnsafeRawPointer { rasterbarExport.entry }

        """
    }

    /// swiftc's output as one error about the script's own file and line.
    static func diagnose(_ output: String, script: String, typeName: String, sourceFile: String, entryFile: String) -> RasterbarError {
        struct Diagnostic { var file: String; var line: Int; var column: Int; var message: String }
        var diagnostics: [Diagnostic] = []
        for line in output.split(separator: "\n") {
            // path:line:column: error: message
            let parts = line.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, let l = Int(parts[1]), let c = Int(parts[2]),
                  parts[3].trimmingCharacters(in: .whitespaces) == "error" else { continue }
            diagnostics.append(Diagnostic(file: String(parts[0]), line: l, column: c,
                                          message: parts[4].trimmingCharacters(in: .whitespaces)))
        }
        let own = diagnostics.filter { $0.file == sourceFile }
        if let first = own.first {
            let rest = own.dropFirst().map { "\(script):\($0.line):\($0.column): error: \($0.message)" }
            return RasterbarError(.scriptCompile, (["error: \(first.message)"] + rest).joined(separator: "; "),
                                  file: script, line: first.line, column: first.column)
        }
        if diagnostics.contains(where: { $0.file == entryFile }) {
            // The generated entry did not compile: the type is missing or is not a Scene.
            let detail = diagnostics.first { $0.file == entryFile }?.message ?? ""
            let missing = detail.contains("cannot find") || detail.contains("not in scope")
            return RasterbarError(.scriptCompile,
                                  missing ? "no type named \(typeName) in \(script)" : "\(typeName) is not a scene (\(detail))",
                                  file: script, line: nil,
                                  hint: "\(script) must define `final class \(typeName): Scene` with `init()` and `func frame(_ context: Context)`")
        }
        let text = output.split(separator: "\n").prefix(6).joined(separator: " ")
        return RasterbarError(.scriptCompile, "swiftc failed: \(text)", file: script, line: nil)
    }

    static func hex(_ value: UInt64) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
