// End to end: `rasterbar play --headless --events --control` driven through a
// pipe, as an editor or a tool would: every command answered, a bad one
// refused while the player plays on, a track set live visible in the next
// snapshot, and saving tracks writes demo.json without a reload echo.
import XCTest
@testable import RasterbarCore

final class ControlChannelTests: XCTestCase {
    /// Two scenes at 120 bpm (a bar is 2 s); "glow" paints red through a track.
    let demoText = """
        {
          "meta": {"resolution": [16, 16], "bpm": 120, "duration": 600},
          "scenes": [
            {"name": "intro", "start": 0, "end": 4, "shader": "Shaders/s.frag"},
            {"name": "main", "start": 4, "end": 600, "shader": "Shaders/s.frag"}
          ],
          "tracks": {
            "glow": [[0, 0.2]]
          }
        }

        """

    func testEveryCommandIsAnsweredAndABadOneIsRefused() throws {
        let d = try TemporaryDemo(self, files: [
            "demo.json": demoText,
            "Shaders/s.frag": "uniform float glow;\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(glow, 0, 0, 1); }",
        ])
        let player = try LiveProcess(["play", "--headless", "--events", "--control", "--paused", d.demoFile])
        defer { player.stop() }
        XCTAssertNotNil(player.waitForLine(containing: [#""event":"frame""#]), "\(player.output)")

        func ask(_ command: String, expect needles: [String]) throws -> String {
            let mark = player.output.count
            player.send(command)
            let index = try XCTUnwrap(player.waitForLine(containing: needles, after: mark), "\(command): \(player.output.suffix(5))")
            return player.output[index]
        }
        var status = try ask(#"{"command":"status","id":1}"#, expect: [#""event":"status""#, #""id":1"#])
        XCTAssertTrue(status.contains(#""paused":true"#) && status.contains(#""scene":"intro""#) && status.contains(#""time":0,"#), status)
        XCTAssertTrue(status.contains(#""bar":0,"beat":0"#), status)

        status = try ask(#"{"command":"seek","time":"main"}"#, expect: [#""event":"status""#, #""command":"seek""#])
        XCTAssertTrue(status.contains(#""time":4,"#) && status.contains(#""scene":"main""#) && status.contains(#""bar":2,"beat":0"#), status)
        status = try ask(#"{"command":"seek","time":"2:1"}"#, expect: [#""command":"seek""#])
        XCTAssertTrue(status.contains(#""time":4.5,"#) && status.contains(#""bar":2,"beat":1"#), status)
        status = try ask(#"{"command":"seek","time":5.25}"#, expect: [#""command":"seek""#])
        XCTAssertTrue(status.contains(#""time":5.25,"#), status)

        // A bad command: an error event naming it; the player plays on.
        let bad = try ask(#"{"command":"seek","time":"nowhere"}"#, expect: [#""event":"error""#])
        XCTAssertTrue(bad.contains(#""command":"seek""#) && bad.contains("nowhere"), bad)
        let unknown = try ask(#"{"command":"sek","id":"x"}"#, expect: [#""event":"error""#, #""id":"x""#])
        XCTAssertTrue(unknown.contains(#""error":"invalidCommand""#) && unknown.contains(#""command":"sek""#) && unknown.contains("did you mean 'seek'"), unknown)
        let badTrack = try ask(#"{"command":"setTrack","name":"glow","keys":[[1,0],[0,1]]}"#, expect: [#""event":"error""#])
        XCTAssertTrue(badTrack.contains("comes before the key before it"), badTrack)
        _ = try ask("not json", expect: [#""event":"error""#, #""error":"invalidCommand""#])
        XCTAssertTrue(player.process.isRunning)

        status = try ask(#"{"command":"play"}"#, expect: [#""command":"play""#])
        XCTAssertTrue(status.contains(#""paused":false"#), status)
        status = try ask(#"{"command":"pause"}"#, expect: [#""command":"pause""#])
        XCTAssertTrue(status.contains(#""paused":true"#), status)

        // A live track edit shows in the next snapshot's pixels.
        let snapshot = d.path("snap.png")
        func red() throws -> UInt8 {
            _ = try ask(#"{"command":"snapshot","path":"\#(snapshot)"}"#, expect: [#""event":"snapshot""#, snapshot])
            return try Image(pngFile: snapshot).pixel(x: 8, y: 8).r
        }
        XCTAssertEqual(try red(), 51, "demo.json's glow, 0.2")
        let set = try ask(#"{"command":"setTrack","name":"glow","keys":[[0,0.8,"step"],["4:0",1]]}"#, expect: [#""event":"track""#])
        XCTAssertTrue(set.contains(#""keys":2"#), set)
        XCTAssertEqual(try red(), 204, "the edited glow, 0.8, in the very next frame")
        status = try ask(#"{"command":"status"}"#, expect: [#""command":"status""#])
        XCTAssertTrue(status.contains(#""tracksEdited":["glow"]"#), status)
        let cleared = try ask(#"{"command":"clearTrack","name":"glow"}"#, expect: [#""event":"track""#])
        XCTAssertTrue(cleared.contains(#""cleared":true"#), cleared)
        XCTAssertEqual(try red(), 51, "cleared: demo.json's glow again")

        // Saving writes demo.json, keeps the rest of it, and the player's own write is no reload.
        _ = try ask(#"{"command":"setTrack","name":"glow","keys":[[0,0.6]]}"#, expect: [#""event":"track""#])
        _ = try ask(#"{"command":"setTrack","name":"extra","keys":[["1:0",2]]}"#, expect: [#""event":"track""#])
        let saved = try ask(#"{"command":"saveTracks"}"#, expect: [#""event":"saved""#])
        XCTAssertTrue(saved.contains(#""tracks":["extra","glow"]"#), saved)
        let written = try String(contentsOfFile: d.demoFile, encoding: .utf8)
        XCTAssertEqual(written, demoText.replacingOccurrences(of: #""glow": [[0, 0.2]]"#, with: #""glow": [[0, 0.6]],"# + "\n    " + #""extra": [["1:0", 2]]"#))
        let afterSave = player.output.count
        XCTAssertEqual(try red(), 153, "the saved glow, now from demo.json")
        status = try ask(#"{"command":"status"}"#, expect: [#""command":"status""#])
        XCTAssertTrue(status.contains(#""tracksEdited":[]"#), status)
        // An edit by a person after that is a reload, the only one: an echo of
        // the player's own write would have come first.
        try SaveStyle.inPlace.save(written.replacingOccurrences(of: "0.6", with: "0.4"), to: d.demoFile)
        let personal = try XCTUnwrap(player.waitForLine(containing: [#""event":"reload""#, #""key":"demo.json""#], after: afterSave),
                                     "\(player.output.suffix(5))")
        XCTAssertEqual(player.output[afterSave...personal].filter { $0.contains(#""event":"reload""#) }, [player.output[personal]],
                       "the player's own write is not reported as a reload")
        XCTAssertTrue(player.output[personal].contains(#""generation":3"#), player.output[personal])
        XCTAssertEqual(try red(), 102)

        _ = try ask(#"{"command":"reload"}"#, expect: [#""event":"ok""#, #""command":"reload""#])
        let quit = try ask(#"{"command":"quit"}"#, expect: [#""event":"quit""#])
        XCTAssertTrue(quit.contains(#""time":5.25"#), quit)
        player.process.waitUntilExit()
        XCTAssertEqual(player.process.terminationStatus, 0)
    }

    func testALastLineWithoutANewlineStillCounts() throws {
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1); }", end: 600))
        let result = try runRasterbar(["play", "--headless", "--control", d.demoFile], input: #"{"command":"quit","id":9}"#)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains(#""event":"quit""#) && result.stdout.contains(#""id":9"#), result.stdout)
    }

    func testTheWindowedPlayerTakesCommandsToo() throws {
        let display = try startXvfb()
        let d = try TemporaryDemo(self, files: [
            "demo.json": demoText,
            "Shaders/s.frag": "uniform float glow;\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(glow, 0, 0, 1); }",
        ])
        let result = try runRasterbar(["play", "--control", d.demoFile], environment: testEnvironment(display: display),
                                      input: #"{"command":"seek","time":"main"}"# + "\n" + #"{"command":"quit"}"# + "\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains(#""command":"seek","time":4,"#), result.stdout)
        XCTAssertTrue(result.stdout.contains(#""event":"quit""#), result.stdout)
    }

    /// Shadertoy's keyboard texture through the control channel: row 0 (down) and row 2 (toggled) in snapshots.
    func testKeysReachTheKeyboardChannel() throws {
        let d = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [16, 16], "duration": 600}, "scenes": [{"name": "s", "start": 0, "end": 600, "shader": "Shaders/s.frag", "channels": ["keyboard"]}]}"#,
            "Shaders/s.frag": "void mainImage(out vec4 c, in vec2 f) { c = vec4(texelFetch(iChannel0, ivec2(32, 0), 0).x, 0.0, texelFetch(iChannel0, ivec2(32, 2), 0).x, 1.0); }",
        ])
        let player = try LiveProcess(["play", "--headless", "--events", "--control", "--paused", d.demoFile])
        defer { player.stop() }
        XCTAssertNotNil(player.waitForLine(containing: [#""event":"frame""#]), "\(player.output)")
        func snapshot(_ name: String) throws -> (down: UInt8, toggled: UInt8) {
            let mark = player.output.count
            player.send(#"{"command":"snapshot","path":"\#(d.path(name))"}"#)
            XCTAssertNotNil(player.waitForLine(containing: [#""event":"snapshot""#], after: mark), "\(player.output.suffix(3))")
            let p = try Image(pngFile: d.path(name)).pixel(x: 0, y: 0)
            return (p.r, p.b)
        }
        let mark = player.output.count
        player.send(#"{"command":"key","code":32,"down":true}"#)
        let answer = try XCTUnwrap(player.waitForLine(containing: [#""command":"key""#], after: mark))
        XCTAssertTrue(player.output[answer].contains(#""event":"ok""#), player.output[answer])
        var keys = try snapshot("down.png")
        XCTAssertEqual(keys.down, 255, "space is down")
        XCTAssertEqual(keys.toggled, 255, "and toggled on")
        player.send(#"{"command":"key","code":32,"down":false}"#)
        keys = try snapshot("up.png")
        XCTAssertEqual(keys.down, 0)
        XCTAssertEqual(keys.toggled, 255, "a toggle stays until the next press")
        let bad = player.output.count
        player.send(#"{"command":"key","code":300,"down":true}"#)
        let refused = try XCTUnwrap(player.waitForLine(containing: [#""event":"error""#], after: bad))
        XCTAssertTrue(player.output[refused].contains("key code from 0 to 255"), player.output[refused])
    }
}
