// `rasterbar pack`: a demo as a folder that plays on a machine with no Swift
// toolchain and no Rasterbar checkout.
//
//   run                    the launcher (PackLauncher.swift)
//   README.txt             how to run it, what the machine needs
//   pack.json              what is inside
//   demo/                  the demo's files: demo.json, everything it names,
//                          shader includes, the files scripts name, and every
//                          shader file a script may ask for at run time
//   scripts/               every script compiled ahead of time with -O,
//                          prebuilt.json naming them (PrebuiltScripts.swift),
//                          and the SDK library they link
//   engine/rasterbar       this engine, its RUNPATH rewritten to $ORIGIN/lib
//   engine/lib/            the Swift runtime libraries it and the scripts need,
//                          from the toolchain
//
// The pack is built in a hidden folder beside the destination and renamed
// into place only once it is whole and has passed its own check (the packed
// engine checking the packed demo with no toolchain and an empty cache), so
// there is never a half-written pack under the name asked for.
import Foundation
import RasterbarABI
import RasterbarCore
import RasterbarGL

/// How to pack.
public struct PackOptions: Sendable {
    /// The folder to write.
    public var out: String
    /// Also write `<out>.tar.gz`.
    public var tar = false
    /// Replace an existing pack (or empty folder) at `out`, and `<out>.tar.gz`.
    public var force = false
    /// Check the finished pack with its own engine before it is put in place.
    public var verify = true
    /// The engine binary to pack (the running `rasterbar`).
    public var engine: String
    /// Process environment: toolchain, cache.
    public var environment: [String: String]

    public init(out: String, engine: String, environment: [String: String]) {
        self.out = out
        self.engine = engine
        self.environment = environment
    }
}

/// What a pack holds.
public struct PackManifest: Codable, Equatable, Sendable {
    public struct SystemLibrary: Codable, Equatable, Sendable {
        /// The name the binaries ask for (libglfw.so.3).
        public var name: String
        /// The package that provides it on the machine that packed (Debian's dpkg), if known.
        public var package: String?
    }

    public var format = 1
    public var title: String
    public var author: String?
    public var resolution: [Int]
    /// The demo file, relative to the pack.
    public var demo: String
    /// The engine binary, relative to the pack.
    public var engine = "engine/rasterbar"
    /// "release" or "debug" (a debug engine is slower and links libswiftSwiftOnoneSupport).
    public var engineBuild: String
    /// swiftc --version of the toolchain the scripts and runtime came from.
    public var toolchain: String
    public var created: String
    /// Demo-relative scripts, compiled ahead of time.
    public var scripts: [String]
    /// Demo-relative files in demo/.
    public var files: [String]
    /// Swift runtime libraries in engine/lib.
    public var runtimeLibraries: [String]
    /// What the machine must provide.
    public var systemLibraries: [SystemLibrary]
}

/// What `pack` did.
public struct PackResult: Sendable {
    public var folder: String
    public var tarball: String?
    public var manifest: PackManifest
    /// Disk usage of the folder, and the tarball's size.
    public var bytes: Int64
    public var tarBytes: Int64?
    public var seconds: Double
}

/// Writes packs.
public enum Packer {
    /// Packs `folder` (loaded with its files checked) into `options.out`.
    /// `note` gets a line for the person per step.
    public static func pack(_ folder: DemoFolder, options: PackOptions, note: (String) -> Void = { _ in }) throws -> PackResult {
        let started = monotonicSeconds()
        let fm = FileManager.default
        let out = absolute(options.out)
        let name = (out as NSString).lastPathComponent
        let parent = (out as NSString).deletingLastPathComponent
        guard !name.isEmpty, name != ".", name != ".." else {
            throw RasterbarError(.invalidArgument, "--out '\(options.out)' names no folder", hint: "e.g. --out release/mydemo")
        }
        let demoRoot = absolute(folder.root)
        if out == demoRoot || demoRoot.hasPrefix(out + "/") {
            throw RasterbarError(.invalidArgument, "--out \(options.out) would replace the demo itself", hint: "pack into another folder")
        }
        try checkReplaceable(out, shown: options.out, force: options.force)
        let tarball = out + ".tar.gz"
        if options.tar { try checkReplaceable(tarball, shown: options.out + ".tar.gz", force: options.force) }
        try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        removeStaleStagings(in: parent)
        let staging = "\(parent)/.\(name).pack-\(FileIO.temporaryTag)-\(UInt32.random(in: 0...UInt32.max))"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: false)
        var finished = false
        defer { if !finished { try? fm.removeItem(atPath: staging) } }

