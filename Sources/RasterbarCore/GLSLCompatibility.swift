// Shadertoy compiles a pass as GLSL ES 3.00 (WebGL 2); Rasterbar compiles it
// as desktop GLSL 4.10 core, the floor every GL 4.1 driver takes. The two
// languages almost agree, and this file closes the gaps that real shaders hit:
//
// - Names. A word that ES 3.00 leaves free is sometimes a keyword, a reserved
//   word or a built-in function in GLSL 4.10 (`precise`, `packed`, `dmat2`,
//   `fma`, `noise3`, ...). Such words are renamed in the author's text, token
//   by token, to `rb_` + the word, so lines never move; messages from the
//   driver get the author's names and columns back. Keywords are renamed
//   wherever they appear; built-in function names only when the text declares
//   them, so desktop GLSL that calls the built-in keeps working.
// - Built-ins. ES 3.00 has four pack functions that arrived only in GLSL 4.20
//   (packHalf2x16, unpackHalf2x16, packSnorm2x16, unpackSnorm2x16). Calls to
//   them are renamed too, to GLSL versions with ES semantics in the prelude
//   (`polyfills`). Renaming rather than defining the real names keeps working
//   on a driver that exposes the 4.20 functions in 4.10 anyway.
// - A UTF-8 byte order mark at the start of a file: Mesa silently drops every
//   line after one, so it is removed from every file read (`removingByteOrderMark`).
// - `precision` statements (`precision mediump sampler3D;`...) need nothing:
//   GLSL 4.10 accepts them for float, int and every sampler type.
//
// The lists come from the keyword, reserved-word and built-in function lists
// of the two specifications (GLSL ES 3.00, GLSL 4.10), checked against Mesa's
// lexer and built-in tables and ANGLE's ES lexer (what browsers run for
// Shadertoy). Pure text, no GL.

enum GLSLCompatibility {
    /// Free identifiers in GLSL ES 3.00 that GLSL 4.10 (Mesa) refuses as
    /// names: keywords from GLSL 4.00 on, and words 4.10 reserves that ES 3.00
    /// does not. Always renamed, except inside `layout(...)`. (Mesa's own ES
    /// 3.00 also refuses dmat*, the image types below and `packed`; ANGLE,
    /// what browsers run, follows the ES spec's list and takes them.)
    static let desktopKeywords: Set<String> = [
        "precise",
        "dmat2", "dmat3", "dmat4", "dmat2x2", "dmat2x3", "dmat2x4",
        "dmat3x2", "dmat3x3", "dmat3x4", "dmat4x2", "dmat4x3", "dmat4x4",
        "samplerCubeArray", "samplerCubeArrayShadow", "isamplerCubeArray", "usamplerCubeArray",
        // Reserved in GLSL 4.10 (Mesa reserves image types from 1.30 on), not in ES 3.00,
        // whose reserved list names only the first-generation image types.
        "image2DRect", "iimage2DRect", "uimage2DRect",
        "image2DMS", "iimage2DMS", "uimage2DMS", "image2DMSArray", "iimage2DMSArray", "uimage2DMSArray",
        "imageCubeArray", "iimageCubeArray", "uimageCubeArray",
        // Layout qualifier names in ES 3.00, keywords in desktop GLSL from 1.40.
        "packed", "row_major",
    ]

