// Layers, transitions and sync tracks rendered on real GL.
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

final class CompositionTests: XCTestCase {
    func solid(_ r: Double, _ g: Double, _ b: Double, _ a: Double = 1) -> String {
        "#version 330 core\nout vec4 c;\nvoid main() { c = vec4(\(r), \(g), \(b), \(a)); }\n"
    }

    func render(_ files: [String: String], at time: Double) throws -> Image {
        let demo = try TemporaryDemo(self, files: files)
        return try renderHeadless(try DemoFolder.load(demo.demoFile), at: time)
    }

    func rgb(_ image: Image, _ x: Int, _ y: Int) -> [Int] {
        let p = image.pixel(x: x, y: y)
        return [Int(p.r), Int(p.g), Int(p.b)]
    }

    func testTracksAndParamsReachShadersAsUniforms() throws {
        let files = [
            "demo.json": """
                {"meta": {"resolution": [4, 4]},
                 "scenes": [{"name": "s", "start": 0, "end": 10, "shader": "s.frag", "params": {"gain": 0.5}}],
                 "tracks": {"level": [[0, 0], [4, 200, "linear"]], "tint": {"type": "vec3", "keys": [[0, [10, 20, 30], "step"], [2, [40, 50, 60]]]}}}
                """,
            "s.frag": """
                uniform float level;
                uniform vec3 tint;
                uniform float gain;
                void mainImage(out vec4 c, in vec2 f) { c = vec4(level, tint.y + tint.z * gain, tint.x, 255.0) / 255.0; }
                """,
        ]
        XCTAssertEqual(rgb(try render(files, at: 1), 1, 1), [50, 35, 10])
        XCTAssertEqual(rgb(try render(files, at: 3), 1, 1), [150, 80, 40], "after the step key the vec3 jumps")
    }

    func testLayersAreCombinedOverOrAdded() throws {
        let files = [
            "demo.json": """
                {"meta": {"resolution": [4, 4]}, "scenes": [
                  {"name": "base", "start": 0, "end": 10, "shader": "base.frag"},
                  {"name": "half", "start": 1, "end": 2, "shader": "half.frag", "layer": 1},
                  {"name": "glow", "start": 3, "end": 4, "shader": "glow.frag", "layer": 1, "blend": "add"},
                  {"name": "top", "start": 3, "end": 4, "shader": "half.frag", "layer": 2}]}
                """,
            "base.frag": solid(0.2, 0.4, 0),
            "half.frag": solid(1, 0, 0, 0.5),
            "glow.frag": solid(0, 0.4, 0.8),
        ]
        XCTAssertEqual(rgb(try render(files, at: 0.5), 1, 1), [51, 102, 0], "the base alone")
        XCTAssertEqual(rgb(try render(files, at: 1.5), 1, 1), [153, 51, 0], "half-transparent red over the base")
        // glow adds (0.2, 0.8, 0.8), then red at half alpha goes over that.
        XCTAssertEqual(rgb(try render(files, at: 3.5), 1, 1), [153, 102, 102])
    }

    func testEveryTransitionBlendsItsTwoScenes() throws {
        func files(_ transition: String) -> [String: String] {
            [
                "demo.json": """
                    {"meta": {"resolution": [40, 20], "bpm": 60},
                     "scenes": [{"name": "a", "start": 0, "end": "1:0", "shader": "a.frag"}, {"name": "b", "start": "1:0", "end": "2:0", "shader": "b.frag"}],
                     "transitions": [{"from": "a", "to": "b", "duration": "0:2", \(transition)}]}
                    """,
                "a.frag": solid(1, 0, 0),
                "b.frag": solid(0, 0, 1),
            ]
        }
        // The transition runs from 4 s (bar 1) for two beats (2 s): its middle is 5 s.
        let crossfade = try render(files(#""type": "crossfade""#), at: 5)
        XCTAssertEqual(rgb(crossfade, 20, 10), [128, 0, 128], "half of each")
        XCTAssertEqual(rgb(try render(files(#""type": "crossfade""#), at: 3.9), 20, 10), [255, 0, 0], "before: only a")
        XCTAssertEqual(rgb(try render(files(#""type": "crossfade""#), at: 6), 20, 10), [0, 0, 255], "after: only b")
        let fade = try render(files(#""type": "fade""#), at: 4.5)
        XCTAssertEqual(rgb(fade, 20, 10), [128, 0, 0], "a quarter in: a at half brightness on its way to black")
        XCTAssertEqual(try render(files(#""type": "fade""#), at: 5).pixel(x: 20, y: 10).a, 255, "black in the middle, but opaque")
        let wipe = try render(files(#""type": "wipe", "direction": "right""#), at: 5)
        XCTAssertEqual(rgb(wipe, 2, 10), [0, 0, 255], "a wipe to the right: b has covered the left")
        XCTAssertEqual(rgb(wipe, 37, 10), [255, 0, 0], "and not yet the right")
        let up = try render(files(#""type": "wipe", "direction": "up""#), at: 5)
        XCTAssertEqual(rgb(up, 20, 18), [0, 0, 255], "a wipe up: b has covered the bottom (image rows are top-down)")
        XCTAssertEqual(rgb(up, 20, 1), [255, 0, 0])
    }

    func testScriptsReadTracksAndParams() throws {
        let script = """
            import RasterbarSDK
            final class Reader: Scene {
                init() {}
                func frame(_ context: Context) {
                    let level = context.track("level") ?? Vec4(-1, -1, -1, -1)
                    let missing = context.track("missing") == nil ? Float(1) : Float(0)
                    let solid = context.shader("solid.frag")
                    context.set(solid, "uColor", Vec4(level.x / 255, context.param("gain") / 255, missing, 1))
                    context.fullscreen(solid)
                }
            }
            """
        let files = [
            "demo.json": """
                {"meta": {"resolution": [4, 4]},
                 "scenes": [{"name": "s", "start": 0, "end": 10, "script": "Scripts/Reader.swift", "params": {"gain": 77}}],
                 "tracks": {"level": [[0, 0], [10, 100]]}}
                """,
            "solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Reader.swift": script,
        ]
        XCTAssertEqual(rgb(try render(files, at: 5), 1, 1), [50, 77, 255])
    }
}
