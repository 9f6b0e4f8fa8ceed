// The player under its supervisor, for real: a script that takes the whole
// process down (a trap on a thread it started, exit(3)) does not end the
// player: it comes back within 3 s at the same demo time, says why, plays the
// script's version from before, and the next save loads.
import XCTest
@testable import RasterbarCore

final class SupervisorTests: XCTestCase {
    func demo() throws -> TemporaryDemo {
        try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": 600, "script": "Scripts/Counter.swift"}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Counter.swift": counterScript(version: 1),
        ])
    }

    /// Plays, saves a version that takes the process down `how`, and checks the recovery.
    func recover(from crash: String, imports: String, cause: String, message: String?) throws {
        let d = try demo()
        let snapshot = d.path("snap.png")
        let player = try LiveProcess(["play", "--headless", "--events", "--snapshot", snapshot, d.demoFile])
        defer { player.stop() }
        // The first frame that shows the script (it compiles in the background, or comes from the cache).
        var first = try XCTUnwrap(player.waitForLine(containing: [#""event":"frame""#], timeout: 60), "\(player.output)")
        if !player.output[..<first].contains(where: { $0.contains(#""kind":"script""#) }) {
            first = try XCTUnwrap(player.waitForLine(containing: [#""event":"frame""#, #""reloaded":["Scripts/Counter.swift"]"#], timeout: 60),
                                  "\(player.output)")
        }
        XCTAssertEqual(try Image(pngFile: snapshot).pixel(x: 3, y: 3).r, 1)
        usleep(500_000) // demo time moves on
        try SaveStyle.tempAndRename.save(imports + counterScript(version: 2, body: crash), to: d.path("Scripts/Counter.swift"))
        let recovered = try XCTUnwrap(player.waitForLine(containing: [#""event":"recovered""#], after: first, timeout: 60), "\(player.output)")
        let line = player.output[recovered]
        XCTAssertTrue(line.contains(#""cause":"\#(cause)""#), line)
        if let message { XCTAssertTrue(line.contains(message), line) }
        XCTAssertTrue(line.contains(#""script":"Scripts/Counter.swift""#), line)
        let crashedAt = try XCTUnwrap(Double(line.split(separator: "\"time\":").last?.split(separator: ",").first ?? ""), line)
        XCTAssertGreaterThan(crashedAt, 0.3, "the crash came after half a second of play")
        // Back within 3 s, at the same demo time, playing the version from before.
        let back = try XCTUnwrap(player.waitForLine(containing: [#""event":"frame""#], after: recovered, timeout: 10), "\(player.output)")
        XCTAssertLessThan(player.arrival(of: back) - player.arrival(of: recovered), 3, "recovered within 3 s")
        let resumedAt = try XCTUnwrap(Double(player.output[back].split(separator: "\"time\":").last?.split(separator: ",").first ?? ""))
        XCTAssertEqual(resumedAt, crashedAt, accuracy: 0.05, "the same demo time")
        let told = try XCTUnwrap(player.waitForLine(containing: ["restarted after a crash", "Scripts/Counter.swift"], after: recovered, timeout: 10),
                                 "\(player.output)")
        XCTAssertTrue(player.output[told].contains("state started fresh"), player.output[told])
        // The new player's first frame (its snapshot) shows the version from before, not the one that crashed.
        var fallback = back
        if !player.output[recovered..<back].contains(where: { $0.contains(#""kind":"script""#) }) {
            fallback = try XCTUnwrap(player.waitForLine(containing: [#""event":"frame""#, #""reloaded":["Scripts/Counter.swift"]"#], after: back, timeout: 60),
                                     "\(player.output)")
        }
        XCTAssertEqual(try Image(pngFile: snapshot).pixel(x: 3, y: 3).r, 1, "generation 1 plays again; the crashing one is not loaded")
        XCTAssertTrue(player.process.isRunning)
        // The next save loads.
        try SaveStyle.inPlace.save(counterScript(version: 3), to: d.path("Scripts/Counter.swift"))
        XCTAssertNotNil(player.waitForLine(containing: [#""event":"frame""#, #""reloaded":["Scripts/Counter.swift"]"#], after: fallback, timeout: 60),
                        "\(player.output)")
        XCTAssertEqual(try Image(pngFile: snapshot).pixel(x: 3, y: 3).r, 3)
    }

    func testATrapOnAThreadTheScriptStartedIsSurvived() throws {
        try recover(from: "Thread { fatalError(\"boom on my own thread\") }.start(); Thread.sleep(forTimeInterval: 1)",
                    imports: "import Foundation\n", cause: "SIGILL", message: "boom on my own thread")
    }

    func testExitFromAScriptIsSurvived() throws {
        try recover(from: "exit(3)", imports: "import Glibc\n", cause: "exit status 3", message: nil)
    }

    func testAQuitIsAQuitAndStartUpErrorsPassThrough() throws {
        let d = try demo()
        let quit = try runRasterbar(["play", "--headless", "--control", d.demoFile], input: #"{"command":"quit"}"# + "\n")
        XCTAssertEqual(quit.status, 0, quit.stderr)
        XCTAssertFalse(quit.stdout.contains("recovered"), quit.stdout)
        let bad = try runRasterbar(["play", "--headless", "--start", "nowhere", d.demoFile])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr.components(separatedBy: "\n").filter { !$0.isEmpty }.count, 1, "one line, once: \(bad.stderr)")
    }
}
