// `rasterbar import shadertoy` as a person runs it: Shadertoy exports written
// here (single pass, multi-pass with Common, with the keyboard, with a noise
// texture, with a photo texture) become demos that `rasterbar check` accepts
// and `rasterbar render` draws; what cannot come is said on stdout; bad input
// and name clashes are one line on stderr, exit 1, and nothing written.
import Foundation
import XCTest
@testable import RasterbarCore

final class ShadertoyImportCommandTests: XCTestCase {
    /// A shader as Shadertoy's API exports it: `passes` are renderpass objects.
    func export(_ title: String, _ passes: [String]) -> String {
        #"{"Shader": {"ver": "0.1", "info": {"id": "XsXXDn", "name": "\#(title)", "username": "someone"}, "renderpass": [\#(passes.joined(separator: ", "))]}}"#
    }

    func pass(_ type: String, _ name: String, _ code: String, inputs: [String] = [], output: Int? = nil) -> String {
        #"{"type": "\#(type)", "name": "\#(name)", "code": \#(JSONLine.quote(code)), "inputs": [\#(inputs.joined(separator: ", "))], "#
            + #""outputs": [\#(output.map { #"{"id": \#($0), "channel": 0}"# } ?? "")]}"#
    }

    func input(_ channel: Int, _ ctype: String, _ src: String, id: Int, filter: String = "mipmap", wrap: String = "repeat") -> String {
        #"{"id": \#(id), "src": "\#(src)", "ctype": "\#(ctype)", "channel": \#(channel), "#
            + #""sampler": {"filter": "\#(filter)", "wrap": "\#(wrap)", "vflip": "true", "srgb": "false", "internal": "byte"}, "published": 1}"#
    }

    lazy var singlePass = export("Gradient", [pass("image", "Image", "void mainImage(out vec4 o, in vec2 f) { o = vec4(f / iResolution.xy, 0.5, 1.0); }", output: 37)])

    /// Buffer A adds Common's GLOW to half its own previous frame; the image shows it.
    lazy var multiPass = export("Feedback Glow", [
        pass("image", "Image", "void mainImage(out vec4 o, in vec2 f) { o = vec4(texture(iChannel0, f / iResolution.xy).rgb, 1.0); }",
             inputs: [input(0, "buffer", "/media/previz/buffer00.png", id: 257, filter: "linear", wrap: "clamp")], output: 37),
        pass("buffer", "Buffer A", "void mainImage(out vec4 o, in vec2 f) { o = vec4(GLOW + 0.5 * texture(iChannel0, f / iResolution.xy).rgb, 1.0); }",
             inputs: [input(0, "buffer", "/media/previz/buffer00.png", id: 257, filter: "linear", wrap: "clamp")], output: 257),
        pass("common", "Common", "#define GLOW vec3(0.3, 0.2, 0.1)"),
    ])

    lazy var keyboard = export("Keys", [
        pass("image", "Image", "void mainImage(out vec4 o, in vec2 f) { o = vec4(0.25 + texelFetch(iChannel1, ivec2(32, 0), 0).x, 0.5, 0.75, 1.0); }",
             inputs: [input(1, "keyboard", "/presets/tex00.jpg", id: 33, filter: "nearest", wrap: "clamp")], output: 37),
    ])

    lazy var noiseTexture = export("Noisy", [
        pass("image", "Image", "void mainImage(out vec4 o, in vec2 f) { o = vec4(texture(iChannel0, f / 256.0).rgb, 1.0); }",
             inputs: [input(0, "texture", "/media/a/f735bee5b64ef98879dc618b016ecf7939a5756040c2cde21ccb15e69a6e1cfb.png", id: 17)], output: 37),
    ])

    lazy var photoTexture = export("Rusty", [
        pass("image", "Image", "void mainImage(out vec4 o, in vec2 f) { o = vec4(texture(iChannel2, f / iResolution.xy).rgb + vec3(0.2, 0.4, 0.6), 1.0); }",
             inputs: [input(2, "texture", "/media/a/95b90082f799f48677b4f206d856ad572f1d178c676269eac6347631d4447258.jpg", id: 8)], output: 37),
    ])

