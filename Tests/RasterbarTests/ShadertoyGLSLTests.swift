// Shadertoy's GLSL ES 3.00 on the real headless driver (GLSL 4.10 core): the
// ES built-ins 4.10 lacks, ES names that are desktop keywords, byte order
// marks, precision statements, the Common file and its line map, sampler
// kinds, buffer alpha and the sound pass. Each shader is compiled, drawn into
// a 32-bit float target and read back.
import XCTest
import CGL
@testable import RasterbarCore
@testable import RasterbarGL

final class ShadertoyGLSLTests: XCTestCase {
    /// Compiles `source` and draws it over a `width` x `height` RGBA32F target,
    /// after `set` has set uniforms; returns the pixels, bottom row first (GL's order).
    func draw(_ source: ShaderSource, width: Int = 1, height: Int = 1,
              set: (ShaderProgram) -> Void = { _ in }) throws -> [SIMD4<Float>] {
        sharedContext.makeCurrent()
        let program = try ShaderProgram(fragment: source, file: source.files[0] ?? "<test>")
        var texture: GLuint = 0, framebuffer: GLuint = 0, vertexArray: GLuint = 0
        glGenTextures(1, &texture)
        glBindTexture(glEnum(GL_TEXTURE_2D), texture)
        glTexStorage2D(glEnum(GL_TEXTURE_2D), 1, glEnum(GL_RGBA32F), GLsizei(width), GLsizei(height))
        glGenFramebuffers(1, &framebuffer)
        glBindFramebuffer(glEnum(GL_FRAMEBUFFER), framebuffer)
        glFramebufferTexture2D(glEnum(GL_FRAMEBUFFER), glEnum(GL_COLOR_ATTACHMENT0), glEnum(GL_TEXTURE_2D), texture, 0)
        glGenVertexArrays(1, &vertexArray)
        glBindVertexArray(vertexArray)
        defer {
            glBindFramebuffer(glEnum(GL_FRAMEBUFFER), 0)
            glDeleteVertexArrays(1, &vertexArray)
            glDeleteFramebuffers(1, &framebuffer)
            glDeleteTextures(1, &texture)
        }
        XCTAssertEqual(glCheckFramebufferStatus(glEnum(GL_FRAMEBUFFER)), glEnum(GL_FRAMEBUFFER_COMPLETE))
        glViewport(0, 0, GLsizei(width), GLsizei(height))
        glDisable(glEnum(GL_BLEND))
        program.use()
        set(program)
        glDrawArrays(glEnum(GL_TRIANGLES), 0, 3)
        var floats = [Float](repeating: .nan, count: width * height * 4)
        glPixelStorei(glEnum(GL_PACK_ALIGNMENT), 4)
        glReadPixels(0, 0, GLsizei(width), GLsizei(height), glEnum(GL_RGBA), glEnum(GL_FLOAT), &floats)
        return stride(from: 0, to: floats.count, by: 4).map { SIMD4(floats[$0], floats[$0 + 1], floats[$0 + 2], floats[$0 + 3]) }
    }

    /// A reader over in-memory files.
    func reader(_ files: [String: String]) -> (String) throws -> String {
        { path in
            guard let text = files[path] else { throw RasterbarError(.fileNotFound, "file not found", at: path) }
            return text
        }
    }

    // MARK: ES 3.00 built-ins GLSL 4.10 lacks

