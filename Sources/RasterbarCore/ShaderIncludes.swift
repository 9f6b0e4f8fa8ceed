// `#include "path"` for shaders: the included text is spliced in place, and a
// line map records which file and line each resulting line came from, so the
// driver's messages point at the included file and its own line numbers.
// Paths are relative to the including file and stay inside the demo. Each file
// is included once per shader (as if every file had `#pragma once`), so
// diamonds of shared helpers just work. Cycles and missing files are errors at
// the `#include` line.

extension ShaderSource {
    /// Reads `file` (demo-relative) and everything it includes through `read`,
    /// then prepares it as `fragment(_:file:)` does.
    public static func load(_ file: String, read: (String) throws -> String) throws -> ShaderSource {
        let (text, lineMap) = try expandIncludes(file, read: read)
        var source = fragment(text, file: file)
        source.lineMap = lineMap
        return source
    }

    /// `file` with its includes spliced in, and where each line came from
    /// (empty when nothing was included: every line maps to itself).
    static func expandIncludes(_ file: String, read: (String) throws -> String) throws -> (String, [Origin]) {
        try withoutActuallyEscaping(read) { read in
            var expander = IncludeExpander(read: read)
            try expander.expand(file, stack: [])
            return (expander.lines.joined(separator: "\n"), expander.included.count > 1 ? expander.origins : [])
        }
    }
}

private struct IncludeExpander {
    let read: (String) throws -> String
    var lines: [Substring] = []
    var origins: [ShaderSource.Origin] = []
    var included: Set<String> = []

    init(read: @escaping (String) throws -> String) {
        self.read = read
    }

    mutating func expand(_ file: String, stack: [String]) throws {
        let text = try read(file)
        included.insert(file)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            guard let target = Self.includeTarget(line) else {
                lines.append(line)
                origins.append(.init(file: file, line: lineNumber))
                continue
            }
            let dir = file.lastIndex(of: "/").map { String(file[..<$0]) } ?? ""
            let path: String
            do {
                path = try DemoPath.normalize(dir.isEmpty ? target : dir + "/" + target)
            } catch let e as RasterbarError {
                throw RasterbarError(.fileNotFound, "#include \"\(target)\": \(e.message)", file: file, line: lineNumber, hint: e.hint)
            }
            if path == file || stack.contains(path) {
                let cycle = (stack + [file, path]).joined(separator: " -> ")
                throw RasterbarError(.includeCycle, "#include cycle: \(cycle)", file: file, line: lineNumber,
                                     hint: "remove one of the includes")
            }
            // The include line itself stays as a comment, keeping the map simple.
            lines.append("// " + line)
            origins.append(.init(file: file, line: lineNumber))
            if included.contains(path) { continue }
            do {
                try expand(path, stack: stack + [file])
            } catch let e as RasterbarError where e.kind == .fileNotFound && e.file == nil {
                throw RasterbarError(.fileNotFound, "#include \"\(target)\": file not found (\(path))", file: file, line: lineNumber)
            }
        }
    }

    /// The quoted path of an `#include "path"` line, or nil.
    static func includeTarget(_ line: Substring) -> String? {
        var s = line.drop { $0 == " " || $0 == "\t" }
        guard s.hasPrefix("#") else { return nil }
        s = s.dropFirst().drop { $0 == " " || $0 == "\t" }
        guard s.hasPrefix("include") else { return nil }
        s = s.dropFirst("include".count).drop { $0 == " " || $0 == "\t" }
        guard s.first == "\"", let end = s.dropFirst().firstIndex(of: "\"") else { return nil }
        return String(s[s.index(after: s.startIndex)..<end])
    }
}