    /// A fresh, empty folder holding `toy.json`.
    func folder(export: String) throws -> TemporaryDemo {
        try TemporaryDemo(self, files: ["toy.json": export])
    }

    /// Renders `time` of the demo in `dir` small and returns the frame.
    func render(_ dir: TemporaryDemo, at time: String, file: StaticString = #filePath, line: UInt = #line) throws -> Image {
        let out = dir.path("frame-\(UUID()).png")
        let result = try runRasterbar(["render", dir.demoFile, "--time", time, "--size", "64x36", "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return try Image(pngFile: out)
    }

    /// The brightest channel value and how many different pixels the frame has.
    func brightness(_ image: Image) -> (max: UInt8, distinct: Int) {
        var distinct: Set<[UInt8]> = []
        var top: UInt8 = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let p = image.pixel(x: x, y: y)
                top = max(top, p.r, p.g, p.b)
                distinct.insert([p.r, p.g, p.b])
            }
        }
        return (top, distinct.count)
    }

    func testEachKindOfExportBecomesADemoThatChecksAndRenders() throws {
        let cases: [(name: String, export: String, notes: [String])] = [
            ("gradient", singlePass, []),
            ("feedback-glow", multiPass, []),
            ("keys", keyboard, []),
            ("noisy", noiseTexture, []),
            ("rusty", photoTexture, ["Image iChannel2: Shadertoy's 'Rusty Metal' texture cannot come (only Shadertoy's noise textures are built in); nothing stands in (it reads black): put a PNG in Shaders/rusty/ and name it in the channel"]),
        ]
        for c in cases {
            let dir = try folder(export: c.export)
            let result = try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path])
            XCTAssertEqual(result.status, 0, "\(c.name): \(result.stderr)")
            XCTAssertEqual(result.stderr, "", c.name)
            let lines = result.stdout.split(separator: "\n").map(String.init)
            XCTAssertTrue(lines.first?.hasPrefix("imported \"") == true && lines.first?.contains("as the scene '\(c.name)' (0-20 s) of \(dir.demoFile) (a new demo, 1280x720, 60 fps)") == true,
                          "\(c.name): \(result.stdout)")
            XCTAssertEqual(Array(lines.dropFirst()), c.notes, c.name)
            XCTAssertTrue(FileIO.isFile(dir.path("Shaders/\(c.name)/image.glsl")), c.name)
            let check = try runRasterbar(["check", dir.demoFile])
            XCTAssertEqual(check.status, 0, "\(c.name): \(check.stderr)")
            XCTAssertTrue(check.stdout.contains("no problems"), "\(c.name): \(check.stdout)")
            let frame = brightness(try render(dir, at: "5"))
            XCTAssertGreaterThan(frame.max, 40, "\(c.name): the frame is black")
        }
    }

    /// The feedback buffer converges on GLOW / (1 - 0.5): its previous frames are really read.
    func testTheMultiPassSceneFeedsBackThroughItsBuffer() throws {
        let dir = try folder(export: multiPass)
        XCTAssertEqual(try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.demoFile]).status, 0)
        let first = try render(dir, at: "0").pixel(x: 10, y: 10)
        let later = try render(dir, at: "2").pixel(x: 10, y: 10)
        XCTAssertEqual([Int(first.r), Int(first.g), Int(first.b)], [77, 51, 26], accuracy: 1, "frame 0: GLOW over a cleared buffer")
        XCTAssertEqual([Int(later.r), Int(later.g), Int(later.b)], [153, 102, 51], accuracy: 1, "later: GLOW / (1 - 0.5)")
    }

    func testTheNoiseTextureIsNoise() throws {
        let dir = try folder(export: noiseTexture)
        XCTAssertEqual(try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path]).status, 0)
        XCTAssertEqual(try String(contentsOfFile: dir.demoFile, encoding: .utf8).contains(#""channels": ["noise:rgba-medium"]"#), true)
        XCTAssertGreaterThan(brightness(try render(dir, at: "1")).distinct, 500, "texel after texel of different noise")
    }

    /// iq's texture-based 3D value noise (the one-fetch `.yx` form), imported
    /// with Shadertoy's sampling of the RGBA noise, is continuous across whole
    /// z through the real renderer: red is 50 times the jump at a slice
    /// boundary, green the change inside a slice. Flipped rows break it, as
    /// they would on Shadertoy.
    func testIqsNoiseIsContinuousThroughTheImportedNoiseTexture() throws {
        let code = """
            float noise(in vec3 x) {
                vec3 p = floor(x); vec3 f = fract(x);
                f = f * f * (3.0 - 2.0 * f);
                vec2 uv = (p.xy + vec2(37.0, 17.0) * p.z) + f.xy;
                vec2 rg = textureLod(iChannel0, (uv + 0.5) / 256.0, 0.0).yx;
                return mix(rg.x, rg.y, f.z);
            }
            void mainImage(out vec4 o, in vec2 f) {
                vec2 q = f * 0.37;
                float z = floor(f.x / 8.0) + 3.0;
                float jump = abs(noise(vec3(q, z - 0.001)) - noise(vec3(q, z + 0.001)));
                float inside = abs(noise(vec3(q, z + 0.25)) - noise(vec3(q, z + 0.75)));
                o = vec4(jump * 50.0, inside, 0.0, 1.0);
            }
            """
        for vflip in ["true", "false"] {
            let dir = try folder(export: export("Slices", [pass("image", "Image", code, inputs: [
                input(0, "texture", "/media/a/f735bee5b64ef98879dc618b016ecf7939a5756040c2cde21ccb15e69a6e1cfb.png", id: 17)
                    .replacingOccurrences(of: #""vflip": "true""#, with: #""vflip": "\#(vflip)""#),
            ], output: 37)]))
            XCTAssertEqual(try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path]).status, 0)
            let out = dir.path("noise.png")
            XCTAssertEqual(try runRasterbar(["render", dir.demoFile, "--time", "1", "--size", "256x64", "--out", out]).status, 0)
            let image = try Image(pngFile: out)
            var jump: UInt8 = 0, inside = 0
            for y in 0..<image.height { for x in 0..<image.width { jump = max(jump, image.pixel(x: x, y: y).r); inside += Int(image.pixel(x: x, y: y).g) } }
            XCTAssertGreaterThan(inside / (image.width * image.height), 20, "vflip \(vflip): the noise changes inside a slice")
            if vflip == "true" {
                XCTAssertLessThanOrEqual(jump, 2, "the noise jumps where z is whole")
            } else {
                XCTAssertEqual(jump, 255, "flipped rows move green by (37, -17): the noise jumps")
            }
        }
    }

    func testIntoAnExistingDemoEveryOtherByteStays() throws {
        let demoText = """
            {"meta": {"title": "Mine", "resolution": [64, 32]},
             "scenes": [{"name": "intro", "start": 0, "end": 4, "shader": "Shaders/intro.frag"}]}

            """
        let dir = try TemporaryDemo(self, files: ["demo.json": demoText, "toy.json": keyboard,
                                                  "Shaders/intro.frag": "void mainImage(out vec4 o, in vec2 f) { o = vec4(1.0); }"])
        let result = try runRasterbar(["import", "shadertoy", "toy.json", "--name", "keys-scene", "--end", "10"], directory: dir.root)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("imported \"Keys\" by someone (https://www.shadertoy.com/view/XsXXDn) as the scene 'keys-scene' (4-10 s) of demo.json: Shaders/keys-scene/ image.glsl\n"), result.stdout)
        XCTAssertEqual(try String(contentsOfFile: dir.demoFile, encoding: .utf8), demoText.replacingOccurrences(of: #""Shaders/intro.frag"}"#, with: """
            "Shaders/intro.frag"},
                        {"name": "keys-scene", "start": 4, "end": 10, "shader": "Shaders/keys-scene/image.glsl",
                         "channels": [null, "keyboard"]}
            """))
        XCTAssertEqual(try runRasterbar(["check", dir.demoFile]).status, 0)
        XCTAssertGreaterThan(brightness(try render(dir, at: "keys-scene")).max, 40)
    }

    func testNameClashesAreRefusedUnlessForced() throws {
        let dir = try folder(export: singlePass)
        XCTAssertEqual(try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path]).status, 0)
        try dir.write("Shaders/gradient/image.glsl", "// mine now")
        let demoBefore = try Data(contentsOf: URL(fileURLWithPath: dir.demoFile))
        // The same scene name again.
        let again = try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path, "--start", "30"])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "rasterbar: \(dir.demoFile) already has a scene named 'gradient' (0-20 s) (import it under another --name, or replace it with --force)\n")
        // A new scene name whose folder is taken.
        try dir.write("Shaders/taken/keep.txt", "x")
        let taken = try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path, "--name", "taken"])
        XCTAssertEqual(taken.status, 1)
        XCTAssertEqual(taken.stderr, "rasterbar: \(dir.root.path): Shaders/taken/ already exists (import under another --name, or overwrite it with --force)\n")
        XCTAssertFalse(FileIO.isFile(dir.path("Shaders/taken/image.glsl")))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.demoFile)), demoBefore)
        XCTAssertEqual(try String(contentsOfFile: dir.path("Shaders/gradient/image.glsl"), encoding: .utf8), "// mine now")
        // --force overwrites the folder and replaces the scene, keeping its times.
        let forced = try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path, "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stdout.contains("as the scene 'gradient' (0-20 s)") && forced.stdout.contains("\nreplaced the scene 'gradient' in \(dir.demoFile)\n"), forced.stdout)
        XCTAssertTrue(try String(contentsOfFile: dir.path("Shaders/gradient/image.glsl"), encoding: .utf8).hasPrefix("// Image of \"Gradient\""))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.demoFile)), demoBefore, "the same scene again: demo.json is as it was")
        XCTAssertEqual(try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path, "--name", "taken", "--force"]).status, 0)
        XCTAssertEqual(try runRasterbar(["check", dir.demoFile]).status, 0)
        // Forcing a single pass over a multi-pass import: its buffer and Common go, a file of the author's stays.
        try dir.write("multi.json", multiPass)
        XCTAssertEqual(try runRasterbar(["import", "shadertoy", dir.path("multi.json"), dir.root.path, "--name", "taken", "--force"]).status, 0)
        XCTAssertTrue(FileIO.isFile(dir.path("Shaders/taken/a.glsl")))
        XCTAssertEqual(try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path, "--name", "taken", "--force"]).status, 0)
        XCTAssertFalse(FileIO.isFile(dir.path("Shaders/taken/a.glsl")), "the earlier import's Buffer A went")
        XCTAssertFalse(FileIO.isFile(dir.path("Shaders/taken/common.glsl")))
        XCTAssertTrue(FileIO.isFile(dir.path("Shaders/taken/keep.txt")), "a file the importer never writes stays")
    }

    func testBadInputIsOneLineAndWritesNothing() throws {
        let cases: [(export: String, needle: String)] = [
            ("{\"Shader\": [\n", "toy.json:2:1: not JSON"),
            (#"{"scenes": []}"#, "not a Shadertoy export"),
            (export("No Image", [pass("buffer", "Buffer A", "void mainImage(out vec4 o, in vec2 f) { o = vec4(1); }", output: 257)]), "has no image pass"),
        ]
        for c in cases {
            let dir = try folder(export: c.export)
            let result = try runRasterbar(["import", "shadertoy", dir.path("toy.json"), dir.root.path])
            XCTAssertEqual(result.status, 1, c.needle)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(c.needle), "'\(c.needle)' not in: \(result.stderr)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.root.path), ["toy.json"], "nothing written")
        }
        let missing = try runRasterbar(["import", "shadertoy", "/no/such/export.json", "--name", "x"], directory: try folder(export: "").root)
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "rasterbar: /no/such/export.json: file not found\n")
    }
}

/// Equal within `accuracy`, element by element.
private func XCTAssertEqual(_ a: [Int], _ b: [Int], accuracy: Int, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= accuracy }, "\(a) is not \(b) within \(accuracy): \(message)", file: file, line: line)
}