    /// The four pack functions give the bit patterns the ES 3.00 spec gives.
    func testESPackFunctionsGiveTheSpecsBitPatterns() throws {
        // Pixel i: a pack case (red, green = low, high 16 bits) or an unpack case (red, green = x, y).
        let cases: [(glsl: String, expected: SIMD2<Float>)] = [
            ("packHalf2x16(vec2(1.0, -2.0))", [0x3C00, 0xC000]),
            ("packHalf2x16(vec2(0.5, 65504.0))", [0x3800, 0x7BFF]),
            ("packHalf2x16(vec2(1.0e6, uintBitsToFloat(0x80000000u)))", [0x7C00, 0x8000]),   // overflow to infinity; -0
            ("packHalf2x16(vec2(exp2(-24.0), 1.0 / 3.0))", [0x0001, 0x3555]),                  // smallest subnormal
            ("packHalf2x16(vec2(65520.0, 2049.0))", [0x7C00, 0x6800]),                         // ties to even
            ("packHalf2x16(vec2(exp2(-25.0), 3.0 * exp2(-25.0)))", [0x0000, 0x0002]),          // subnormal ties to even
            ("packHalf2x16(vec2(uintBitsToFloat(0x7F800000u), uintBitsToFloat(0xFF800000u)))", [0x7C00, 0xFC00]),
            ("packHalf2x16(vec2(exp2(-14.0), 1023.5 * exp2(-24.0)))", [0x0400, 0x0400]),       // subnormal rounds up to normal
            ("packSnorm2x16(vec2(-1.0, 1.0))", [0x8001, 0x7FFF]),
            ("packSnorm2x16(vec2(0.25, -0.25))", [0x2000, 0xE000]),
            ("packSnorm2x16(vec2(2.0, -3.0))", [0x7FFF, 0x8001]),                              // clamped
            ("unpackHalf2x16(0xC0003C00u)", [1, -2]),
            ("unpackHalf2x16(0x00017BFFu)", [65504, 0x1p-24]),
            ("unpackHalf2x16(0x00003555u)", [0.333251953125, 0]),
            ("unpackSnorm2x16(0x80008001u)", [-1, -1]),                                        // 0x8000 clamps to -1
            ("unpackSnorm2x16(0x7FFF2000u)", [8192.0 / 32767.0, 1]),
            ("unpackSnorm2x16(0x0000E000u)", [-8192.0 / 32767.0, 0]),
        ]
        let branches = cases.enumerated().map { index, c in
            c.glsl.hasPrefix("pack")
                ? "if (i == \(index)) { uint p = \(c.glsl); o = vec4(float(p & 0xFFFFu), float(p >> 16), 0.0, 1.0); }"
                : "if (i == \(index)) { o = vec4(\(c.glsl), 0.0, 1.0); }"
        }
        let shader = """
            void mainImage(out vec4 o, in vec2 f) {
                int i = int(f.x);
                o = vec4(-1.0);
                \(branches.joined(separator: "\n    "))
            }
            """
        let pixels = try draw(ShaderSource.fragment(shader, file: "pack.frag", pass: .buffer), width: cases.count)
        for (index, c) in cases.enumerated() {
            XCTAssertEqual(pixels[index].x, c.expected.x, accuracy: 1e-7, c.glsl)
            XCTAssertEqual(pixels[index].y, c.expected.y, accuracy: 1e-7, c.glsl)
        }
        // unpackHalf2x16 keeps signed zero and infinity.
        let signed = try draw(ShaderSource.fragment("void mainImage(out vec4 o, in vec2 f) { o = vec4(unpackHalf2x16(0x7C008000u), 0.0, 1.0); }",
                                                    file: "zero.frag", pass: .buffer))
        XCTAssertEqual(signed[0].x, 0)
        XCTAssertEqual(signed[0].x.sign, .minus)
        XCTAssertEqual(signed[0].y, .infinity)
    }

    /// A file that brings its own packHalf2x16 (desktop GLSL 4.10 has none) keeps it.
    func testAnOwnPackFunctionStaysTheAuthors() throws {
        let shader = """
            uint packHalf2x16(vec2 v) { return 7u; }
            void mainImage(out vec4 o, in vec2 f) { o = vec4(float(packHalf2x16(vec2(1.0))), 0.0, 0.0, 1.0); }
            """
        XCTAssertEqual(try draw(ShaderSource.fragment(shader, file: "own.frag"))[0], SIMD4(7, 0, 0, 1))
    }

