// Times as people write them (seconds, bar:beat, scene names) and the clocks
// the engine reads demo time from, driven with an injected clock.
import Foundation
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class TimeTests: XCTestCase {
    let demo = try! parseDemo("""
        {"meta": {"bpm": 120, "beatsPerBar": 4},
         "scenes": [{"name": "intro", "start": 0, "end": "2:0", "shader": "a"}, {"name": "main", "start": "2:0", "end": "4:0", "shader": "b"}]}
        """)

    func testSecondsMusicalTimeAndSceneNames() throws {
        XCTAssertEqual(try demo.time(parsing: "3.5", what: "--time"), 3.5)
        XCTAssertEqual(try demo.time(parsing: "1:2", what: "--time"), 3, "bar 1 beat 2 at 120 bpm, 4 beats a bar: 6 beats")
        XCTAssertEqual(try demo.time(parsing: "0:0.5", what: "--time"), 0.25)
        XCTAssertEqual(try demo.time(parsing: "main", what: "--time"), 4)
        XCTAssertEqual(try demo.time(parsing: " intro ", what: "--time"), 0)
    }

    func testBadTimesSayWhatIsAllowed() {
        let misspelt = assertRasterbarError(.invalidArgument) { try demo.time(parsing: "mains", what: "--start") }
        XCTAssertEqual(misspelt?.message, "--start 'mains' is neither a time nor a scene of this demo")
        XCTAssertEqual(misspelt?.hint, "did you mean 'main'?")
        let unknown = assertRasterbarError(.invalidArgument) { try demo.time(parsing: "zzzzzzzz", what: "--start") }
        XCTAssertTrue(unknown?.hint?.contains("scenes: intro, main") == true, "\(unknown?.hint ?? "")")
        assertRasterbarError(.invalidArgument) { try demo.time(parsing: "1:x", what: "--time") }
        assertRasterbarError(.invalidArgument) { try demo.time(parsing: "inf", what: "--time") }
        let noBPM = try! parseDemo(#"{"scenes": [{"name": "a", "start": 0, "end": 4, "shader": "a"}]}"#)
        let e = assertRasterbarError(.invalidArgument) { try noBPM.time(parsing: "1:0", what: "--time") }
        XCTAssertTrue(e?.message.contains("no meta.bpm") == true)
    }

    func testRealTimeClockFlowsPausesAndSeeks() {
        var now = 100.0
        let clock = RealTimeClock(start: 2, read: { now })
        XCTAssertEqual(clock.now, 2)
        now += 1.5
        XCTAssertEqual(clock.now, 3.5)
        clock.setPaused(true)
        now += 10
        XCTAssertEqual(clock.now, 3.5, "paused time stands")
        clock.seek(to: 7)
        XCTAssertEqual(clock.now, 7, "a seek while paused")
        clock.setPaused(false)
        now += 0.25
        XCTAssertEqual(clock.now, 7.25)
        clock.frameDrawn()
        XCTAssertEqual(clock.now, 7.25, "frames do not move a real clock")
    }

    func testOfflineClockStepsOnTheFrameGrid() {
        let clock = OfflineFrameClock(fps: 30, start: 1.01)
        XCTAssertEqual(clock.frame, 31, "the first frame at or after the start")
        XCTAssertEqual(clock.now, 31.0 / 30)
        clock.frameDrawn()
        XCTAssertEqual(clock.frame, 32)
        clock.seek(to: 2)
        XCTAssertEqual(clock.frame, 60, "a time on the grid is its own frame")
        clock.setPaused(true)
        clock.frameDrawn()
        XCTAssertEqual(clock.frame, 60)
    }

    func testPlaybackSeekClampsAndClearsTheEnd() {
        var p = Playback(duration: 8)
        p.advance(by: 9)
        XCTAssertTrue(p.reachedEnd)
        p.seek(to: 3)
        XCTAssertFalse(p.reachedEnd)
        XCTAssertEqual(p.time, 3)
        p.seek(to: -2)
        XCTAssertEqual(p.time, 0)
        p.seek(to: 80)
        XCTAssertEqual(p.time, 8)
    }
}
