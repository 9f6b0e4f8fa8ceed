// Multi-pass shader scenes as Shadertoy runs them, on a real GL context:
// buffer order and self-feedback, Common, sampling (filter, wrap, vflip),
// keyboard, cubemaps, volumes and noise media, frame-exact offline replay.
import XCTest
import CGLFW
@testable import RasterbarCore
@testable import RasterbarGL
@testable import RasterbarHost

final class ShadertoyPassesTests: XCTestCase {
    /// A demo folder with one shader scene (start 0, end 10, 60 fps, 16x8) written from `scene` members and files.
    func demo(_ scene: String, files: [String: String] = [:], resolution: String = "[16, 8]", tracks: String = "{}") throws -> TemporaryDemo {
        try TemporaryDemo(self, files: files.merging(["demo.json": """
            {"meta": {"title": "t", "resolution": \(resolution), "fps": 60},
             "scenes": [{"name": "toy", "start": 0, "end": 10, "shader": "Shaders/image.glsl", \(scene)}],
             "tracks": \(tracks)}
            """]) { a, _ in a })
    }

    func render(_ demo: TemporaryDemo, at time: Double) throws -> Image {
        try renderHeadless(try DemoFolder.load(demo.demoFile), at: time)
    }

    /// Shows buffer A's texel (0, 0) as bytes, value / 255.
    static let showA = "void mainImage(out vec4 c, in vec2 f) { c = texelFetch(iChannel0, ivec2(0), 0) / 255.0; }"

