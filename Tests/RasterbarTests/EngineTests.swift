// The engine in process: the clock drives time through the player's rules,
// live track edits reach the pixels, saving them writes demo.json with no
// reload echo, and garbage saved over demo.json keeps the last good timeline.
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

final class EngineTests: XCTestCase {
    let glowDemo: [String: String] = [
        "demo.json": """
            {"meta": {"resolution": [8, 8], "duration": 10},
             "scenes": [{"name": "a", "start": 0, "end": 4, "shader": "Shaders/s.frag"},
                        {"name": "b", "start": 4, "end": 10, "shader": "Shaders/s.frag"}],
             "tracks": {"glow": [[0, 0.2]]}}
            """,
        "Shaders/s.frag": "uniform float glow;\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(glow, 0, 0, 1); }",
    ]

    func testTheClockDrivesTimeThroughThePlayersRules() throws {
        let live = try LiveDemo(self, files: glowDemo)
        var now = 0.0
        let engine = live.engine
        engine.start(at: 1, paused: false, loops: true, clock: RealTimeClock(read: { now }))
        now = 2.5
        engine.advance()
        XCTAssertEqual(engine.playback.time, 3.5)
        engine.apply(.toggleSceneLoop) // loop scene a: 0..<4
        now = 3.5
        engine.advance()
        XCTAssertEqual(engine.playback.time, 0.5, accuracy: 1e-9, "wrapped inside the scene loop")
        now = 4
        engine.advance()
        XCTAssertEqual(engine.playback.time, 1, accuracy: 1e-9, "the clock continues from where the loop put time")
        engine.apply(.toggleSceneLoop)
        engine.setPaused(true)
        now = 50
        engine.advance()
        XCTAssertEqual(engine.playback.time, 1, accuracy: 1e-9, "paused")
        engine.seek(to: 9.5)
        engine.setPaused(false)
        now = 51
        engine.advance()
        XCTAssertEqual(engine.playback.time, 0.5, accuracy: 1e-9, "the demo loops at its end")
        now = 51.25
        engine.advance()
        XCTAssertEqual(engine.playback.time, 0.75, accuracy: 1e-9)
        // Pausing between frames and playing again continues from the frame shown.
        now = 51.4
        engine.setPaused(true)
        now = 60
        engine.setPaused(false)
        now = 60.1
        engine.advance()
        XCTAssertEqual(engine.playback.time, 0.85, accuracy: 1e-9, "no jump by the time between the last frame and the pause")
    }

