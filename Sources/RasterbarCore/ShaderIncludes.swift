// `#include "path"` for shaders: the included text is spliced in with `#line`
// directives giving each file its own source-string number, so the driver's
// messages map back to the included file and its own line numbers.
// Paths are relative to the including file and stay inside the demo. Each file
// is included once per shader (as if every file had `#pragma once`), so
// diamonds of shared helpers just work. Cycles and missing files are errors at
// the `#include` line.

extension ShaderSource {
    /// Reads `file` (demo-relative) and everything it includes through `read`,
    /// then prepares it as `fragment(_:file:)` does.
    public static func load(_ file: String, read: (String) throws -> String) throws -> ShaderSource {
        try withoutActuallyEscaping(read) { read in
            var expander = IncludeExpander(read: read)
            let body = try expander.expand(file, number: 0, stack: [])
            var source = fragment(body, file: file)
            for (number, path) in expander.files { source.files[number] = path }
            return source
        }
    }
}

private struct IncludeExpander {
    let read: (String) throws -> String
    /// Source-string numbers of included files (0 is the main file, 1 the prelude).
    var files: [Int: String] = [:]
    var included: Set<String> = []
    var nextNumber = 2

    init(read: @escaping (String) throws -> String) {
        self.read = read
    }

    mutating func expand(_ file: String, number: Int, stack: [String]) throws -> String {
        let text = try read(file)
        included.insert(file)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [Substring] = []
        out.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            guard let target = Self.includeTarget(line) else {
                out.append(line)
                continue
            }
            let lineNumber = index + 1
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
            if included.contains(path) {
                out.append("// #include \"\(Substring(target))\" (already included)")
                continue
            }
            let includedNumber = nextNumber
            nextNumber += 1
            files[includedNumber] = path
            let body: String
            do {
                body = try expand(path, number: includedNumber, stack: stack + [file])
            } catch let e as RasterbarError where e.kind == .fileNotFound && e.file == nil {
                throw RasterbarError(.fileNotFound, "#include \"\(target)\": file not found (\(path))", file: file, line: lineNumber)
            }
            out.append("#line 1 \(includedNumber)")
            out.append(Substring(body))
            out.append("#line \(lineNumber + 1) \(number)")
        }
        return out.joined(separator: "\n")
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
