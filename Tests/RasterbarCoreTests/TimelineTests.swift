// The timeline model: tracks, musical time, layers, transitions, and every
// validation rule with its JSON path.
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class TimelineTests: XCTestCase {

    func track(_ interpolation: Interpolation) -> Track {
        Track(name: "t", components: 1, keys: [
            .init(time: 1, value: SIMD4(10, 0, 0, 0), interpolation: interpolation),
            .init(time: 3, value: SIMD4(20, 0, 0, 0), interpolation: .step),
        ])
    }

    func testEveryInterpolationAtAndBetweenKeys() {
        for kind in Interpolation.allCases {
            let t = track(kind)
            XCTAssertEqual(t.value(at: 0).x, 10, "\(kind): before the first key, its value")
            XCTAssertEqual(t.value(at: 1).x, 10, "\(kind): at a key, its value")
            XCTAssertEqual(t.value(at: 3).x, 20, "\(kind): at the last key")
            XCTAssertEqual(t.value(at: 99).x, 20, "\(kind): after the last key, its value")
        }
        XCTAssertEqual(track(.step).value(at: 2.99).x, 10)
        XCTAssertEqual(track(.linear).value(at: 1.5).x, 12.5)
        XCTAssertEqual(track(.smooth).value(at: 1.5).x, 10 + 10 * 0.15625, accuracy: 1e-12) // u=.25: 3u^2-2u^3
        XCTAssertEqual(track(.smooth).value(at: 2).x, 15, accuracy: 1e-12)
        XCTAssertEqual(track(.ramp).value(at: 1.5).x, 10.625, accuracy: 1e-12)           // u^2 = 1/16
        XCTAssertEqual(track(.ramp).value(at: 2).x, 12.5, accuracy: 1e-12)
    }

    func testKeysAtTheSameTimeJumpAndManyKeysSearchRight() {
        let jump = Track(name: "j", components: 1, keys: [
            .init(time: 0, value: SIMD4(0, 0, 0, 0), interpolation: .linear),
            .init(time: 1, value: SIMD4(1, 0, 0, 0), interpolation: .linear),
            .init(time: 1, value: SIMD4(5, 0, 0, 0), interpolation: .linear),
            .init(time: 2, value: SIMD4(6, 0, 0, 0), interpolation: .linear),
        ])
        XCTAssertEqual(jump.value(at: 0.5).x, 0.5)
        XCTAssertEqual(jump.value(at: 1).x, 5, "at a jump the later key wins")
        XCTAssertEqual(jump.value(at: 1.5).x, 5.5)
        let many = Track(name: "m", components: 1, keys: (0..<1000).map {
            .init(time: Double($0), value: SIMD4(Double($0 * 2), 0, 0, 0), interpolation: .linear)
        })
        for t in stride(from: 0.0, through: 999, by: 7.25) { XCTAssertEqual(many.value(at: t).x, t * 2, accuracy: 1e-9) }
    }

    func testMusicalTime() throws {
        let demo = try parseDemo("""
            {"meta": {"bpm": 120, "beatsPerBar": 4},
             "scenes": [{"name": "a", "start": "0:0", "end": "2:2", "shader": "a.frag"},
                        {"name": "b", "start": "2:2", "end": "4:0.5", "shader": "b.frag"}],
             "tracks": {"pulse": [["1:0", 1], ["1:1", 0, "step"]]}}
            """)
        XCTAssertEqual(demo.scenes[0].end, 5, "bar 2 beat 2 at 120 bpm: 10 beats of 0.5 s")
        XCTAssertEqual(demo.scenes[1].end, 8.25)
        XCTAssertEqual(demo.track(named: "pulse")?.keys.map(\.time), [2, 2.5])
        XCTAssertEqual(demo.barBeat(at: 5.25).map { [Double($0.bar), $0.beat] }, [2, 2.5])
        let three = try parseDemo(#"{"meta": {"bpm": 60, "beatsPerBar": 3}, "scenes": [{"name": "a", "start": 0, "end": "1:1", "shader": "a"}]}"#)
        XCTAssertEqual(three.scenes[0].end, 4)
        XCTAssertNil(try parseDemo(#"{"scenes": [{"name": "a", "start": 0, "end": 1, "shader": "a"}]}"#).barBeat(at: 0))
    }

    func testLayersOverlapAndSceneSelectionAtBoundaries() throws {
        let demo = try parseDemo("""
            {"scenes": [{"name": "base", "start": 0, "end": 10, "shader": "a"},
                        {"name": "glow", "start": 2, "end": 4, "shader": "b", "layer": 1, "blend": "add"},
                        {"name": "next", "start": 10, "end": 12, "shader": "c"}]}
            """)
        XCTAssertEqual(demo.activeScenes(at: 1.99).map { demo.scenes[$0].name }, ["base"])
        XCTAssertEqual(demo.activeScenes(at: 2).map { demo.scenes[$0].name }, ["base", "glow"], "lowest layer first")
        XCTAssertEqual(demo.activeScenes(at: 4).map { demo.scenes[$0].name }, ["base"], "end is exclusive")
        XCTAssertEqual(demo.activeScenes(at: 10).map { demo.scenes[$0].name }, ["next"])
        XCTAssertEqual(demo.activeScenes(at: 12).map { demo.scenes[$0].name }, ["next"], "the very end shows the last scene")
        XCTAssertEqual(demo.scenes[1].blend, .add)
    }

    func testTransitionsJoinConsecutiveScenes() throws {
        let demo = try parseDemo("""
            {"meta": {"bpm": 120},
             "scenes": [{"name": "a", "start": 0, "end": "2:0", "shader": "a"}, {"name": "b", "start": "2:0", "end": "4:0", "shader": "b"}],
             "transitions": [{"from": "a", "to": "b", "type": "wipe", "direction": "up", "duration": "0:2"}]}
            """)
        let t = try XCTUnwrap(demo.transitions.first)
        XCTAssertEqual([t.start, t.end], [4, 5], "starts where b starts, lasts two beats")
        XCTAssertEqual(t.kind, .wipe(.up))
        XCTAssertNil(demo.transition(at: 3.99, layer: 0))
        XCTAssertEqual(demo.transition(at: 4.5, layer: 0)?.progress(at: 4.5), 0.5)
        XCTAssertNil(demo.transition(at: 5, layer: 0))
        XCTAssertNil(demo.transition(at: 4.5, layer: 1))
    }

    func testEveryTimelineRuleNamesItsPath() {
        let scenes = #""scenes": [{"name": "a", "start": 0, "end": 4, "shader": "a"}, {"name": "b", "start": 4, "end": 8, "shader": "b"}]"#
        let cases: [(String, String, String?)] = [
            (#"{"scenes": [{"name": "a", "start": "2:0", "end": 4, "shader": "a"}]}"#,
             #"scenes[0].start: musical time "2:0" needs meta.bpm"#, "add \"bpm\" (and \"beatsPerBar\", default 4) to meta"),
            (#"{"meta": {"bpm": 90}, "scenes": [{"name": "a", "start": "2:x", "end": 4, "shader": "a"}]}"#,
             #"scenes[0].start: "2:x" is neither seconds nor bar:beat"#, nil),
            (#"{"scenes": [{"name": "a", "start": 0, "end": 4, "shader": "a"}, {"name": "a", "start": 4, "end": 5, "shader": "b"}]}"#,
             "scenes[1].name: 'a' is already the name of scenes[0]", nil),
            (#"{"scenes": [{"name": "a", "start": 0, "end": 4, "shader": "a", "layer": 1.5}]}"#,
             "scenes[0].layer: must be a whole number from 0 to 100, found 1.5", nil),
            (#"{"scenes": [{"name": "a", "start": 0, "end": 4, "shader": "a", "blend": "ad"}]}"#,
             "scenes[0].blend: unknown blend 'ad'", "did you mean 'add'?"),
            ("{\(scenes), \"tracks\": {\"glow\": [[0, 1], [3, 2], [2, 0]]}}",
             "tracks.glow[2].time: 2.0 comes before the key before it (3.0)", "keys must be in time order"),
            ("{\(scenes), \"tracks\": {\"glow\": [[0, 1, \"smoth\"]]}}",
             "tracks.glow[0].interpolation: unknown interpolation 'smoth'", "did you mean 'smooth'?"),
            ("{\(scenes), \"tracks\": {\"cam\": {\"type\": \"vec3\", \"keys\": [[0, [1, 2]]]}}}",
             "tracks.cam.keys[0].value: needs 3 numbers like the track's other keys, found 2", nil),
            ("{\(scenes), \"tracks\": {\"cam\": [[0, [1, 2]], [1, 3]]}}",
             "tracks.cam[1].value: needs 2 numbers like the track's other keys, found 1", nil),
            ("{\(scenes), \"tracks\": {\"iTime\": [[0, 1]]}}", "tracks.iTime: 'iTime' is a uniform Rasterbar already declares", nil),
            ("{\(scenes), \"tracks\": {\"2fast\": [[0, 1]]}}",
             "tracks.2fast: '2fast' cannot be a track name (it becomes a uniform): use letters, digits and _ (not starting with a digit or gl_)", nil),
            ("{\(scenes), \"transitions\": [{\"from\": \"a\", \"to\": \"c\", \"duration\": 1}]}",
             "transitions[0].to: no scene is named 'c'", nil),
            ("{\(scenes), \"transitions\": [{\"from\": \"b\", \"to\": \"a\", \"duration\": 1}]}",
             "transitions[0]: 'b' (4.0-8.0, layer 0) is not followed directly by 'a' (0.0-4.0, layer 0)", nil),
            ("{\(scenes), \"transitions\": [{\"from\": \"a\", \"to\": \"b\", \"type\": \"dissolve\", \"duration\": 1}]}",
             "transitions[0].type: unknown transition 'dissolve'", nil),
            ("{\(scenes), \"transitions\": [{\"from\": \"a\", \"to\": \"b\", \"duration\": 5}]}",
             "transitions[0].duration: must be more than 0 and at most the length of 'b' (4.0), found 5.0", nil),
            ("{\(scenes), \"transitions\": [{\"from\": \"a\", \"to\": \"b\", \"type\": \"fade\", \"direction\": \"up\", \"duration\": 1}]}",
             "transitions[0].direction: only a wipe has a direction", nil),
            (#"{"scenes": [{"name": "a", "start": 0, "end": 4, "shader": "a", "params": {"speed": 1}}], "tracks": {"speed": [[0, 1]]}}"#,
             "scenes[0].params.speed: 'speed' is also the name of a track", nil),
        ]
        for (text, message, hint) in cases {
            do {
                _ = try parseDemo(text)
                XCTFail("accepted: \(text)")
            } catch let e as RasterbarError {
                XCTAssertEqual(e.kind, .invalidDemo, text)
                XCTAssertEqual(e.message, message, text)
                XCTAssertNotNil(e.line, text)
                if let hint { XCTAssertEqual(e.hint, hint, text) }
            } catch {
                XCTFail("\(error)")
            }
        }
    }
}
