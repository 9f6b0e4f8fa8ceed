// Compiles scene scripts to shared libraries, into a content-addressed
// cache, off the render thread.
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
// - The same contents are compiled once per process: concurrent requests
//   share one job, and a failure is remembered for those bytes.
// - How a compile runs (the compile service, swift-frontend and ld.lld
//   directly, or the swiftc driver) is in ScriptCompilePaths.swift.
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

    /// How a compile reaches the compiler.
    public enum Path: String, Sendable, CaseIterable {
        /// `swiftc`, the driver: it plans, then runs swift-frontend,
        /// swift-autolink-extract and clang (which runs the linker).
        case driver
        /// swift-frontend, then ld.lld, run by the engine from command lines
        /// derived once from the driver (`CompilePlan`).
        case direct
        /// The compile service (sourcekitd in a helper process that is
        /// already running, so no swift-frontend starts), then ld.lld.
        case service
    }

    /// One finished compile, for benchmarks and tools.
    public struct Record: Sendable {
        public let script: String
        /// The content hash the library is cached under.
        public let hash: String
        /// The path that produced the result (the last one tried).
        public let path: Path
        public let succeeded: Bool
        /// Milliseconds in compiler processes (or the service's request), all attempts.
        public let compilerMilliseconds: Double
        /// Milliseconds in the linker.
        public let linkerMilliseconds: Double
        /// The whole job: files, processes, cache.
        public let milliseconds: Double
        /// When the job started and ended (monotonic seconds).
        public let started: Double
        public let ended: Double
    }

    enum Job {
        case compiling
        case done(Result<String, RasterbarError>)
    }

    let environment: [String: String]
    private var located: Result<Toolchain, RasterbarError>?
    let cacheRoot: String
    let demoRoot: String
    /// `RASTERBAR_SOURCES`, else the sources embedded in the engine (ScriptSources.swift).
    func sourcesRoot() throws -> String {
        try ScriptSources.root(environment: environment, cacheRoot: cacheRoot) { cache.use($0) }
    }
    /// The cache folder's cap, eviction and uses.
    public let cache: ScriptCache
    /// Scripts a pack compiled ahead of time, when this engine runs from one (PrebuiltScripts.swift).
    let prebuilt: PrebuiltScripts?
    /// True: compile inline (render, check); false: on the background queue (play).
    let blocking: Bool
    /// The path compiles take first: `$RASTERBAR_COMPILE_PATH` (driver,
    /// direct or service), else the service for background compiles (the
    /// player) and direct for inline ones (one compile per script: nothing
    /// to keep warm). A path that cannot work falls back to the next one.
    public let preferredPath: Path
    /// Called on the compile queue when a background compile of a script finishes.
    var onFinished: @Sendable (String) -> Void = { _ in }

    /// Guards `jobs` and what goes with them; waited on by inline callers of a running job.
    private let jobsLock = NSCondition()
    /// Every content compiled or compiling in this process, by hash: each
    /// is compiled once, and a failure is remembered.
    private var jobs: [String: Job] = [:]
    /// Scripts asked for: a settled save of one of these starts compiling at once.
    private var knownScripts: Set<String> = []
    private var finished: [Record] = []
    private var warnings: [String] = []
    private var warned: Set<String> = []

    /// Guards `sdk`; held while the SDK builds.
    let lock = NSLock()
    var sdk: Result<SDK, RasterbarError>?
    private let queue = DispatchQueue(label: "rasterbar.script-compiler", qos: .userInitiated)

    /// The direct path's command lines (or why there are none), derived on first use.
    let planLock = NSLock()
    var planState: Result<CompilePlan, RasterbarError>?
    /// The compile service (or why there is none), started on first use. Its
    /// lock also serialises requests: one helper, one compile at a time.
    let serviceLock = NSLock()
    var serviceState: Result<CompileService, RasterbarError>?

    /// The built SDK: where scripts find its module and library.
    struct SDK {
        let directory: String
        let key: String
    }

    public init(demoRoot: String, blocking: Bool, environment: [String: String]) {
        self.demoRoot = demoRoot
        self.blocking = blocking
        cacheRoot = Self.defaultCacheRoot(environment: environment)
        let limit: Int64?
        do { limit = try ScriptCache.limit(environment: environment) } catch {
            limit = ScriptCache.defaultLimit
            warnings.append("\((error as? RasterbarError)?.message ?? "\(error)"): the cache keeps its default cap of \(formatBytes(ScriptCache.defaultLimit))")
        }
        cache = ScriptCache(root: cacheRoot, limit: limit)
        prebuilt = PrebuiltScripts.locate(environment: environment)
        scriptFlags = (environment["RASTERBAR_SCRIPT_OPTIMIZE"] == "1" ? ["-O"] : ["-Onone"]) + Self.flags
        preferredPath = environment["RASTERBAR_COMPILE_PATH"].flatMap(Path.init(rawValue:)) ?? (blocking ? .direct : .service)
        self.environment = environment
    }

    deinit {
        serviceLock.lock()
        if case let .success(service)? = serviceState {
            service.stop()
            try? FileManager.default.removeItem(atPath: service.logPath)
        }
        serviceLock.unlock()
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
    /// while a background compile runs. The same contents are compiled once
    /// per process: a second caller shares the running job (inline callers
    /// wait for it), and a failed compile's error is kept for those bytes.
    public func library(for script: String, source: [UInt8]) throws -> String {
        let name = try Self.typeName(of: script)
        // A pack's script, unchanged: loaded as it was built, nothing compiles.
        if let prebuilt, let library = prebuilt.library(for: script, source: source) { return library }
        let sdk: SDK
        do {
            sdk = try self.builtSDK()
        } catch let e as RasterbarError where e.kind == .toolchainMissing && prebuilt?.hasOtherVersion(of: script) == true {
            throw RasterbarError(.toolchainMissing, "\(script) changed since the demo was packed, and there is no Swift toolchain here to compile it (\(e.message))",
                                 at: script, hint: "put back the packed version of the script, or install the Swift toolchain (or set SWIFTC)")
        }
        EditorSupport.scriptLoading(script, sdk: sdk, compiler: self) // compile_commands.json, for editors
        let (hash, output) = cacheEntry(name: name, source: source, sdk: sdk)
        // In use from now on (no eviction removes it under this process), and used now.
        cache.use(output)
        jobsLock.lock()
        knownScripts.insert(script)
        jobsLock.unlock()
        if FileManager.default.fileExists(atPath: output) { return output }
        jobsLock.lock()
        while true {
            switch jobs[hash] {
            case .compiling?:
                if !blocking {
                    jobsLock.unlock()
                    throw StillLoading("compiling \(script)")
                }
                jobsLock.wait()
            case let .done(.success(path))? where !FileManager.default.fileExists(atPath: path):
                jobs[hash] = nil // the cache was emptied meanwhile
            case let .done(result)?:
                jobsLock.unlock()
                return try result.get()
            case nil:
                jobs[hash] = .compiling
                jobsLock.unlock()
                if blocking {
                    let result = compile(script: script, name: name, source: source, hash: hash, sdk: sdk, output: output)
                    finish(hash, result)
                    // A new library may push the cache over its cap: the least recently used go.
                    if case let .success(path) = result { cache.trimAfterWrite(added: Self.fileSize(path)) }
                    return try result.get()
                }
                startInBackground(script: script, name: name, source: source, hash: hash, sdk: sdk, output: output)
                throw StillLoading("compiling \(script)")
            }
        }
    }

    /// Starts compiling `source` for `script` now, in the background, if the
    /// script was asked for before and these contents are neither built nor
    /// compiling: the file watcher calls this the moment a save has been read,
    /// so the compile need not wait for the render loop's next `sync()`. The
    /// store's reload then finds the job running (or done). Any thread; cheap.
    public func prefetch(script: String, source: [UInt8]) {
        guard !blocking, let name = try? Self.typeName(of: script) else { return }
        if let prebuilt, prebuilt.library(for: script, source: source) != nil { return }
        jobsLock.lock()
        let known = knownScripts.contains(script)
        jobsLock.unlock()
        // Never wait here (the watcher's thread): an SDK still building means no prefetch.
        guard known, lock.try() else { return }
        let built = try? sdk?.get()
        lock.unlock()
        guard let sdk = built else { return }
        let (hash, output) = cacheEntry(name: name, source: source, sdk: sdk)
        cache.use(output)
        if FileManager.default.fileExists(atPath: output) { return }
        jobsLock.lock()
        guard jobs[hash] == nil else { return jobsLock.unlock() }
        jobs[hash] = .compiling
        jobsLock.unlock()
        startInBackground(script: script, name: name, source: source, hash: hash, sdk: sdk, output: output)
    }

    /// Bytes of the file at `path` (0 when it cannot be read).
    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The cache key of `source` and the library's path.
    func cacheEntry(name: String, source: [UInt8], sdk: SDK) -> (hash: String, output: String) {
        let hash = Self.hex(contentHash(source + Array("\0\(sdk.key)\0\(Self.entryTemplateVersion)\0\(scriptFlags.joined(separator: " "))".utf8)))
        return (hash, "\(cacheRoot)/\(sdk.key)/scripts/\(name)-\(hash).so")
    }

    private func startInBackground(script: String, name: String, source: [UInt8], hash: String, sdk: SDK, output: String) {
        queue.async { [self] in
            let result = compile(script: script, name: name, source: source, hash: hash, sdk: sdk, output: output)
            finish(hash, result)
            onFinished(script)
            // After the store was told, so the reload does not wait for it.
            if case let .success(path) = result { cache.trimAfterWrite(added: Self.fileSize(path)) }
        }
    }

    private func finish(_ hash: String, _ result: Result<String, RasterbarError>) {
        jobsLock.lock()
        jobs[hash] = .done(result)
        jobsLock.broadcast()
        jobsLock.unlock()
    }

    // MARK: What it tells

    /// Something the person should know (a fallback to a slower path); each message once.
    func warn(_ message: String) {
        jobsLock.lock()
        if warned.insert(message).inserted { warnings.append(message) }
        jobsLock.unlock()
    }

    /// Warnings since the last call (the script loader reports them as store warnings).
    public func takeWarnings() -> [String] {
        jobsLock.lock()
        defer { warnings.removeAll(); jobsLock.unlock() }
        return warnings
    }

    /// Every compile this compiler finished, oldest first (the last 1000).
    public var records: [Record] {
        jobsLock.lock()
        defer { jobsLock.unlock() }
        return finished
    }

    func record(_ record: Record) {
        jobsLock.lock()
        finished.append(record)
        if finished.count > 1000 { finished.removeFirst(finished.count - 1000) }
        jobsLock.unlock()
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
        if case let .success(built) = result {
            // Marked in use before it was looked for (buildSDK); now also as used now.
            cache.use("\(cacheRoot)/\(built.key)")
        }
        sdk = result
        return try result.get()
    }

    /// Bumped when the generated entry code changes.
    static let entryTemplateVersion = "entry-1"

    func buildSDK() throws -> SDK {
        let toolchain = try self.toolchain.get()
        let sourcesRoot = try self.sourcesRoot()
        let sdkSources = sourcesRoot + "/RasterbarSDK"
        let header = sourcesRoot + "/RasterbarABI/include/rasterbar.h"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: sdkSources)) ?? [])
            .filter { $0.hasSuffix(".swift") }.sorted()
        guard !files.isEmpty, FileManager.default.fileExists(atPath: header) else {
            throw RasterbarError(.scriptCompile, "the script SDK sources are missing at \(sdkSources)",
                                 hint: ScriptSources.override(environment: environment) == nil ? "the sources embedded in the engine could not be written out: check the cache folder"
                                     : "RASTERBAR_SOURCES must name a folder laid out as Rasterbar's Sources/ (RasterbarSDK/, RasterbarABI/include/rasterbar.h), or unset it to use the SDK built into the engine")
        }
        var material = Array("abi \(RB_ABI_VERSION)\n\(toolchain.version)\n\(Self.sdkFlags.joined(separator: " "))\n".utf8)
        material += try FileIO.read(header)
        for file in files { material += Array(file.utf8) + (try FileIO.read(sdkSources + "/" + file)) }
        let key = "engine-" + Self.hex(contentHash(material))
        let directory = "\(cacheRoot)/\(key)/sdk"
        let sdk = SDK(directory: directory, key: key)
        // In use from before it is looked for, so a `cache clean` cannot remove it between.
        cache.use("\(cacheRoot)/\(key)")
        if FileManager.default.fileExists(atPath: directory + "/libRasterbarSDK.so") { return sdk }

        try FileManager.default.createDirectory(atPath: "\(cacheRoot)/\(key)/scripts", withIntermediateDirectories: true)
        let lockFD = open("\(cacheRoot)/\(key)/.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        defer { if lockFD >= 0 { close(lockFD) } }
        if lockFD >= 0 { flock(lockFD, LOCK_EX) }
        if FileManager.default.fileExists(atPath: directory + "/libRasterbarSDK.so") { return sdk } // built meanwhile

        let temp = "\(directory).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: temp)
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        try Self.writeABIModule(header: header, into: temp)
        let arguments = Self.sdkArguments(module: temp, output: temp + "/libRasterbarSDK.so", rpaths: nil,
                                          moduleCache: "\(cacheRoot)/modules", sources: files.map { sdkSources + "/" + $0 })
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
    /// Scripts in a pack (`rasterbar pack`): optimised, as RASTERBAR_SCRIPT_OPTIMIZE=1 builds them.
    static let releaseScriptFlags = ["-O"] + flags
    /// Scripts are built unoptimised by default: with -O, Swift's checks
    /// (index out of range, unwrapping nil, overflow) trap without printing
    /// their message, and live coding needs the message more than the speed.
    /// `RASTERBAR_SCRIPT_OPTIMIZE=1` builds them with -O (a separate cache entry).
    let scriptFlags: [String]

    // MARK: Command lines (shared by the live compile and `rasterbar pack`)

    /// Writes rasterbar.h into `folder` with the module map that makes it the
    /// RasterbarABI module (naming the header by a path inside the folder, so
    /// the folder can be renamed).
    static func writeABIModule(header: String, into folder: String) throws {
        try FileManager.default.copyItem(atPath: header, toPath: folder + "/rasterbar.h")
        try FileIO.writeAtomically(Array("module RasterbarABI {\n    header \"rasterbar.h\"\n    export *\n}\n".utf8), to: folder + "/module.modulemap")
    }

    /// How a library finds the Swift runtime and the SDK: nil, the toolchain's
    /// runtime (swiftc's default rpath); else these run paths and no other.
    static func linking(_ rpaths: [String]?) -> [String] {
        guard let rpaths else { return [] }
        return ["-no-toolchain-stdlib-rpath"] + rpaths.flatMap { ["-Xlinker", "-rpath", "-Xlinker", $0] }
    }

    /// swiftc's arguments for the SDK: its library at `output`, its module
    /// into `module` (which holds the ABI module, writeABIModule).
    static func sdkArguments(module: String, output: String, rpaths: [String]?, moduleCache: String, sources: [String]) -> [String] {
        ["-emit-library", "-emit-module", "-parse-as-library", "-module-name", "RasterbarSDK"] + sdkFlags
            + ["-I", module, "-module-cache-path", moduleCache, "-emit-module-path", module + "/RasterbarSDK.swiftmodule"]
            + linking(rpaths) + ["-o", output] + sources
    }

    /// swiftc's arguments for a script library: `flags` (-Onone live, -O in a
    /// pack), the SDK's module in `sdkModule` and its library in `sdkLibrary`,
    /// the run paths (`toolchainRuntime`: and swiftc's own).
    static func scriptArguments(module: String, flags: [String], sdkModule: String, sdkLibrary: String, rpaths: [String],
                                toolchainRuntime: Bool, moduleCache: String, output: String, sources: [String]) -> [String] {
        ["-emit-library", "-parse-as-library", "-module-name", module] + flags
            + ["-I", sdkModule, "-L", sdkLibrary, "-lRasterbarSDK"]
            + (toolchainRuntime ? rpaths.flatMap { ["-Xlinker", "-rpath", "-Xlinker", $0] } : linking(rpaths))
            + ["-module-cache-path", moduleCache, "-o", output] + sources
    }

    // MARK: One script (the paths are in ScriptCompilePaths.swift)

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

    /// One `path:line:column: error: message` line of compiler output.
    struct Diagnostic { var file: String; var line: Int; var column: Int; var message: String }

    /// The errors in compiler output that name a file and line.
    static func errors(in output: String) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for line in output.split(separator: "\n") {
            // path:line:column: error: message
            let parts = line.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, let l = Int(parts[1]), let c = Int(parts[2]),
                  parts[3].trimmingCharacters(in: .whitespaces) == "error" else { continue }
            diagnostics.append(Diagnostic(file: String(parts[0]), line: l, column: c,
                                          message: parts[4].trimmingCharacters(in: .whitespaces)))
        }
        return diagnostics
    }

    /// True when `output` holds an error in the script or its generated entry:
    /// the script does not compile, whatever ran the compiler.
    static func blamesScript(_ output: String, sourceFile: String, entryFile: String) -> Bool {
        errors(in: output).contains { $0.file == sourceFile || $0.file == entryFile }
    }

    /// The compiler's output (swiftc's, swift-frontend's or the compile
    /// service's: the same lines) as one error about the script's own file and line.
    static func diagnose(_ output: String, script: String, typeName: String, sourceFile: String, entryFile: String) -> RasterbarError {
        let diagnostics = errors(in: output)
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