    func testTrackEditsReachThePixelsAndSaveIntoDemoJSONWithoutAnEcho() throws {
        let live = try LiveDemo(self, files: glowDemo)
        XCTAssertEqual(try live.pixel(at: 5)[0], 51)
        live.engine.trackOverrides.set(Track(name: "glow", components: 1, keys: [.init(time: 0, value: SIMD4(0.6, 0, 0, 0), interpolation: .linear)]))
        XCTAssertEqual(try live.pixel(at: 5)[0], 153, "the edit wins over demo.json")
        let before = try String(contentsOfFile: live.harness.demo.demoFile, encoding: .utf8)
        let mark = live.harness.events.count
        XCTAssertEqual(try live.engine.saveTracks(), ["glow"])
        XCTAssertTrue(live.engine.trackOverrides.isEmpty)
        let after = try String(contentsOfFile: live.harness.demo.demoFile, encoding: .utf8)
        XCTAssertEqual(after, before.replacingOccurrences(of: #""glow": [[0, 0.2]]"#, with: #""glow": [[0, 0.6]]"#))
        XCTAssertEqual(live.engine.demo.track(named: "glow")?.keys.first?.value.x, 0.6, "the timeline is the saved one")
        XCTAssertEqual(live.engine.renderer.timeline.generation, 2)
        XCTAssertEqual(try live.pixel(at: 5)[0], 153)
        XCTAssertEqual(live.harness.reloads(since: mark), [], "the engine's own write is reported as no reload")
        // A person's edit afterwards is a reload, the only one: an echo of the
        // engine's own write would have come first.
        try SaveStyle.tempAndRename.save(after.replacingOccurrences(of: "0.6", with: "0.4"), to: live.harness.demo.demoFile)
        XCTAssertEqual(live.harness.syncUntilChange().map(\.path), ["demo.json"])
        XCTAssertEqual(live.harness.reloads(since: mark), ["demo.json#3"])
        XCTAssertEqual(try live.pixel(at: 5)[0], 102)
        // And R reloads demo.json from disk like everything else.
        live.engine.apply(.reloadAll)
        XCTAssertTrue(live.harness.syncUntilChange().map(\.path).contains("demo.json"))
    }

    func testGarbageSavedOverDemoJSONKeepsTheLastGoodTimeline() throws {
        let live = try LiveDemo(self, files: glowDemo)
        let good = glowDemo["demo.json"]!
        let garbage: [String] = [
            String(good.prefix(good.count / 2)),                            // a save cut short
            good.replacingOccurrences(of: "}", with: "]"),                  // brackets that do not match
            String(repeating: "[", count: 100_000),                         // nesting no stack survives
            good.replacingOccurrences(of: #""Shaders/s.frag"}"#, with: #""\uD800\u0041"}"#), // an unpaired surrogate
            good.replacingOccurrences(of: "0.2", with: "1e999"),            // a number no Double holds
            good.replacingOccurrences(of: "0.2", with: "01"),               // a leading zero
            good.replacingOccurrences(of: #""end": 4"#, with: #""end": 4,,"#),
            "\u{FEFF}\u{0}",
        ]
        for (i, text) in garbage.enumerated() {
            let mark = live.harness.events.count
            // Complete saves: a delete-then-create could be read in between, as missing.
            try (i % 2 == 0 ? SaveStyle.inPlace : SaveStyle.tempAndRename).save(text, to: live.harness.demo.demoFile)
            live.harness.syncUntilChange()
            XCTAssertEqual(live.harness.errors(since: mark).map(\.kind), [.invalidJSON], "save \(i) is refused")
            XCTAssertEqual(live.engine.demo.scenes.count, 2, "save \(i): the last good timeline plays on")
            XCTAssertEqual(try live.pixel(at: 5)[0], 51, "save \(i)")
        }
        try SaveStyle.inPlace.save(good.replacingOccurrences(of: "0.2", with: "0.4"), to: live.harness.demo.demoFile)
        XCTAssertEqual(live.harness.syncUntilChange().map(\.path), ["demo.json"])
        XCTAssertEqual(try live.pixel(at: 5)[0], 102, "a good save after all that loads")
    }

    func testSavingTracksKeepsTheFilesModeAndItsLink() throws {
        let live = try LiveDemo(self, files: glowDemo.merging(["real/demo.json": glowDemo["demo.json"]!]) { a, _ in a }) { t in
            // demo.json is a link to a file elsewhere, readable by its owner only.
            try FileManager.default.removeItem(atPath: t.demoFile)
            try FileManager.default.createSymbolicLink(atPath: t.demoFile, withDestinationPath: "real/demo.json")
            chmod(t.path("real/demo.json"), 0o600)
        }
        live.engine.trackOverrides.set(Track(name: "glow", components: 1, keys: [.init(time: 0, value: SIMD4(0.6, 0, 0, 0), interpolation: .linear)]))
        XCTAssertEqual(try live.engine.saveTracks(), ["glow"])
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: live.harness.demo.demoFile)
        XCTAssertEqual(link, "real/demo.json", "still a link")
        let attributes = try FileManager.default.attributesOfItem(atPath: live.harness.path("real/demo.json"))
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertTrue(try String(contentsOfFile: live.harness.path("real/demo.json"), encoding: .utf8).contains(#""glow": [[0, 0.6]]"#))
    }

    func testTheOverlayCountsFramesOverTheLastSecond() {
        var counter = FrameCounter()
        counter.tick(at: 100)
        counter.tick(at: 100.001)
        XCTAssertEqual(counter.perSecond, 2, "two frames so far, not a thousand per second")
        for i in 1...120 { counter.tick(at: 100.001 + Double(i) / 60) }
        XCTAssertEqual(counter.perSecond, 60)
    }

    /// Each engine with its own context (as the benchmarks and tools make
    /// them): one going away must not delete the other's framebuffers, whose
    /// names repeat across contexts.
    func testAnEngineGoingAwayLeavesAnotherEnginesFramesAlone() throws {
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(0.2, 0.4, 0.6, 1.0); }"))
        defer { sharedContext.makeCurrent() }
        let folder = try DemoFolder.load(d.demoFile)
        var first: Engine? = try Engine(folder: folder, options: Engine.Options(mode: .offline))
        XCTAssertEqual(try first?.renderImage(at: 1).pixel(x: 3, y: 3).g, 102)
        let second = try Engine(folder: folder, options: Engine.Options(mode: .offline))
        first = nil
        let p = try second.renderImage(at: 1).pixel(x: 3, y: 3)
        XCTAssertEqual([p.r, p.g, p.b, p.a], [51, 102, 153, 255])
    }
}
