import XCTest
import CGLFW
@testable import RasterbarCore
@testable import RasterbarHost

/// The player's keys and clock, driven without a window.
final class PlaybackTests: XCTestCase {
    let demo = try! Demo.parse(Array("""
        {"scenes": [{"name": "a", "start": 0, "end": 4, "shader": "a"}, {"name": "b", "start": 4, "end": 10, "shader": "b"},
                    {"name": "over", "start": 5, "end": 6, "shader": "c", "layer": 1}]}
        """.utf8), file: "demo.json")

    func press(_ key: Int32, _ playback: inout Playback, shift: Bool = false) {
        guard let command = PlayerKeys.command(key: key, mods: shift ? GLFW_MOD_SHIFT : 0) else { return XCTFail("key \(key) does nothing") }
        playback.apply(command, in: demo)
    }

    func testKeysDriveTime() {
        var p = Playback(duration: 10)
        p.advance(by: 2.5)
        XCTAssertEqual(p.time, 2.5)
        press(GLFW_KEY_SPACE, &p)
        p.advance(by: 1)
        XCTAssertEqual(p.time, 2.5, "paused time does not move")
        press(GLFW_KEY_RIGHT, &p)
        XCTAssertEqual(p.time, 3.5, "seeking works while paused")
        press(GLFW_KEY_SPACE, &p)
        p.advance(by: 0.5)
        XCTAssertEqual(p.time, 4)
        press(GLFW_KEY_LEFT, &p); press(GLFW_KEY_LEFT, &p)
        XCTAssertEqual(p.time, 2)
        for _ in 0..<5 { press(GLFW_KEY_LEFT, &p) }
        XCTAssertEqual(p.time, 0, "seeking stops at the start")
        XCTAssertFalse(p.quitRequested)
        press(GLFW_KEY_ESCAPE, &p)
        XCTAssertTrue(p.quitRequested)
        XCTAssertNil(PlayerKeys.command(key: GLFW_KEY_Q, mods: 0))
    }

    func testSceneKeysShiftSeekRestartAndSceneLoop() {
        var p = Playback(duration: 10, start: 1)
        press(GLFW_KEY_RIGHT, &p, shift: true)
        XCTAssertEqual(p.time, 10, "Shift+Right seeks 10 s (clamped at the end)")
        press(GLFW_KEY_LEFT, &p, shift: true)
        XCTAssertEqual(p.time, 0)
        press(GLFW_KEY_UP, &p)
        XCTAssertEqual(p.time, 4, "Up: the next scene's start (layer 1 scenes are not stops)")
        press(GLFW_KEY_UP, &p)
        XCTAssertEqual(p.time, 4, "no scene after the last: stay")
        p.advance(by: 3)
        press(GLFW_KEY_DOWN, &p)
        XCTAssertEqual(p.time, 4, "Down: back to the start of this scene")
        press(GLFW_KEY_DOWN, &p)
        XCTAssertEqual(p.time, 0, "just past a start: the scene before")
        p.advance(by: 2)
        press(GLFW_KEY_L, &p)
        XCTAssertEqual(p.loopRange, 0..<4, "L loops the scene playing now")
        p.advance(by: 3)
        XCTAssertEqual(p.time, 1, accuracy: 1e-9, "2 + 3 = 5 wraps to 1 inside the looped scene")
        press(GLFW_KEY_HOME, &p)
        XCTAssertEqual(p.time, 0, "Home: the start of the loop")
        press(GLFW_KEY_L, &p)
        XCTAssertNil(p.loopRange, "L again stops looping")
        p.advance(by: 5)
        XCTAssertEqual(p.time, 5)
        press(GLFW_KEY_HOME, &p)
        XCTAssertEqual(p.time, 0, "Home: the start of the demo")
        XCTAssertEqual(PlayerKeys.command(key: GLFW_KEY_R, mods: 0), .reloadAll)
        XCTAssertEqual(PlayerKeys.command(key: GLFW_KEY_F, mods: 0), .toggleFullscreen)
        XCTAssertEqual(PlayerKeys.command(key: GLFW_KEY_TAB, mods: 0), .toggleOverlay)
        let before = p
        for command in [PlayerCommand.reloadAll, .toggleFullscreen, .toggleOverlay] { p.apply(command, in: demo) }
        XCTAssertEqual(p, before, "window commands do not touch time")
    }

    func testEndStopsOrLoops() {
        var once = Playback(duration: 3, start: 2)
        once.apply(.seek(by: 5), in: demo)
        XCTAssertEqual(once.time, 3)
        XCTAssertFalse(once.reachedEnd, "seeking to the end is not playing to it")
        once.apply(.seek(by: -1), in: demo)
        once.advance(by: 1.5)
        XCTAssertEqual(once.time, 3)
        XCTAssertTrue(once.reachedEnd)

        var looping = Playback(duration: 3, start: 2, loops: true)
        looping.advance(by: 1.5)
        XCTAssertEqual(looping.time, 0.5, accuracy: 1e-9)
        XCTAssertFalse(looping.reachedEnd)
    }
}
