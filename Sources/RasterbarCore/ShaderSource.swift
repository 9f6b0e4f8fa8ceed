// Turns a scene's fragment shader file into the text the driver compiles, and
// turns the driver's log back into messages about the author's own files.
//
// Two kinds of file are accepted:
// - Shadertoy style (no `#version`): the pass is wrapped as Shadertoy wraps
//   it, so pasted shaders run unchanged: the prelude (version, uniforms,
//   `HW_PERFORMANCE`, polyfills), then the scene's Common file, then the pass
//   file, then a `main` that calls `mainImage` (or `mainSound` for the sound
//   pass). The author's text is GLSL ES 3.00 to Shadertoy and is made to
//   compile as GLSL 4.10 core (GLSLCompatibility.swift).
// - Plain GLSL (starts with `#version`): compiled as written; it declares the
//   uniforms it uses and its own `out vec4`. A Common file cannot apply to it
//   (Common goes after a prelude this file does not have): `load` refuses the pair.
// A line map takes driver messages back to file and line, through includes
// and the Common file: the author's text is source-string 0 from its line 1
// on, Common first (drivers disagree on source numbers after `#line L S`, but
// all count lines). No GL here.

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

/// The sampler type of one `iChannel` uniform: what the channel holds.
public enum SamplerKind: String, Sendable {
    case texture2D = "sampler2D"
    case cube = "samplerCube"
    case volume = "sampler3D"
}

/// Which Shadertoy pass a fragment shader renders.
public enum PassKind: Sendable {
    /// The picture shown: written opaque (alpha 1), as Shadertoy shows it.
    case image
    /// Buffer A-D: keeps the alpha `mainImage` wrote, which later passes read.
    case buffer
}

/// Fragment shader text ready for the driver, with the map back to files.
public struct ShaderSource: Sendable, Equatable {
    /// How the file was written.
    public enum Style: Sendable, Equatable { case shadertoy, glsl }

    /// The GLSL version used to wrap Shadertoy-style files (GL 4.1 core is the floor).
    public static let wrapVersion = "410 core"
    /// Source-string number of the engine's own wrapper lines.
    static let preludeNumber = 1
    static let preludeName = "<rasterbar prelude>"

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
    /// Where renaming GLSL ES names moved the columns of source-string 0.
    var columnShifts: [GLSLCompatibility.ColumnShift] = []

    /// Wraps text already prepared for the driver.
    public init(text: String, style: Style, files: [Int: String], lineMap: [Origin] = []) {
        self.text = text
        self.style = style
        self.files = files
        self.lineMap = lineMap
    }

    /// The uniforms Shadertoy declares, in the order Shadertoy documents them,
    /// with iChannel0..3 of the sampler types `samplers` gives (missing
    /// entries: `sampler2D`), plus Rasterbar's own (`rb` prefix).
    public static func uniformDeclarations(samplers: [SamplerKind]) -> String {
        let channels = (0..<4).map { index in
            let kind = index < samplers.count ? samplers[index] : .texture2D
            return "uniform \(kind.rawValue) iChannel\(index);"
        }
        return """
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
            \(channels.joined(separator: "\n"))
            uniform float rbDemoTime;
            uniform float rbSceneProgress;
            uniform float rbBeat;
            """
    }

    /// The uniforms with every channel a `sampler2D`.
    public static let shadertoyUniforms = uniformDeclarations(samplers: [])

    /// Prepares `source`, the contents of `file` (a demo-relative path), as
    /// `load` prepares a file, with `common` (its text and path) before a
    /// Shadertoy-style pass. Includes are not expanded: this is for text in
    /// hand. A plain-GLSL `source` with a `common` is a programming error
    /// (`load` reports the same pair in a demo as an error).
    public static func fragment(_ source: String, file: String, common: (text: String, file: String)? = nil,
                                samplers: [SamplerKind] = [], pass: PassKind = .image) -> ShaderSource {
        let passText = AuthorText(GLSLCompatibility.removingByteOrderMark(source), file: file)
        if versionDirectiveLine(passText.text) != nil {
            precondition(common == nil, "\(file): a Common file applies to Shadertoy-style passes only")
            return plain(passText, file: file)
        }
        let commonText = common.map { AuthorText(GLSLCompatibility.removingByteOrderMark($0.text), file: $0.file) }
        return wrapped(passText, file: file, common: commonText, samplers: samplers, uniforms: "", main: imageMain(pass))
    }

    /// Text of the author's, with the file and line each of its lines came from.
    struct AuthorText {
        var text: String
        var origins: [Origin]

        init(text: String, origins: [Origin]) {
            self.text = text
            self.origins = origins
        }

