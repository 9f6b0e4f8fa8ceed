// Scripts through the real executable: `play --headless --events` compiling in
// the background while it plays, `check`, `render`, and a missing compiler.
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

final class ScriptPlayerTests: XCTestCase {
    func scriptDemo(_ script: String, end: Double = 600) throws -> TemporaryDemo {
        try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": \#(end), "script": "Scripts/Counter.swift"}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Counter.swift": script,
        ])
    }


    func testEditingAScriptWhilePlayingSwapsGenerationsAndSurvivesATrap() throws {
        let d = try scriptDemo(counterScript(version: 1))
        let snapshot = d.path("snap.png")
        let player = try LiveProcess(["play", "--headless", "--events", "--snapshot", snapshot, d.demoFile])
        defer { player.stop() }
        XCTAssertNotNil(player.waitForLine(containing: [#""event":"load","kind":"script""#], timeout: 60), "\(player.output)")
        for (step, style) in SaveStyle.allCases.enumerated() {
            let version = 10 + step
            let mark = player.output.count
            try style.save(counterScript(version: version), to: d.path("Scripts/Counter.swift"))
            let frame = try XCTUnwrap(player.waitForLine(containing: [#""event":"frame""#, #""reloaded":["Scripts/Counter.swift"]"#],
                                                         after: mark, timeout: 60), "\(style): \(player.output)")
            XCTAssertNotNil(player.output[mark..<frame].first { $0.contains(#""generation":\#(step + 2)"#) }, "\(style)")
            let pixel = try Image(pngFile: snapshot).pixel(x: 3, y: 3)
            XCTAssertEqual(pixel.r, UInt8(version), "\(style): the new generation drew the frame")
            XCTAssertGreaterThan(pixel.g, 1, "\(style): the counter carried over")
        }
        // A trap: reported with the signal and the runtime's own message, rolled back.
        let mark = player.output.count
        try SaveStyle.inPlace.save(counterScript(version: 66, body: "if state.frames > 0 { _ = [1][state.frames + 3] }"),
                                   to: d.path("Scripts/Counter.swift"))
        let trap = try XCTUnwrap(player.waitForLine(containing: [#""error":"scriptTrap""#], after: mark, timeout: 60), "\(player.output)")
        XCTAssertTrue(player.output[trap].contains("SIGILL"), player.output[trap])
        XCTAssertTrue(player.output[trap].contains("Index out of range"), player.output[trap])
        XCTAssertTrue(player.output[trap].contains("rolled back to generation 5"), player.output[trap])
        XCTAssertTrue(player.process.isRunning)
        try SaveStyle.inPlace.save(counterScript(version: 77), to: d.path("Scripts/Counter.swift"))
        XCTAssertNotNil(player.waitForLine(containing: [#""event":"frame""#], after: trap, timeout: 60), "\(player.output)")
        XCTAssertEqual(try Image(pngFile: snapshot).pixel(x: 3, y: 3).r, 77)
    }

    func testTheWatchdogReportsAFrameThatRunsTooLongWhileItRuns() throws {
        let body = "if state.frames == 3 { var x = 0.0; let start = ContinuousClock.now; while ContinuousClock.now - start < .milliseconds(2800) { x += 1 }; state.frames += Int(x) * 0; context.log(\"slow frame done\") }"
        let d = try scriptDemo(counterScript(version: 1, body: body))
        // A 3 s limit: reported at 1.5 s, while it runs; the frame ends by itself at 2.8 s.
        let player = try LiveProcess(["play", "--headless", "--events", "--script-timeout", "3", d.demoFile])
        defer { player.stop() }
        let line = try XCTUnwrap(player.waitForLine(containing: [#""event":"warning""#, "has been running for more than 1.5 s"], timeout: 60),
                                 "\(player.output)")
        XCTAssertTrue(player.output[line].contains("Scripts/Counter.swift frame"), player.output[line])
        // Told while the frame still runs (the render thread is stuck in it), not after.
        let done = try XCTUnwrap(player.waitForLine(containing: ["slow frame done"], timeout: 30), "\(player.output)")
        XCTAssertGreaterThan(player.arrival(of: done) - player.arrival(of: line), 0.8,
                             "the warning came about 1.3 s before the frame ended")
        XCTAssertFalse(player.output.contains { $0.contains("scriptTimeout") }, "it ended within its limit")
        XCTAssertNotNil(player.waitForLine(containing: ["never"], after: line, timeout: 0.5) ?? 1, "the player goes on afterwards")
        XCTAssertTrue(player.process.isRunning)
    }

    func testCheckReportsEveryProblemAndExitsNonZero() throws {
        let d = try scriptDemo(counterScript(version: 1))
        let good = try runRasterbar(["check", d.demoFile])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.stdout.contains("1 scene, 1 shader, 1 script, 0 textures: no problems"), good.stdout)
        try d.write("Scripts/Counter.swift", counterScript(version: 1, body: "undefinedFunction()"))
        try d.write("Shaders/solid.frag", "void mainImage(out vec4 c, in vec2 f) { c = nope; }")
        let bad = try runRasterbar(["check", d.demoFile])
        XCTAssertEqual(bad.status, 1)
        let lines = bad.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, bad.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("rasterbar: Scripts/Counter.swift:9:") && $0.contains("undefinedFunction") }, bad.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("rasterbar: Shaders/solid.frag:1:45:") }, bad.stderr)
        XCTAssertTrue(bad.stdout.contains("2 problems"), bad.stdout)
    }

    func testRenderOfAScriptSceneAndAMissingCompiler() throws {
        let d = try scriptDemo(counterScript(version: 9), end: 10)
        let out = d.path("frame.png")
        let rendered = try runRasterbar(["render", d.demoFile, "--time", "1", "--out", out])
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        let p = try Image(pngFile: out).pixel(x: 1, y: 1)
        XCTAssertEqual([p.r, p.g], [9, 61], "frame-exact: 61 frames from the scene's start to t = 1 s")

        var noCompiler = testEnvironment()
        noCompiler["SWIFTC"] = "/nonexistent/swiftc"
        noCompiler["RASTERBAR_CACHE"] = d.path("cache")
        let failed = try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("x.png")], environment: noCompiler)
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("swiftc not found at SWIFTC=/nonexistent/swiftc"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("install the Swift toolchain"), failed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: d.path("x.png")))
    }

    func testASecondStartLoadsScriptsWithoutCompiling() throws {
        let d = try scriptDemo(counterScript(version: 4), end: 10)
        var env = testEnvironment()
        env["RASTERBAR_CACHE"] = d.path("cache")
        XCTAssertEqual(try runRasterbar(["check", d.demoFile], environment: env).status, 0)
        let scripts = d.path("cache")
        let built = try XCTUnwrap(FileManager.default.subpaths(atPath: scripts)?.filter { $0.hasSuffix(".so") && $0.contains("/scripts/") })
        XCTAssertEqual(built.count, 1)
        let modified = try FileManager.default.attributesOfItem(atPath: scripts + "/" + built[0])[.modificationDate] as? Date
        // A compiler that fails loudly if it is run: the second start must not need it.
        env["SWIFTC"] = try makeFakeCompiler(in: d)
        let second = try runRasterbar(["render", d.demoFile, "--time", "0", "--out", d.path("f.png")], environment: env)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: scripts + "/" + built[0])[.modificationDate] as? Date, modified)
    }

    /// A swiftc stand-in that answers --version like the real one and refuses to compile.
    func makeFakeCompiler(in d: TemporaryDemo) throws -> String {
        let real = try Toolchain.locate(environment: ProcessInfo.processInfo.environment)
        let path = d.path("fake-swiftc")
        try Data("#!/bin/sh\nif [ \"$1\" = --version ]; then exec \(real.swiftc) --version; fi\necho 'compiled when the cache should have been used' >&2\nexit 3\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        return path
    }
}