        // The demo's files.
        let files = try demoFiles(folder, excluding: [out, staging])
        note("demo: \(files.count) files from \(folder.root)")
        for file in files {
            let destination = "\(staging)/demo/\(file)"
            try fm.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            // The file itself, never a link that would dangle on another machine.
            try fm.copyItem(atPath: try resolvedPath(folder.path(of: file)), toPath: destination)
        }

        // The engine.
        let engineSource = try resolvedPath(options.engine)
        try fm.createDirectory(atPath: staging + "/engine/lib", withIntermediateDirectories: true)
        let engine = staging + "/engine/rasterbar"
        try fm.copyItem(atPath: engineSource, toPath: engine)
        let engineELF = try ELFDynamic.read(engineSource)
        let debugEngine = engineELF.needed.contains("libswiftSwiftOnoneSupport.so")
        if debugEngine {
            note("warning: packing a debug build of the engine (slower); for a release: swift build -c release --product rasterbar, then .build/release/rasterbar pack")
        }

        // The scripts, ahead of time.
        let toolchain = try Toolchain.locate(environment: options.environment)
        let runtime = try runtimeFolder(engine: engineSource, elf: engineELF, swiftc: toolchain.swiftc)
        let scripts = folder.demo.scripts
        var built: [String] = []
        if !scripts.isEmpty {
            note("scripts: compiling \(scripts.count) with -O (\(toolchain.swiftc))")
            built = try compileScripts(scripts, folder: folder, staging: staging, toolchain: toolchain, environment: options.environment).libraries
        }

        // The runtime they need, and what the machine must have.
        let (runtimeLibraries, system) = try copyRuntime(needs: [engine] + built, runtime: runtime, into: staging + "/engine/lib")
        try ELFDynamic.setSearchPath(engine, to: "$ORIGIN/lib")
        let systemLibraries = packages(for: system.sorted(), engine: engineSource)
        note("engine: \(debugEngine ? "debug" : "release") build, \(runtimeLibraries.count) Swift runtime libraries from \(runtime)")
        var fontName: String?
        if let font = TextRenderer.fontPath(environment: options.environment), FileIO.isFile(font) {
            fontName = (font as NSString).lastPathComponent
            try fm.copyItem(atPath: font, toPath: staging + "/engine/" + fontName!)
        }

        let meta = folder.demo.meta
        let manifest = PackManifest(
            title: meta.title, author: meta.author, resolution: [meta.resolution.width, meta.resolution.height],
            demo: "demo/" + folder.demoKey, engineBuild: debugEngine ? "debug" : "release", toolchain: toolchain.version,
            created: ISO8601DateFormatter().string(from: Date()), scripts: scripts, files: files,
            runtimeLibraries: runtimeLibraries, systemLibraries: systemLibraries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileIO.writeAtomically(Array(try encoder.encode(manifest)) + [10], to: staging + "/pack.json")
        try FileIO.writeAtomically(Array(PackLauncher.script(manifest, font: fontName).utf8), to: staging + "/run")
        chmod(staging + "/run", 0o755)
        try FileIO.writeAtomically(Array(PackLauncher.readme(manifest).utf8), to: staging + "/README.txt")

        if options.verify {
            note("check: the packed engine checks the packed demo with no toolchain and an empty cache")
            try verify(staging: staging, manifest: manifest, environment: options.environment)
        }

        // Into place.
        if fm.fileExists(atPath: out) {
            let old = "\(parent)/.\(name).old-\(FileIO.temporaryTag)"
            try? fm.removeItem(atPath: old)
            guard rename(out, old) == 0 else {
                throw RasterbarError(.outputNotWritable, "cannot move the old pack aside: \(String(cString: strerror(errno)))", at: out)
            }
            try? fm.removeItem(atPath: old)
        }
        guard rename(staging, out) == 0 else {
            throw RasterbarError(.outputNotWritable, "cannot move the pack into place: \(String(cString: strerror(errno)))", at: out)
        }
        finished = true
        var result = PackResult(folder: out, manifest: manifest, bytes: ScriptCache.diskUsage(out), seconds: 0)
        if !options.tar, FileIO.isFile(tarball) {
            // An archive of an earlier pack would not match this one.
            if options.force {
                unlink(tarball)
                note("removed \((tarball as NSString).lastPathComponent), an earlier pack's archive (add --tar to write a new one)")
            } else {
                note("warning: \((tarball as NSString).lastPathComponent) is an earlier pack's archive, not this one's (add --tar to rewrite it)")
            }
        }
        if options.tar {
            try writeTarball(of: out, to: tarball)
            result.tarball = tarball
            result.tarBytes = Int64((try? fm.attributesOfItem(atPath: tarball)[.size] as? NSNumber)??.int64Value ?? 0)
        }
        result.seconds = monotonicSeconds() - started
        return result
    }

