// The three ways a script becomes a library, fastest first:
//
// - service: the compile service (CompileService.swift: sourcekitd in a
//   helper process that is already running) compiles, then ld.lld links.
// - direct:  swift-frontend, then ld.lld, from command lines derived once per
//   toolchain, SDK and flags (CompilePlan.swift) and cached next to the SDK.
// - driver:  swiftc, as a person would run it.
//
// Each falls back to the next when it cannot work. The direct path falls back
// only for a failure the driver would not have had: when a direct compile
// fails without blaming the script, the same compile runs once through the
// driver; if that works, the derived lines are broken, and every later
// compile of this process (for this SDK and flags) uses the driver, with a
// warning that says why. The broken plan file is removed, so the next start
// derives it again.
import Foundation
import RasterbarCore
import Synchronization

extension ScriptCompiler {
    /// What one compile attempt spent, for its record.
    struct Spent {
        var path: Path
        var compiler = 0.0
        var linker = 0.0
    }

    /// Compiles `source` into `output` by the fastest path that works, and records it.
    func compile(script: String, name: String, source: [UInt8], hash: String, sdk: SDK, output: String) -> Result<String, RasterbarError> {
        let started = monotonicSeconds()
        var spent = Spent(path: preferredPath)
        let result: Result<String, RasterbarError>
        do {
            try build(script: script, name: name, source: source, hash: hash, sdk: sdk, output: output, spent: &spent)
            result = .success(output)
        } catch let e as RasterbarError {
            result = .failure(e)
        } catch {
            result = .failure(RasterbarError(.scriptCompile, "\(error)", at: script))
        }
        let ended = monotonicSeconds()
        record(Record(script: script, hash: hash, path: spent.path, succeeded: (try? result.get()) != nil,
                      compilerMilliseconds: spent.compiler * 1000, linkerMilliseconds: spent.linker * 1000,
                      milliseconds: (ended - started) * 1000, started: started, ended: ended))
        return result
    }

