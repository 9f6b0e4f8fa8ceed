// Where the engine finds what it compiles scripts against: the SDK's Swift
// sources, rasterbar.h and the compile service's C source. They are embedded
// in the engine at build time (the EmbedScriptSDK plugin), so a `rasterbar`
// copied anywhere, a pack included, compiles scripts with no source tree
// beside it; they are written out once into the cache
// (`<cache>/sources/<hash>/`, laid out as Sources/ is) for swiftc and clang to
// read. `RASTERBAR_SOURCES` overrides: a folder laid out as Sources/ (holding
// RasterbarSDK/, RasterbarABI/include/rasterbar.h, RasterbarCompileService/).
import Foundation
import RasterbarCore

enum ScriptSources {
    /// The embedded files: paths relative to Sources/, and their bytes.
    static let embedded: [(path: String, bytes: [UInt8])] = EmbeddedScriptSources.files.map { file in
        guard let data = Data(base64Encoded: file.base64) else { fatalError("embedded \(file.path) is not base64") }
        return (file.path, Array(data))
    }

    /// Names the embedded contents: the folder they are written to.
    static let embeddedHash: String = {
        var material: [UInt8] = []
        for file in embedded { material += Array(file.path.utf8) + [0] + file.bytes + [0] }
        return ScriptCompiler.hex(contentHash(material))
    }()

    /// The override, if set.
    static func override(environment: [String: String]) -> String? {
        environment["RASTERBAR_SOURCES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The folder laid out as Sources/: the override, or the embedded files
    /// written into the cache (once; later calls find them).
    /// `use` is told the folder before it is looked for (the cache's record
    /// of uses: a `cache clean` cannot remove it between finding and using).
    static func root(environment: [String: String], cacheRoot: String, use: (String) -> Void = { _ in }) throws -> String {
        if let explicit = override(environment: environment) { return explicit }
        let folder = "\(cacheRoot)/sources/\(embeddedHash)"
        use(folder)
        let marker = folder + "/.complete"
        if FileIO.isFile(marker) { return folder }
        // Written beside, then renamed: a reader never sees half of it.
        let temp = "\(folder).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: temp) }
        do {
            for file in embedded {
                let path = temp + "/" + file.path
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try FileIO.writeAtomically(file.bytes, to: path)
            }
            try FileIO.writeAtomically([], to: temp + "/.complete")
            if rename(temp, folder) != 0 {
                // Another process wrote them meanwhile (the same bytes), or a broken copy is in the way.
                if FileIO.isFile(marker) { return folder }
                try? FileManager.default.removeItem(atPath: folder)
                guard rename(temp, folder) == 0 else {
                    throw RasterbarError(.scriptCompile, "cannot write the script SDK sources into the cache: \(String(cString: strerror(errno)))", at: folder)
                }
            }
        } catch let e as RasterbarError {
            throw e
        } catch {
            throw RasterbarError(.scriptCompile, "cannot write the script SDK sources into the cache: \(error)", at: folder)
        }
        return folder
    }
}
