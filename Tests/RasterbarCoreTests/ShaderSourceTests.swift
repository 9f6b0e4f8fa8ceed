import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class ShaderSourceTests: XCTestCase {
    func testShadertoyFilesAreWrappedPlainGLSLIsNot() {
        let toy = ShaderSource.fragment("void mainImage(out vec4 c, in vec2 f) { c = vec4(1); }", file: "a.frag")
        XCTAssertEqual(toy.style, .shadertoy)
        XCTAssertTrue(toy.text.hasPrefix("#version 410 core\n"))
        XCTAssertTrue(toy.text.contains("uniform sampler2D iChannel3;"))
        let plain = ShaderSource.fragment("// header\n/* block\n comment */\n  #version 330 core\nout vec4 c; void main() { c = vec4(1); }", file: "b.frag")
        XCTAssertEqual(plain.style, .glsl)
        XCTAssertTrue(plain.text.hasPrefix("// header"))
    }

    func testDriverLogsMapToTheAuthorsFile() {
        let source = ShaderSource.fragment("void mainImage(out vec4 c, in vec2 f) {}", file: "Shaders/x.frag")
        let mesa = source.diagnostics(fromLog: "0:12(5): error: `foo' undeclared\n0:3(1): warning: unused\n", fallbackFile: "Shaders/x.frag")
        XCTAssertEqual(mesa.map(\.description), ["Shaders/x.frag:12:5: error: `foo' undeclared", "Shaders/x.frag:3:1: warning: unused"])
        let nvidia = source.diagnostics(fromLog: "0(7) : error C1008: undefined variable \"foo\"", fallbackFile: "Shaders/x.frag")
        XCTAssertEqual(nvidia.map(\.description), ["Shaders/x.frag:7: error: undefined variable \"foo\""])
        let generic = source.diagnostics(fromLog: "ERROR: 0:9: 'bar' : syntax error", fallbackFile: "Shaders/x.frag")
        XCTAssertEqual(generic.first?.line, 9)
        XCTAssertEqual(generic.first?.file, "Shaders/x.frag")
        let prelude = source.diagnostics(fromLog: "1:4(2): error: oops", fallbackFile: "Shaders/x.frag")
        XCTAssertEqual(prelude.first?.file, "<rasterbar prelude>")
        let unknown = source.diagnostics(fromLog: "error: main not found", fallbackFile: "Shaders/x.frag")
        XCTAssertEqual(unknown.map(\.description), ["Shaders/x.frag: error: main not found"])
    }
}

final class ShaderIncludeTests: XCTestCase {
    func testIncludesAreSplicedOnceAndMappedBackToTheirLines() throws {
        let files = [
            "s.frag": "#include \"lib/a.glsl\"\n#include \"lib/b.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) {}",
            "lib/a.glsl": "#include \"common.glsl\"\nfloat a;",
            "lib/b.glsl": "#include \"common.glsl\"\nfloat b;",
            "lib/common.glsl": "float shared;",
        ]
        var reads: [String] = []
        let source = try ShaderSource.load("s.frag") { path in
            reads.append(path)
            guard let text = files[path] else { throw RasterbarError(.fileNotFound, "file not found", at: path) }
            return text
        }
        XCTAssertEqual(reads, ["s.frag", "lib/a.glsl", "lib/common.glsl", "lib/b.glsl"], "common.glsl is read and spliced once")
        XCTAssertEqual(source.text.components(separatedBy: "float shared;").count, 2)
        let log = source.lineMap.enumerated().map { "0:\($0.offset + 1)(1): error: here" }.joined(separator: "\n")
        let places = source.diagnostics(fromLog: log, fallbackFile: "s.frag").map { "\($0.file):\($0.line!)" }
        XCTAssertEqual(places, ["s.frag:1", "lib/a.glsl:1", "lib/common.glsl:1", "lib/a.glsl:2",
                                "s.frag:2", "lib/b.glsl:1", "lib/b.glsl:2", "s.frag:3"])
    }
}

/// Shadertoy's pass layout (prelude, Common, pass, main) and GLSL ES 3.00 text
/// made to compile as GLSL 4.10: the text side. Tests/RasterbarTests/ShadertoyGLSLTests
/// compiles and draws the same things on a real driver.
final class ShadertoyPassTests: XCTestCase {
    /// A reader over `files`, recording the order of reads.
    final class Files {
        var files: [String: String]
        var reads: [String] = []
        init(_ files: [String: String]) { self.files = files }
        func read(_ path: String) throws -> String {
            reads.append(path)
            guard let text = files[path] else { throw RasterbarError(.fileNotFound, "file not found", at: path) }
            return text
        }
    }

