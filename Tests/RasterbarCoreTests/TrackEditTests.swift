// Live track edits over demo.json's tracks, and saving them into demo.json
// with every other byte of the file kept as the user wrote it.
import Foundation
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class TrackEditTests: XCTestCase {
    let text = """
        {
            "meta": {"bpm": 120, "duration": 8},
            "scenes": [{"name": "a", "start": 0, "end": 8, "shader": "a.frag"}],
            "tracks": {
                "fade":   [["0:0", 0, "smooth"], ["0:2", 1]],
                "camera": {"type": "vec2", "keys": [[0, [1, 2]]]},
                "keep":   [[0, 5], [1.25, 6, "ramp"]]
            },
            "transitions": []
        }

        """

    func key(_ time: Double, _ value: Double, _ interpolation: Interpolation = .linear) -> Track.Key {
        Track.Key(time: time, value: SIMD4(value, 0, 0, 0), interpolation: interpolation)
    }

    func testOverridesWinUntilCleared() throws {
        let demo = try parseDemo(text)
        var overrides = TrackOverrides()
        XCTAssertEqual(overrides.tracks(over: demo), demo.tracks)
        overrides.set(Track(name: "fade", components: 1, keys: [key(0, 0.25)]))
        overrides.setKey(key(2, 9), track: "glow", components: 1, over: demo)
        let merged = overrides.tracks(over: demo)
        XCTAssertEqual(merged.map(\.name), ["camera", "fade", "glow", "keep"])
        XCTAssertEqual(merged.first { $0.name == "fade" }?.value(at: 3).x, 0.25)
        XCTAssertEqual(merged.first { $0.name == "glow" }?.value(at: 0).x, 9)
        // Setting a key of a demo track starts from the demo's keys.
        overrides.setKey(key(0.5, 4), track: "keep", components: 1, over: demo)
        XCTAssertEqual(overrides.edited["keep"]?.keys.map(\.time), [0, 0.5, 1.25])
        overrides.setKey(key(0.5, 3), track: "keep", components: 1, over: demo)
        XCTAssertEqual(overrides.edited["keep"]?.keys.map(\.value.x), [5, 3, 6], "a key at the same time is replaced")
        overrides.deleteKey(track: "keep", at: 0, over: demo)
        XCTAssertEqual(overrides.edited["keep"]?.keys.map(\.time), [0.5, 1.25])
        let version = overrides.version
        XCTAssertTrue(overrides.clear("fade"))
        XCTAssertFalse(overrides.clear("fade"))
        XCTAssertEqual(overrides.version, version + 1)
        XCTAssertEqual(overrides.tracks(over: demo).first { $0.name == "fade" }, demo.track(named: "fade"))
        overrides.clearAll()
        XCTAssertEqual(overrides.tracks(over: demo), demo.tracks)
    }

    func testSavingReplacesOnlyTheEditedTracks() throws {
        let demo = try parseDemo(text)
        let fade = Track(name: "fade", components: 1, keys: [key(0, 0, .step), key(1.5, 0.5, .smooth), key(0.7, 1)].sorted { $0.time < $1.time })
        let camera = Track(name: "camera", components: 2, keys: [Track.Key(time: 2, value: SIMD4(-1, 0.5, 0, 0), interpolation: .ramp)])
        let out = String(decoding: try TrackWriter.write([fade, camera], into: Array(text.utf8), file: "demo.json"), as: UTF8.self)
        XCTAssertEqual(out, text
            .replacingOccurrences(of: #"[["0:0", 0, "smooth"], ["0:2", 1]]"#, with: #"[["0:0", 0, "step"], [0.7, 1], ["0:3", 0.5, "smooth"]]"#)
            .replacingOccurrences(of: #"{"type": "vec2", "keys": [[0, [1, 2]]]}"#, with: #"{"type": "vec2", "keys": [["1:0", [-1, 0.5], "ramp"]]}"#))
        let again = try parseDemo(out)
        XCTAssertEqual(again.track(named: "fade")?.keys, fade.keys)
        XCTAssertEqual(again.track(named: "camera")?.keys, camera.keys)
        XCTAssertEqual(again.track(named: "keep"), demo.track(named: "keep"))
    }

    func testSavingANewTrackAddsItAtTheEndOfTracks() throws {
        let glow = Track(name: "glow", components: 1, keys: [key(0.123, 1)])
        let out = String(decoding: try TrackWriter.write([glow], into: Array(text.utf8), file: "demo.json"), as: UTF8.self)
        XCTAssertEqual(out, text.replacingOccurrences(of: """
                    "keep":   [[0, 5], [1.25, 6, "ramp"]]
                },
            """, with: """
                    "keep":   [[0, 5], [1.25, 6, "ramp"]],
                    "glow": [[0.123, 1]]
                },
            """))
    }

    func testSavingIntoADemoWithoutTracksAddsThem() throws {
        let bare = "{\n  \"scenes\": [{\"name\": \"a\", \"start\": 0, \"end\": 8, \"shader\": \"a.frag\"}]\n}\n"
        let glow = Track(name: "glow", components: 1, keys: [key(0, 1), key(2, 3)])
        let out = String(decoding: try TrackWriter.write([glow], into: Array(bare.utf8), file: "demo.json"), as: UTF8.self)
        XCTAssertEqual(out, "{\n  \"scenes\": [{\"name\": \"a\", \"start\": 0, \"end\": 8, \"shader\": \"a.frag\"}],\n  \"tracks\": {\n    \"glow\": [[0, 1], [2, 3]]\n  }\n}\n")
        XCTAssertEqual(try parseDemo(out).track(named: "glow")?.keys, glow.keys)
    }

    func testTheBundledDemoSurvivesARoundTrip() throws {
        let bytes = try Array(Data(contentsOf: repositoryRoot.appendingPathComponent("demo.json")))
        let demo = try Demo.parse(bytes, file: "demo.json")
        let out = try TrackWriter.write(demo.tracks, into: bytes, file: "demo.json")
        XCTAssertEqual(try Demo.parse(out, file: "demo.json").tracks, demo.tracks)
        // Tracks already written in the writer's style come out byte for byte.
        let floats = demo.tracks.filter { ["barSpeed", "twist"].contains($0.name) }
        XCTAssertEqual(String(decoding: try TrackWriter.write(floats, into: bytes, file: "demo.json"), as: UTF8.self),
                       String(decoding: bytes, as: UTF8.self))
    }

    func testABrokenFileIsNotWritten() {
        assertRasterbarError(.invalidJSON) {
            try TrackWriter.write([Track(name: "x", components: 1, keys: [key(0, 1)])], into: Array("{\"scenes\": [".utf8), file: "demo.json")
        }
    }
}
