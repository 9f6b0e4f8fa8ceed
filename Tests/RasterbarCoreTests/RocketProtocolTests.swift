// Rocket's wire format and the editor's keys as tracks, without a socket.
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class RocketProtocolTests: XCTestCase {
    func be(_ v: UInt32) -> [UInt8] { RocketProtocol.bigEndian(v) }

    func testCommandsDecodeHoweverTheStreamIsSplit() throws {
        let stream: [UInt8] = [0] + be(2) + be(16) + be(Float(0.5).bitPattern) + [3]
            + [1] + be(1) + be(8) + [3] + be(160) + [4, 1] + [4, 0] + [5]
        let expected: [RocketCommand] = [.setKey(track: 2, row: 16, value: 0.5, interpolation: .ramp), .deleteKey(track: 1, row: 8),
                                         .setRow(160), .pause(true), .pause(false), .saveTracks]
        var whole = RocketDecoder()
        XCTAssertEqual(try whole.feed(stream), expected)
        // One byte at a time, and in random cuts.
        var bytewise = RocketDecoder()
        XCTAssertEqual(try stream.flatMap { try bytewise.feed([$0]) }, expected)
        var random = SplitMix(seed: 4)
        for _ in 0..<50 {
            var decoder = RocketDecoder(), got: [RocketCommand] = [], at = 0
            while at < stream.count {
                let n = Int(random.next() % 7) + 1
                got += try decoder.feed(Array(stream[at..<min(stream.count, at + n)]))
                at += n
            }
            XCTAssertEqual(got, expected)
        }
    }

    func testGarbageIsAnError() {
        var decoder = RocketDecoder()
        XCTAssertThrowsError(try decoder.feed([99])) { XCTAssertTrue("\($0)".contains("byte 99"), "\($0)") }
        var badType = RocketDecoder()
        XCTAssertThrowsError(try badType.feed([0] + be(0) + be(0) + be(0) + [7])) { XCTAssertTrue("\($0)".contains("key type 7"), "\($0)") }
        var notANumber = RocketDecoder()
        XCTAssertThrowsError(try notANumber.feed([0] + be(0) + be(0) + be(Float.nan.bitPattern) + [1])) { XCTAssertTrue("\($0)".contains("finite"), "\($0)") }
        XCTAssertEqual(RocketProtocol.getTrack("fade"), [2, 0, 0, 0, 4] + Array("fade".utf8))
        XCTAssertEqual(RocketProtocol.setRow(300), [3, 0, 0, 1, 44])
    }

    func testEditorKeysBecomeTracksOverDemoJSON() throws {
        let demo = try parseDemo("""
            {"meta": {"bpm": 120, "rowsPerBeat": 4},
             "scenes": [{"name": "s", "start": 0, "end": 10, "shader": "a.frag"}],
             "tracks": {"cam": {"type": "vec3", "keys": [[0, [1, 2, 3]], [4, [5, 6, 7]]]}, "fade": [[0, 1]]}}
            """)
        let columns = RocketSession.columns(for: demo, extra: [("glow", 1), ("fade", 1)])
        XCTAssertEqual(columns, ["cam:x", "cam:y", "cam:z", "fade", "glow"])
        var session = RocketSession()
        for column in columns { _ = session.ask(column) }
        XCTAssertNil(session.track("cam", components: 3, over: demo, bpm: 120), "no editor keys: demo.json's track stands")
        // Row 8 at 4 rows a beat and 120 bpm is 1 s.
        XCTAssertEqual(session.apply(.setKey(track: 1, row: 8, value: 0.1, interpolation: .step)), "cam")
        let cam = try XCTUnwrap(session.track("cam", components: 3, over: demo, bpm: 120))
        XCTAssertEqual(cam.keys, [Track.Key(time: 0, value: SIMD4(1, 0.1, 3, 0), interpolation: .linear),
                                  Track.Key(time: 1, value: SIMD4(2, 0.1, 4, 0), interpolation: .linear),
                                  Track.Key(time: 4, value: SIMD4(5, 0.1, 7, 0), interpolation: .linear)],
                       "y from the editor (0.1 exactly, as typed) at its row; x and z keep demo.json's keys, values and linear segments")
        XCTAssertEqual(cam.value(at: 2.5).x, 3.5, accuracy: 1e-9, "x still moves from 1 to 5 over 4 s")
        XCTAssertEqual(session.apply(.setKey(track: 9, row: 0, value: 1, interpolation: .linear)), nil, "an index never asked for is ignored")
        _ = session.apply(.deleteKey(track: 1, row: 8))
        XCTAssertNil(session.track("cam", components: 3, over: demo, bpm: 120), "its last key deleted: back to demo.json")
        XCTAssertEqual(RocketSession.trackName(of: "cam:z"), "cam")
        XCTAssertEqual(RocketSession.trackName(of: "scene:intro"), "scene:intro", "a colon that is no component stays in the name")
        XCTAssertEqual(RocketSession.row(at: 1.0, meta: demo.meta, bpm: 120), 8)
    }
}