    /// Over every 16-bit pattern and 65536 spread floats, the polyfills agree
    /// with the driver's own GLSL 4.20 built-ins (where it has them).
    func testESPackFunctionsMatchTheDriversOwn() throws {
        let probe = """
            uniform int mode;
            vec4 probe(uint k) {
                if (mode == 0) return vec4(unpackHalf2x16(k | ((k ^ 0x5A5Au) << 16)), unpackSnorm2x16(k | (~k << 16)));
                float spread = uintBitsToFloat(k * 2654435761u);       // every exponent, both signs
                if (isnan(spread)) spread = 0.0;
                // Exactly halfway between half k and the next one up: rounding ties.
                float tie = uintBitsToFloat(floatBitsToUint(unpackHalf2x16(k).x) | 0x1000u);
                if (isnan(tie) || isinf(tie)) tie = 0.0;
                if (mode == 1) { uint p = packHalf2x16(vec2(spread, tie)); return vec4(p & 0xFFFFu, p >> 16, 0.0, 0.0); }
                uint p = packSnorm2x16(vec2(float(int(k) - 32768) / 30000.0, sin(float(k))));
                return vec4(p & 0xFFFFu, p >> 16, 0.0, 0.0);
            }
            """
        let native = ShaderSource(text: """
            #version 420 core
            out vec4 color;
            \(probe)
            void main() { color = probe(uint(gl_FragCoord.y) * 256u + uint(gl_FragCoord.x)); }
            """, style: .glsl, files: [0: "native.frag"])
        let polyfilled = ShaderSource.fragment("""
            \(probe)
            void mainImage(out vec4 o, in vec2 f) { o = probe(uint(f.y) * 256u + uint(f.x)); }
            """, file: "polyfilled.frag", pass: .buffer)
        sharedContext.makeCurrent()
        guard (try? ShaderProgram(fragment: native, file: "native.frag")) != nil else {
            throw XCTSkip("the driver has no GLSL 4.20 to compare with")
        }
        for mode in Int32(0)...2 {
            let theirs = try draw(native, width: 256, height: 256) { $0.setUniform("mode", int: mode) }
            let ours = try draw(polyfilled, width: 256, height: 256) { $0.setUniform("mode", int: mode) }
            let differing = (0..<ours.count).filter { index in
                (0..<4).contains { lane in
                    let a = ours[index][lane], b = theirs[index][lane]
                    return !(a == b || (a.isNaN && b.isNaN))
                }
            }
            XCTAssertEqual(differing.count, 0, "mode \(mode): first at k=\(differing.first.map(String.init) ?? "-"): ours \(differing.first.map { ours[$0] }.map { "\($0)" } ?? "") driver's \(differing.first.map { theirs[$0] }.map { "\($0)" } ?? "")")
        }
    }

    // MARK: ES names

    /// Names that ES 3.00 leaves free and GLSL 4.10 keeps (keywords, reserved
    /// words, built-in functions) work as the author's own, in Common and in
    /// the pass; a desktop built-in the text only calls keeps working.
    func testESNamesThatAreDesktopKeywordsCompileAndDraw() throws {
        let common = """
            // Free names in GLSL ES 3.00, keywords or built-ins in GLSL 4.10.
            float precise(float x) { return x * 0.5; }
            struct samplerCubeArray { float packed; float row_major; };
            float noise3(vec3 p) { return p.x + p.y; }   // the built-in returns a vec3
            uint bitCount(uint v) { return v * 2u; }      // the built-in returns an int
            """
        let pass = """
            void mainImage(out vec4 fragColor, in vec2 fragCoord) {
                float dmat2 = 0.25;
                samplerCubeArray image2DMS = samplerCubeArray(0.125, 0.0);
                float fma = noise3(vec3(0.0625, 0.0625, 0.0));
                fragColor = vec4(precise(dmat2), image2DMS.packed + fma, float(bitCount(3u)) / 8.0,
                                 float(findMSB(8)) / 4.0);   // a desktop built-in called, not declared
            }
            """
        let source = try ShaderSource.load("toy/image.glsl", common: "toy/common.glsl", pass: .buffer,
                                           read: reader(["toy/image.glsl": pass, "toy/common.glsl": common]))
        XCTAssertEqual(try draw(source)[0], SIMD4(0.125, 0.25, 0.75, 0.75))
    }

    // MARK: Files: byte order marks, Common, errors

    /// A byte order mark at the start of the pass, the Common file and an
    /// include would make Mesa drop everything after it.
    func testByteOrderMarksAtTheStartOfFilesCompile() throws {
        let bom = "\u{FEFF}"
        let source = try ShaderSource.load("s.frag", common: "common.glsl", read: reader([
            "s.frag": bom + "#include \"lib.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(fromCommon(), fromLib(), 0.0, 1.0); }",
            "lib.glsl": bom + "float fromLib() { return 0.5; }",
            "common.glsl": bom + "float fromCommon() { return 0.25; }",
        ]))
        XCTAssertEqual(try draw(source)[0], SIMD4(0.25, 0.5, 0, 1))
    }

