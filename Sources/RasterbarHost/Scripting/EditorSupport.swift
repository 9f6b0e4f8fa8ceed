// Editors understand scripts: once the SDK is built (or found in the cache),
// the engine writes `compile_commands.json` into the demo folder, one entry
// per script, each a swiftc command line that type-checks the script against
// the cached SDK. sourcekit-lsp, started in the demo folder, reads it and so
// resolves `import RasterbarSDK`: completion and diagnostics in any LSP editor.
//
// - Written atomically, and only when its content changes: a start whose
//   scripts, SDK, compiler and flags are the same leaves the file alone.
// - Ours is recognised by its entries (every one type-checks against an SDK
//   folder of the Rasterbar cache, `<cache>/engine-<key>/sdk`). A
//   compile_commands.json the user wrote is never overwritten: the engine
//   says so once and leaves it.
// - Lists every `.swift` under Scripts/, the scripts of the folder's
//   demo.json, every script the engine loads, and the scripts the file listed
//   before that still exist (so a start never drops what a previous one added).
// - The engine never edits .gitignore: when it creates the file in a git work
//   tree that does not ignore it, it says once how to ignore it.
import Foundation
import RasterbarCore

enum EditorSupport {
    static let fileName = "compile_commands.json"

    /// One JSON compilation database entry.
    struct Entry: Codable, Equatable {
        var directory: String
        var file: String
        var arguments: [String]
    }

    /// What one demo folder's file holds, as far as this process knows.
    private struct Known {
        /// The compiler, SDK and flags the entries were made for.
        var signature: [String]
        /// Demo-relative scripts the file lists.
        var scripts: Set<String>
        /// The file is the user's, or cannot be written: leave it for the rest of the process.
        var leftAlone: Bool
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var known: [String: Known] = [:]
    /// One line for the person, on stderr as the player's own lines.
    static func say(_ line: String) { fputs("rasterbar: \(line)\n", stderr) }

    /// Called with every script the compiler is asked for, once the SDK is
    /// ready: a set lookup, unless the file needs (re)writing.
    static func scriptLoading(_ script: String, sdk: ScriptCompiler.SDK, compiler: ScriptCompiler) {
        guard case let .success(toolchain) = compiler.toolchain else { return }
        let root = absolute(compiler.demoRoot)
        let moduleCache = absolute(compiler.cacheRoot) + "/modules"
        let signature = [toolchain.swiftc, absolute(sdk.directory), moduleCache] + compiler.scriptFlags
        lock.lock()
        defer { lock.unlock() }
        if let k = known[root], k.leftAlone || (k.signature == signature && k.scripts.contains(script)) { return }
        known[root] = update(root: root, adding: script, signature: signature)
    }

    /// Writes the file if its content changes; what it now lists.
    private static func update(root: String, adding script: String, signature: [String]) -> Known {
        let path = root + "/" + fileName
        let existing = FileManager.default.contents(atPath: path)
        var scripts = Set(scriptsUnder(root: root)).union(demoScripts(root: root))
        scripts.insert(script)
        if let known = known[root], known.signature == signature { scripts.formUnion(known.scripts) }
        if let existing {
            guard let listed = ourScripts(existing, root: root) else {
                say("\(path) was not written by Rasterbar, so it is left as it is: editors will not get Rasterbar's script settings from it (delete it to let the engine write its own)")
                return Known(signature: signature, scripts: [], leftAlone: true)
            }
            scripts.formUnion(listed.filter { FileIO.isFile(root + "/" + $0) })
        }
        let entries = scripts.sorted().map { entry(root: root, script: $0, signature: signature) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard var bytes = try? encoder.encode(entries) else { return Known(signature: signature, scripts: scripts, leftAlone: false) }
        bytes.append(0x0A)
        if bytes != existing {
            do {
                try write(bytes, to: path)
            } catch {
                say("cannot write \(path) for editors: \(error)")
                return Known(signature: signature, scripts: scripts, leftAlone: true) // do not retry on every load
            }
            if existing == nil { adviseGitIgnore(root: root) }
        }
        return Known(signature: signature, scripts: scripts, leftAlone: false)
    }

    /// The entry of one demo-relative script.
    static func entry(root: String, script: String, signature: [String]) -> Entry {
        let (swiftc, sdk, moduleCache, flags) = (signature[0], signature[1], signature[2], Array(signature.dropFirst(3)))
        let stem = (script.split(separator: "/").last.map(String.init) ?? script).replacingOccurrences(of: ".swift", with: "")
        let module = "Script_" + String(stem.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        let file = root + "/" + script
        return Entry(directory: root, file: file,
                     arguments: [swiftc, "-parse-as-library", "-module-name", module] + flags
                        + ["-I", sdk, "-module-cache-path", moduleCache, file])
    }

    /// The demo-relative scripts a compile_commands.json of ours lists; nil if it is not ours.
    static func ourScripts(_ bytes: Data, root: String) -> [String]? {
        guard let entries = try? JSONDecoder().decode([Entry].self, from: bytes), !entries.isEmpty else { return nil }
        var scripts: [String] = []
        for entry in entries {
            guard let i = entry.arguments.firstIndex(of: "-I"), i + 1 < entry.arguments.count else { return nil }
            let sdk = URL(fileURLWithPath: entry.arguments[i + 1])
            guard sdk.lastPathComponent == "sdk", sdk.deletingLastPathComponent().lastPathComponent.hasPrefix("engine-"),
                  entry.arguments.contains("-parse-as-library") else { return nil }
            if entry.file.hasPrefix(root + "/") { scripts.append(String(entry.file.dropFirst(root.count + 1))) }
        }
        return scripts
    }

    /// Demo-relative `.swift` files under Scripts/, skipping hidden ones.
    static func scriptsUnder(root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root + "/Scripts") else { return [] }
        var files: [String] = []
        while let path = walker.nextObject() as? String {
            if path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                walker.skipDescendants()
                continue
            }
            if path.hasSuffix(".swift"), FileIO.isFile(root + "/Scripts/" + path) { files.append("Scripts/" + path) }
        }
        return files
    }

    /// The scripts of the folder's demo.json, if it reads.
    static func demoScripts(root: String) -> [String] {
        (try? DemoFolder.load(root + "/demo.json", checkFiles: false))?.demo.scripts ?? []
    }

    /// Writes through a temporary file in the same folder and a rename.
    static func write(_ bytes: Data, to path: String) throws {
        let temp = URL(fileURLWithPath: path).deletingLastPathComponent()
            .appendingPathComponent(".\(fileName).tmp-\(getpid())").path
        do {
            try bytes.write(to: URL(fileURLWithPath: temp))
            guard rename(temp, path) == 0 else { throw RasterbarError(.fileUnreadable, String(cString: strerror(errno)), at: path) }
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Says how to keep the file out of git, if the folder is in a work tree that does not ignore it.
    static func adviseGitIgnore(root: String) {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/git" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let git = path,
              let result = try? Subprocess.run(git, ["-C", root, "check-ignore", "-q", fileName]),
              result.status == 1 else { return } // 0: ignored; 128: not a work tree
        say("wrote \(root)/\(fileName) so that editors (sourcekit-lsp) understand scripts; it holds this machine's paths: add `\(fileName)` to the demo's .gitignore")
    }

    /// `path` made absolute against the working directory, `.` and `..` resolved.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let standard = URL(fileURLWithPath: full).standardizedFileURL.path
        return standard.count > 1 && standard.hasSuffix("/") ? String(standard.dropLast()) : standard
    }
}
