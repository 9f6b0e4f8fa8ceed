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
        XCTAssertTrue(overrides.clear("fade"))
        XCTAssertFalse(overrides.clear("fade"))
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

extension TrackEditTests {
    func testATrackWithNoKeysLeftIsRemovedWithItsComma() throws {
        let gone = Track(name: "camera", components: 2, keys: [])
        var out = String(decoding: try TrackWriter.write([gone], into: Array(text.utf8), file: "demo.json"), as: UTF8.self)
        XCTAssertEqual(out, text.replacingOccurrences(of: """
                    "camera": {"type": "vec2", "keys": [[0, [1, 2]]]},

            """, with: ""))
        XCTAssertNil(try parseDemo(out).track(named: "camera"))
        // The first, the last, and all of them.
        let first = Track(name: "fade", components: 1, keys: [])
        out = String(decoding: try TrackWriter.write([first], into: Array(text.utf8), file: "demo.json"), as: UTF8.self)
        XCTAssertEqual(try parseDemo(out).tracks.map(\.name), ["camera", "keep"])
        XCTAssertTrue(out.contains(#""tracks": {"# + "\n        " + #""camera""#), out)
        let last = Track(name: "keep", components: 1, keys: [])
        out = String(decoding: try TrackWriter.write([last, Track(name: "glow", components: 1, keys: [key(0, 1)])], into: Array(text.utf8), file: "demo.json"), as: UTF8.self)
        XCTAssertEqual(try parseDemo(out).tracks.map(\.name), ["camera", "fade", "glow"])
        let all = ["fade", "camera", "keep"].map { Track(name: $0, components: 1, keys: []) }
        out = String(decoding: try TrackWriter.write(all, into: Array(text.utf8), file: "demo.json"), as: UTF8.self)
        XCTAssertEqual(try parseDemo(out).tracks, [])
        out = String(decoding: try TrackWriter.write(all + [Track(name: "glow", components: 1, keys: [key(0, 1)])], into: Array(text.utf8), file: "demo.json"), as: UTF8.self)
        XCTAssertEqual(try parseDemo(out).tracks.map(\.name), ["glow"])
        // Deleting a track demo.json does not have changes nothing.
        XCTAssertEqual(try TrackWriter.write([Track(name: "nothing", components: 1, keys: [])], into: Array(text.utf8), file: "demo.json"), Array(text.utf8))
    }

    func testDeletingTheLastKeyDeletesTheTrack() throws {
        let demo = try parseDemo(text)
        var overrides = TrackOverrides()
        overrides.deleteKey(track: "keep", at: 0, over: demo)
        overrides.deleteKey(track: "keep", at: 1.25, over: demo)
        XCTAssertEqual(overrides.edited["keep"]?.keys, [])
        XCTAssertEqual(overrides.tracks(over: demo).map(\.name), ["camera", "fade"])
    }

    func testAnEditedTrackIsCheckedLikeDemoJSONs() throws {
        let demo = try parseDemo(#"{"meta": {"bpm": 120}, "scenes": [{"name": "a", "start": 0, "end": 8, "shader": "a.frag", "params": {"gain": 2}}]}"#)
        func keys(_ json: String) throws -> JSONValue { try parseJSON(Array(json.utf8)) }
        let track = try demo.readTrack(named: "glow", try keys(#"[["1:0", 1, "smooth"], [3, 0]]"#), file: "control", path: "setTrack.keys")
        XCTAssertEqual(track.keys.map(\.time), [2, 3])
        let order = assertRasterbarError(.invalidDemo) { try demo.readTrack(named: "glow", try keys("[[3, 1], [1, 0]]"), file: "control", path: "setTrack.keys") }
        XCTAssertEqual(order?.message, "setTrack.keys[1].time: 1.0 comes before the key before it (3.0)")
        let clash = assertRasterbarError(.invalidDemo) { try demo.readTrack(named: "gain", try keys("[[0, 1]]"), file: "control", path: "setTrack.keys") }
        XCTAssertTrue(clash?.message.contains("'gain' is a param of scene a") == true, clash?.message ?? "")
        assertRasterbarError(.invalidDemo) { try demo.readTrack(named: "iTime", try keys("[[0, 1]]"), file: "control", path: "setTrack.keys") }
        assertRasterbarError(.invalidDemo) { try demo.readTrack(named: "glow", try keys(#"[[0, 1, "bouncy"]]"#), file: "control", path: "setTrack.keys") }
    }
}
