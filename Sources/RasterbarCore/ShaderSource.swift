// Turns a scene's fragment shader file into the text the driver compiles, and
// turns the driver's log back into messages about the author's own files.
//
// Two kinds of file are accepted:
// - Shadertoy style (no `#version`): `mainImage(out vec4, in vec2)` is wrapped
//   with the Shadertoy uniforms and a `main`, so pasted shaders run unchanged.
// - Plain GLSL (starts with `#version`): compiled as written; it declares the
//   uniforms it uses and its own `out vec4`.
// A line map takes driver messages back to file and line, through includes:
// the user's text is source-string 0 from its line 1 on, whatever it includes
// (drivers disagree on source numbers after `#line L S`, but all count lines).
// No GL here.

/// One message from the shader compiler, mapped to the author's file.
public struct ShaderDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var file: String
    public var line: Int?
    public var column: Int?
    public var severity: Severity
    public var message: String

    /// `file:line:column: error: message`, the form editors jump to.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(severity.rawValue): \(message)"
    }
}

/// Fragment shader text ready for the driver, with the map back to files.
public struct ShaderSource: Sendable, Equatable {
    /// How the file was written.
    public enum Style: Sendable, Equatable { case shadertoy, glsl }

    /// The GLSL version used to wrap Shadertoy-style files (GL 4.1 core is the floor).
    public static let wrapVersion = "410 core"
    /// Source-string number of the engine's own wrapper lines.
    static let preludeNumber = 1

    /// One line of the author's files.
    public struct Origin: Sendable, Equatable {
        public var file: String
        public var line: Int
    }

    public var text: String
    public var style: Style
    /// File name for each source-string number used in `#line` directives.
    public var files: [Int: String]
    /// Where each line of source-string 0 came from (index 0 is line 1); empty
    /// when source 0 is one file with its own line numbers.
    public var lineMap: [Origin] = []

    /// Wraps text already prepared for the driver.
    public init(text: String, style: Style, files: [Int: String], lineMap: [Origin] = []) {
        self.text = text
        self.style = style
        self.files = files
        self.lineMap = lineMap
    }

    /// The uniforms Shadertoy declares, in the order Shadertoy documents them,
    /// plus Rasterbar's own (`rb` prefix).
    public static let shadertoyUniforms = """
        uniform vec3 iResolution;
        uniform float iTime;
        uniform float iTimeDelta;
        uniform float iFrameRate;
        uniform int iFrame;
        uniform float iChannelTime[4];
        uniform vec3 iChannelResolution[4];
        uniform vec4 iMouse;
        uniform vec4 iDate;
        uniform float iSampleRate;
        uniform sampler2D iChannel0;
        uniform sampler2D iChannel1;
        uniform sampler2D iChannel2;
        uniform sampler2D iChannel3;
        uniform float rbDemoTime;
        uniform float rbSceneProgress;
        uniform float rbBeat;
        """

    /// Prepares `source`, the contents of `file` (a demo-relative path).
    public static func fragment(_ source: String, file: String) -> ShaderSource {
        let files = [0: file, preludeNumber: "<rasterbar prelude>"]
        if declaresVersion(source) {
            return ShaderSource(text: source, style: .glsl, files: files)
        }
        let text = """
            #version \(wrapVersion)
            #line 1 \(preludeNumber)
            \(shadertoyUniforms)
            out vec4 rb_FragColor;
            #line 1 0
            \(source)
            #line 1 \(preludeNumber)
            void main() {
                vec4 color = vec4(0.0, 0.0, 0.0, 1.0);
                mainImage(color, gl_FragCoord.xy);
                // Shadertoy shows the image opaque whatever alpha mainImage wrote.
                rb_FragColor = vec4(color.rgb, 1.0);
            }

            """
        return ShaderSource(text: text, style: .shadertoy, files: files)
    }

    /// A geometry shader stage (for script scenes): one file holds both stages,
    /// selected by `RB_VERTEX_SHADER` or `RB_FRAGMENT_SHADER`. The engine adds
    /// the version, the Shadertoy uniforms and, for the vertex stage, the
    /// attributes `rb_Position` (xyz, w: point size) and `rb_Color`.
    public static func geometry(_ vertex: Bool, file: String, read: (String) throws -> String) throws -> ShaderSource {
        let (body, lineMap) = try expandIncludes(file, read: read)
        let attributes = vertex
            ? "layout(location = 0) in vec4 rb_Position;\nlayout(location = 1) in vec4 rb_Color;\n"
            : ""
        let text = """
            #version \(wrapVersion)
            #define \(vertex ? "RB_VERTEX_SHADER" : "RB_FRAGMENT_SHADER") 1
            #line 1 \(preludeNumber)
            \(shadertoyUniforms)
            \(attributes)#line 1 0
            \(body)

            """
        return ShaderSource(text: text, style: .glsl, files: [0: file, preludeNumber: "<rasterbar prelude>"], lineMap: lineMap)
    }