    func testPreludeDeclaresChannelsByKindAndHWPerformance() throws {
        let source = ShaderSource.fragment("void mainImage(out vec4 c, in vec2 f) { c = vec4(1); }", file: "a.frag",
                                           samplers: [.cube, .texture2D, .volume])
        let lines = source.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.contains("iChannel") && $0.hasPrefix("uniform sampler") },
                       ["uniform samplerCube iChannel0;", "uniform sampler2D iChannel1;",
                        "uniform sampler3D iChannel2;", "uniform sampler2D iChannel3;"], "missing entries are sampler2D")
        XCTAssertTrue(lines.contains("#define HW_PERFORMANCE 1"))
        XCTAssertTrue(source.text.contains("uint rb_packHalf2x16(vec2 v)"), "the ES 3.00 polyfills are in the prelude")
    }

    func testImagePassIsOpaqueBufferPassKeepsAlpha() {
        let body = "void mainImage(out vec4 c, in vec2 f) { c = vec4(0.5); }"
        let image = ShaderSource.fragment(body, file: "i.frag", pass: .image)
        let buffer = ShaderSource.fragment(body, file: "b.frag", pass: .buffer)
        XCTAssertTrue(image.text.contains("rb_FragColor = vec4(rb_color.rgb, 1.0);"))
        XCTAssertTrue(buffer.text.contains("rb_FragColor = rb_color;"))
        XCTAssertFalse(buffer.text.contains("rb_FragColor = vec4(rb_color.rgb, 1.0);"))
    }

    /// Common's lines, then the pass's (both through their includes), map back to
    /// their own files; a helper both include is spliced once, into Common.
    func testCommonThenPassMapBackToTheirFilesAndLines() throws {
        let files = Files([
            "toy/image.glsl": "#include \"lib.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) {\n  c = vec4(helper());\n}",
            "toy/common.glsl": "// shared\n#include \"lib.glsl\"\nfloat shared2() { return 2.0; }",
            "toy/lib.glsl": "float helper() { return 1.0; }",
        ])
        let source = try ShaderSource.load("toy/image.glsl", common: "toy/common.glsl", read: files.read)
        XCTAssertEqual(files.reads, ["toy/image.glsl", "toy/common.glsl", "toy/lib.glsl"], "each file is read once")
        XCTAssertEqual(source.text.components(separatedBy: "float helper()").count, 2, "lib.glsl is spliced once")
        let commonAt = try XCTUnwrap(source.text.range(of: "float shared2()"))
        let passAt = try XCTUnwrap(source.text.range(of: "void mainImage"))
        XCTAssertLessThan(commonAt.lowerBound, passAt.lowerBound, "Common comes before the pass")
        let log = source.lineMap.indices.map { "0:\($0 + 1)(1): error: here" }.joined(separator: "\n")
        let places = source.diagnostics(fromLog: log, fallbackFile: "toy/image.glsl").map { "\($0.file):\($0.line!)" }
        XCTAssertEqual(places, ["toy/common.glsl:1", "toy/common.glsl:2", "toy/lib.glsl:1", "toy/common.glsl:3",
                                "toy/image.glsl:1", "toy/image.glsl:2", "toy/image.glsl:3", "toy/image.glsl:4"])
    }

    func testPlainGLSLWithCommonIsAnErrorNamingTheFile() {
        let files = Files(["p.frag": "// plain\n#version 330 core\nout vec4 c; void main() { c = vec4(1); }", "common.glsl": "float x;"])
        let e = assertRasterbarError(.shaderCompile) { try ShaderSource.load("p.frag", common: "common.glsl", read: files.read) }
        XCTAssertEqual(e?.file, "p.frag")
        XCTAssertEqual(e?.line, 2, "the #version line")
        XCTAssertEqual(e?.message.contains("Common"), true)
        let alone = try? ShaderSource.load("p.frag", read: files.read)
        XCTAssertEqual(alone?.style, .glsl, "without Common it compiles as written")
        XCTAssertEqual(alone?.text, files.files["p.frag"])
    }

    /// Mesa drops everything after a byte order mark: one is removed from the
    /// start of the pass, the Common file and includes alike.
    func testByteOrderMarksAreRemovedFromEveryFile() throws {
        let bom = "\u{FEFF}"
        let files = Files([
            "s.frag": bom + "#include \"inc.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(1); }",
            "inc.glsl": bom + "float inc;",
            "common.glsl": bom + "float common1;",
            "plain.frag": bom + "#version 330 core\nout vec4 c; void main() { c = vec4(1); }",
        ])
        let source = try ShaderSource.load("s.frag", common: "common.glsl", read: files.read)
        XCTAssertFalse(source.text.unicodeScalars.contains("\u{FEFF}"))
        XCTAssertEqual(source.style, .shadertoy)
        let plain = try ShaderSource.load("plain.frag", read: files.read)
        XCTAssertEqual(plain.style, .glsl, "#version after a byte order mark is still the first directive")
        XCTAssertTrue(plain.text.hasPrefix("#version"))
        XCTAssertFalse(ShaderSource.fragment(bom + "void mainImage(out vec4 c, in vec2 f) {}", file: "x").text.contains(bom))
    }

    /// Words GLSL 4.10 keeps for itself are renamed in the author's code, not in
    /// comments or layout qualifiers, with lines kept; built-in function names
    /// only where the text declares them; the four ES pack functions always.
    func testESNamesAreRenamedTokenByToken() {
        let es = """
            // precise packed noise3 in a comment stay
            float precise(float x) { return x; } /* dmat2
            row_major */ float dmat2 = 1.0;
            vec3 noise3(vec3 p) { return p; }
            uint packed = packHalf2x16(vec2(precise(1.0)));
            int b = findMSB(8) + int(noise3(vec3(1.0)).x);
            layout(row_major) uniform;
            float mine_precise, preciseish;
            """
        let (text, shifts) = GLSLCompatibility.translate(es)
        XCTAssertEqual(text, """
            // precise packed noise3 in a comment stay
            float rb_precise(float x) { return x; } /* dmat2
            row_major */ float rb_dmat2 = 1.0;
            vec3 rb_noise3(vec3 p) { return p; }
            uint rb_packed = rb_packHalf2x16(vec2(rb_precise(1.0)));
            int b = findMSB(8) + int(rb_noise3(vec3(1.0)).x);
            layout(row_major) uniform;
            float mine_precise, preciseish;
            """)
        XCTAssertEqual(shifts.map { "\($0.line):\($0.column)" }, ["2:7", "3:20", "4:6", "5:6", "5:18", "5:39", "6:26"], "columns in the translated text")
    }

    func testDeclarationsAreToldFromUses() {
        let declared = GLSLTokens("""
            float fma(float a, float b, float c) { return a * b + c; }
            struct S { float ldexp; } s;
            float[2] frexp;
            #define noise1 myNoise
            void f(in vec2 noise4) {}
            float x = bitCount(3) + findLSB(4); float y = (textureGather); return noise2(1.0);
            float a = 1.0, interpolateAtSample = 2.0, shadow2D[2], texture2D;
            vec2 v = vec2(a, textureQueryLod), w = f(a, findMSB);
            """).declaredNames(among: GLSLCompatibility.desktopBuiltinFunctions)
        XCTAssertEqual(declared, ["fma", "ldexp", "frexp", "noise1", "noise4", "interpolateAtSample", "shadow2D", "texture2D"])
    }

    /// Desktop GLSL that brought its own packHalf2x16 (GLSL 4.10 has none) keeps it.
    func testAnOwnPackFunctionIsNotReplacedByThePolyfill() {
        let own = "uint packHalf2x16(vec2 v) { return 0u; }\nuint p = packHalf2x16(vec2(1.0));"
        XCTAssertEqual(GLSLCompatibility.translate(own).text, own)
        XCTAssertEqual(GLSLCompatibility.translate("uint p = packHalf2x16(vec2(1.0));").text, "uint p = rb_packHalf2x16(vec2(1.0));")
    }

    /// A driver message about renamed code names the author's words and columns.
    func testMessagesGetTheAuthorsNamesAndColumnsBack() {
        let pass = "void mainImage(out vec4 c, in vec2 f) {\n    float packed = 1.0; c = vec4(precise(1.0, packed));\n}"
        let source = ShaderSource.fragment(pass, file: "Shaders/p.frag", common: (text: "float precise(float x) { return x; }", file: "Shaders/common.glsl"))
        XCTAssertTrue(source.text.contains("float rb_packed = 1.0; c = vec4(rb_precise(1.0, rb_packed));"))
        let log = "0:3(37): error: no matching function for call to `rb_precise(float, float)'; candidates are:\n0:3(37): error:    float rb_precise(float)\n0:1(7): error: `rb_precise' was here; rb_precise2 and xrb_packed are not ours"
        let found = source.diagnostics(fromLog: log, fallbackFile: "Shaders/p.frag")
        XCTAssertEqual(found.map(\.description), [
            "Shaders/p.frag:2:34: error: no matching function for call to `precise(float, float)'; candidates are:",
            "Shaders/p.frag:2:34: error: float precise(float)",
            "Shaders/common.glsl:1:7: error: `precise' was here; rb_precise2 and xrb_packed are not ours",
        ])
    }

    func testSoundPassCallsWhicheverMainSoundIsDeclared() throws {
        let files = Files([
            "new.glsl": "vec2 mainSound(in int samp, float time) { return vec2(sin(time)); }",
            "old.glsl": "vec2 mainSound( float time )\n{ return vec2(sin(time)); }",
            "common.glsl": "// vec2 mainSound(float time) in a comment does not count\nfloat gain() { return 0.5; }",
        ])
        let new = try ShaderSource.sound("new.glsl", common: "common.glsl", read: files.read)
        XCTAssertTrue(new.text.contains("mainSound(iSampleOffset + rb_index, rb_time)"))
        let old = try ShaderSource.sound("old.glsl", common: "common.glsl", read: files.read)
        XCTAssertTrue(old.text.contains("clamp(mainSound(rb_time), -1.0, 1.0)"))
        for uniform in ["uniform float iTimeOffset;", "uniform int iSampleOffset;", "uniform int rbSoundWidth;", "uniform float iSampleRate;"] {
            XCTAssertTrue(new.text.contains(uniform), uniform)
        }
        XCTAssertTrue(new.text.contains("float gain()"), "Common is prepended")
        XCTAssertTrue(new.text.contains("int rb_index = int(gl_FragCoord.y) * rbSoundWidth + int(gl_FragCoord.x);"))
    }
}
