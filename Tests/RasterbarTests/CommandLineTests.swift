// The real `rasterbar` executable: what a person sees for good and bad input.
// Every failure is one line on stderr, a non-zero exit, and no output file.
import XCTest
@testable import RasterbarCore

final class CommandLineTests: XCTestCase {
    let toy = "void mainImage(out vec4 c, in vec2 f) { c = vec4(f / iResolution.xy, 0.5, 1.0); }"

    func demo(_ files: [String: String]? = nil) throws -> TemporaryDemo {
        try TemporaryDemo(self, files: files ?? TemporaryDemo.oneScene(shader: toy))
    }

    /// Asserts a failed run: exit status, one line on stderr containing `needles`.
    func assertFails(_ result: CommandResult, status: Int32 = 1, _ needles: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line on stderr: \(result.stderr)", file: file, line: line)
        for needle in needles {
            XCTAssertTrue(result.stderr.contains(needle), "'\(needle)' not in: \(result.stderr)", file: file, line: line)
        }
    }

    func testRenderWritesThePNGOfTheFrame() throws {
        let d = try demo()
        let out = d.path("frame.png")
        let result = try runRasterbar(["render", d.demoFile, "--time", "2", "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let image = try Image(pngFile: out)
        XCTAssertEqual([image.width, image.height], [64, 32])
        XCTAssertEqual(image.pixel(x: 63, y: 31).r, 253, "red grows to the right (fragCoord.x / width)")
        XCTAssertEqual(image.pixel(x: 0, y: 0).g, 251, "green grows upwards: the top row is near 1")
    }

    func testRenderTheBundledDemoFromItsFolderWithSize() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rasterbar-\(UUID()).png").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: out) }
        let result = try runRasterbar(["render", "--time", "2", "--out", out, "--size", "200x100"], directory: repositoryRoot)
        XCTAssertEqual(result.status, 0, result.stderr)
        let image = try Image(pngFile: out)
        XCTAssertEqual([image.width, image.height], [200, 100])
    }

    func testMissingDemo() throws {
        let dir = try demo([:])
        assertFails(try runRasterbar(["render", dir.demoFile, "--time", "1", "--out", dir.path("x.png")]),
                    ["demo file not found", "demo.json"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("x.png")))
    }

    func testInvalidJSONSaysWhere() throws {
        let d = try demo(["demo.json": "{\n  \"scenes\": [\n}\n"])
        assertFails(try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("x.png")]),
                    ["demo.json:3:1:", "expected a value but found '}'"])
    }

    func testSceneEndingBeforeItStarts() throws {
        let d = try demo(["demo.json": #"{"scenes": [{"name": "a", "start": 5, "end": 2, "shader": "a.frag"}]}"#, "a.frag": toy])
        assertFails(try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("x.png")]),
                    ["demo.json:1:46: scenes[0].end: must be after start (5.0), found 2.0"])
    }

    func testMissingShaderFile() throws {
        let d = try demo(["demo.json": #"{"scenes": [{"name": "a", "start": 0, "end": 2, "shader": "Shaders/nope.frag"}]}"#])
        assertFails(try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("x.png")]),
                    ["scenes[0].shader: file not found: Shaders/nope.frag"])
    }

    func testCompileErrorNamesTheShaderFileAndLine() throws {
        let d = try demo(TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) {\n  c = vec4(1.0)\n}\n"))
        let result = try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("x.png")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("rasterbar: Shaders/s.frag:3:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("error"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: d.path("x.png")))
    }

    func testBadSizes() throws {
        let d = try demo()
        for size in ["640", "0x100", "100x0", "wide"] {
            assertFails(try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("x.png"), "--size", size]),
                        ["size '\(size)'"])
        }
    }

    func testTimeOutsideTheDemo() throws {
        let d = try demo()
        assertFails(try runRasterbar(["render", d.demoFile, "--time", "11", "--out", d.path("x.png")]),
                    ["time 11.0 is outside the demo", "from 0 to 10.0 seconds"])
        assertFails(try runRasterbar(["render", d.demoFile, "--time=-1", "--out", d.path("x.png")]),
                    ["time -1.0 is outside the demo"])
    }

    func testUnwritableOutputLeavesNothingBehind() throws {
        let d = try demo()
        assertFails(try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("no/such/folder/x.png")]),
                    ["no/such/folder/x.png: cannot write"])
        // An existing folder where the file should go: the rename fails after the
        // PNG was written to a temporary file, which must be cleaned up.
        try FileManager.default.createDirectory(atPath: d.path("taken.png"), withIntermediateDirectories: false)
        assertFails(try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("taken.png")]), ["taken.png: cannot write"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: d.root.path).filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [])
        assertFails(try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("x.jpg")]), ["is not a .png file"])
    }

    func testFailedRenderKeepsThePreviousFile() throws {
        let d = try demo()
        let out = d.path("frame.png")
        XCTAssertEqual(try runRasterbar(["render", d.demoFile, "--time", "1", "--out", out]).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        try d.write("Shaders/s.frag", "broken")
        XCTAssertEqual(try runRasterbar(["render", d.demoFile, "--time", "1", "--out", out]).status, 1)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), before)
    }

    func testPlayWithoutADisplayExplainsTheWayOut() throws {
        let d = try demo()
        assertFails(try runRasterbar(["play", d.demoFile]), status: 2, ["no display", "rasterbar render", "xvfb-run"])
        // `play` is the default command.
        assertFails(try runRasterbar([d.demoFile]), status: 2, ["no display"])
    }

    func testTimesAreSecondsBarBeatOrSceneNames() throws {
        let d = try demo([
            "demo.json": """
                {"meta": {"resolution": [32, 16], "bpm": 120},
                 "scenes": [{"name": "intro", "start": 0, "end": 4, "shader": "s.frag"}, {"name": "main", "start": 4, "end": 8, "shader": "s.frag"}]}
                """,
            "s.frag": "void mainImage(out vec4 c, in vec2 f) { c = vec4(fract(rbDemoTime / 8.0), 0, 0, 1); }",
        ])
        func red(_ time: String) throws -> UInt8 {
            let out = d.path("t-\(UUID()).png")
            let result = try runRasterbar(["render", d.demoFile, "--time", time, "--out", out])
            XCTAssertEqual(result.status, 0, result.stderr)
            return try Image(pngFile: out).pixel(x: 0, y: 0).r
        }
        XCTAssertEqual(try red("main"), try red("4"), "a scene name is its start")
        XCTAssertEqual(try red("1:2"), try red("3"), "bar 1 beat 2 at 120 bpm")
        XCTAssertNotEqual(try red("main"), try red("intro"))
        let bad = try runRasterbar(["render", d.demoFile, "--time", "mains", "--out", d.path("x.png")])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "rasterbar: --time 'mains' is neither a time nor a scene of this demo (did you mean 'main'?)\n")
        let range = try runRasterbar(["render", d.demoFile, "--from", "intro", "--to", "0:1", "--fps", "4", "--out", d.path("frames") + "/"])
        XCTAssertEqual(range.status, 0, range.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d.path("frames")).filter { $0.hasSuffix(".png") }.sorted(), ["frame-000000.png", "frame-000001.png"])
        let play = try runRasterbar(["play", "--headless", "--events", "--frames", "1", "--start", "main", d.demoFile])
        XCTAssertEqual(play.status, 0, play.stderr)
        XCTAssertTrue(play.stdout.contains(#""event":"frame","frame":0,"time":4,"#), play.stdout)
        let late = try runRasterbar(["play", "--headless", "--start", "9:0", d.demoFile])
        XCTAssertEqual(late.status, 1)
        XCTAssertTrue(late.stderr.contains("--start 9:0 = 18.0 is outside the demo"), late.stderr)
    }
}