        /// One file's text, each line its own.
        init(_ text: String, file: String) {
            self.text = text
            let count = text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            origins = (1...count).map { Origin(file: file, line: $0) }
        }
    }

    /// A plain-GLSL file: its text as written.
    static func plain(_ pass: AuthorText, file: String) -> ShaderSource {
        ShaderSource(text: pass.text, style: .glsl, files: [0: file, preludeNumber: preludeName],
                     lineMap: compactLineMap(pass.origins, file: file))
    }

    /// A Shadertoy-style pass: the prelude, `uniforms` (beyond Shadertoy's),
    /// the Common text and the pass translated from GLSL ES, then `main`.
    static func wrapped(_ pass: AuthorText, file: String, common: AuthorText?, samplers: [SamplerKind],
                        uniforms: String, main: String) -> ShaderSource {
        let author = (common.map { [$0] } ?? []) + [pass]
        let (translated, shifts) = GLSLCompatibility.translate(author.map(\.text).joined(separator: "\n"))
        let text = """
            #version \(wrapVersion)
            #line 1 \(preludeNumber)
            #define HW_PERFORMANCE 1
            \(uniformDeclarations(samplers: samplers))
            \(uniforms)
            \(GLSLCompatibility.polyfills)
            out vec4 rb_FragColor;
            #line 1 0
            \(translated)
            #line 1 \(preludeNumber)
            \(main)

            """
        var source = ShaderSource(text: text, style: .shadertoy, files: [0: file, preludeNumber: preludeName],
                                  lineMap: compactLineMap(author.flatMap(\.origins), file: file))
        source.columnShifts = shifts
        return source
    }

    /// `origins`, or nothing when every line is `file`'s own line.
    static func compactLineMap(_ origins: [Origin], file: String) -> [Origin] {
        origins.enumerated().allSatisfy { $0.element.file == file && $0.element.line == $0.offset + 1 } ? [] : origins
    }

    /// Shadertoy's `main` for an image or buffer pass.
    static func imageMain(_ pass: PassKind) -> String {
        let output = switch pass {
        case .image: "// Shadertoy shows the image opaque whatever alpha mainImage wrote.\n    rb_FragColor = vec4(rb_color.rgb, 1.0);"
        case .buffer: "// A buffer keeps its alpha: the passes reading it may use it.\n    rb_FragColor = rb_color;"
        }
        return """
            void main() {
                vec4 rb_color = vec4(0.0, 0.0, 0.0, 1.0);
                mainImage(rb_color, gl_FragCoord.xy);
                \(output)
            }
            """
    }

    // MARK: The sound pass

    /// The sound pass's uniforms beyond Shadertoy's usual ones.
    static let soundUniforms = """
        uniform float iTimeOffset;
        uniform int iSampleOffset;
        uniform int rbSoundWidth;
        """

    /// Prepares a Shadertoy sound pass, `vec2 mainSound(int samp, float time)`
    /// (or the older `vec2 mainSound(float time)`, whichever the text
    /// declares), read with its includes through `read`, after `common`.
    ///
    /// The contract with the renderer, as Shadertoy renders sound:
    /// - Draw a fullscreen pass into an RG32F (or RGBA32F) target `rbSoundWidth`
    ///   pixels wide; each pixel is one stereo sample.
    /// - Set `iSampleRate` (samples a second), `iSampleOffset` (the index,
    ///   from the sound's start, of the sample in pixel (0, 0)), `iTimeOffset`
    ///   (that sample's time in seconds, iSampleOffset / iSampleRate computed in
    ///   double precision: Shadertoy passes both) and `rbSoundWidth`.
    /// - Pixel (x, y), x and y counted from 0 at the bottom left (GL's
    ///   `gl_FragCoord - 0.5`), holds sample `s = iSampleOffset + y * rbSoundWidth + x`
    ///   at time `t = iTimeOffset + float(y * rbSoundWidth + x) / iSampleRate`:
    ///   red is the left channel, green the right, each
    ///   `clamp(mainSound(s, t), -1.0, 1.0)`; blue is 0 and alpha 1.
    /// - Read the rows back in order: row y, then row y + 1, is consecutive samples.
    /// The other Shadertoy uniforms are declared too (a Common file may use
    /// them) and hold whatever the renderer sets; iChannel0..3 are `sampler2D`
    /// unless `samplers` says otherwise. A plain-GLSL file (with `#version`)
    /// is compiled as written and must honour the same contract itself; it
    /// cannot have a Common file.
    public static func sound(_ file: String, common: String? = nil, samplers: [SamplerKind] = [],
                             read: (String) throws -> String) throws -> ShaderSource {
        switch try readPass(file, common: common, read: read) {
        case .plain(let text):
            return plain(text, file: file)
        case .shadertoy(let passText, let commonText):
            let author = (commonText.map { [$0] } ?? []) + [passText]
            let takesSample = mainSoundTakesSampleIndex(author.map(\.text).joined(separator: "\n"))
            return wrapped(passText, file: file, common: commonText, samplers: samplers, uniforms: soundUniforms,
                           main: soundMain(takesSample: takesSample))
        }
    }

