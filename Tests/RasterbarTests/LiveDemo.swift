// The one live harness of the in-process tests: a temporary demo played by a
// real live engine (real watcher, real GL, scripts compiled inline), with
// frames drawn on demand and the pixels read back.
import Foundation
import XCTest
@testable import RasterbarCore
@testable import RasterbarGL
@testable import RasterbarHost

final class LiveDemo {
    let harness: StoreHarness
    let engine: Engine
    var renderer: DemoRenderer { engine.renderer }
    /// Live frames drawn so far.
    var frame = 0

    /// `environment` overrides variables of the process's for the engine (a compile path, a cache).
    init(_ test: XCTestCase, files: [String: String], options: FileWatcher.Options = FileWatcher.Options(),
         scriptTimeout: Double = 2, environment: [String: String] = [:], prepare: (TemporaryDemo) throws -> Void = { _ in }) throws {
        harness = try StoreHarness(test, files: files, options: options, engine: true, scriptTimeout: scriptTimeout, environment: environment,
                                   prepare: prepare)
        engine = harness.engine!
        try engine.loadAll()
    }

    /// A demo whose one scene runs script `name` (from 0 to 1000 s, params
    /// answer=42) with Shaders/solid.frag painting `uColor`.
    static func script(_ test: XCTestCase, script: String, name: String = "Counter", extraFiles: [String: String] = [:],
                       scriptTimeout: Double = 2, environment: [String: String] = [:]) throws -> LiveDemo {
        var files = [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": 1000, "script": "Scripts/\#(name).swift", "params": {"answer": 42}}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/\(name).swift": script,
        ]
        files.merge(extraFiles) { $1 }
        return try LiveDemo(test, files: files, scriptTimeout: scriptTimeout, environment: environment)
    }

    /// The frame at `time` drawn with offline inputs; the pixel at (x, y) as RGB.
    func pixel(at time: Double = 1, x: Int = 1, y: Int = 1) throws -> [UInt8] {
        try renderer.draw(at: time, inputs: .offline(time: time, demo: renderer.demo))
        let p = renderer.target.readImage().pixel(x: x, y: y)
        return [p.r, p.g, p.b]
    }

    /// Draws the next live frame (1/60 s after the last) and returns the pixel at (4, 4) as RGB.
    @discardableResult
    func draw() throws -> [UInt8] {
        frame += 1
        try renderer.draw(at: Double(frame) / 60, inputs: FrameInputs(frame: frame, timeDelta: 1.0 / 60, date: .zero))
        let p = renderer.target.readImage().pixel(x: 4, y: 4)
        return [p.r, p.g, p.b]
    }

    /// The first scene's script file.
    var scriptPath: String { harness.path(renderer.demo.scenes[0].source.path) }

    /// Saves new script text and syncs until the store reacts.
    func save(_ text: String, style: SaveStyle = .inPlace) throws {
        try style.save(text, to: scriptPath)
        harness.syncUntilChange(timeout: 60)
    }

    func errors(since mark: Int) -> [RasterbarError] { harness.errors(since: mark) }
    func warnings(since mark: Int) -> [String] {
        harness.events[mark...].compactMap { if case let .warning(m) = $0 { return m } else { return nil } }
    }
}
