// Scripts compiled ahead of time by `rasterbar pack`, for an engine on a
// machine with no Swift toolchain. A pack holds them as
//
//   scripts/prebuilt.json          which library is which script's, by the
//                                  source's content hash
//   scripts/sdk/libRasterbarSDK.so the SDK they link
//   scripts/lib/Name-<hash>.so     one library per script, -O
//
// and its engine finds them next to itself (`<engine folder>/../scripts`) or
// where `RASTERBAR_PREBUILT` says. A script whose source matches its entry is
// loaded from there and never compiled: no toolchain, no cache, no editor
// files. A script edited since it was packed compiles as usual (if a
// toolchain is there; if not, the error says the script changed).
import Foundation
import RasterbarABI
import RasterbarCore

/// What `scripts/prebuilt.json` says.
public struct PrebuiltManifest: Codable, Equatable, Sendable {
    /// Bumped when the layout changes; another format is ignored.
    public static let currentFormat = 1

    public struct Entry: Codable, Equatable, Sendable {
        /// Demo-relative script path.
        public var script: String
        /// The source's content hash (16 hex digits): the library is this text's.
        public var source: String
        /// The library, relative to the manifest's folder.
        public var library: String
        public init(script: String, source: String, library: String) {
            self.script = script
            self.source = source
            self.library = library
        }
    }

    public var format = currentFormat
    /// The script ABI the libraries were built for.
    public var abi = Int(RB_ABI_VERSION)
    /// The compiler flags they were built with.
    public var flags: [String]
    /// The compiler's `--version`.
    public var toolchain: String
    public var scripts: [Entry]

    public init(flags: [String], toolchain: String, scripts: [Entry]) {
        self.flags = flags
        self.toolchain = toolchain
        self.scripts = scripts
    }

    /// The hash a manifest names a source by.
    public static func hash(_ source: [UInt8]) -> String { ScriptCompiler.hex(contentHash(source)) }
}

/// The prebuilt scripts this engine may load, if any.
struct PrebuiltScripts {
    let folder: String
    let manifest: PrebuiltManifest

    /// `RASTERBAR_PREBUILT`, else `scripts/` beside the folder holding this
    /// executable when it has a prebuilt.json (the engine runs from a pack);
    /// nil when there are none or the manifest is for another ABI.
    static func locate(environment: [String: String]) -> PrebuiltScripts? {
        var folder = environment["RASTERBAR_PREBUILT"].flatMap { $0.isEmpty ? nil : $0 }
        if folder == nil, let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let candidate = URL(fileURLWithPath: executable).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("scripts").path
            if FileIO.isFile(candidate + "/prebuilt.json") { folder = candidate }
        }
        guard let folder, let bytes = try? FileIO.read(folder + "/prebuilt.json"),
              let manifest = try? JSONDecoder().decode(PrebuiltManifest.self, from: Data(bytes)),
              manifest.format == PrebuiltManifest.currentFormat, manifest.abi == Int(RB_ABI_VERSION) else { return nil }
        return PrebuiltScripts(folder: folder, manifest: manifest)
    }

    /// The library built from exactly `source` for `script`, if there is one.
    func library(for script: String, source: [UInt8]) -> String? {
        let hash = PrebuiltManifest.hash(source)
        guard let entry = manifest.scripts.first(where: { $0.script == script && $0.source == hash }) else { return nil }
        let path = folder + "/" + entry.library
        return FileIO.isFile(path) ? path : nil
    }

    /// True when the pack has a library for `script`, of other contents.
    func hasOtherVersion(of script: String) -> Bool { manifest.scripts.contains { $0.script == script } }
}
