// Real rendering on a real headless GL context (llvmpipe here, a GPU where
// there is one): pixels, determinism, Shadertoy conventions and shader errors.
import XCTest
@testable import RasterbarCore
@testable import RasterbarGL
@testable import RasterbarHost

final class RenderTests: XCTestCase {
    func folder(_ files: [String: String]) throws -> DemoFolder {
        try DemoFolder.load(try TemporaryDemo(self, files: files).demoFile)
    }

    /// Every Shadertoy uniform reaches the shader with the documented value.
    func testShadertoyUniformsHaveTheirValues() throws {
        // Three bands of pixels, each encoding some uniforms as bytes (value / 255).
        let shader = """
            void mainImage(out vec4 fragColor, in vec2 fragCoord) {
                vec4 t = texture(iChannel0, vec2(0.5)) + texture(iChannel1, vec2(0.5))
                       + texture(iChannel2, vec2(0.5)) + texture(iChannel3, vec2(0.5));
                float unused = iChannelTime[0] + iChannelResolution[0].x + iSampleRate * 0.0;
                if (fragCoord.x < 20.0) {
                    fragColor = vec4(iResolution.x, iResolution.y, float(iFrame), 0.0) / 255.0;
                } else if (fragCoord.x < 40.0) {
                    fragColor = vec4(iTime * 100.0, rbDemoTime * 10.0, iTimeDelta * 6000.0, 0.0) / 255.0;
                } else {
                    fragColor = vec4(iDate.x - 1900.0 + iDate.y, iDate.z, iDate.w * 10.0 + iMouse.x + t.r + unused * 0.0, 0.0) / 255.0;
                }
                fragColor.a = 0.25; // Shadertoy shows images opaque: alpha is replaced by 1.
            }
            """
        let demo = try folder(TemporaryDemo.oneScene(shader: shader, start: 1, end: 9, resolution: "[60, 10]"))
        let image = try renderHeadless(demo, at: 2.5)
        XCTAssertEqual(image.width, 60)
        let a = image.pixel(x: 5, y: 5), b = image.pixel(x: 25, y: 5), c = image.pixel(x: 45, y: 5)
        XCTAssertEqual([a.r, a.g, a.b, a.a], [60, 10, 90, 255], "iResolution.xy, iFrame counts the scene's frames as iTime its seconds: 1.5 s * 60 fps")
        XCTAssertEqual([b.r, b.g, b.b], [150, 25, 100], "iTime is scene time (1.5 s), rbDemoTime 2.5 s, iTimeDelta 1/60 s")
        XCTAssertEqual([c.r, c.g, c.b], [100, 1, 25], "iDate is 2000-01-01 plus demo time offline; iMouse is 0")
    }

    func testOrientationIsTopDownWithShadertoyOriginBottomLeft() throws {
        let shader = "void mainImage(out vec4 c, in vec2 f) { c = vec4(f.y < 16.0 ? 1.0 : 0.0, f.x < 32.0 ? 1.0 : 0.0, 0.0, 1.0); }"
        let image = try renderHeadless(try folder(TemporaryDemo.oneScene(shader: shader)), at: 0)
        XCTAssertEqual(image.pixel(x: 0, y: 31).r, 255, "bottom row of the image is fragCoord.y = 0.5")
        XCTAssertEqual(image.pixel(x: 0, y: 0).r, 0, "top row of the image is the top of the screen")
        XCTAssertEqual(image.pixel(x: 0, y: 0).g, 255)
        XCTAssertEqual(image.pixel(x: 63, y: 0).g, 0)
    }

    func testPlainGLSLCompilesAsWritten() throws {
        let shader = """
            #version 330 core
            uniform vec3 iResolution;
            out vec4 color;
            void main() { color = vec4(gl_FragCoord.x / iResolution.x, 0.5, 1.0, 1.0); }
            """
        let image = try renderHeadless(try folder(TemporaryDemo.oneScene(shader: shader)), at: 1)
        let p = image.pixel(x: 63, y: 0)
        XCTAssertEqual([p.g, p.b, p.a], [128, 255, 255])
        XCTAssertEqual(Int(p.r), 252, accuracy: 1)
    }