    func build(script: String, name: String, source: [UInt8], hash: String, sdk: SDK, output: String, spent: inout Spent) throws {
        // Plain system calls for the job's files: Foundation's Data.write and
        // removeItem took 1-5 ms of a compile here, open/write/rename 0.05.
        let temp = output + ".tmp-\(getpid())"
        defer { unlink(temp) }
        func publish() throws {
            guard rename(temp, output) == 0 else {
                throw RasterbarError(.scriptCompile, "cannot move the library into the cache: \(String(cString: strerror(errno)))", at: output)
            }
        }
        let work = "\(cacheRoot)/\(sdk.key)/work/\(name)-\(hash)-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        // Compile the bytes that were hashed, not whatever the file holds by now.
        let sourceFile = "\(work)/\(name).swift"
        let entryFile = "\(work)/RasterbarEntry.swift"
        let objectFile = "\(work)/\(name).o"
        defer {
            for file in [sourceFile, entryFile, objectFile, objectFile + ".autolink"] { unlink(file) }
            if rmdir(work) != 0 { try? FileManager.default.removeItem(atPath: work) }
        }
        // The libraries' folder may have been emptied away since the SDK was built.
        try FileManager.default.createDirectory(atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileIO.writeAtomically(source, to: sourceFile)
        try FileIO.writeAtomically(Array(Self.entrySource(typeName: name).utf8), to: entryFile)
        let module = "Script_\(name)_\(hash.prefix(8))"
        func driver() throws -> Subprocess.Result {
            spent.path = .driver
            let started = monotonicSeconds()
            defer { spent.compiler += monotonicSeconds() - started }
            let arguments = driverArguments(module: module, sdk: sdk, source: sourceFile, entry: entryFile, output: temp)
            return try Subprocess.run(try toolchain.get().swiftc, arguments, directory: work)
        }

        if preferredPath == .service, let plan = directPlan(sdk) {
            do {
                if try compileWithService(plan: plan, sdk: sdk, source: sourceFile, entry: entryFile, object: objectFile,
                                          module: module, output: temp, directory: work, spent: &spent) {
                    return try publish()
                }
            } catch let e as ServiceDiagnostics {
                throw Self.diagnose(e.text, script: script, typeName: name, sourceFile: sourceFile, entryFile: entryFile)
            }
        }
        if preferredPath != .driver, let plan = directPlan(sdk) {
            spent.path = .direct
            let outcome = compileDirect(plan: plan, source: sourceFile, entry: entryFile, object: objectFile,
                                        module: module, output: temp, directory: work, spent: &spent)
            switch outcome {
            case .built:
                return try publish()
            case let .scriptError(text):
                throw Self.diagnose(text, script: script, typeName: name, sourceFile: sourceFile, entryFile: entryFile)
            case let .toolFailure(why):
                // Would the driver have managed? Ask it, once.
                let checked = try driver()
                guard checked.status == 0 else {
                    throw Self.diagnose(checked.output, script: script, typeName: name, sourceFile: sourceFile, entryFile: entryFile)
                }
                planBroken(sdk, why: why)
                return try publish()
            }
        }
        let result = try driver()
        guard result.status == 0 else {
            throw Self.diagnose(result.output, script: script, typeName: name, sourceFile: sourceFile, entryFile: entryFile)
        }
        try publish()
    }

    /// swiftc's arguments for a script: the direct lines are derived from these too.
    func driverArguments(module: String, sdk: SDK, source: String, entry: String, output: String) -> [String] {
        Self.scriptArguments(module: module, flags: scriptFlags, sdkModule: sdk.directory, sdkLibrary: sdk.directory, rpaths: [sdk.directory],
                             toolchainRuntime: true, moduleCache: "\(cacheRoot)/modules", output: output, sources: [source, entry])
    }

    // MARK: Direct

    enum DirectOutcome {
        case built
        /// The compiler blamed the script: its output.
        case scriptError(String)
        /// Something else failed: why.
        case toolFailure(String)
    }

    /// swift-frontend, then the linker, from the plan.
    func compileDirect(plan: CompilePlan, source: String, entry: String, object: String, module: String, output: String,
                       directory: String, spent: inout Spent) -> DirectOutcome {
        let frontendStarted = monotonicSeconds()
        let frontend: Subprocess.Result
        do {
            frontend = try Subprocess.run(plan.frontend[0], plan.frontendArguments(source: source, entry: entry, object: object, module: module),
                                          directory: directory)
        } catch {
            return .toolFailure("\(error)")
        }
        spent.compiler += monotonicSeconds() - frontendStarted
        guard frontend.status == 0 else {
            if Self.blamesScript(frontend.output, sourceFile: source, entryFile: entry) { return .scriptError(frontend.output) }
            return .toolFailure("swift-frontend exited with status \(frontend.status): \(frontend.output.prefix(400))")
        }
        return link(plan: plan, object: object, output: output, directory: directory, spent: &spent).map(DirectOutcome.toolFailure) ?? .built
    }

    /// Links an object into a library with the plan's line; nil when it worked, else why not.
    func link(plan: CompilePlan, object: String, output: String, directory: String, spent: inout Spent) -> String? {
        let started = monotonicSeconds()
        defer { spent.linker += monotonicSeconds() - started }
        let libraries: [String]
        if let read = CompilePlan.autolinkEntries(ofObject: object) {
            libraries = read
        } else {
            // Not an object this reader knows: ask swift-autolink-extract, as the driver does.
            let list = object + ".autolink"
            let arguments = CompilePlan.fill(Array(plan.autolinkExtract.dropFirst()), [.object: object, .autolinkFile: list])
            guard let extracted = try? Subprocess.run(plan.autolinkExtract[0], arguments, directory: directory), extracted.status == 0,
                  let text = try? FileIO.readText(list) else {
                return "swift-autolink-extract could not read \(object)"
            }
            libraries = text.split(separator: "\n").map(String.init)
        }
        do {
            let linked = try Subprocess.run(plan.link[0], plan.linkArguments(object: object, output: output, libraries: libraries),
                                            directory: directory)
            guard linked.status == 0 else {
                return "\((plan.link[0] as NSString).lastPathComponent) exited with status \(linked.status): \(linked.output.prefix(400))"
            }
        } catch {
            return "\(error)"
        }
        return nil
    }

    // MARK: The plan

    /// Plans known not to work in this process, by file: why.
    static let brokenPlans = Mutex<[String: String]>([:])

    /// Where the plan for this SDK and these flags is kept.
    func planFile(_ sdk: SDK) -> String {
        "\(sdk.directory)/compile-plan-\(Self.hex(contentHash(Array(scriptFlags.joined(separator: " ").utf8))).prefix(8)).json"
    }

    /// The direct path's command lines, read from the cache or derived (and
    /// saved); nil when they cannot be had or were found broken (then a
    /// warning says why, once).
    func directPlan(_ sdk: SDK) -> CompilePlan? {
        planLock.lock()
        defer { planLock.unlock() }
        let file = planFile(sdk)
        if Self.brokenPlans.withLock({ $0[file] }) != nil { return nil }
        if let planState { return try? planState.get() }
        do {
            let plan = try loadOrDerivePlan(sdk, file: file)
            planState = .success(plan)
            return plan
        } catch {
            let e = error as? RasterbarError ?? RasterbarError(.scriptCompile, "\(error)")
            planState = .failure(e)
            warn("scripts compile through swiftc's driver (slower): \(e.message)")
            return nil
        }
    }

    func loadOrDerivePlan(_ sdk: SDK, file: String) throws -> CompilePlan {
        let swiftc = try toolchain.get().swiftc
        // A plan for another swiftc, SDK folder or format is derived again;
        // so is a file that does not decode (a cache entry, not a setting).
        if let bytes = try? FileIO.read(file), let plan = try? JSONDecoder().decode(CompilePlan.self, from: Data(bytes)),
           plan.format == CompilePlan.format, plan.swiftc == swiftc, plan.sdk == sdk.directory {
            return plan
        }
        let scratch = "\(cacheRoot)/\(sdk.key)/work/plan-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let plan = try CompilePlan.derive(swiftc: swiftc, sdk: sdk.directory, folder: scratch) { probe in
            driverArguments(module: probe.module, sdk: sdk, source: probe.source, entry: probe.entry, output: probe.output)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try? FileIO.writeAtomically(Array(try encoder.encode(plan)), to: file)
        return plan
    }

    /// The derived lines failed where the driver did not: the driver compiles
    /// from now on in this process, and the next start derives them again.
    func planBroken(_ sdk: SDK, why: String) {
        let file = planFile(sdk)
        Self.brokenPlans.withLock { $0[file] = why }
        try? FileManager.default.removeItem(atPath: file)
        warn("the direct compile (swift-frontend and ld.lld run by Rasterbar) failed where swiftc's driver did not, "
             + "so scripts compile through the driver for the rest of this run (slower): \(why)")
    }

    // MARK: The compile service

    /// Compiles through the service, then links with the plan. True: built;
    /// false: the service could not (the caller compiles directly); throws
    /// the script's own compile error.
    func compileWithService(plan: CompilePlan, sdk: SDK, source: String, entry: String, object: String, module: String,
                            output: String, directory: String, spent: inout Spent) throws -> Bool {
        serviceLock.lock()
        defer { serviceLock.unlock() }
        guard let service = service(sdk: sdk, plan: plan) else { return false }
        let arguments = ["-c"] + scriptFlags + [source, entry, "-module-name", module, "-parse-as-library",
                                                "-I", sdk.directory, "-module-cache-path", "\(cacheRoot)/modules", "-o", object]
        guard !arguments.contains(where: { $0.contains("\n") }) else { return false } // the protocol is line-based
        let started = monotonicSeconds()
        let reply = service.compile(arguments: arguments)
        spent.compiler += monotonicSeconds() - started
        switch reply {
        case .finished(status: 0, _) where FileManager.default.fileExists(atPath: object):
            // A link that fails here fails on the direct path too, which then asks the driver.
            guard link(plan: plan, object: object, output: output, directory: directory, spent: &spent) == nil else { return false }
            spent.path = .service
            return true
        case let .finished(_, diagnostics) where Self.blamesScript(diagnostics.joined(separator: "\n"), sourceFile: source, entryFile: entry):
            spent.path = .service
            throw ServiceDiagnostics(text: diagnostics.joined(separator: "\n"))
        case let .finished(status, diagnostics):
            warn("the compile service failed without blaming the script (status \(status): \(diagnostics.prefix(3).joined(separator: "; "))), "
                 + "so that compile ran swift-frontend directly")
            return false
        case let .broken(why):
            if service.failures >= Self.serviceRestarts {
                serviceState = .failure(RasterbarError(.scriptCompile, why))
                service.stop()
                warn("\(why); after \(service.failures) failures scripts compile with swift-frontend directly for the rest of this run")
            } else {
                warn("\(why); that compile ran swift-frontend directly, and the service restarts for the next one")
            }
            return false
        }
    }

    /// The service's compile errors, turned into the script's error by the caller.
    struct ServiceDiagnostics: Error { let text: String }

    /// How many times the service may die before it is given up for the run.
    static let serviceRestarts = 3

    /// The running service, started (and built into the cache) on first use;
    /// nil if it cannot be had, with a warning saying why, once.
    func service(sdk: SDK, plan: CompilePlan) -> CompileService? {
        if let serviceState { return try? serviceState.get() }
        do {
            let executable = try serviceExecutable(sdk: sdk, plan: plan)
            // The toolchain's sourcekitd: .../usr/bin/swift-frontend -> .../usr/lib/libsourcekitdInProc.so
            let library = URL(fileURLWithPath: plan.frontend[0]).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("lib/libsourcekitdInProc.so").path
            guard FileManager.default.fileExists(atPath: library) else {
                throw RasterbarError(.scriptCompile, "the toolchain has no \(library)")
            }
            let logs = "\(cacheRoot)/\(sdk.key)/work"
            try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
            // Logs of services whose players ended without cleaning up.
            for file in (try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? [] where file.hasPrefix("service-") && file.hasSuffix(".log") {
                if let pid = Int32(file.dropFirst(8).dropLast(4)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
                    try? FileManager.default.removeItem(atPath: logs + "/" + file)
                }
            }
            let service = CompileService(executable: executable, library: library, logPath: "\(logs)/service-\(getpid()).log")
            try service.start()
            serviceState = .success(service)
            return service
        } catch {
            let e = error as? RasterbarError ?? RasterbarError(.scriptCompile, "\(error)")
            serviceState = .failure(e)
            warn("no compile service (\(e.message)): scripts compile with swift-frontend directly (slower on small edits)")
            return nil
        }
    }

    /// The helper's executable, built with the toolchain's clang from
    /// RasterbarCompileService (embedded in the engine, or under RASTERBAR_SOURCES)
    /// into the cache once per toolchain and source.
    func serviceExecutable(sdk: SDK, plan: CompilePlan) throws -> String {
        let folder = try sourcesRoot() + "/RasterbarCompileService"
        let source = folder + "/compile_service.c", include = folder + "/include"
        let material = try FileIO.read(source) + FileIO.read(include + "/rasterbar_compile_service.h") + Array(plan.clang.utf8)
        let path = "\(cacheRoot)/\(sdk.key)/rasterbar-compile-service-\(Self.hex(contentHash(material)))"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        let temp = path + ".tmp-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: temp) }
        let built = try Subprocess.run(plan.clang, ["-O1", "-std=c11", "-I", include, "-o", temp, source, "-ldl"])
        guard built.status == 0 else {
            throw RasterbarError(.scriptCompile, "cannot build the compile service: \(built.output.prefix(500))")
        }
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temp, toPath: path)
        return path
    }

    // MARK: For benchmarks

    /// Milliseconds that swift-frontend and the linker take on `source`
    /// alone, run from the derived plan into a scratch folder (nothing
    /// cached, nothing loaded): the floor under any compile path.
    public func timeFrontendAndLink(script: String, source: [UInt8]) throws -> (frontend: Double, link: Double) {
        let name = try Self.typeName(of: script)
        let sdk = try builtSDK()
        guard let plan = directPlan(sdk) else { throw RasterbarError(.scriptCompile, "no direct compile lines", at: script) }
        let work = "\(cacheRoot)/\(sdk.key)/work/floor-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Data(source).write(to: URL(fileURLWithPath: "\(work)/\(name).swift"))
        try Data(Self.entrySource(typeName: name).utf8).write(to: URL(fileURLWithPath: "\(work)/RasterbarEntry.swift"))
        var spent = Spent(path: .direct)
        let outcome = compileDirect(plan: plan, source: "\(work)/\(name).swift", entry: "\(work)/RasterbarEntry.swift",
                                    object: "\(work)/\(name).o", module: "Script_\(name)_floor", output: "\(work)/\(name).so",
                                    directory: work, spent: &spent)
        guard case .built = outcome else { throw RasterbarError(.scriptCompile, "\(outcome)", at: script) }
        return (spent.compiler * 1000, spent.linker * 1000)
    }
}
