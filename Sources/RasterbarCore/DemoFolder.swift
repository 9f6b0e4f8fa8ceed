// A demo on disk: demo.json and the folder it lives in. Paths in demo.json
// are relative to that folder. Reading files happens here; compiling them is
// the GL backend's job.

/// A demo read from disk, with its root folder.
public struct DemoFolder: Sendable, Equatable {
    /// The demo.json path as given.
    public var file: String
    /// The folder every path in the demo is relative to.
    public var root: String
    public var demo: Demo

    /// Reads and validates `path` (a demo.json, or a folder holding one), and
    /// unless `checkFiles` is false, checks that every file the demo names exists.
    public static func load(_ path: String, checkFiles: Bool = true) throws -> DemoFolder {
        let (file, root) = locate(path)
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(file)
        } catch var e as RasterbarError where e.kind == .fileNotFound {
            e.message = "demo file not found"
            e.hint = "run from a demo folder, or name one: rasterbar play path/to/demo.json"
            throw e
        }
        let folder = DemoFolder(file: file, root: root, demo: try Demo.parse(bytes, file: file))
        if checkFiles { try folder.checkFilesExist() }
        return folder
    }

    /// The demo.json that `path` names (a demo.json, or a folder holding one),
    /// existing or not, and the folder it lives in.
    public static func locate(_ path: String) -> (file: String, root: String) {
        var file = path
        if !FileIO.isFile(file), !file.hasSuffix(".json") || file.hasSuffix("/") {
            file = (file.hasSuffix("/") ? String(file.dropLast()) : file) + "/demo.json"
        }
        let root = file.lastIndex(of: "/").map { String(file[..<$0]) } ?? "."
        return (file, root.isEmpty ? "/" : root)
    }

    /// The demo.json path relative to the root: the store key of the timeline.
    public var demoKey: String {
        file.lastIndex(of: "/").map { String(file[file.index(after: $0)...]) } ?? file
    }

    /// Throws for the first file the demo names that does not exist.
    public func checkFilesExist() throws {
        for ref in demo.referencedFiles where !FileIO.isFile(path(of: ref.path)) {
            throw RasterbarError(.fileNotFound, "\(ref.field): file not found: \(ref.path)", at: ref.origin,
                                 hint: "paths are relative to the folder holding \(demoKey)")
        }
    }

    /// The on-disk path of a demo-relative path.
    public func path(of relative: String) -> String { root + "/" + relative }
}
