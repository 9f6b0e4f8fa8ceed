// The JSON Schema kept in Tools/ agrees with what Rasterbar accepts: the
// bundled demo passes it, a broken one does not. Uses Python's jsonschema
// when it is installed; skipped with a message when it is not.
import XCTest
@testable import RasterbarHost

final class SchemaTests: XCTestCase {
    func validate(_ json: String) throws -> Subprocess.Result {
        let script = """
            import json, sys
            import jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft7Validator.check_schema(schema)
            jsonschema.validate(json.loads(sys.stdin.read()), schema)
            """
        let scriptFile = FileManager.default.temporaryDirectory.appendingPathComponent("rasterbar-schema-\(UUID()).py")
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("rasterbar-schema-\(UUID()).json")
        try Data(script.utf8).write(to: scriptFile)
        try Data(json.utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: scriptFile); try? FileManager.default.removeItem(at: input) }
        return try Subprocess.run("/bin/sh", ["-c", "python3 \"$0\" \"$1\" < \"$2\"", scriptFile.path,
                                              repositoryRoot.appendingPathComponent("Tools/demo.schema.json").path, input.path])
    }

    func testTheBundledDemoFollowsTheSchemaAndMistakesDoNot() throws {
        let probe = try Subprocess.run("/bin/sh", ["-c", "python3 -c 'import jsonschema'"])
        guard probe.status == 0 else { throw XCTSkip("python3 with jsonschema is not installed: the schema is not checked") }
        let demo = try String(contentsOf: repositoryRoot.appendingPathComponent("demo.json"), encoding: .utf8)
        let good = try validate(demo)
        XCTAssertEqual(good.status, 0, good.output)
        let multiPass = #"""
            {"meta": {"music": {"shader": "Shaders/t/sound.glsl", "common": "Shaders/t/common.glsl"}},
             "scenes": [{"name": "a", "start": 0, "end": 1, "shader": "Shaders/t/image.glsl", "common": "Shaders/t/common.glsl",
                         "channels": ["buffer:B", {"source": "wood.png", "filter": "nearest", "vflip": false}, "keyboard", "noise3d:rgba"],
                         "buffers": {"A": {"shader": "Shaders/t/a.glsl", "channels": ["buffer:A", null, "music", "v.bin"]},
                                     "B": {"shader": "Shaders/t/b.glsl", "channels": [{"cubemap": ["1.png", "2.png", "3.png", "4.png", "5.png", "6.png"], "wrap": "clamp"}]}}}]}
            """#
        let multi = try validate(multiPass)
        XCTAssertEqual(multi.status, 0, multi.output)
        for broken in [
            #"{"scenes": [{"name": "a", "start": 0, "end": 1}]}"#,
            #"{"scenes": [{"name": "a", "start": 0, "end": 1, "shader": "a", "blend": "multiply"}]}"#,
            #"{"scenes": [{"name": "a", "start": "eight", "end": 1, "shader": "a"}]}"#,
            #"{"scenes": [{"name": "a", "start": 0, "end": 1, "shader": "a"}], "tracks": {"t": [[0, 1, "smoth"]]}}"#,
            #"{"scenes": [{"name": "a", "start": 0, "end": 1, "shader": "a", "shadr": "x"}]}"#,
            #"{"scenes": [{"name": "a", "start": 0, "end": 1, "shader": "a", "buffers": {"E": {"shader": "e"}}}]}"#,
            #"{"scenes": [{"name": "a", "start": 0, "end": 1, "shader": "a", "channels": [{"source": "x.png", "filter": "cubic"}]}]}"#,
            #"{"scenes": [{"name": "a", "start": 0, "end": 1, "shader": "a", "channels": [{"cubemap": ["1.png"]}]}]}"#,
        ] {
            XCTAssertNotEqual(try validate(broken).status, 0, broken)
        }
    }
}
