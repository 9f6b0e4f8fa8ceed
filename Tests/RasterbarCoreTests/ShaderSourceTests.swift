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