    func testABufferCountsFramesIntoItself() throws {
        let d = try demo(#""channels": ["buffer:A"], "buffers": {"A": {"shader": "Shaders/a.glsl", "channels": ["buffer:A"]}}"#, files: [
            "Shaders/image.glsl": Self.showA,
            "Shaders/a.glsl": """
                void mainImage(out vec4 c, in vec2 f) {
                    vec4 previous = texelFetch(iChannel0, ivec2(f), 0);
                    c = vec4(previous.x + 1.0, float(iFrame), iFrame == 0 ? 7.0 : previous.z, 0.0);
                }
                """,
        ])
        let image = try render(d, at: 0.5)
        let p = image.pixel(x: 0, y: 7)
        XCTAssertEqual([p.r, p.g, p.b], [31, 30, 7], "frames 0...30 ran: 31 additions, iFrame 30 last, the iFrame == 0 start kept")
        // The same frame again, and an earlier one after it, replay from the scene's start.
        let engine = try offlineEngine(try DemoFolder.load(d.demoFile))
        XCTAssertEqual(try engine.renderImage(at: 0.5).pixel(x: 0, y: 7).r, 31)
        XCTAssertEqual(try engine.renderImage(at: 0.5).pixel(x: 0, y: 7).r, 31, "rendering one frame twice does not step it twice")
        XCTAssertEqual(try engine.renderImage(at: 0.1).pixel(x: 0, y: 7).r, 7, "going back replays: frames 0...6")
        XCTAssertEqual(try engine.renderImage(at: 0.2).pixel(x: 0, y: 7).r, 13, "going on continues: frames 0...12")
    }

    func testBuffersRunInShadertoysOrder() throws {
        // A writes its frame number; B reads A (this frame's) and C (last frame's, C runs after B).
        let d = try demo(#""channels": ["buffer:B"], "buffers": {"A": {"shader": "Shaders/a.glsl"}, "B": {"shader": "Shaders/b.glsl", "channels": ["buffer:A", "buffer:C"]}, "C": {"shader": "Shaders/c.glsl", "channels": ["buffer:A"]}}"#, files: [
            "Shaders/image.glsl": Self.showA,
            "Shaders/a.glsl": "void mainImage(out vec4 c, in vec2 f) { c = vec4(float(iFrame) + 10.0); }",
            "Shaders/b.glsl": "void mainImage(out vec4 c, in vec2 f) { c = vec4(texelFetch(iChannel0, ivec2(0), 0).x, texelFetch(iChannel1, ivec2(0), 0).x, 0.0, 0.0); }",
            "Shaders/c.glsl": "void mainImage(out vec4 c, in vec2 f) { c = texelFetch(iChannel0, ivec2(0), 0) * 2.0; }",
        ])
        let p = try render(d, at: 0.25).pixel(x: 0, y: 0) // frame 15
        XCTAssertEqual(p.r, 25, "B reads A as A drew it this frame (15 + 10)")
        XCTAssertEqual(p.g, 48, "B reads C as C drew it last frame ((14 + 10) * 2)")
    }

    func testCommonIsSharedByEveryPass() throws {
        let d = try demo(#""common": "Shaders/common.glsl", "channels": ["buffer:A"], "buffers": {"A": {"shader": "Shaders/a.glsl"}}"#, files: [
            "Shaders/common.glsl": "#define SCALE 3.0\nfloat shade(float v) { return v * SCALE / 255.0; }",
            "Shaders/a.glsl": "void mainImage(out vec4 c, in vec2 f) { c = vec4(shade(20.0)); }",
            "Shaders/image.glsl": "void mainImage(out vec4 c, in vec2 f) { c = vec4(texelFetch(iChannel0, ivec2(0), 0).x, shade(5.0), 0.0, 1.0); }",
        ])
        let p = try render(d, at: 1).pixel(x: 3, y: 3)
        XCTAssertEqual([p.r, p.g], [60, 15])
    }

    /// A 2x1 PNG: black on the left, white on the right.
    func writeTwoTexels(_ d: TemporaryDemo, _ path: String) throws {
        try Image(width: 2, height: 1, pixels: [0, 0, 0, 255, 255, 255, 255, 255]).writePNG(to: d.path(path))
    }

    func testFilterWrapAndVflipAreThePasses() throws {
        // Each row samples one way at u = 0.5 (between the texels), 1.25 (outside), and t (vflip).
        let image = """
            void mainImage(out vec4 c, in vec2 f) {
                vec2 uv = vec2(f.x < 8.0 ? 0.5 : 1.25, 0.5);
                c = vec4(texture(iChannel0, uv).r, texture(iChannel1, uv).r, texture(iChannel2, vec2(0.25, 0.1)).r, 1.0);
            }
            """
        let d = try demo(#""channels": [{"source": "t.png", "filter": "nearest", "wrap": "clamp"}, {"source": "t.png", "filter": "linear", "wrap": "repeat"}, {"source": "v.png", "vflip": false, "filter": "nearest"}]"#,
                         files: ["Shaders/image.glsl": image])
        try writeTwoTexels(d, "t.png")
        // 1x2: white on top, black below. Unflipped, texture row 0 (t near 0) is the image's top row.
        try Image(width: 1, height: 2, pixels: [255, 255, 255, 255, 0, 0, 0, 255]).writePNG(to: d.path("v.png"))
        let frame = try render(d, at: 1)
        let middle = frame.pixel(x: 2, y: 2), outside = frame.pixel(x: 12, y: 2)
        XCTAssertEqual(middle.r, 255, "nearest at the edge between texels takes the right one")
        XCTAssertEqual(Int(middle.g), 128, accuracy: 1, "linear blends the two")
        XCTAssertEqual(outside.r, 255, "clamp holds the last texel")
        XCTAssertEqual(outside.g, 0, "repeat wraps 1.25 to 0.25, the black texel's centre (clamp would give white)")
        XCTAssertEqual(middle.b, 255, "vflip false: t = 0.1 is the image's top row")
    }

    func testBufferFiltersReadTheFloatTarget() throws {
        // A holds 0 left of x = 8 and 1 right of it, as floats; the image reads it at the edge, nearest and linear.
        let d = try demo(#""channels": [{"source": "buffer:A", "filter": "nearest"}, "buffer:A"], "buffers": {"A": {"shader": "Shaders/a.glsl"}}"#, files: [
            "Shaders/a.glsl": "void mainImage(out vec4 c, in vec2 f) { c = vec4(f.x < 8.0 ? 0.0 : 1.0, 0.25, 0.0, 0.5); }",
            "Shaders/image.glsl": "void mainImage(out vec4 c, in vec2 f) { vec2 uv = vec2(0.5, 0.5); c = vec4(texture(iChannel0, uv).r, texture(iChannel1, uv).r, texture(iChannel1, uv).a, 1.0); }",
        ])
        let p = try render(d, at: 0).pixel(x: 0, y: 0)
        XCTAssertEqual(p.r, 255)
        XCTAssertEqual(Int(p.g), 128, accuracy: 1, "buffers sample linearly by default")
        XCTAssertEqual(Int(p.b), 128, accuracy: 1, "a buffer keeps the alpha its pass wrote")
    }

    func testABlurChainReadsBuffersWithTheirWrapAndMipmaps() throws {
        // A: 1 in column 0. B: a 1-2-1 blur of A read with repeat. The image reads B at two
        // texels and at its last mipmap level (the mean of B).
        let d = try demo(#""channels": [{"source": "buffer:B", "filter": "mipmap"}], "buffers": {"A": {"shader": "Shaders/a.glsl"}, "B": {"shader": "Shaders/b.glsl", "channels": [{"source": "buffer:A", "wrap": "repeat", "filter": "nearest"}]}}"#, files: [
            "Shaders/a.glsl": "void mainImage(out vec4 c, in vec2 f) { c = vec4(f.x < 1.0 ? 1.0 : 0.0); }",
            "Shaders/b.glsl": """
                void mainImage(out vec4 c, in vec2 f) {
                    vec2 px = 1.0 / iResolution.xy, uv = f * px;
                    c = 0.25 * texture(iChannel0, uv - vec2(px.x, 0.0)) + 0.5 * texture(iChannel0, uv) + 0.25 * texture(iChannel0, uv + vec2(px.x, 0.0));
                }
                """,
            "Shaders/image.glsl": "void mainImage(out vec4 c, in vec2 f) { c = vec4(texelFetch(iChannel0, ivec2(15, 0), 0).r, texelFetch(iChannel0, ivec2(0, 0), 0).r, textureLod(iChannel0, vec2(0.5), 4.0).r, 1.0); }",
        ])
        let p = try render(d, at: 0.5).pixel(x: 0, y: 0)
        XCTAssertEqual(p.r, 64, "column 15 wraps round to column 0's 1 (0.25); clamped it would be 0")
        XCTAssertEqual(p.g, 128, "column 0: half its own 1, and column -1 wraps to 15's 0 (clamped it would be 0.75)")
        XCTAssertEqual(p.b, 16, "the 1x1 mipmap level is B's mean: 8 rows of 1.0 over 128 texels (0.0625)")
    }

    func testRenderAtATimeEqualsTheExportedFrameOfAFeedbackScene() throws {
        let d = try demo(#""channels": ["buffer:A"], "buffers": {"A": {"shader": "Shaders/a.glsl", "channels": ["buffer:A"]}}"#, files: [
            // A smear that depends on every frame before it, driven by a track as demos drive them.
            "Shaders/a.glsl": """
                uniform float k;
                void mainImage(out vec4 c, in vec2 f) {
                    vec4 old = texture(iChannel0, (f + vec2(1.0, 0.0)) / iResolution.xy);
                    c = mix(old, vec4(0.5 + 0.5 * sin(iTime * 7.0 + f.x), fract(f.y * 0.37 + iTime), k, 1.0), 0.2);
                    c.a = old.a + k * 0.01;
                }
                """,
            "Shaders/image.glsl": "void mainImage(out vec4 c, in vec2 f) { vec4 v = texture(iChannel0, f / iResolution.xy); c = vec4(v.rg, v.a, 1.0); }",
        ], resolution: "[32, 16]", tracks: #"{"k": [[0, 0], [1, 1]]}"#)
        let out = d.path("frames")
        let result = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "0.2", "--out", out + "/", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let single = try render(d, at: 10.0 / 60)
        let exported = try Image(pngFile: out + "/" + PNGSequenceSink.fileName(10))
        XCTAssertEqual(single.pixels, exported.pixels, "render --time and the export agree at frame 10")
    }

    func testKeyboardRowsFollowTheKeys() throws {
        // Row 0 (down), row 1 (pressed this frame), row 2 (toggled) of key 65 ('A').
        let d = try demo(#""channels": ["keyboard"]"#, files: [
            "Shaders/image.glsl": "void mainImage(out vec4 c, in vec2 f) { c = vec4(texelFetch(iChannel0, ivec2(65, 0), 0).x, texelFetch(iChannel0, ivec2(65, 1), 0).x, texelFetch(iChannel0, ivec2(65, 2), 0).x, 1.0); }",
        ])
        let (engine, _) = try liveEngine(d.demoFile)
        engine.start(at: 0, paused: true, loops: false)
        func keys() throws -> [UInt8] {
            try engine.draw(FrameInputs(frame: 0, timeDelta: 1 / 60, date: .zero))
            let p = engine.target.readImage().pixel(x: 0, y: 0)
            return [p.r, p.g, p.b]
        }
        XCTAssertEqual(try keys(), [0, 0, 0])
        engine.apply(.key(code: 65, down: true))
        XCTAssertEqual(try keys(), [255, 255, 255], "down, pressed this frame, toggled on")
        XCTAssertEqual(try keys(), [255, 0, 255], "a press lasts one frame")
        engine.apply(.key(code: 65, down: false))
        XCTAssertEqual(try keys(), [0, 0, 255])
        engine.apply(.key(code: 65, down: true))
        engine.apply(.key(code: 65, down: false))
        XCTAssertEqual(try keys(), [0, 255, 0], "a tap between two frames still shows as pressed, and toggles back")
    }

    func testPlayerKeysStayThePlayersUnlessTheSceneHasTheKeys() {
        XCTAssertEqual(PlayerKeys.route(key: GLFW_KEY_SPACE, action: GLFW_PRESS, mods: 0, sceneKeys: false), [.togglePause])
        XCTAssertEqual(PlayerKeys.route(key: GLFW_KEY_A, action: GLFW_PRESS, mods: 0, sceneKeys: false), [.key(code: 65, down: true)])
        XCTAssertEqual(PlayerKeys.route(key: GLFW_KEY_SPACE, action: GLFW_PRESS, mods: 0, sceneKeys: true), [.key(code: 32, down: true)])
        XCTAssertEqual(PlayerKeys.route(key: GLFW_KEY_LEFT, action: GLFW_RELEASE, mods: 0, sceneKeys: false), [.key(code: 37, down: false)])
        XCTAssertEqual(PlayerKeys.route(key: GLFW_KEY_F1, action: GLFW_PRESS, mods: 0, sceneKeys: true), [.toggleSceneKeys])
        XCTAssertEqual(PlayerKeys.route(key: GLFW_KEY_A, action: GLFW_REPEAT, mods: 0, sceneKeys: false), [], "a held key is one press")
    }

    func testACubemapSamplesEachFace() throws {
        let d = try demo(#""channels": [{"cubemap": ["px.png", "nx.png", "py.png", "ny.png", "pz.png", "nz.png"]}]"#, files: [
            "Shaders/image.glsl": """
                void mainImage(out vec4 c, in vec2 f) {
                    vec3 dirs[6] = vec3[6](vec3(1, 0, 0), vec3(-1, 0, 0), vec3(0, 1, 0), vec3(0, -1, 0), vec3(0, 0, 1), vec3(0, 0, -1));
                    c = vec4(texture(iChannel0, dirs[int(f.x) % 6]).rgb, 1.0);
                }
                """,
        ])
        for (i, name) in ["px", "nx", "py", "ny", "pz", "nz"].enumerated() {
            let v = UInt8(40 * (i + 1))
            try Image(width: 4, height: 4, pixels: Array([v, 255 - v, UInt8(i), 255].map { $0 }.repeated(16))).writePNG(to: d.path("\(name).png"))
        }
        let frame = try render(d, at: 0)
        for i in 0..<6 {
            let p = frame.pixel(x: i, y: 0)
            XCTAssertEqual([p.r, p.g, p.b], [UInt8(40 * (i + 1)), 255 - UInt8(40 * (i + 1)), UInt8(i)], "face \(i)")
        }
    }

    func testCubemapFacesAreUprightAndFilteredAcrossTheirEdges() throws {
        // +X red, +Y blue, the rest black; +Z red on its top half, green below.
        let d = try demo(#""channels": [{"cubemap": ["px.png", "k.png", "py.png", "k.png", "pz.png", "k.png"], "filter": "linear"}]"#, files: [
            "Shaders/image.glsl": """
                void mainImage(out vec4 c, in vec2 f) {
                    c = vec4(texture(iChannel0, f.x < 8.0 ? vec3(1.0, 0.999, 0.0) : (f.y < 4.0 ? vec3(0.0, 0.6, 1.0) : vec3(0.0, -0.6, 1.0))).rgb, 1.0);
                }
                """,
        ])
        let solid = { (rgb: [UInt8]) in Image(width: 4, height: 4, pixels: (rgb + [255]).repeated(16)) }
        try solid([255, 0, 0]).writePNG(to: d.path("px.png"))
        try solid([0, 0, 255]).writePNG(to: d.path("py.png"))
        try solid([0, 0, 0]).writePNG(to: d.path("k.png"))
        try Image(width: 4, height: 4, pixels: [255, 0, 0, 255].repeated(8) + [0, 255, 0, 255].repeated(8)).writePNG(to: d.path("pz.png"))
        let frame = try render(d, at: 0)
        let edge = frame.pixel(x: 2, y: 2)
        XCTAssertEqual(Int(edge.r), 128, accuracy: 24, "on the edge between +X and +Y, half of each (seamless, as in GLSL ES)")
        XCTAssertEqual(Int(edge.b), 128, accuracy: 24)
        XCTAssertEqual(frame.pixel(x: 12, y: 7).r, 255, "looking up (y 0.6) on +Z sees the face's top rows (fragCoord y < 4 is the image's bottom)")
        XCTAssertEqual(frame.pixel(x: 12, y: 0).g, 255, "looking down sees its bottom rows")
    }

    func testAVolumeSamplesItsLayers() throws {
        // A 2x2x2 single-channel volume: the value is 10 * (x + 2y + 4z) + 5.
        var bin: [UInt8] = Array("BIN\0".utf8)
        for n in [2, 2, 2] { bin += [UInt8(n), 0, 0, 0] }
        bin += [1, 0, 0, 0] // channels, layout, format 0 (bytes)
        bin += (0..<8).map { UInt8(10 * $0 + 5) }
        let d = try demo(#""channels": [{"source": "v.bin", "filter": "nearest"}]"#, files: [
            "Shaders/image.glsl": "void mainImage(out vec4 c, in vec2 f) { int i = int(f.x) % 8; c = vec4(texture(iChannel0, (vec3(i & 1, (i >> 1) & 1, i >> 2) + 0.5) / 2.0).r, iChannelResolution[0].z / 255.0, 0.0, 1.0); }",
        ])
        try d.write("v.bin", bytes: bin)
        let frame = try render(d, at: 0)
        for i in 0..<8 {
            XCTAssertEqual(frame.pixel(x: i, y: 0).r, UInt8(10 * i + 5), "texel \(i)")
        }
        XCTAssertEqual(frame.pixel(x: 0, y: 0).g, 2, "iChannelResolution.z is the depth")
    }

    func testNoiseMediaKeepTheOffsetIqsNoiseReadsAcrossLayers() throws {
        // Green 37 texels right and 17 up of red holds red's value, as Shadertoy's RGBA noise does.
        let d = try demo(#""channels": ["noise:rgba-medium", "noise3d:grey"]"#, files: [
            "Shaders/image.glsl": """
                void mainImage(out vec4 c, in vec2 f) {
                    ivec2 p = ivec2(f) * 7;
                    float r = texelFetch(iChannel0, p, 0).r, g = texelFetch(iChannel0, (p + ivec2(37, 17)) % 256, 0).g;
                    c = vec4(r, g, texture(iChannel1, vec3(0.3)).r, 1.0);
                }
                """,
        ])
        let frame = try render(d, at: 0)
        var distinct = Set<UInt8>()
        for y in 0..<8 {
            for x in 0..<16 {
                let p = frame.pixel(x: x, y: y)
                XCTAssertEqual(p.r, p.g, "texel (\(x * 7), \(7 - y))")
                distinct.insert(p.r)
            }
        }
        XCTAssertGreaterThan(distinct.count, 50, "noise, not a constant")
        let again = try render(d, at: 0)
        XCTAssertEqual(frame.pixels, again.pixels, "the media are the same on every run")
    }

    func testLiveBuffersStepPerFrameHoldWhenPausedAndRestartWhenTimeGoesBack() throws {
        let d = try demo(#""channels": ["buffer:A"], "buffers": {"A": {"shader": "Shaders/a.glsl", "channels": ["buffer:A"]}}"#, files: [
            "Shaders/image.glsl": Self.showA,
            "Shaders/a.glsl": "void mainImage(out vec4 c, in vec2 f) { c = texelFetch(iChannel0, ivec2(f), 0) + vec4(1.0); }",
        ])
        let (engine, _) = try liveEngine(d.demoFile)
        engine.start(at: 1, paused: true, loops: false)
        func count(at time: Double) throws -> UInt8 {
            engine.seek(to: time)
            try engine.draw(FrameInputs(frame: 0, timeDelta: 1 / 60, date: .zero))
            return engine.target.readImage().pixel(x: 0, y: 0).r
        }
        XCTAssertEqual(try count(at: 1), 1, "the scene starts cleared: one step")
        XCTAssertEqual(try count(at: 1), 1, "paused, the buffers hold")
        XCTAssertEqual(try count(at: 1.02), 2)
        XCTAssertEqual(try count(at: 1.04), 3)
        XCTAssertEqual(try count(at: 0.5), 1, "time went back: cleared")
    }

    func testMistakesAreNamedWithTheirPath() throws {
        func error(_ scene: String) -> String {
            let json = #"{"scenes": [{"name": "s", "start": 0, "end": 1, "shader": "i.glsl", "# + scene + "}]}"
            do { _ = try Demo.parse(Array(json.utf8), file: "demo.json"); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(error(#""channels": ["buffer:B"], "buffers": {"A": {"shader": "a.glsl"}}"#).contains("scenes[0].channels[0]: buffer B is not one of this scene's buffers"))
        XCTAssertTrue(error(#""buffers": {"A": {"shader": "a.glsl", "channels": [null, "buffer:E"]}}"#).contains("scenes[0].buffers.A.channels[1]: unknown buffer 'E'"))
        XCTAssertTrue(error(#""buffers": {"E": {"shader": "a.glsl"}}"#).contains("scenes[0].buffers.E: unknown key"))
        XCTAssertTrue(error(#""buffers": {"A": {}}"#).contains("scenes[0].buffers.A.shader: missing"))
        XCTAssertTrue(error(#""channels": [{"source": "buffer:A", "vflip": true}], "buffers": {"A": {"shader": "a.glsl"}}"#).contains("only PNG and noise textures can be flipped"))
        XCTAssertTrue(error(#""channels": [{"source": "x.png", "filter": "cubic"}]"#).contains("scenes[0].channels[0].filter: unknown filter 'cubic'"))
        XCTAssertTrue(error(#""channels": [{"cubemap": ["a.png"]}]"#).contains("has 1 faces; a cubemap has 6"))
        XCTAssertTrue(error(#""channels": ["keybaord"]"#).contains("did you mean 'keyboard'?"))
        XCTAssertTrue(error(#""channels": ["noise:rgba-meduim"]"#).contains("did you mean 'noise:rgba-medium'?"))
        // A cycle through the previous frame is how feedback works; it is accepted.
        XCTAssertEqual(error(#""buffers": {"A": {"shader": "a.glsl", "channels": ["buffer:B"]}, "B": {"shader": "b.glsl", "channels": ["buffer:A"]}}"#), "")
    }

    func testCheckCompilesEveryPassWithItsCommonAndNamesTheFile() throws {
        let d = try demo(#""common": "Shaders/common.glsl", "buffers": {"A": {"shader": "Shaders/a.glsl"}}"#, files: [
            "Shaders/common.glsl": "float helper() { return 1.0; }",
            "Shaders/a.glsl": "void mainImage(out vec4 c, in vec2 f) {\n    c = vec4(helper() + undefinedThing);\n}",
            "Shaders/image.glsl": "void mainImage(out vec4 c, in vec2 f) { c = vec4(helper()); }",
        ])
        let result = try runRasterbar(["check", d.demoFile])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("Shaders/a.glsl:2:"), result.stderr)
        XCTAssertFalse(result.stderr.contains("common.glsl"), "Common compiles in each pass, not on its own: \(result.stderr)")
    }
}

extension Array {
    func repeated(_ n: Int) -> [Element] { (0..<n).flatMap { _ in self } }
}