    // MARK: The demo's files

    /// Demo-relative paths of every file the pack's demo needs, sorted:
    /// demo.json, what it names, what scripts name (their string literals
    /// that are files of the demo), every shader file a script may ask for
    /// (as `check` compiles them), and every file those shaders include.
    static func demoFiles(_ folder: DemoFolder, excluding: [String]) throws -> [String] {
        let demo = folder.demo
        var files: Set<String> = [folder.demoKey]
        for ref in demo.referencedFiles { files.insert(try DemoPath.normalize(ref.path)) }
        var shaders = files.filter(isShader)
        for script in demo.scripts {
            for literal in stringLiterals(in: try FileIO.readText(folder.path(of: script))) {
                guard let path = try? DemoPath.normalize(literal), FileIO.isFile(folder.path(of: path)) else { continue }
                files.insert(path)
                if isShader(path) { shaders.insert(path) }
            }
        }
        if !demo.scripts.isEmpty {
            // Scripts may build a shader's path at run time: every shader file of the folder.
            for path in shaderFiles(under: absolute(folder.root), excluding: excluding) {
                files.insert(path)
                shaders.insert(path)
            }
        }
        for shader in shaders {
            _ = try ShaderSource.load(shader) { path in
                let normalized = try DemoPath.normalize(path)
                files.insert(normalized)
                return try FileIO.readText(folder.path(of: normalized))
            }
        }
        return files.sorted()
    }

    static func isShader(_ path: String) -> Bool {
        [".frag", ".glsl", ".vert", ".fs", ".vs"].contains { path.hasSuffix($0) }
    }

    /// The contents of the string literals in Swift source (no interpolation, no escapes).
    static func stringLiterals(in source: String) -> [String] {
        var literals: [String] = []
        for line in source.split(separator: "\n") {
            let code = line.range(of: "//").map { line[..<$0.lowerBound] } ?? line[...]
            let parts = code.split(separator: "\"", omittingEmptySubsequences: false)
            // Odd-numbered parts lie between quotes.
            for (i, part) in parts.enumerated() where i % 2 == 1 && !part.contains("\\") && !part.isEmpty {
                literals.append(String(part))
            }
        }
        return literals
    }

    /// `.frag` and `.glsl` files under `root` (demo-relative), skipping hidden
    /// folders, packs (folders holding pack.json and run) and `excluding`.
    static func shaderFiles(under root: String, excluding: [String]) -> [String] {
        var found: [String] = []
        func walk(_ relative: String) {
            let path = relative.isEmpty ? root : root + "/" + relative
            if excluding.contains(path) { return }
            if !relative.isEmpty, FileIO.isFile(path + "/pack.json"), FileIO.isFile(path + "/run") { return }
            for entry in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() where !entry.hasPrefix(".") {
                let child = relative.isEmpty ? entry : relative + "/" + entry
                if ScriptCache.isDirectory(root + "/" + child) {
                    walk(child)
                } else if child.hasSuffix(".frag") || child.hasSuffix(".glsl") {
                    found.append(child)
                }
            }
        }
        walk("")
        return found
    }

    // MARK: Scripts

