// GNU Rocket against a mock editor started by the test (a TCP server on
// 127.0.0.1, a free port): the handshake, the tracks asked for, rows both
// ways, keys in pixels, saving into demo.json, an editor that goes away or
// talks garbage; and the editor's document format both ways.
import Foundation
import XCTest
@testable import RasterbarCore
@testable import RasterbarGL
@testable import RasterbarHost

final class RocketTests: XCTestCase {
    static let demoJSON = """
        {"meta": {"resolution": [16, 16], "fps": 60, "bpm": 120, "duration": 60},
         "scenes": [{"name": "s", "start": 0, "end": 60, "shader": "Shaders/s.frag"},
                    {"name": "t", "start": 0, "end": 60, "script": "Scripts/Asker.swift", "layer": 1, "blend": "add"}],
         "tracks": {
           "fade": [[0, 0.5], [60, 0.5]],
           "camera": {"type": "vec2", "keys": [[0, [0.25, 0.75]]]}
         }}
        """

    /// A live engine on a demo whose shader shows fade, glow and camera.x, and a
    /// script that asks for the track "swing", linked to a mock editor.
    func linkedDemo() throws -> (TemporaryDemo, Engine, RocketLink, MockRocketEditor, EventLog) {
        let d = try TemporaryDemo(self, files: [
            "demo.json": Self.demoJSON,
            "Shaders/s.frag": "uniform float fade;\nuniform float glow;\nuniform vec2 camera;\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(fade, glow, camera.x, 1); }",
            "Scripts/Asker.swift": """
                import RasterbarSDK

                final class Asker: Scene {
                    struct State: Codable {}
                    var state = State()
                    init() {}
                    func frame(_ context: Context) {
                        _ = context.track("swing")
                        context.pass(clear: Vec4(0, 0, 0, 0))
                    }
                }
                """,
        ])
        let (engine, log) = try liveEngine(d.demoFile)
        try engine.loadAll()
        engine.start(at: 0, paused: false, loops: false)
        let editor = try MockRocketEditor()
        addTeardownBlock { editor.stop() }
        let link = try RocketLink(address: "127.0.0.1:\(editor.port)") { log.events.append($0) }
        return (d, engine, link, editor, log)
    }

    /// One player frame: editor input, time, row out, saved files, a drawn frame; returns the pixel.
    @discardableResult
    func frame(_ engine: Engine, _ link: RocketLink) throws -> [UInt8] {
        link.update(engine)
        engine.advance()
        link.follow(engine)
        engine.sync()
        try engine.draw(FrameInputs(frame: 0, timeDelta: 1.0 / 60, date: .zero))
        let p = engine.target.readImage().pixel(x: 8, y: 8)
        return [p.r, p.g, p.b]
    }

    /// Frames until `done`, for at most `timeout` seconds.
    @discardableResult
    func frames(_ engine: Engine, _ link: RocketLink, timeout: Double = 10, until done: () -> Bool) throws -> [UInt8] {
        let deadline = monotonicSeconds() + timeout
        var last: [UInt8] = []
        while monotonicSeconds() < deadline {
            last = try frame(engine, link)
            if done() { return last }
            usleep(4000)
        }
        XCTFail("timed out")
        return last
    }

