import XCTest
import CGLFW
@testable import RasterbarCore
@testable import RasterbarHost

/// The player's keys and clock, driven without a window.
final class PlaybackTests: XCTestCase {
    func press(_ key: Int32, _ playback: inout Playback) {
        guard let command = PlayerKeys.command(key: key, mods: 0) else { return XCTFail("key \(key) does nothing") }
        playback.apply(command)
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

    func testEndStopsOrLoops() {
        var once = Playback(duration: 3, start: 2)
        once.apply(.seek(by: 5))
        XCTAssertEqual(once.time, 3)
        XCTAssertFalse(once.reachedEnd, "seeking to the end is not playing to it")
        once.apply(.seek(by: -1))
        once.advance(by: 1.5)
        XCTAssertEqual(once.time, 3)
        XCTAssertTrue(once.reachedEnd)

        var looping = Playback(duration: 3, start: 2, loops: true)
        looping.advance(by: 1.5)
        XCTAssertEqual(looping.time, 0.5, accuracy: 1e-9)
        XCTAssertFalse(looping.reachedEnd)
    }
}