    func testSameTimeRendersIdenticalPixels() throws {
        let demo = try DemoFolder.load(repositoryRoot.appendingPathComponent("demo.json").path)
        let size = PixelSize(width: 160, height: 90)
        for time in [1.0, 10.5, 20.25] {
            let first = try renderHeadless(demo, at: time, size: size)
            let again = try renderHeadless(demo, at: time, size: size)
            XCTAssertEqual(first, again, "t=\(time)")
            XCTAssertGreaterThan(Set(first.pixels).count, 50, "the frame at t=\(time) is not blank")
        }
        XCTAssertNotEqual(try renderHeadless(demo, at: 1.0, size: size), try renderHeadless(demo, at: 1.1, size: size))
    }

    func testCompileErrorNamesFileAndLine() throws {
        let shader = "void mainImage(out vec4 c, in vec2 f) {\n    c = vec4(1.0);\n    c.x = undefinedThing;\n}\n"
        let demo = try folder(TemporaryDemo.oneScene(shader: shader))
        let e = assertRasterbarError(.shaderCompile) { try renderHeadless(demo, at: 1) }
        XCTAssertEqual(e?.location?.hasPrefix("Shaders/s.frag:3"), true, "\(e.map(String.init(describing:)) ?? "")")
        XCTAssertEqual(e?.message.contains("undefinedThing"), true)
    }

    func testLinkErrorIsReported() throws {
        // A plain GLSL file with no main compiles but cannot link.
        let demo = try folder(TemporaryDemo.oneScene(shader: "#version 330 core\nout vec4 c;\nvoid notMain() { c = vec4(1); }\n"))
        let e = assertRasterbarError(.shaderLink) { try renderHeadless(demo, at: 1) }
        XCTAssertEqual(e?.location, "Shaders/s.frag")
    }

    func testTimeOutsideTheDemoIsRefused() throws {
        let demo = try folder(TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1); }"))
        for t in [-0.5, 10.01, .nan, .infinity] {
            assertRasterbarError(.timeOutOfRange) { try renderHeadless(demo, at: t) }
        }
        XCTAssertNoThrow(try renderHeadless(demo, at: 10), "the end of the demo is a valid time")
    }

    func testSizeOverridesTheDemoResolution() throws {
        let demo = try folder(TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(iResolution.xy / 255.0, 0, 1); }"))
        let image = try renderHeadless(demo, at: 0, size: PixelSize(width: 17, height: 9))
        XCTAssertEqual([image.width, image.height], [17, 9])
        XCTAssertEqual([image.pixel(x: 3, y: 3).r, image.pixel(x: 3, y: 3).g], [17, 9])
    }

    func testMissingAndBinaryShaderFilesAreClearErrors() throws {
        let t = try TemporaryDemo(self, files: TemporaryDemo.oneScene(shader: "x"))
        try FileManager.default.removeItem(atPath: t.path("Shaders/s.frag"))
        let missing = assertRasterbarError(.fileNotFound) { try DemoFolder.load(t.demoFile) }
        XCTAssertEqual(missing?.message, "scenes[0].shader: file not found: Shaders/s.frag")
        XCTAssertEqual(missing?.location?.hasSuffix("demo.json:2:64"), true, missing?.location ?? "")
        try Data([0xFF, 0xFE, 0x00, 0x41]).write(to: URL(fileURLWithPath: t.path("Shaders/s.frag")))
        let demo = try DemoFolder.load(t.demoFile)
        let binary = assertRasterbarError(.fileUnreadable) { try renderHeadless(demo, at: 1) }
        XCTAssertEqual(binary?.location, "Shaders/s.frag")
    }
}