    /// Frames for `seconds`.
    func run(_ engine: Engine, _ link: RocketLink, for seconds: Double) throws {
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            try frame(engine, link)
            usleep(4000)
        }
    }

    func testTheDemoAsksForEveryTrackAndFollowsTheEditor() throws {
        let (d, engine, link, editor, log) = try linkedDemo()
        let expected = ["fade", "camera:x", "camera:y", "glow", "swing"]
        try frames(engine, link) { Set(editor.messages.tracks).isSuperset(of: expected) }
        XCTAssertEqual(Set(editor.messages.tracks.prefix(3)), ["fade", "camera:x", "camera:y"], "demo.json's tracks first")
        XCTAssertEqual(editor.messages.tracks[3], "glow", "then the shader's own uniform")
        XCTAssertEqual(editor.messages.tracks.count, Set(editor.messages.tracks).count, "each asked for once")
        XCTAssertTrue(log.events.contains { if case .rocket(.connected) = $0 { return true } else { return false } })

        // Rows while playing: 120 bpm x 8 rows per beat = 16 rows a second, sent as they change.
        let start = monotonicSeconds()
        try frames(engine, link, timeout: 3) { monotonicSeconds() - start > 1 }
        try frames(engine, link) { editor.messages.rows.last == RocketSession.row(at: engine.playback.time, meta: engine.demo.meta, bpm: 120) }
        let rows = editor.messages.rows
        XCTAssertGreaterThanOrEqual(rows.last!, 16, "a second of play is 16 rows: \(rows.suffix(5))")
        XCTAssertEqual(rows, rows.sorted(), "and only forward")
        XCTAssertEqual(rows.count, Set(rows).count, "each row once")

        // The editor pauses: no more rows. It moves the cursor: the demo seeks there.
        editor.pause(true)
        try frames(engine, link) { engine.playback.paused }
        let pausedRows = editor.messages.rows.count
        try run(engine, link, for: 1)
        XCTAssertEqual(editor.messages.rows.count, pausedRows, "paused: no rows sent")
        editor.setRow(160)
        try frames(engine, link) { abs(engine.playback.time - 10) < 1e-9 }
        XCTAssertEqual(engine.playback.time, 10, accuracy: 1e-9, "row 160 is 10 s at 120 bpm")

        // A key shows in the next frame; deleting it gives demo.json's value back.
        let fade = editor.messages.tracks.firstIndex(of: "fade")!
        XCTAssertEqual(try frame(engine, link)[0], 128, "demo.json's fade is 0.5")
        editor.setKey(fade, row: 0, value: 1, type: 0)
        try frames(engine, link) { engine.trackOverrides.edited["fade"] != nil }
        XCTAssertEqual(try frame(engine, link)[0], 255, "the editor's key, in the pixels")
        editor.deleteKey(fade, row: 0)
        try frames(engine, link) { engine.trackOverrides.edited["fade"] == nil }
        XCTAssertEqual(try frame(engine, link)[0], 128, "no editor keys: demo.json's fade again")

        // A key on a shader uniform no track defines, and on one component of a vec track.
        let glow = editor.messages.tracks.firstIndex(of: "glow")!, cameraY = editor.messages.tracks.firstIndex(of: "camera:y")!
        editor.setKey(glow, row: 0, value: 0.2, type: 1)
        editor.setKey(glow, row: 320, value: 0.6, type: 1)
        editor.setKey(cameraY, row: 0, value: 0.5, type: 0)
        try frames(engine, link) { engine.trackOverrides.edited["glow"] != nil && engine.trackOverrides.edited["camera"] != nil }
        let shown = try frame(engine, link)
        XCTAssertEqual(Int(shown[1]), Int((0.4 * 255).rounded()), accuracy: 1, "glow half-way from row 0 to 320 at 10 s")
        XCTAssertEqual(Int(shown[2]), Int((0.25 * 255).rounded()), accuracy: 1, "camera.x keeps demo.json's value")
        XCTAssertTrue(log.events.contains(.rocket(.key(track: "glow", row: 320, value: 0.6, interpolation: .linear))))

        // Save: demo.json gets the editor's tracks in its own time style, check accepts it, the frame stays.
        editor.saveTracks()
        try frames(engine, link) { log.events.contains { if case .rocket(.saved) = $0 { return true } else { return false } } }
        let saved = try String(contentsOfFile: d.demoFile, encoding: .utf8)
        XCTAssertTrue(saved.contains(#""glow": [["0:0", 0.2], ["10:0", 0.6]]"#), "new tracks in bar:beat, as the demo has a bpm: \(saved)")
        XCTAssertTrue(saved.contains(#""camera": {"type": "vec2", "keys": [[0, [0.25, 0.5]]]}"#), "camera.y from the editor, camera.x and the interpolation from demo.json: \(saved)")
        let check = try runRasterbar(["check", d.demoFile])
        XCTAssertEqual(check.status, 0, check.stderr)
        let rendered = try runRasterbar(["render", d.demoFile, "--time", "10", "--out", d.path("f.png")])
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        let p = try Image(pngFile: d.path("f.png")).pixel(x: 8, y: 8)
        XCTAssertEqual([p.r, p.g, p.b], shown, "the saved demo renders the frame the editor showed")
    }

    func testTheLinkSurvivesAnEditorThatLeavesComesBackOrTalksGarbage() throws {
        let (_, engine, link, editor, log) = try linkedDemo()
        try frames(engine, link) { editor.messages.tracks.count >= 4 }
        let fade = editor.messages.tracks.firstIndex(of: "fade")!
        editor.setKey(fade, row: 0, value: 1, type: 0)
        try frames(engine, link) { engine.trackOverrides.edited["fade"] != nil }

        // The editor quits: said once, the demo plays on with the last keys, and it reconnects by itself.
        editor.hangUp()
        try frames(engine, link) { !link.isConnected }
        let disconnects = { log.events.filter { if case .rocket(.disconnected) = $0 { return true } else { return false } }.count }
        XCTAssertEqual(disconnects(), 1)
        XCTAssertEqual(try frame(engine, link)[0], 255, "the last keys stay")
        try frames(engine, link) { editor.connectionCount == 2 && editor.messages.tracks.count >= 5 }
        XCTAssertEqual(Set(editor.messages.tracks), ["fade", "camera:x", "camera:y", "glow", "swing"], "every track asked for again")
        // This editor holds no keys for fade: once it has had its say, demo.json's fade is back.
        try frames(engine, link) { engine.trackOverrides.edited["fade"] == nil }
        XCTAssertEqual(try frame(engine, link)[0], 128)

        // Garbage: the link drops and comes back; the player is untouched.
        editor.send([99, 1, 2, 3])
        try frames(engine, link) { editor.connectionCount == 3 }
        XCTAssertEqual(disconnects(), 2)
        let reason = log.events.compactMap { if case let .rocket(.disconnected(_, reason)) = $0 { return reason } else { return nil } }.last!
        XCTAssertTrue(reason.contains("byte 99"), reason)

        // No editor at all: reported once while it keeps trying.
        editor.stop()
        try run(engine, link, for: 3.5)
        XCTAssertEqual(disconnects(), 3, "one report for the whole outage")
    }

    func testThePlayerSyncsWithTheEditorEndToEnd() throws {
        let d = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [16, 16], "fps": 60, "bpm": 120, "duration": 60}, "scenes": [{"name": "s", "start": 0, "end": 60, "shader": "Shaders/s.frag"}], "tracks": {"fade": [[0, 0.5]]}}"#,
            "Shaders/s.frag": "uniform float fade;\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(fade, 0, 0, 1); }",
        ])
        let editor = try MockRocketEditor()
        addTeardownBlock { editor.stop() }
        Thread.detachNewThread {
            let deadline = monotonicSeconds() + 20
            while !editor.messages.tracks.contains("fade"), monotonicSeconds() < deadline { usleep(5000) }
            editor.setKey(0, row: 0, value: 1, type: 0)
        }
        let result = try runRasterbar(["play", d.demoFile, "--headless", "--frames", "150", "--events", "--no-supervise",
                                       "--rocket", "127.0.0.1:\(editor.port)", "--screenshot", d.path("last.png")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains(#"{"event":"rocket","state":"connected","editor":"127.0.0.1:\#(editor.port)","tracks":1}"#), result.stdout)
        XCTAssertTrue(result.stdout.contains(#"{"event":"rocket","key":"set","track":"fade","row":0,"value":1,"interpolation":"step"}"#), result.stdout)
        XCTAssertTrue(result.stdout.contains(#""synced":["fade"]"#), "a frame event names the first frame showing the key")
        XCTAssertEqual(try Image(pngFile: d.path("last.png")).pixel(x: 8, y: 8).r, 255, "and the picture shows it")
        XCTAssertGreaterThan(editor.messages.rows.count, 1, "the player told the editor its rows")
    }

    func testPlayRefusesADemoWithoutBPM() throws {
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1); }"))
        // However --rocket is written: alone before the demo, with a port, with HOST:PORT.
        for arguments in [["--rocket", d.demoFile], [d.demoFile, "--rocket"], [d.demoFile, "--rocket", "1339"], ["--rocket", "localhost:1339", d.demoFile]] {
            let result = try runRasterbar(["play"] + arguments + ["--headless", "--frames", "1", "--no-supervise"])
            XCTAssertEqual(result.status, 1, "\(arguments)")
            XCTAssertTrue(result.stderr.contains("--rocket needs meta.bpm"), "\(arguments): \(result.stderr)")
        }
    }

    // MARK: Documents

    func testExportThenImportRoundTripsTheDefaultDemosTracks() throws {
        let original = try String(contentsOf: repositoryRoot.appendingPathComponent("demo.json"), encoding: .utf8)
        let d = try TemporaryDemo(self, files: ["demo.json": original])
        let export = try runRasterbar(["rocket", "export", d.demoFile, "--out", d.path("t.rocket")])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("wrote 6 tracks (21 keys)"), export.stdout)
        let demo = try parseDemo(original)
        let tracks = try RocketDocument.tracks(ofDocument: Array(try Data(contentsOf: URL(fileURLWithPath: d.path("t.rocket")))),
                                               name: "t.rocket", demo: demo)
        XCTAssertEqual(tracks.sorted { $0.name < $1.name }, demo.tracks.sorted { $0.name < $1.name }, "every key, value and interpolation")
        let back = try runRasterbar(["rocket", "import", d.path("t.rocket"), d.demoFile])
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertEqual(try String(contentsOfFile: d.demoFile, encoding: .utf8), original, "nothing to change: demo.json is byte for byte the same")

        // An edit in the editor's document comes back as that one track.
        let edited = try String(contentsOfFile: d.path("t.rocket"), encoding: .utf8)
            .replacingOccurrences(of: #"<key row="128" value="2.4" interpolation="1"/>"#, with: #"<key row="136" value="3" interpolation="0"/>"#)
        try d.write("t.rocket", edited)
        let merged = try runRasterbar(["rocket", "import", d.path("t.rocket"), d.demoFile])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertTrue(merged.stdout.contains("merged 1 of the document's 6 tracks"), merged.stdout)
        let now = try String(contentsOfFile: d.demoFile, encoding: .utf8)
        XCTAssertTrue(now.contains(#""barSpeed": [["0:0", 0.6, "ramp"], ["4:1", 3, "step"]]"#), now)

        try d.write("bad.rocket", "<sync><tracks><track name=\"x\"><key row=\"a\"/></track></tracks></sync>")
        let bad = try runRasterbar(["rocket", "import", d.path("bad.rocket"), d.demoFile])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("needs row, a finite value and interpolation"), bad.stderr)
    }
}