    /// Precision statements, ES style, for float, int and sampler types.
    func testPrecisionStatementsCompile() throws {
        let shader = """
            precision highp float;
            precision highp int;
            precision mediump sampler3D;
            precision lowp samplerCube;
            precision mediump sampler2D;
            precision highp sampler2DArray;
            void mainImage(out vec4 o, in vec2 f) {
                mediump float x = 0.5;
                highp int n = 3;
                o = vec4(x, float(n) / 4.0, 0.0, 1.0) + 0.0 * texture(iChannel1, vec3(0.5));
            }
            """
        let source = ShaderSource.fragment(shader, file: "p.frag", samplers: [.texture2D, .volume])
        XCTAssertEqual(try draw(source)[0], SIMD4(0.5, 0.75, 0, 1))
    }

    /// A deliberate error in the Common file and one in the pass file each
    /// name their own file and line, through a real compile.
    func testErrorsInCommonAndPassNameTheirFileAndLine() throws {
        let goodCommon = "// helpers\nfloat helper(float x) {\n    return x;\n}\n"
        let badCommon = "// helpers\nfloat helper(float x) {\n    return x + notDeclaredInCommon;\n}\n"
        let goodPass = "#include \"lib.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) {\n    c = vec4(helper(lib()));\n}\n"
        let badPass = "#include \"lib.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) {\n    c = vec4(helper(lib()));\n    c.x = notDeclaredInPass;\n}\n"
        let lib = "float lib() { return 1.0; }"
        func compile(common: String, pass: String) -> RasterbarError? {
            assertRasterbarError(.shaderCompile) {
                try ShaderProgram(fragment: try ShaderSource.load("Shaders/toy/image.glsl", common: "Shaders/toy/common.glsl", read: reader([
                    "Shaders/toy/image.glsl": pass, "Shaders/toy/common.glsl": common, "Shaders/toy/lib.glsl": lib,
                ])), file: "Shaders/toy/image.glsl")
            }
        }
        sharedContext.makeCurrent()
        let inCommon = compile(common: badCommon, pass: goodPass)
        XCTAssertEqual(inCommon?.file, "Shaders/toy/common.glsl", "\(inCommon.map(String.init(describing:)) ?? "")")
        XCTAssertEqual(inCommon?.line, 3)
        XCTAssertEqual(inCommon?.message.contains("notDeclaredInCommon"), true)
        let inPass = compile(common: goodCommon, pass: badPass)
        XCTAssertEqual(inPass?.file, "Shaders/toy/image.glsl", "\(inPass.map(String.init(describing:)) ?? "")")
        XCTAssertEqual(inPass?.line, 4)
        XCTAssertEqual(inPass?.message.contains("notDeclaredInPass"), true)
        XCTAssertNoThrow(try ShaderProgram(fragment: try ShaderSource.load("Shaders/toy/image.glsl", common: "Shaders/toy/common.glsl", read: reader([
            "Shaders/toy/image.glsl": goodPass, "Shaders/toy/common.glsl": goodCommon, "Shaders/toy/lib.glsl": lib,
        ])), file: "Shaders/toy/image.glsl"))
    }