    /// Builds the SDK and every script into `staging/scripts`, with search
    /// paths relative to themselves; returns the manifest entries and the libraries.
    static func compileScripts(_ scripts: [String], folder: DemoFolder, staging: String, toolchain: Toolchain,
                               environment: [String: String]) throws -> (entries: [PrebuiltManifest.Entry], libraries: [String]) {
        let fm = FileManager.default
        let cacheRoot = ScriptCompiler.defaultCacheRoot(environment: environment)
        let cache = ScriptCache(root: cacheRoot, limit: nil)
        let sources = try ScriptSources.root(environment: environment, cacheRoot: cacheRoot) { cache.use($0) }
        let work = staging + "/.work"
        let module = work + "/sdk"
        let sdk = staging + "/scripts/sdk", lib = staging + "/scripts/lib"
        for dir in [module, sdk, lib] { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        defer { try? fm.removeItem(atPath: work) }
        let sdkSources = sources + "/RasterbarSDK"
        let swiftFiles = ((try? fm.contentsOfDirectory(atPath: sdkSources)) ?? []).filter { $0.hasSuffix(".swift") }.sorted()
        guard !swiftFiles.isEmpty else { throw RasterbarError(.scriptCompile, "the script SDK sources are missing at \(sdkSources)") }
        try ScriptCompiler.writeABIModule(header: sources + "/RasterbarABI/include/rasterbar.h", into: module)
        let moduleCache = cacheRoot + "/modules"
        // The same command lines as the live compile's, with -O and run paths inside the pack.
        let sdkBuild = try Subprocess.run(toolchain.swiftc, ScriptCompiler.sdkArguments(
            module: module, output: sdk + "/libRasterbarSDK.so", rpaths: ["$ORIGIN/../../engine/lib"],
            moduleCache: moduleCache, sources: swiftFiles.map { sdkSources + "/" + $0 }))
        guard sdkBuild.status == 0 else {
            throw RasterbarError(.scriptCompile, "the script SDK does not compile: \(sdkBuild.output.prefix(2000))")
        }
        var entries: [PrebuiltManifest.Entry] = []
        var libraries: [String] = []
        for script in scripts {
            let name = try ScriptCompiler.typeName(of: script)
            let source = try FileIO.read(folder.path(of: script))
            let hash = PrebuiltManifest.hash(source)
            let sourceFile = "\(work)/\(name).swift", entryFile = "\(work)/RasterbarEntry-\(name).swift"
            try FileIO.writeAtomically(source, to: sourceFile)
            try FileIO.writeAtomically(Array(ScriptCompiler.entrySource(typeName: name).utf8), to: entryFile)
            let library = "lib/\(name)-\(hash).so"
            let result = try Subprocess.run(toolchain.swiftc, ScriptCompiler.scriptArguments(
                module: "Script_\(name)_\(hash.prefix(8))", flags: ScriptCompiler.releaseScriptFlags, sdkModule: module, sdkLibrary: sdk,
                rpaths: ["$ORIGIN/../sdk", "$ORIGIN/../../engine/lib"], toolchainRuntime: false, moduleCache: moduleCache,
                output: "\(staging)/scripts/\(library)", sources: [sourceFile, entryFile]), directory: work)
            guard result.status == 0 else {
                throw ScriptCompiler.diagnose(result.output, script: script, typeName: name, sourceFile: sourceFile, entryFile: entryFile)
            }
            entries.append(PrebuiltManifest.Entry(script: script, source: hash, library: library))
            libraries.append("\(staging)/scripts/\(library)")
        }
        let manifest = PrebuiltManifest(flags: ScriptCompiler.releaseScriptFlags, toolchain: toolchain.version, scripts: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileIO.writeAtomically(Array(try encoder.encode(manifest)) + [10], to: staging + "/scripts/prebuilt.json")
        return (entries, [sdk + "/libRasterbarSDK.so"] + libraries)
    }

    // MARK: The runtime

    /// The folder of the Swift runtime the engine runs on (where its
    /// RUNPATH finds libswiftCore.so), which must be the one of the swiftc
    /// that compiles the scripts: one runtime in the process.
    static func runtimeFolder(engine: String, elf: ELFDynamic, swiftc: String) throws -> String {
        let origin = (engine as NSString).deletingLastPathComponent
        let searched = (elf.searchPath ?? "").split(separator: ":").map { $0.replacingOccurrences(of: "$ORIGIN", with: origin) }
        let fromEngine = searched.first { FileIO.isFile($0 + "/libswiftCore.so") }
            ?? Toolchain.runtimeLibraryPath().map { ($0 as NSString).deletingLastPathComponent }
        let fromCompiler = URL(fileURLWithPath: try resolvedPath(swiftc)).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("lib/swift/linux").path
        guard let runtime = fromEngine else {
            throw RasterbarError(.toolchainMissing, "cannot find the Swift runtime the engine runs on (libswiftCore.so)", at: engine)
        }
        guard (try? resolvedPath(runtime)) == (try? resolvedPath(fromCompiler)) else {
            throw RasterbarError(.toolchainMissing, "the engine runs on the Swift runtime in \(runtime), but scripts would be compiled by \(swiftc) for \(fromCompiler)",
                                 hint: "pack with the engine built by that toolchain, or set SWIFTC to the swiftc beside \(runtime)")
        }
        return runtime
    }

    /// Copies every Swift runtime library that `binaries` need (and what
    /// those need) from `runtime` into `folder`; returns their names and the
    /// names of the other libraries they ask for (the machine's).
    static func copyRuntime(needs binaries: [String], runtime: String, into folder: String) throws -> (copied: [String], system: Set<String>) {
        var queue: [String] = []
        for binary in binaries { queue += try ELFDynamic.read(binary).needed }
        var copied: Set<String> = [], system: Set<String> = []
        while let name = queue.popLast() {
            if copied.contains(name) || system.contains(name) || name == "libRasterbarSDK.so" { continue }
            let source = runtime + "/" + name
            if FileIO.isFile(source) {
                try FileManager.default.copyItem(atPath: try resolvedPath(source), toPath: folder + "/" + name)
                copied.insert(name)
                queue += try ELFDynamic.read(source).needed
            } else {
                system.insert(name)
            }
        }
        return (copied.sorted(), system)
    }

    /// The packages that provide `names` on this machine: `ldd` says where
    /// the engine finds each, `dpkg -S` which package holds it (Debian and
    /// its kin; elsewhere the names alone).
    static func packages(for names: [String], engine: String) -> [PackManifest.SystemLibrary] {
        var located: [String: String] = [:]
        if let ldd = try? Subprocess.run("/usr/bin/ldd", [engine]), ldd.status == 0 {
            for line in ldd.output.split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                if parts.count >= 3, parts[1] == "=>", parts[2].hasPrefix("/") { located[String(parts[0])] = String(parts[2]) }
            }
        }
        var owners: [String: String] = [:]
        let candidates = names.compactMap { located[$0] }.flatMap { path -> [String] in
            path.hasPrefix("/usr/") ? [path, String(path.dropFirst(4))] : [path, "/usr" + path]
        }
        if !candidates.isEmpty, FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg"),
           let dpkg = try? Subprocess.run("/usr/bin/dpkg", ["-S"] + candidates) {
            for line in dpkg.output.split(separator: "\n") {
                // "libglfw3:amd64: /usr/lib/x86_64-linux-gnu/libglfw.so.3"
                guard let colon = line.range(of: ": /") else { continue }
                let package = line[..<colon.lowerBound].split(separator: ":").first.map(String.init) ?? ""
                let path = String(line[line.index(after: colon.lowerBound)...]).trimmingCharacters(in: .whitespaces)
                owners[(path as NSString).lastPathComponent] = package
            }
        }
        return names.map { PackManifest.SystemLibrary(name: $0, package: owners[$0]) }
    }

    // MARK: Checking and finishing

    /// Runs the packed engine's `check` on the packed demo as a viewer's
    /// machine would: no swiftc (SWIFTC=/nonexistent, none on PATH), an empty
    /// cache; then makes sure nothing was compiled.
    static func verify(staging: String, manifest: PackManifest, environment: [String: String]) throws {
        var env = environment
        for key in ["RASTERBAR_SOURCES", "RASTERBAR_PREBUILT", "RASTERBAR_DEMO", "LD_LIBRARY_PATH", "RASTERBAR_COMPILE_PATH"] { env[key] = nil }
        let cache = staging + "/.verify-cache"
        defer { try? FileManager.default.removeItem(atPath: cache) }
        env["SWIFTC"] = "/nonexistent"
        env["RASTERBAR_CACHE"] = cache
        env["PATH"] = withoutSwift(env["PATH"] ?? "/usr/bin:/bin")
        let result = try Subprocess.run(staging + "/" + manifest.engine, ["check", staging + "/" + manifest.demo], environment: env)
        guard result.status == 0 else {
            throw RasterbarError(.scriptLoad, "the packed demo does not check out with the packed engine (no toolchain): "
                                 + result.output.split(separator: "\n").prefix(8).joined(separator: "; "))
        }
        let compiled = ((try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []).filter { $0.hasPrefix("engine-") }
        guard compiled.isEmpty else {
            throw RasterbarError(.scriptLoad, "the packed engine built scripts instead of loading the packed ones (\(compiled.joined(separator: ", ")))")
        }
    }

    /// A path as a person would type it into sh (quoted when it has spaces and the like).
    public static func shellWord(_ path: String) -> String { PackLauncher.shellWord(path) }

    /// PATH without the folders that hold swiftc.
    public static func withoutSwift(_ path: String) -> String {
        path.split(separator: ":").filter { !FileManager.default.isExecutableFile(atPath: "\($0)/swiftc") && !FileManager.default.isExecutableFile(atPath: "\($0)/swift") }
            .joined(separator: ":")
    }

    /// `tar -czf`, written beside and renamed: never a half-written archive.
    static func writeTarball(of folder: String, to tarball: String) throws {
        let temp = "\((tarball as NSString).deletingLastPathComponent)/.\((tarball as NSString).lastPathComponent).tmp-\(FileIO.temporaryTag)"
        defer { unlink(temp) }
        let tar = ["/usr/bin/tar", "/bin/tar"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tar else { throw RasterbarError(.toolchainMissing, "tar not found: --tar needs it", hint: "apt-get install tar, or leave out --tar") }
        let result = try Subprocess.run(tar, ["-C", (folder as NSString).deletingLastPathComponent, "-czf", temp, (folder as NSString).lastPathComponent])
        guard result.status == 0 else { throw RasterbarError(.outputNotWritable, "tar failed: \(result.output.prefix(400))", at: tarball) }
        guard rename(temp, tarball) == 0 else {
            throw RasterbarError(.outputNotWritable, "cannot move the archive into place: \(String(cString: strerror(errno)))", at: tarball)
        }
    }

    /// Refuses to write `path` (the pack's folder, or its archive) where
    /// something is, unless `force` and it is an earlier pack, an empty
    /// folder, or (for the archive) a file.
    static func checkReplaceable(_ path: String, shown: String, force: Bool) throws {
        var s = stat()
        guard lstat(path, &s) == 0 else { return }
        guard force else {
            throw RasterbarError(.invalidArgument, "\(shown) already exists", hint: "name another folder, or add --force to replace it")
        }
        let isFolder = (s.st_mode & S_IFMT) == S_IFDIR
        if path.hasSuffix(".tar.gz") {
            guard !isFolder else { throw RasterbarError(.invalidArgument, "\(shown) is a folder, not an archive: --force does not replace it") }
            return
        }
        let empty = isFolder && ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? ["?"]).isEmpty
        let pack = isFolder && FileIO.isFile(path + "/pack.json") && FileIO.isFile(path + "/run")
        guard empty || pack else {
            throw RasterbarError(.invalidArgument, "\(shown) is not a pack (it holds no pack.json and run): --force replaces only an earlier pack or an empty folder",
                                 hint: "name another folder, or remove \(shown) yourself")
        }
    }

    /// Staging folders and archive temporaries that a killed pack of this host left beside `parent`'s packs.
    static func removeStaleStagings(in parent: String) {
        let host = FileIO.temporaryTag.dropLast(String(getpid()).count + 1)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where entry.hasPrefix(".") {
            for marker in [".pack-\(host)-", ".old-\(host)-", ".tar.gz.tmp-\(host)-"] {
                guard let range = entry.range(of: marker, options: .backwards),
                      let pid = Int32(entry[range.upperBound...].prefix { $0.isNumber }), pid != getpid(),
                      kill(pid, 0) != 0, errno == ESRCH else { continue }
                try? FileManager.default.removeItem(atPath: parent + "/" + entry)
            }
        }
    }

    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }

    static func resolvedPath(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else {
            throw RasterbarError(.fileNotFound, "not found: \(String(cString: strerror(errno)))", at: path)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
