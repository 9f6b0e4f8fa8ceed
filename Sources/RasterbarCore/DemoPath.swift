// Paths inside a demo are relative to its root folder and may not leave it:
// a demo is a self-contained folder that can be copied, zipped and shared.

/// Normalises paths relative to a demo's root.
public enum DemoPath {
    /// `a/./b/../c` becomes `a/c`; absolute paths and paths that escape the
    /// root are refused.
    public static func normalize(_ path: String) throws -> String {
        guard !path.isEmpty else { throw RasterbarError(.invalidArgument, "path is empty") }
        guard !path.hasPrefix("/") else {
            throw RasterbarError(.invalidArgument, "'\(path)' is absolute", hint: "write it relative to the demo folder, e.g. Shaders/plasma.frag")
        }
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else {
                    throw RasterbarError(.invalidArgument, "'\(path)' leaves the demo folder", hint: "keep files inside the demo folder")
                }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        guard !parts.isEmpty else { throw RasterbarError(.invalidArgument, "'\(path)' names the demo folder itself, not a file") }
        return parts.joined(separator: "/")
    }
}