    /// Shadertoy's `main` for the sound pass (see `sound`).
    static func soundMain(takesSample: Bool) -> String {
        let call = takesSample ? "mainSound(iSampleOffset + rb_index, rb_time)" : "mainSound(rb_time)"
        return """
            void main() {
                int rb_index = int(gl_FragCoord.y) * rbSoundWidth + int(gl_FragCoord.x);
                float rb_time = iTimeOffset + float(rb_index) / iSampleRate;
                rb_FragColor = vec4(clamp(\(call), -1.0, 1.0), 0.0, 1.0);
            }
            """
    }

    /// True unless the text declares only the older `mainSound(float time)`.
    static func mainSoundTakesSampleIndex(_ text: String) -> Bool {
        let words = GLSLTokens(text).identifiers
        let qualifiers: Set<String> = ["in", "const", "highp", "mediump", "lowp"]
        var firstParameters: [String] = []
        for (index, word) in words.enumerated() where word.name == "mainSound" && word.previous == "vec2" {
            guard let parameter = words[(index + 1)...].first(where: { !qualifiers.contains($0.name) }) else { continue }
            firstParameters.append(parameter.name)
        }
        return firstParameters.contains("int") || !firstParameters.contains("float")
    }

    /// A geometry shader stage (for script scenes): one file holds both stages,
    /// selected by `RB_VERTEX_SHADER` or `RB_FRAGMENT_SHADER`. The engine adds
    /// the version, the Shadertoy uniforms and, for the vertex stage, the
    /// attributes `rb_Position` (xyz, w: point size) and `rb_Color`.
    public static func geometry(_ vertex: Bool, file: String, read: (String) throws -> String) throws -> ShaderSource {
        let body = try expandIncludes(file, read: read)
        let attributes = vertex
            ? "layout(location = 0) in vec4 rb_Position;\nlayout(location = 1) in vec4 rb_Color;\n"
            : ""
        let text = """
            #version \(wrapVersion)
            #define \(vertex ? "RB_VERTEX_SHADER" : "RB_FRAGMENT_SHADER") 1
            #line 1 \(preludeNumber)
            \(shadertoyUniforms)
            \(attributes)#line 1 0
            \(body.text)

            """
        return ShaderSource(text: text, style: .glsl, files: [0: file, preludeNumber: preludeName],
                            lineMap: compactLineMap(body.origins, file: file))
    }

    /// The 1-based line of `#version` when it is the file's first directive, else nil.
    static func versionDirectiveLine(_ source: String) -> Int? {
        var inBlockComment = false
        for (index, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.drop { $0 == " " || $0 == "\t" }
            if inBlockComment {
                guard let end = line.firstRange(of: "*/") else { continue }
                line = line[end.upperBound...].drop { $0 == " " || $0 == "\t" }
                inBlockComment = false
            }
            if line.isEmpty || line.hasPrefix("//") || line == "\r" { continue }
            if line.hasPrefix("/*") { inBlockComment = !line.contains("*/"); continue }
            return line.hasPrefix("#version") ? index + 1 : nil
        }
        return nil
    }

    /// Maps a driver's info log to diagnostics about the author's files.
    /// Understands Mesa (`0:12(5): error: ...`), NVIDIA (`0(12) : error C1008: ...`)
    /// and the common `ERROR: 0:12: ...` form; other lines are kept whole.
    public func diagnostics(fromLog log: String, fallbackFile: String) -> [ShaderDiagnostic] {
        var out: [ShaderDiagnostic] = []
        for raw in log.split(whereSeparator: \.isNewline) {
            var line = String(raw).trimmingCharacters(in: " \t\r")
            if !columnShifts.isEmpty { line = GLSLCompatibility.restoringNames(in: line) }
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
        if number == 0, let l = lineNumber {
            if let c = column {
                column = c - columnShifts.lazy.filter { $0.line == l && $0.column < c }.map(\.added).reduce(0, +)
            }
            if let last = lineMap.last, l >= 1 {
                // Past the end (an unfinished comment or block): count on from the last line.
                let origin = l <= lineMap.count ? lineMap[l - 1] : Origin(file: last.file, line: last.line + l - lineMap.count)
                file = origin.file
                lineNumber = origin.line
            }
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