    /// True when the first directive of the file is `#version`.
    static func declaresVersion(_ source: String) -> Bool {
        var inBlockComment = false
        for raw in source.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = raw.drop { $0 == " " || $0 == "\t" }
            if inBlockComment {
                guard let end = line.firstRange(of: "*/") else { continue }
                line = line[end.upperBound...].drop { $0 == " " || $0 == "\t" }
                inBlockComment = false
            }
            if line.isEmpty || line.hasPrefix("//") || line == "\r" { continue }
            if line.hasPrefix("/*") { inBlockComment = !line.contains("*/"); continue }
            return line.hasPrefix("#version")
        }
        return false
    }

    /// Maps a driver's info log to diagnostics about the author's files.
    /// Understands Mesa (`0:12(5): error: ...`), NVIDIA (`0(12) : error C1008: ...`)
    /// and the common `ERROR: 0:12: ...` form; other lines are kept whole.
    public func diagnostics(fromLog log: String, fallbackFile: String) -> [ShaderDiagnostic] {
        var out: [ShaderDiagnostic] = []
        for raw in log.split(whereSeparator: \.isNewline) {
            let line = String(raw).trimmingCharacters(in: " \t\r")
            if line.isEmpty { continue }
            if let d = parseLogLine(line) { out.append(d); continue }
            // Continuation text (NVIDIA prints context lines): attach to the last message.
            if let last = out.indices.last, !line.lowercased().hasPrefix("error"), !line.lowercased().hasPrefix("warning") {
                out[last].message += " " + line
            } else {
                var message = Substring(line), severity = ShaderDiagnostic.Severity.error
                for (word, sev) in [("error:", ShaderDiagnostic.Severity.error), ("warning:", .warning)]
                where message.lowercased().hasPrefix(word) {
                    message = message.dropFirst(word.count).drop { $0 == " " }
                    severity = sev
                }
                out.append(ShaderDiagnostic(file: fallbackFile, line: nil, column: nil, severity: severity, message: String(message)))
            }
        }
        if out.isEmpty {
            out.append(ShaderDiagnostic(file: fallbackFile, line: nil, column: nil, severity: .error,
                                        message: "the driver rejected the shader without a message"))
        }
        return out
    }

    private func parseLogLine(_ line: String) -> ShaderDiagnostic? {
        var s = Substring(line)
        var severity: ShaderDiagnostic.Severity?
        for (prefix, sev) in [("ERROR: ", ShaderDiagnostic.Severity.error), ("WARNING: ", .warning)] where s.hasPrefix(prefix) {
            s = s.dropFirst(prefix.count)
            severity = sev
        }
        guard let number = s.readInt() else { return nil }
        var lineNumber: Int?
        var column: Int?
        if s.first == ":" {
            s = s.dropFirst()
            guard let l = s.readInt() else { return nil }
            lineNumber = l
            if s.first == "(" {
                s = s.dropFirst()
                column = s.readInt()
                guard s.first == ")" else { return nil }
                s = s.dropFirst()
            }
        } else if s.first == "(" {
            s = s.dropFirst()
            guard let l = s.readInt(), s.first == ")" else { return nil }
            s = s.dropFirst()
            lineNumber = l
        } else {
            return nil
        }
        s = s.drop { $0 == " " }
        guard s.first == ":" else { return nil }
        s = s.dropFirst().drop { $0 == " " }
        if severity == nil {
            if s.lowercased().hasPrefix("warning") { severity = .warning } else { severity = .error }
            // Drop the severity word and an NVIDIA code such as "error C1008:".
            if let colon = s.firstIndex(of: ":"), s[..<colon].split(separator: " ").count <= 2 {
                s = s[s.index(after: colon)...].drop { $0 == " " }
            }
        }
        var file = files[number] ?? "source \(number)"
        if number == 0, let l = lineNumber, l >= 1, l <= lineMap.count {
            file = lineMap[l - 1].file
            lineNumber = lineMap[l - 1].line
        }
        return ShaderDiagnostic(file: file, line: lineNumber, column: column, severity: severity ?? .error,
                                message: String(s))
    }
}

extension Substring {
    /// Reads a decimal integer at the start, advancing past it.
    mutating func readInt() -> Int? {
        let digits = prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let v = Int(digits) else { return nil }
        self = self[digits.endIndex...]
        return v
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
