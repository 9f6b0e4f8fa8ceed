import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class DemoModelTests: XCTestCase {

    func testReadsMetaAndScenesInTimeOrder() throws {
        let demo = try parseDemo("""
            {"meta": {"title": "T", "resolution": "320x200", "fps": 50},
             "scenes": [{"name": "b", "start": 5, "end": 9, "shader": "Shaders/./b.frag"},
                        {"name": "a", "start": 0, "end": 5, "shader": "Shaders/a.frag"}]}
            """)
        XCTAssertEqual(demo.meta.title, "T")
        XCTAssertEqual(demo.meta.resolution, PixelSize(width: 320, height: 200))
        XCTAssertEqual(demo.meta.duration, 9, "duration defaults to the last scene's end")
        XCTAssertEqual(demo.scenes.map(\.name), ["a", "b"])
        XCTAssertEqual(demo.scenes[1].source, .shader("Shaders/b.frag"))
        XCTAssertEqual(demo.sceneIndex(at: 0), 0)
        XCTAssertEqual(demo.sceneIndex(at: 4.999), 0)
        XCTAssertEqual(demo.sceneIndex(at: 5), 1, "end is exclusive, start inclusive")
        XCTAssertEqual(demo.sceneIndex(at: 9), 1, "the very end shows the last scene")
        XCTAssertEqual(demo.sceneIndex(at: 9.5), 1, "past the end the last scene still draws")
        XCTAssertEqual(demo.frameNumber(at: 1), 50)
    }

    func testGapsBetweenScenesShowNothing() throws {
        let demo = try parseDemo(#"{"scenes": [{"name": "a", "start": 2, "end": 3, "shader": "a.frag"}], "meta": {"duration": 5}}"#)
        XCTAssertNil(demo.sceneIndex(at: 1))
        XCTAssertNil(demo.sceneIndex(at: 4))
        XCTAssertEqual(demo.meta.duration, 5)
    }

    func testInvalidJSONSaysLineAndColumn() {
        let e = assertRasterbarError(.invalidJSON) { try parseDemo("{\n  \"scenes\": [\n    {\"name\": \"a\",, }\n  ]\n}") }
        XCTAssertEqual(e?.location, "demo.json:3:18")
    }

    func testEveryRuleNamesItsPath() {
        let cases: [(String, String, String)] = [
            (#"{"scenes": [{"name": "a", "start": 4, "end": 4, "shader": "a.frag"}]}"#,
             "scenes[0].end: must be after start (4.0), found 4.0", "demo.json:1:46"),
            (#"{"scenes": [{"name": "a", "start": -1, "end": 4, "shader": "a.frag"}]}"#,
             "scenes[0].start: must be 0 or more, found -1.0", "demo.json:1:36"),
            (#"{"scenes": [{"name": "a", "start": 0, "end": 4}]}"#, "scenes[0].shader: missing", "demo.json:1:13"),
            (#"{"scenes": [{"name": "a", "start": "0", "end": 4, "shader": "a"}]}"#,
             "scenes[0].start: \"0\" is neither seconds nor bar:beat", "demo.json:1:36"),
            (#"{"scenes": [{"name": "a", "start": 0, "end": 4, "shadr": "a"}]}"#, "scenes[0].shadr: unknown key", "demo.json:1:58"),
            (#"{"scenes": []}"#, "scenes: must list at least one scene", "demo.json:1:12"),
            (#"{"meta": {"resolution": [0, 10]}, "scenes": [{"name": "a", "start": 0, "end": 1, "shader": "a"}]}"#,
             "meta.resolution: must be two whole numbers from 1 to 16384, found [0.0, 10.0]", "demo.json:1:25"),
            (#"{"meta": {"duration": 3}, "scenes": [{"name": "a", "start": 0, "end": 4, "shader": "a"}]}"#,
             "meta.duration: 3.0 ends before the last scene ends (4.0)", "demo.json:1:23"),
            (#"{"scenes": [{"name": "a", "start": 0, "end": 4, "shader": "a"}, {"name": "b", "start": 3, "end": 5, "shader": "b"}]}"#,
             "scenes[1]: overlaps scenes[0] 'a' (0.0-4.0) on layer 0", "demo.json:1:65"),
            (#"{"scenes": [{"name": "a", "start": 0, "end": 4, "shader": "../outside.frag"}]}"#,
             "scenes[0].shader: '../outside.frag' leaves the demo folder", "demo.json:1:59"),
            (#"[1, 2]"#, "demo.json: must be an object, found an array", "demo.json:1:1"),
        ]
        for (text, message, location) in cases {
            let e = assertRasterbarError(.invalidDemo) { try parseDemo(text) }
            XCTAssertEqual(e?.message, message, text)
            XCTAssertEqual(e?.location, location, text)
        }
    }

    func testMisspeltKeysGetAHint() {
        let e = assertRasterbarError(.invalidDemo) {
            try parseDemo(#"{"scenes": [{"name": "a", "start": 0, "end": 4, "shadr": "a"}]}"#)
        }
        XCTAssertEqual(e?.hint, "did you mean 'shader'?")
    }

    func testPathsAreNormalisedAndKeptInside() throws {
        XCTAssertEqual(try DemoPath.normalize("a/./b/../c.frag"), "a/c.frag")
        XCTAssertEqual(try DemoPath.normalize("Shaders//x.frag"), "Shaders/x.frag")
        assertRasterbarError(.invalidArgument) { try DemoPath.normalize("/etc/passwd") }
        assertRasterbarError(.invalidArgument) { try DemoPath.normalize("a/../../b") }
        assertRasterbarError(.invalidArgument) { try DemoPath.normalize(".") }
    }

    func testSizesParse() throws {
        XCTAssertEqual(try PixelSize(parsing: "640x360"), PixelSize(width: 640, height: 360))
        XCTAssertEqual(try PixelSize(parsing: "640X360"), PixelSize(width: 640, height: 360))
        for bad in ["640", "0x10", "10x0", "x", "-5x5", "640x360x2", "axb", "99999x10", ""] {
            assertRasterbarError(.invalidArgument) { try PixelSize(parsing: bad) }
        }
    }

    func testLetterboxKeepsAspect() {
        let wide = Letterbox(fitting: PixelSize(width: 1280, height: 720), into: PixelSize(width: 1000, height: 1000))
        XCTAssertEqual([wide.x, wide.y, wide.width, wide.height], [0, 218, 1000, 563])
        let tall = Letterbox(fitting: PixelSize(width: 1280, height: 720), into: PixelSize(width: 1920, height: 720))
        XCTAssertEqual([tall.x, tall.y, tall.width, tall.height], [320, 0, 1280, 720])
        let same = Letterbox(fitting: PixelSize(width: 64, height: 32), into: PixelSize(width: 64, height: 32))
        XCTAssertEqual([same.x, same.y, same.width, same.height], [0, 0, 64, 32])
    }
}