    /// Built-in functions a GLSL 4.10 core fragment shader sees that ES 3.00
    /// does not have (checked on Mesa by calling each name in both versions;
    /// Mesa alone also lets ES 3.00 call texture2D, texture3D, textureCube and
    /// their Proj and Lod forms, which the ES spec removed), so ES authors
    /// use the names for their own functions and
    /// variables (`float noise3(vec3)`, `uint bitCount(uint)`...). Renamed only
    /// where the author's text declares the name: a desktop built-in that the
    /// text calls without declaring (valid desktop GLSL that Rasterbar always
    /// compiled) keeps meaning the built-in.
    static let desktopBuiltinFunctions: Set<String> = [
        // Common functions (4.00).
        "fma", "frexp", "ldexp",
        // Packing (4.00); ES 3.00 has only the 2x16 forms.
        "packUnorm4x8", "packSnorm4x8", "unpackUnorm4x8", "unpackSnorm4x8", "packDouble2x32", "unpackDouble2x32",
        // Integer functions (4.00).
        "uaddCarry", "usubBorrow", "umulExtended", "imulExtended",
        "bitfieldExtract", "bitfieldInsert", "bitfieldReverse", "bitCount", "findLSB", "findMSB",
        // Texture functions (4.00).
        "textureQueryLod", "textureGather", "textureGatherOffset", "textureGatherOffsets",
        // Interpolation (4.00) and noise (1.10).
        "interpolateAtCentroid", "interpolateAtSample", "interpolateAtOffset",
        "noise1", "noise2", "noise3", "noise4",
        // Deprecated texture functions: still built in at GLSL 4.10, gone from ES 3.00.
        "texture1D", "texture1DProj", "texture1DLod", "texture1DProjLod",
        "texture2D", "texture2DProj", "texture2DLod", "texture2DProjLod",
        "texture3D", "texture3DProj", "texture3DLod", "texture3DProjLod",
        "textureCube", "textureCubeLod",
        "shadow1D", "shadow1DProj", "shadow1DLod", "shadow1DProjLod",
        "shadow2D", "shadow2DProj", "shadow2DLod", "shadow2DProjLod",
        "texture2DRect", "texture2DRectProj", "shadow2DRect", "shadow2DRectProj",
    ]

    /// ES 3.00 built-ins GLSL 4.10 lacks (they came in 4.20): uses are renamed
    /// to the prelude's versions in `polyfills`, unless the text declares its
    /// own (not legal ES, but desktop GLSL that had to bring its own).
    static let polyfilled: Set<String> = ["packHalf2x16", "unpackHalf2x16", "packSnorm2x16", "unpackSnorm2x16"]

    /// What every renamed word becomes.
    static let renamePrefix = "rb_"

    /// GLSL 4.10 versions of `polyfilled`, with the results the ES 3.00 spec
    /// (§8.4) gives: halves round to nearest even, overflow to infinity, keep
    /// NaN and signed zero; snorm is round(clamp(v, -1, 1) * 32767), so -1
    /// packs to 0x8001, and 0x8000 unpacks to -1.
    static let polyfills = """
        uint rb_halfBits(float value) {
            uint bits = floatBitsToUint(value);
            uint signBit = (bits >> 16) & 0x8000u;
            uint exponent = (bits >> 23) & 0xFFu;
            uint mantissa = bits & 0x7FFFFFu;
            if (exponent == 0xFFu) return signBit | 0x7C00u | (mantissa != 0u ? 0x200u : 0u);
            int halfExponent = int(exponent) - 112;
            if (halfExponent >= 31) return signBit | 0x7C00u;
            if (halfExponent < -10) return signBit;
            // Below the smallest normal half the implicit bit shifts into the mantissa.
            uint shift = halfExponent <= 0 ? uint(14 - halfExponent) : 13u;
            uint significand = halfExponent <= 0 ? (mantissa | 0x800000u) : mantissa;
            uint result = (halfExponent <= 0 ? 0u : uint(halfExponent) << 10) | (significand >> shift);
            uint rest = significand & ((1u << shift) - 1u);
            uint halfway = 1u << (shift - 1u);
            // Round to nearest even; a carry out of the mantissa moves up the exponent, to infinity at the top.
            if (rest > halfway || (rest == halfway && (result & 1u) != 0u)) result += 1u;
            return signBit | result;
        }
        float rb_halfValue(uint bits) {
            uint signBit = (bits & 0x8000u) << 16;
            uint exponent = (bits >> 10) & 0x1Fu;
            uint mantissa = bits & 0x3FFu;
            if (exponent == 0u) {
                float magnitude = float(mantissa) * exp2(-24.0);
                return signBit != 0u ? -magnitude : magnitude;
            }
            if (exponent == 31u) return uintBitsToFloat(signBit | 0x7F800000u | (mantissa << 13));
            return uintBitsToFloat(signBit | ((exponent + 112u) << 23) | (mantissa << 13));
        }
        uint rb_packHalf2x16(vec2 v) { return rb_halfBits(v.x) | (rb_halfBits(v.y) << 16); }
        vec2 rb_unpackHalf2x16(uint v) { return vec2(rb_halfValue(v & 0xFFFFu), rb_halfValue(v >> 16)); }
        uint rb_packSnorm2x16(vec2 v) {
            ivec2 fixed16 = ivec2(round(clamp(v, -1.0, 1.0) * 32767.0));
            return (uint(fixed16.x) & 0xFFFFu) | (uint(fixed16.y) << 16);
        }
        vec2 rb_unpackSnorm2x16(uint v) {
            // int(...) >> 16 shifts in copies of the sign bit.
            ivec2 fixed16 = ivec2(int(v << 16) >> 16, int(v) >> 16);
            return clamp(vec2(fixed16) / 32767.0, -1.0, 1.0);
        }
        """