    /// An error about a renamed name reads with the author's name and column.
    func testErrorsAboutRenamedNamesUseTheAuthorsNames() throws {
        // No indentation: Mesa counts columns after its preprocessor has collapsed runs of blanks.
        let pass = "float precise(float x) { return x; }\nvoid mainImage(out vec4 c, in vec2 f) {\nfloat packed = 1.0; c = vec4(precise(1.0, packed));\n}\n"
        sharedContext.makeCurrent()
        let e = assertRasterbarError(.shaderCompile) {
            try ShaderProgram(fragment: ShaderSource.fragment(pass, file: "Shaders/p.frag"), file: "Shaders/p.frag")
        }
        XCTAssertEqual(e?.file, "Shaders/p.frag")
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 30, "\(e.map(String.init(describing:)) ?? "")")
        XCTAssertEqual(e?.message.contains("precise(float, float)"), true, "\(e?.message ?? "")")
        XCTAssertEqual(e?.message.contains("rb_"), false, "\(e?.message ?? "")")
    }

    // MARK: The pass wrapper

    func testChannelsHaveTheirSamplerKinds() throws {
        let shader = """
            void mainImage(out vec4 o, in vec2 f) {
                vec4 cube = texture(iChannel0, vec3(1.0, 0.0, 0.0));
                vec4 volume = texture(iChannel1, vec3(0.5)) + texelFetch(iChannel1, ivec3(0), 0);
                vec4 flat2D = texture(iChannel2, vec2(0.5));
                o = vec4(0.25, 0.5, 0.75, 1.0) + 0.0 * (cube + volume + flat2D + texture(iChannel3, vec2(0.5)));
            }
            """
        let source = ShaderSource.fragment(shader, file: "k.frag", samplers: [.cube, .volume])
        XCTAssertEqual(try draw(source)[0], SIMD4(0.25, 0.5, 0.75, 1))
        sharedContext.makeCurrent()
        XCTAssertThrowsError(try ShaderProgram(fragment: ShaderSource.fragment(shader, file: "k.frag"), file: "k.frag"),
                             "with sampler2D channels the same shader does not compile")
    }

    func testBufferPassKeepsAlphaImagePassIsOpaqueAndHWPerformanceIsDefined() throws {
        let shader = """
            void mainImage(out vec4 o, in vec2 f) {
            #if HW_PERFORMANCE == 1
                o = vec4(0.5, 0.0, 0.0, 0.25);
            #endif
            }
            """
        XCTAssertEqual(try draw(ShaderSource.fragment(shader, file: "b.frag", pass: .buffer))[0], SIMD4(0.5, 0, 0, 0.25))
        XCTAssertEqual(try draw(ShaderSource.fragment(shader, file: "i.frag", pass: .image))[0], SIMD4(0.5, 0, 0, 1))
    }

    // MARK: The sound pass

    /// Each pixel holds one sample: s = iSampleOffset + y * width + x at
    /// t = iTimeOffset + (y * width + x) / iSampleRate, clamped to [-1, 1],
    /// for both forms of mainSound, matching a CPU evaluation.
    func testSoundPassRendersMainSoundSampleBySample() throws {
        let width = 16, height = 4, offset = 44_100 * 3 + 7, rate = 44_100.0
        let timeOffset = Double(offset) / rate
        let common = "float gain() { return 0.5; }"
        let files = [
            "sound.glsl": "vec2 mainSound(int samp, float time) {\n    return vec2(float(samp % 1000) / 500.0 - 1.0, gain() * sin(6.2831853 * 440.0 * time) * 3.0);\n}",
            "old.glsl": "vec2 mainSound(float time) { return vec2(time, -time); }",
            "common.glsl": common,
        ]
        func set(_ program: ShaderProgram) {
            [Float(timeOffset)].withUnsafeBufferPointer { program.setUniform("iTimeOffset", floats: $0) }
            [Float(rate)].withUnsafeBufferPointer { program.setUniform("iSampleRate", floats: $0) }
            program.setUniform("iSampleOffset", int: Int32(offset))
            program.setUniform("rbSoundWidth", int: Int32(width))
        }
        let sound = try draw(try ShaderSource.sound("sound.glsl", common: "common.glsl", read: reader(files)),
                             width: width, height: height, set: set)
        let old = try draw(try ShaderSource.sound("old.glsl", common: "common.glsl", read: reader(files)),
                           width: width, height: height, set: set)
        for y in 0..<height {
            for x in 0..<width {
                let index = y * width + x, pixel = sound[index]
                let sample = offset + index
                let time = Float(timeOffset) + Float(index) / Float(rate)
                XCTAssertEqual(pixel.x, Float(sample % 1000) / 500 - 1, accuracy: 1e-6, "left at (\(x), \(y))")
                XCTAssertEqual(pixel.y, max(-1, min(1, 0.5 * sin(6.2831853 * 440 * time) * 3)), accuracy: 2e-3, "right at (\(x), \(y))")
                XCTAssertEqual([pixel.z, pixel.w], [0, 1])
                XCTAssertEqual(old[index].x, 1, "clamped: t is past 1 s")
                XCTAssertEqual(old[index].y, -1)
            }
        }
        // The older form's time, unclamped: a small offset.
        let early = try draw(try ShaderSource.sound("old.glsl", read: reader(files)), width: width, height: 1) { program in
            [Float(0.25), Float(8)].withUnsafeBufferPointer { p in
                program.setUniform("iTimeOffset", floats: UnsafeBufferPointer(rebasing: p[0..<1]))
                program.setUniform("iSampleRate", floats: UnsafeBufferPointer(rebasing: p[1..<2]))
            }
            program.setUniform("rbSoundWidth", int: Int32(width))
        }
        XCTAssertEqual(early.map(\.x), (0..<width).map { min(1, 0.25 + Float($0) / 8) })
    }
}
