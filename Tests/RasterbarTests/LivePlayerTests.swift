// End to end: the real `rasterbar play --headless --events` on a copy of a
// demo, edited while it plays, as an editor would.
import XCTest
@testable import RasterbarCore

final class LivePlayerTests: XCTestCase {
    func testEditingAShaderWhilePlayingReloadsAndTheNextFrameShowsIt() throws {
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(
            shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1, 0, 0, 1); }", end: 600))
        let snapshot = d.path("snapshot.png")
        let player = try LiveProcess(["play", "--headless", "--events", "--snapshot", snapshot, d.demoFile])
        defer { player.stop() }
        let loaded = try XCTUnwrap(player.waitForLine(containing: [#""event":"load""#, #""key":"Shaders/s.frag""#]),
                                   "the player loads the shader: \(player.output)")
        for (step, style) in SaveStyle.allCases.enumerated() {
            let green = 50 * (step + 1)
            let mark = player.output.count
            try style.save("void mainImage(out vec4 c, in vec2 f) { c = vec4(0, \(green).0 / 255.0, 0, 1); }",
                           to: d.path("Shaders/s.frag"))
            let reload = try XCTUnwrap(player.waitForLine(containing: [#""event":"reload""#, #""key":"Shaders/s.frag""#,
                                                                      #""generation":\#(step + 2)"#], after: mark),
                                       "\(style): \(player.output)")
            XCTAssertGreaterThan(reload, loaded)
            let frame = try XCTUnwrap(player.waitForLine(containing: [#""event":"frame""#, #""reloaded":["Shaders/s.frag"]"#], after: reload),
                                      "\(style): \(player.output)")
            XCTAssertTrue(player.output[frame].contains(snapshot))
            let pixel = try Image(pngFile: snapshot).pixel(x: 3, y: 3)
            XCTAssertEqual([pixel.r, pixel.g, pixel.b], [0, UInt8(green), 0], "\(style)")
        }
        // A broken save: an error event with file and line, and the player keeps going.
        let mark = player.output.count
        try SaveStyle.inPlace.save("void mainImage(out vec4 c, in vec2 f) {\n  c = broken;\n}", to: d.path("Shaders/s.frag"))
        let error = try XCTUnwrap(player.waitForLine(containing: [#""event":"error""#, #""file":"Shaders/s.frag""#, #""line":2"#],
                                                     after: mark), "\(player.output)")
        XCTAssertTrue(player.process.isRunning)
        try SaveStyle.inPlace.save("void mainImage(out vec4 c, in vec2 f) { c = vec4(1); }", to: d.path("Shaders/s.frag"))
        XCTAssertNotNil(player.waitForLine(containing: [#""event":"frame""#], after: error), "\(player.output)")
        let pixel = try Image(pngFile: snapshot).pixel(x: 3, y: 3)
        XCTAssertEqual([pixel.r, pixel.g, pixel.b], [255, 255, 255])
    }

    func testHeadlessPlayStopsAfterFramesAndAtTheEnd() throws {
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1); }", end: 0.2))
        let shot = d.path("last.png")
        let limited = try runRasterbar(["play", "--headless", "--frames", "3", "--screenshot", shot, d.demoFile])
        XCTAssertEqual(limited.status, 0, limited.stderr)
        XCTAssertEqual(try Image(pngFile: shot).pixel(x: 0, y: 0).r, 255)
        let started = Date()
        let ended = try runRasterbar(["play", "--headless", d.demoFile])
        XCTAssertEqual(ended.status, 0, ended.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
    }

    func testBrokenShaderAtStartPlaysTheErrorPatternAndSaysWhy() throws {
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) {\n c = nope;\n}"))
        let shot = d.path("last.png")
        let result = try runRasterbar(["play", "--headless", "--events", "--frames", "2", "--screenshot", shot, d.demoFile])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("Shaders/s.frag:2:"), result.stderr)
        XCTAssertTrue(result.stdout.contains(#""event":"error","kind":"shader","key":"Shaders/s.frag","error":"shaderCompile""#), result.stdout)
        let colours = Set((0..<64).map { x -> [UInt8] in
            let p = try! Image(pngFile: shot).pixel(x: x, y: 10)
            return [p.r, p.g, p.b]
        })
        XCTAssertTrue(colours.contains([255, 0, 255]), "the error pattern, not black: \(colours)")
    }
}