    /// `text` without a UTF-8 byte order mark at its start.
    static func removingByteOrderMark(_ text: String) -> String {
        text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
    }

    /// A place where a rename made a line longer: on line `line` of the
    /// translated text, a column right of `column` (where the renamed word now
    /// starts) is `added` bytes right of where the author wrote it.
    struct ColumnShift: Sendable, Equatable {
        var line: Int
        var column: Int
        var added: Int
    }

    /// `text` (the author's ES code) with every incompatible name renamed,
    /// and where the renames moved columns. Comments are left alone; newlines
    /// are never touched, so line numbers hold.
    static func translate(_ text: String) -> (text: String, shifts: [ColumnShift]) {
        let tokens = GLSLTokens(text)
        let declared = tokens.declaredNames(among: desktopBuiltinFunctions.union(polyfilled))
        var out: [UInt8] = []
        out.reserveCapacity(tokens.bytes.count + 64)
        var copied = 0
        var shifts: [ColumnShift] = []
        for token in tokens.identifiers where renames(token, declared: declared) {
            out.append(contentsOf: tokens.bytes[copied..<token.start])
            out.append(contentsOf: renamePrefix.utf8)
            copied = token.start
            let addedBefore = shifts.reversed().prefix { $0.line == token.line }.map(\.added).reduce(0, +)
            shifts.append(ColumnShift(line: token.line, column: token.column + addedBefore, added: renamePrefix.utf8.count))
        }
        if shifts.isEmpty { return (text, []) }
        out.append(contentsOf: tokens.bytes[copied...])
        return (String(decoding: out, as: UTF8.self), shifts)
    }

    private static func renames(_ token: GLSLTokens.Identifier, declared: Set<String>) -> Bool {
        if desktopKeywords.contains(token.name) { return !token.inLayout }
        if polyfilled.contains(token.name) { return !declared.contains(token.name) }
        return declared.contains(token.name)
    }

    /// A driver message with renamed words given back their authors' names.
    static func restoringNames(in message: String) -> String {
        guard message.contains(renamePrefix) else { return message }
        var out = ""
        var rest = Substring(message)
        while let found = rest.firstRange(of: renamePrefix) {
            let before = rest[..<found.lowerBound]
            let name = rest[found.upperBound...].prefix { $0.isGLSLIdentifierCharacter }
            let startsWord = before.last.map { !$0.isGLSLIdentifierCharacter } ?? out.last.map { !$0.isGLSLIdentifierCharacter } ?? true
            out += before
            if !(startsWord && isRenamed(String(name))) { out += renamePrefix }
            out += name
            rest = rest[name.endIndex...]
        }
        return out + rest
    }

    static func isRenamed(_ name: String) -> Bool {
        desktopKeywords.contains(name) || desktopBuiltinFunctions.contains(name) || polyfilled.contains(name)
    }
}

/// The identifiers of GLSL text outside comments, with where they are and what
/// came before them: enough to rename words without parsing GLSL. Keywords
/// count as identifiers here (`float`, `return`).
struct GLSLTokens {
    struct Identifier {
        var name: String
        /// Byte offset in `bytes`.
        var start: Int
        /// 1-based line and byte column (drivers count columns in bytes too).
        var line: Int
        var column: Int
        /// The token before: an identifier, a number, or one punctuation character.
        var previous: String?
        /// Inside the parentheses of `layout(...)`.
        var inLayout: Bool
    }

