// `#include "path"` for shaders: the included text is spliced in place, and a
// line map records which file and line each resulting line came from, so the
// driver's messages point at the included file and its own line numbers.
// Paths are relative to the including file and stay inside the demo. Each file
// is included once per shader (as if every file had `#pragma once`), so
// diamonds of shared helpers just work. Cycles and missing files are errors at
// the `#include` line. A UTF-8 byte order mark at the start of any file read
// is dropped (Mesa silently ignores everything after one).

extension ShaderSource {
    /// Reads `file` (demo-relative) and everything it includes through `read`,
    /// then prepares it as `fragment` does: a Shadertoy-style file as pass
    /// `pass` after the Common file `common` (read with its includes too),
    /// with iChannel0..3 of the types `samplers` gives (missing: `sampler2D`);
    /// a plain-GLSL file as written. A plain-GLSL file with a Common file is
    /// an error naming the file: Common is Shadertoy's, spliced after a prelude
    /// that such a file does not get.
    public static func load(_ file: String, common: String? = nil, samplers: [SamplerKind] = [], pass: PassKind = .image,
                            read: (String) throws -> String) throws -> ShaderSource {
        switch try readPass(file, common: common, read: read) {
        case .plain(let text):
            return plain(text, file: file)
        case .shadertoy(let passText, let commonText):
            return wrapped(passText, file: file, common: commonText, samplers: samplers, uniforms: "", main: imageMain(pass))
        }
    }

    /// A pass file as read: plain GLSL, or Shadertoy style with its Common text.
    enum PassText {
        case plain(AuthorText)
        case shadertoy(pass: AuthorText, common: AuthorText?)
    }

    /// Reads a pass `file` and, when it is Shadertoy style, `common`, both
    /// with their includes. A file both include is spliced once, into Common,
    /// which comes first.
    static func readPass(_ file: String, common: String?, read: (String) throws -> String) throws -> PassText {
        try withoutActuallyEscaping(read) { read in
            var expander = IncludeExpander(read: read)
            if let versionLine = versionDirectiveLine(try expander.text(of: file)) {
                if let common {
                    throw RasterbarError(.shaderCompile, "a plain GLSL file (it starts with #version) cannot have a Common file (\(common))",
                                         file: file, line: versionLine,
                                         hint: "remove #version to write the pass Shadertoy style, or leave out the scene's \"common\"")
                }
                return .plain(try expander.expandFile(file))
            }
            let commonText = try common.map { try expander.expandFile($0) }
            return .shadertoy(pass: try expander.expandFile(file), common: commonText)
        }
    }

    /// `file` with its includes spliced in, and where each line came from.
    static func expandIncludes(_ file: String, read: (String) throws -> String) throws -> AuthorText {
        try withoutActuallyEscaping(read) { read in
            var expander = IncludeExpander(read: read)
            return try expander.expandFile(file)
        }
    }
}

private struct IncludeExpander {
    let read: (String) throws -> String
    var lines: [Substring] = []
    var origins: [ShaderSource.Origin] = []
    /// Every file spliced so far, across `expandFile` calls.
    var included: Set<String> = []
    /// Files read so far, without a byte order mark.
    var texts: [String: String] = [:]

    init(read: @escaping (String) throws -> String) {
        self.read = read
    }

    /// The text of `file`, read once.
    mutating func text(of file: String) throws -> String {
        if let text = texts[file] { return text }
        let text = GLSLCompatibility.removingByteOrderMark(try read(file))
        texts[file] = text
        return text
    }

    /// `file` with its includes spliced in, leaving out files spliced by an earlier call.
    mutating func expandFile(_ file: String) throws -> ShaderSource.AuthorText {
        lines = []
        origins = []
        try expand(file, stack: [])
        return ShaderSource.AuthorText(text: lines.joined(separator: "\n"), origins: origins)
    }

    private mutating func expand(_ file: String, stack: [String]) throws {
        let text = try text(of: file)
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
