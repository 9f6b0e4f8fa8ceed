// The windowed path for real: an X server (Xvfb), a GLFW window, frames drawn
// and the window's back buffer read back. Skipped, saying why, without Xvfb.
import XCTest
@testable import RasterbarCore

final class WindowTests: XCTestCase {
    func testWindowShowsWhatHeadlessRenders() throws {
        let display = try startXvfb()
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(
            shader: "void mainImage(out vec4 c, in vec2 f) { vec2 uv = f / iResolution.xy; c = vec4(uv, 0.5 + 0.5 * sin(iTime), 1.0); }",
            resolution: "[1280, 720]"))
        let env = testEnvironment(display: display)
        let shot = d.path("window.png")
        let result = try runRasterbar(["play", d.demoFile, "--start", "3", "--paused", "--frames", "5", "--screenshot", shot],
                                      environment: env)
        XCTAssertEqual(result.status, 0, result.stderr)
        let window = try Image(pngFile: shot)
        XCTAssertEqual([window.width, window.height], [1280, 720])
        let headless = try renderHeadless(try DemoFolder.load(d.demoFile), at: 3)
        let difference = ImageDifference(window, headless, tolerance: 2)
        XCTAssertEqual(difference.differingShare, 0, "window vs headless at t=3: \(difference)")
    }

    func testOverlayAndErrorPanelAreDrawnInTheWindow() throws {
        let display = try startXvfb()
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(
            shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(0.0, 0.0, 0.0, 1.0); }", resolution: "[1280, 720]"))
        let env = testEnvironment(display: display)
        func shot(_ extra: [String]) throws -> Image {
            let path = d.path("shot-\(UUID()).png")
            let result = try runRasterbar(["play", d.demoFile, "--paused", "--frames", "3", "--screenshot", path] + extra, environment: env)
            XCTAssertEqual(result.status, 0, result.stderr)
            return try Image(pngFile: path)
        }
        func lit(_ image: Image, rows: Range<Int>) -> Int {
            rows.reduce(0) { count, y in count + (0..<600).filter { image.pixel(x: $0, y: y).r > 128 }.count }
        }
        let plain = try shot([])
        XCTAssertEqual(lit(plain, rows: 0..<80), 0, "a black scene, nothing on top")
        let withOverlay = try shot(["--overlay"])
        XCTAssertGreaterThan(lit(withOverlay, rows: 0..<80), 500, "overlay text in the top left")
        XCTAssertEqual(lit(withOverlay, rows: 300..<700), 0, "and nowhere else")
        // A broken shader: the error panel at the bottom, red, until fixed.
        try d.write("Shaders/s.frag", "void mainImage(out vec4 c, in vec2 f) { c = broken; }")
        let broken = try shot([])
        // The panel's light text has green in it; the magenta error pattern behind it has none.
        let text = (690..<715).reduce(0) { count, y in count + (0..<600).filter { broken.pixel(x: $0, y: y).g > 150 }.count }
        XCTAssertGreaterThan(text, 100, "error text at the bottom of the window")
        let pattern = (300..<400).reduce(0) { count, y in count + (0..<600).filter { broken.pixel(x: $0, y: y).g > 150 }.count }
        XCTAssertEqual(pattern, 0, "no such pixels in the pattern itself")
    }

    func testPlayingToTheEndQuits() throws {
        let display = try startXvfb()
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(
            shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1.0); }", end: 0.3))
        let env = testEnvironment(display: display)
        let started = Date()
        let result = try runRasterbar(["play", d.demoFile], environment: env)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "a 0.3 s demo ends by itself")
    }
}