    let bytes: [UInt8]
    private(set) var identifiers: [Identifier] = []

    init(_ text: String) {
        bytes = Array(text.utf8)
        scan()
    }

    private mutating func scan() {
        var i = 0, line = 1, lineStart = 0
        var previous: String?
        var layoutDepth = 0          // > 0 inside layout( ... )
        var afterLayout = false
        let n = bytes.count
        func byte(_ k: Int) -> UInt8 { k < n ? bytes[k] : 0 }
        func text(_ from: Int, _ to: Int) -> String { String(decoding: bytes[from..<to], as: UTF8.self) }
        while i < n {
            let c = bytes[i]
            if c == UInt8(ascii: "\n") {
                i += 1; line += 1; lineStart = i
            } else if c == UInt8(ascii: "/"), byte(i + 1) == UInt8(ascii: "/") {
                while i < n, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            } else if c == UInt8(ascii: "/"), byte(i + 1) == UInt8(ascii: "*") {
                i += 2
                while i < n, !(bytes[i] == UInt8(ascii: "*") && byte(i + 1) == UInt8(ascii: "/")) {
                    if bytes[i] == UInt8(ascii: "\n") { line += 1; lineStart = i + 1 }
                    i += 1
                }
                i = min(n, i + 2)
            } else if c.isIdentifierStart {
                let start = i
                while i < n, bytes[i].isIdentifierPart { i += 1 }
                let name = text(start, i)
                identifiers.append(Identifier(name: name, start: start, line: line, column: start - lineStart + 1,
                                              previous: previous, inLayout: layoutDepth > 0))
                afterLayout = name == "layout"
                previous = name
            } else if c.isDigit || (c == UInt8(ascii: ".") && byte(i + 1).isDigit) {
                // A number, suffixes and hex digits included: never an identifier.
                let start = i
                while i < n, bytes[i].isIdentifierPart || bytes[i] == UInt8(ascii: ".") { i += 1 }
                previous = text(start, i)
                afterLayout = false
            } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
                i += 1
            } else {
                if c == UInt8(ascii: "(") {
                    if afterLayout || layoutDepth > 0 { layoutDepth += 1 }
                } else if c == UInt8(ascii: ")"), layoutDepth > 0 {
                    layoutDepth -= 1
                }
                afterLayout = false
                previous = text(i, i + 1)
                i += 1
            }
        }
    }

    /// Which of `names` the text declares: a word right after a type, a
    /// qualifier, a struct name, `]` (`float[2] x`) or `#define`, as in
    /// `float noise3(vec3 p)`, `uint bitCount = 0u;` or `in vec2 fma`, or
    /// after a comma and before `=`, `;` or `[` (`float a, fma = 1.0;`).
    /// A word after an operator, `(`, `return` and the like is a use.
    func declaredNames(among names: Set<String>) -> Set<String> {
        var found: Set<String> = []
        for token in identifiers where names.contains(token.name) {
            guard let previous = token.previous, let first = previous.utf8.first else { continue }
            let afterWord = first.isIdentifierStart && !Self.expressionKeywords.contains(previous)
            let inDeclaratorList = previous == "," && [UInt8(ascii: "="), UInt8(ascii: ";"), UInt8(ascii: "[")]
                .contains(nextByte(after: token))
            if afterWord || previous == "]" || inDeclaratorList { found.insert(token.name) }
        }
        return found
    }

    /// The first byte after `token` that is not a blank or a newline (0 at the end).
    private func nextByte(after token: Identifier) -> UInt8 {
        bytes[(token.start + token.name.utf8.count)...].first { ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains($0) } ?? 0
    }

    /// Words after which an identifier starts an expression, not a declaration.
    static let expressionKeywords: Set<String> = ["return", "else", "case", "do"]
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isIdentifierStart: Bool {
        (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z"))
            || self == UInt8(ascii: "_")
    }
    fileprivate var isIdentifierPart: Bool { isIdentifierStart || isDigit }
}

extension Character {
    fileprivate var isGLSLIdentifierCharacter: Bool { isASCII && (isLetter || isNumber || self == "_") }
}
