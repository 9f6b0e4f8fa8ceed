// No script can freeze the player: a call that runs past the limit is ended
// by the watchdog and the scene rolls back as for a trap, in init, in frame
// and while its state is saved; the next save loads. Real swiftc, real signals.
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

final class ScriptTimeoutTests: XCTestCase {
    /// The counter scene with hooks: code in `init`, in `frame`, and a state getter.
    func script(version: Int, initBody: String = "", frameBody: String = "", stateGetter: String? = nil) -> String {
        let property = stateGetter.map { "var stored = State()\n    var state: State { get { \($0); return stored } set { stored = newValue } }" }
        return counterScript(version: version, body: frameBody, stateProperty: property ?? "var state = State()", initBody: initBody)
    }

    let limit = 0.4

    /// Draws a frame and returns the pixel, timing it.
    func timedDraw(_ s: LiveDemo) throws -> (pixel: [UInt8], seconds: Double) {
        let t0 = monotonicSeconds()
        let pixel = try s.draw()
        return (pixel, monotonicSeconds() - t0)
    }

    func testAnEndlessLoopInFrameIsStoppedAndRolledBack() throws {
        let s = try LiveDemo.script(self, script: script(version: 1), scriptTimeout: limit)
        try s.draw()
        XCTAssertEqual(try s.draw(), [1, 2, 255])
        // Endless, and spending most of its time in the host (context calls) and the runtime.
        for (i, loop) in ["while true { }", "var n: Float = 0; while true { n += context.param(\"answer\") }",
                          "var a: [Int] = []; while true { a.append(a.count); if a.count > 1000 { a.removeAll() } }"].enumerated() {
            let mark = s.harness.events.count
            try s.save(script(version: 2 + i, frameBody: loop))
            let (pixel, seconds) = try timedDraw(s)
            XCTAssertEqual(pixel[0], 1, "\(loop): generation 1 draws again")
            XCTAssertLessThan(seconds, limit + 3, "\(loop): stopped soon after the limit")
            let error = try XCTUnwrap(s.errors(since: mark).first, "\(loop): \(s.harness.events[mark...])")
            XCTAssertEqual(error.kind, .scriptTimeout)
            XCTAssertEqual(error.file, "Scripts/Counter.swift")
            XCTAssertTrue(error.message.contains("timed out: frame ran for more than 0.4 s"), error.message)
            XCTAssertTrue(error.message.contains("rolled back to generation 1"), error.message)
        }
        try s.save(script(version: 9))
        XCTAssertEqual(try s.draw()[0], 9, "the next save loads")
        let boxed: Any = ["still": "fine"]
        XCTAssertEqual((boxed as? [String: String])?["still"], "fine", "the host still works")
    }

    func testAnEndlessLoopInInitIsStoppedAndRolledBack() throws {
        let s = try LiveDemo.script(self, script: script(version: 1), scriptTimeout: limit)
        try s.draw()
        let mark = s.harness.events.count
        try s.save(script(version: 2, initBody: "var i = 0; while true { i += 1; if i == Int.max { break } }"))
        let (pixel, seconds) = try timedDraw(s)
        XCTAssertEqual(pixel[0], 1, "generation 1 draws again")
        XCTAssertLessThan(seconds, limit + 3)
        let error = try XCTUnwrap(s.errors(since: mark).first)
        XCTAssertEqual(error.kind, .scriptTimeout)
        XCTAssertTrue(error.message.contains("create ran for more than"), error.message)
        try s.save(script(version: 3))
        XCTAssertEqual(try s.draw()[0], 3)
    }

    func testAnEndlessLoopWhileSavingStateIsStoppedAndTheStateFromBeforeKept() throws {
        let s = try LiveDemo.script(self, script: script(version: 1), scriptTimeout: limit)
        for _ in 0..<3 { try s.draw() }
        // Generation 2's state getter never returns once it has drawn a few
        // frames; its frames use the stored value directly, so only saving its
        // state gets stuck (reading its defaults when it starts does not).
        try s.save(script(version: 2, stateGetter: "if stored.frames > 5 { while true { } }").replacingOccurrences(of: "state.frames", with: "stored.frames"))
        XCTAssertEqual(try s.draw(), [2, 4, 255], "generation 2 took the state over")
        for _ in 0..<3 { try s.draw() }
        let mark = s.harness.events.count
        try s.save(script(version: 3))
        let (pixel, seconds) = try timedDraw(s)
        XCTAssertLessThan(seconds, limit + 3)
        let error = try XCTUnwrap(s.errors(since: mark).first)
        XCTAssertEqual(error.kind, .scriptTimeout)
        XCTAssertTrue(error.message.contains("while saving its state (generation 2)"), error.message)
        XCTAssertEqual(pixel, [3, 4, 255], "generation 3 starts from the state saved before generation 2 (3 frames), and draws its 4th")
    }

    func testTheLimitIsAnOptionAndCheckedThroughTheRealPlayer() throws {
        let d = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": 600, "script": "Scripts/Counter.swift"}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Counter.swift": script(version: 1, frameBody: "if state.frames == 5 { while true { } }"),
        ])
        let player = try LiveProcess(["play", "--headless", "--events", "--script-timeout", "0.5", d.demoFile])
        defer { player.stop() }
        let line = try XCTUnwrap(player.waitForLine(containing: [#""error":"scriptTimeout""#], timeout: 60), "\(player.output)")
        XCTAssertTrue(player.output[line].contains("more than 0.5 s"), player.output[line])
        XCTAssertTrue(player.process.isRunning, "the player plays on")
        let bad = try runRasterbar(["play", "--headless", "--script-timeout", "0", d.demoFile])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("--script-timeout 0.0 is out of range"), bad.stderr)
    }
}
