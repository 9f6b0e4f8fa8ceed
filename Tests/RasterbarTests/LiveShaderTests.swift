// Shaders, textures and demo.json through the live store on real GL: edits
// show up in the next frame, errors keep the last good version, includes
// reload every program that uses them.
import XCTest
@testable import RasterbarCore
@testable import RasterbarGL
@testable import RasterbarHost

final class LiveShaderTests: XCTestCase {
    /// A shader that paints one colour from an included file.
    static func colour(_ r: Double, _ g: Double, _ b: Double) -> String {
        "vec3 paint() { return vec3(\(r), \(g), \(b)); }\n"
    }

    func twoScenes(a: String, b: String) -> [String: String] {
        [
            "demo.json": """
                {"meta": {"resolution": [8, 8]}, "scenes": [
                  {"name": "a", "start": 0, "end": 5, "shader": "Shaders/a.frag"},
                  {"name": "b", "start": 5, "end": 10, "shader": "Shaders/b.frag"}]}
                """,
            "Shaders/a.frag": a,
            "Shaders/b.frag": b,
        ]
    }

    func testEditingAShaderShowsInTheNextFrame() throws {
        let live = try LiveDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1, 0, 0, 1); }"))
        XCTAssertEqual(try live.pixel(), [255, 0, 0])
        try SaveStyle.tempAndRename.save("void mainImage(out vec4 c, in vec2 f) { c = vec4(0, 1, 0, 1); }", to: live.harness.path("Shaders/s.frag"))
        XCTAssertEqual(live.harness.syncUntilChange().map(\.description), ["program:Shaders/s.frag"])
        XCTAssertEqual(try live.pixel(), [0, 255, 0])
    }

    func testACompleteShaderSaveShowsWithoutWaitingTheDebounce() throws {
        // A debounce far longer than any compile: only a save that needs none can meet the deadline.
        var options = FileWatcher.Options()
        options.debounce = 2
        let live = try LiveDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1, 0, 0, 1); }"),
                                options: options)
        XCTAssertEqual(try live.pixel(), [255, 0, 0])
        let saves: [(SaveStyle, String, [UInt8])] = [(.inPlace, "vec4(0, 1, 0, 1)", [0, 255, 0]),
                                                     (.tempAndRename, "vec4(0, 0, 1, 1)", [0, 0, 255])]
        for (style, colour, expected) in saves {
            let saved = Date()
            try style.save("void mainImage(out vec4 c, in vec2 f) { c = \(colour); }", to: live.harness.path("Shaders/s.frag"))
            XCTAssertEqual(live.harness.syncUntilChange(timeout: 1).map(\.description), ["program:Shaders/s.frag"], "\(style)")
            XCTAssertEqual(try live.pixel(), expected, "\(style)")
            XCTAssertLessThan(Date().timeIntervalSince(saved), 1, "the new frame came well before the 2 s debounce (\(style))")
        }
    }

    func testIncludeChainsAndDiamondsReloadEachProgramOnce() throws {
        // a.frag -> lib/mid.glsl -> lib/base.glsl ; b.frag -> lib/base.glsl and lib/mid.glsl (a diamond)
        var files = twoScenes(
            a: "#include \"lib/mid.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(mid(), 1); }",
            b: "#include \"lib/base.glsl\"\n#include \"lib/mid.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(paint().bgr, 1); }")
        files["Shaders/lib/mid.glsl"] = "#include \"base.glsl\"\nvec3 mid() { return paint(); }\n"
        files["Shaders/lib/base.glsl"] = Self.colour(1, 0, 0)
        let live = try LiveDemo(self, files: files)
        XCTAssertEqual(try live.pixel(at: 1), [255, 0, 0])
        XCTAssertEqual(try live.pixel(at: 6), [0, 0, 255])
        let mark = live.harness.events.count
        try SaveStyle.inPlace.save(Self.colour(0, 1, 0), to: live.harness.path("Shaders/lib/base.glsl"))
        live.harness.syncUntilChange()
        XCTAssertEqual(live.harness.reloads(since: mark).sorted(), ["program:Shaders/a.frag#2", "program:Shaders/b.frag#2"])
        XCTAssertEqual(live.harness.syncQuietly(), [])
        XCTAssertEqual(try live.pixel(at: 1), [0, 255, 0])
        XCTAssertEqual(try live.pixel(at: 6), [0, 255, 0])
    }

    func testErrorsKeepTheLastGoodProgramAndPointIntoIncludes() throws {
        var files = TemporaryDemo.oneScene(shader: "#include \"lib/noise.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(paint(), 1); }")
        files["Shaders/lib/noise.glsl"] = Self.colour(0, 0, 1)
        let live = try LiveDemo(self, files: files)
        XCTAssertEqual(try live.pixel(), [0, 0, 255])
        let mark = live.harness.events.count
        try SaveStyle.inPlace.save("// helpers\n\nvec3 paint() { return vec3(0.0, 0.0, oops); }\n", to: live.harness.path("Shaders/lib/noise.glsl"))
        live.harness.syncUntilChange()
        let error = try XCTUnwrap(live.harness.errors(since: mark).first)
        XCTAssertEqual(error.kind, .shaderCompile)
        XCTAssertEqual(error.file, "Shaders/lib/noise.glsl", "the error names the included file")
        XCTAssertEqual(error.line, 3, "and its own line")
        XCTAssertEqual(try live.pixel(), [0, 0, 255], "the last good program keeps drawing")
        let program = try live.renderer.program(for: "Shaders/s.frag")
        XCTAssertEqual(program.error?.kind, .shaderCompile)
        try SaveStyle.inPlace.save(Self.colour(1, 1, 0), to: live.harness.path("Shaders/lib/noise.glsl"))
        live.harness.syncUntilChange()
        XCTAssertNil(program.error)
        XCTAssertEqual(try live.pixel(), [255, 255, 0])
    }

    func testAShaderThatNeverCompiledShowsTheErrorPatternUntilFixed() throws {
        let live = try LiveDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = nope; }"))
        let program = try live.renderer.program(for: "Shaders/s.frag")
        XCTAssertTrue(program.isFallback)
        XCTAssertEqual(program.error?.kind, .shaderCompile)
        // Magenta and near-black stripes: not black, unmistakably an error.
        _ = try live.pixel()
        let image = live.renderer.target.readImage()
        let colours = Set((0..<8).map { x -> [UInt8] in let p = image.pixel(x: x, y: 4); return [p.r, p.g, p.b] })
        XCTAssertTrue(colours.contains([255, 0, 255]), "\(colours)")
        try SaveStyle.deleteAndRecreate.save("void mainImage(out vec4 c, in vec2 f) { c = vec4(1); }", to: live.harness.path("Shaders/s.frag"))
        live.harness.syncUntilChange()
        XCTAssertFalse(program.isFallback)
        XCTAssertEqual(try live.pixel(), [255, 255, 255])
    }

    func testIncludeCyclesAndMissingIncludesAreErrorsAtTheIncludeLine() throws {
        var files = TemporaryDemo.oneScene(shader: "// top\n#include \"a.glsl\"\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(1); }")
        files["Shaders/a.glsl"] = "#include \"b.glsl\"\n"
        files["Shaders/b.glsl"] = "\n#include \"a.glsl\"\n"
        let live = try LiveDemo(self, files: files)
        let cycle = try XCTUnwrap(try live.renderer.program(for: "Shaders/s.frag").error)
        XCTAssertEqual(cycle.kind, .includeCycle)
        XCTAssertEqual(cycle.file, "Shaders/b.glsl")
        XCTAssertEqual(cycle.line, 2)
        XCTAssertTrue(cycle.message.contains("Shaders/s.frag -> Shaders/a.glsl -> Shaders/b.glsl -> Shaders/a.glsl"), cycle.message)

        try SaveStyle.inPlace.save("#include \"missing/noise.glsl\"\n", to: live.harness.path("Shaders/b.glsl"))
        live.harness.syncUntilChange()
        let missing = try XCTUnwrap(try live.renderer.program(for: "Shaders/s.frag").error)
        XCTAssertEqual(missing.kind, .fileNotFound)
        XCTAssertEqual(missing.file, "Shaders/b.glsl")
        XCTAssertEqual(missing.line, 1)
        // Creating the missing include (and its folder) fixes the program.
        try FileManager.default.createDirectory(atPath: live.harness.path("Shaders/missing"), withIntermediateDirectories: true)
        try SaveStyle.inPlace.save("// now here\n", to: live.harness.path("Shaders/missing/noise.glsl"))
        live.harness.syncUntilChange()
        XCTAssertNil(try live.renderer.program(for: "Shaders/s.frag").error)

        try SaveStyle.inPlace.save("#include \"../../outside.glsl\"\n", to: live.harness.path("Shaders/b.glsl"))
        live.harness.syncUntilChange()
        let outside = try XCTUnwrap(try live.renderer.program(for: "Shaders/s.frag").error)
        XCTAssertTrue(outside.message.contains("leaves the demo folder"), outside.message)
    }

    func testBinaryGarbageInAShaderKeepsTheLastGood() throws {
        let live = try LiveDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(0, 0, 1, 1); }"))
        try Data((0..<256).map { UInt8($0) }).write(to: URL(fileURLWithPath: live.harness.path("Shaders/s.frag")))
        live.harness.syncUntilChange()
        XCTAssertEqual(try live.renderer.program(for: "Shaders/s.frag").error?.kind, .fileUnreadable)
        XCTAssertEqual(try live.pixel(), [0, 0, 255])
    }

    func testEditingDemoJSONUpdatesTheRunningDemoAndABadEditKeepsTheLastGood() throws {
        let live = try LiveDemo(self, files: twoScenes(a: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1, 0, 0, 1); }",
                                                  b: "void mainImage(out vec4 c, in vec2 f) { c = vec4(0, 1, 0, 1); }"))
        XCTAssertEqual(try live.pixel(at: 6), [0, 255, 0])
        // Swap the scenes' order and grow the resolution, while playing.
        try SaveStyle.tempAndRename.save("""
            {"meta": {"resolution": [16, 4]}, "scenes": [
              {"name": "b", "start": 0, "end": 5, "shader": "Shaders/b.frag"},
              {"name": "a", "start": 5, "end": 10, "shader": "Shaders/a.frag"}]}
            """, to: live.harness.path("demo.json"))
        live.harness.syncUntilChange()
        XCTAssertEqual(live.renderer.timeline.generation, 2)
        XCTAssertEqual(try live.pixel(at: 6), [255, 0, 0])
        XCTAssertEqual(live.renderer.target.size, PixelSize(width: 16, height: 4))
        let mark = live.harness.events.count
        try SaveStyle.inPlace.save("{\"scenes\": [", to: live.harness.path("demo.json"))
        live.harness.syncUntilChange()
        XCTAssertEqual(live.harness.errors(since: mark).first?.kind, .invalidJSON)
        XCTAssertEqual(live.renderer.timeline.error?.line, 1)
        XCTAssertEqual(try live.pixel(at: 6), [255, 0, 0], "the last good timeline keeps playing")
        try Data([0x00, 0xFF, 0xFE, 0x7B]).write(to: URL(fileURLWithPath: live.harness.path("demo.json")))
        live.harness.syncUntilChange()
        XCTAssertEqual(live.renderer.timeline.error?.kind, .invalidJSON)
        XCTAssertEqual(live.renderer.demo.scenes.map(\.name), ["b", "a"])
    }

    func testTexturesBindToChannelsAndByNameAndReload() throws {
        func png(_ r: UInt8, _ g: UInt8, _ b: UInt8, width: Int = 2) throws -> Data {
            var image = Image(width: width, height: 2)
            for i in 0..<(width * 2) { image.pixels.replaceSubrange(i * 4..<i * 4 + 4, with: [r, g, b, 255]) }
            return Data(try image.pngData())
        }
        var files = [
            "demo.json": """
                {"meta": {"resolution": [8, 8]}, "scenes": [{"name": "t", "start": 0, "end": 5, "shader": "s.frag",
                  "channels": [null, "tex/one.png"], "textures": {"uGrain": "tex/two.png"}}]}
                """,
            "s.frag": """
                uniform sampler2D uGrain;
                void mainImage(out vec4 c, in vec2 f) {
                    c = vec4(texture(iChannel1, vec2(0.5)).r, texture(uGrain, vec2(0.5)).g, iChannelResolution[1].x / 255.0, 1);
                }
                """,
        ]
        files["tex/one.png"] = ""
        let demo = try LiveDemo(self, files: files) { t in
            try png(200, 0, 0).write(to: URL(fileURLWithPath: t.path("tex/one.png")))
            try png(0, 100, 0).write(to: URL(fileURLWithPath: t.path("tex/two.png")))
        }
        let live = demo.harness, renderer = demo.renderer
        XCTAssertEqual(try renderer.loadAll().map(\.kind), [])
        func pixel() throws -> [UInt8] { try demo.pixel(x: 4, y: 4) }
        XCTAssertEqual(try pixel(), [200, 100, 2])
        try SaveStyle.tempAndRename.save("", to: live.path("tex/one.png")) // an empty PNG is an error
        live.syncUntilChange()
        XCTAssertEqual(try renderer.texture(for: "tex/one.png").error?.kind, .invalidImage)
        XCTAssertEqual(try pixel(), [200, 100, 2], "the last good texture stays")
        try png(50, 0, 0, width: 4).write(to: URL(fileURLWithPath: live.path("tex/one.png")))
        live.syncUntilChange()
        XCTAssertEqual(try pixel(), [50, 100, 4])
    }
}
