// The Shadertoy import as a transform: exports written here (the API's form
// and the site's) in, pass files, demo.json text and one line per thing that
// could not come across out. Every demo.json it makes is read back by the
// demo reader; bad exports are refused with where and why.
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class ShadertoyImportTests: XCTestCase {
    // MARK: Exports, as Shadertoy's API writes them

    static let noiseRGBA = "/media/a/f735bee5b64ef98879dc618b016ecf7939a5756040c2cde21ccb15e69a6e1cfb.png"
    static let noiseGrey = "/media/a/0c7bf5fe9462d5bffbd11126e82908e39be3ce56220d900f633d58fb432e56f5.png"
    static let rustyMetal = "/media/a/95b90082f799f48677b4f206d856ad572f1d178c676269eac6347631d4447258.jpg"

    /// An input as the API writes one: sampler values are strings.
    func input(_ channel: Int, _ ctype: String, src: String = "", id: String = "1", filter: String = "mipmap", wrap: String = "repeat",
               vflip: String = "true", srgb: String = "false") -> String {
        #"{"id": \#(id), "src": "\#(src)", "ctype": "\#(ctype)", "channel": \#(channel), "#
            + #""sampler": {"filter": "\#(filter)", "wrap": "\#(wrap)", "vflip": "\#(vflip)", "srgb": "\#(srgb)", "internal": "byte"}, "published": 1}"#
    }

    func pass(_ type: String, _ name: String, code: String, inputs: [String] = [], output: String? = nil) -> String {
        #"{"inputs": [\#(inputs.joined(separator: ", "))], "outputs": [\#(output.map { #"{"id": \#($0), "channel": 0}"# } ?? "")], "#
            + #""code": \#(JSONLine.quote(code)), "name": "\#(name)", "description": "", "type": "\#(type)"}"#
    }

    func export(_ passes: [String], title: String = "Test Toy", id: String = "XsXXDn") -> [UInt8] {
        Array(#"{"Shader": {"ver": "0.1", "info": {"id": "\#(id)", "name": \#(JSONLine.quote(title)), "username": "someone", "description": ""}, "renderpass": [\#(passes.joined(separator: ",\n"))]}}"#.utf8)
    }

    let imageCode = "void mainImage(out vec4 o, in vec2 f) { o = vec4(f / iResolution.xy, 0.5, 1.0); }"

    func run(_ export: [UInt8], demo: String? = nil, _ options: ShadertoyImport.Options = .init()) throws -> ShadertoyImport.Result {
        try ShadertoyImport.transform(export: export, exportName: "toy.json", demo: demo.map { Array($0.utf8) }, demoFile: "demo.json", options: options)
    }

    func text(_ result: ShadertoyImport.Result, _ path: String) -> String? {
        result.files.first { $0.path == path }.map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    // MARK: Passes

    func testASinglePassMakesANewDemo() throws {
        let result = try run(export([pass("image", "Image", code: imageCode, output: "37")]))
        XCTAssertEqual(result.name, "test-toy")
        XCTAssertEqual(result.files.map(\.path), ["Shaders/test-toy/image.glsl"])
        XCTAssertEqual(text(result, "Shaders/test-toy/image.glsl"),
                       "// Image of \"Test Toy\" by someone (https://www.shadertoy.com/view/XsXXDn)\n\(imageCode)\n")
        XCTAssertTrue(result.createdDemo)
        XCTAssertEqual(String(decoding: result.demoJSON, as: UTF8.self), """
            {
              "meta": {
                "title": "Test Toy",
                "author": "someone",
                "resolution": [1280, 720],
                "fps": 60
              },
              "scenes": [
                {"name": "test-toy", "start": 0, "end": 20, "shader": "Shaders/test-toy/image.glsl"}
              ]
            }

            """)
        XCTAssertEqual(result.notes, [])
        XCTAssertEqual(result.summary, "imported \"Test Toy\" by someone (https://www.shadertoy.com/view/XsXXDn) as the scene 'test-toy' (0-20 s) "
                       + "of demo.json (a new demo, 1280x720, 60 fps): Shaders/test-toy/ image.glsl")
        let demo = try Demo.parse(result.demoJSON, file: "demo.json")
        XCTAssertEqual(demo.meta.resolution, PixelSize(width: 1280, height: 720))
        XCTAssertEqual(demo.meta.fps, 60)
    }

    func testMultiPassWithCommonBecomesBuffersInOrder() throws {
        // Buffer B first in the list, Buffer A feeding itself and B, B read by the image with nearest filtering.
        let result = try run(export([
            pass("image", "Image", code: imageCode, inputs: [input(0, "buffer", src: "/media/previz/buffer01.png", id: "258", filter: "nearest", wrap: "clamp")], output: "37"),
            pass("buffer", "Buffer B", code: "// B\n" + imageCode, inputs: [input(0, "buffer", src: "/media/previz/buffer00.png", id: "257", filter: "linear", wrap: "clamp")], output: "258"),
            pass("buffer", "Buffer A", code: "// A\n" + imageCode, inputs: [input(1, "buffer", src: "/media/previz/buffer00.png", id: "257", filter: "linear", wrap: "repeat")], output: "257"),
            pass("common", "Common", code: "#define TAU 6.28318530718"),
        ]))
        XCTAssertEqual(result.files.map(\.path).sorted(), ["Shaders/test-toy/a.glsl", "Shaders/test-toy/b.glsl", "Shaders/test-toy/common.glsl", "Shaders/test-toy/image.glsl"])
        XCTAssertEqual(text(result, "Shaders/test-toy/common.glsl"), "// Common of \"Test Toy\" by someone (https://www.shadertoy.com/view/XsXXDn)\n#define TAU 6.28318530718\n")
        XCTAssertTrue(text(result, "Shaders/test-toy/a.glsl")?.hasPrefix("// Buffer A of \"Test Toy\"") == true)
        XCTAssertTrue(text(result, "Shaders/test-toy/b.glsl")?.contains("// B\n") == true)
        let json = String(decoding: result.demoJSON, as: UTF8.self)
        XCTAssertTrue(json.contains("""
                {"name": "test-toy", "start": 0, "end": 20, "shader": "Shaders/test-toy/image.glsl",
                 "common": "Shaders/test-toy/common.glsl",
                 "buffers": {
                   "A": {"shader": "Shaders/test-toy/a.glsl", "channels": [null, {"source": "buffer:A", "wrap": "repeat"}]},
                   "B": {"shader": "Shaders/test-toy/b.glsl", "channels": ["buffer:A"]}
                 },
                 "channels": [{"source": "buffer:B", "filter": "nearest"}]}
            """), json)
        let scene = try Demo.parse(result.demoJSON, file: "demo.json").scenes[0]
        XCTAssertEqual(scene.common, "Shaders/test-toy/common.glsl")
        XCTAssertEqual(scene.buffers.map(\.id), [.A, .B])
        XCTAssertEqual(scene.buffers[0].channels, [nil, Demo.ChannelInput(.buffer(.A), sampling: Demo.Sampling(filter: .linear, wrap: .repeat, vflip: false))])
        XCTAssertEqual(scene.channels, [Demo.ChannelInput(.buffer(.B), sampling: Demo.Sampling(filter: .nearest, wrap: .clamp, vflip: false))])
        XCTAssertEqual(result.notes, [])
    }

    func testTheSitesFormatAndBuffersKnownByName() throws {
        // The site's JSON: a list of one shader, "filepath" and "type", string ids; a buffer pass named "Buf C" whose output id is unknown.
        let site = #"""
            [{"ver": "0.1", "info": {"id": "4tXyWN", "name": "Site Toy", "username": "x"}, "renderpass": [
              {"inputs": [{"id": "9z9z9z", "filepath": "/media/previz/buffer02.png", "type": "buffer", "channel": 2,
                           "sampler": {"filter": "linear", "wrap": "clamp", "vflip": "true", "srgb": "false", "internal": "byte"}},
                          {"id": "4dXGR8", "filepath": "/media/previz/buffer00.png", "type": "buffer", "channel": 0,
                           "sampler": {"filter": "linear", "wrap": "clamp", "vflip": "true", "srgb": "false", "internal": "byte"}}],
               "outputs": [{"id": "4dfGRr", "channel": 0}], "code": "void mainImage(out vec4 o, in vec2 f) { o = vec4(1); }", "name": "Image", "type": "image"},
              {"inputs": [], "outputs": [{"id": "9z9z9z", "channel": 0}], "code": "void mainImage(out vec4 o, in vec2 f) { o = vec4(1); }", "name": "Buf C", "type": "buffer"},
              {"inputs": [], "outputs": [{"id": "4dXGR8", "channel": 0}], "code": "void mainImage(out vec4 o, in vec2 f) { o = vec4(1); }", "name": "Buffer A", "type": "buffer"}
            ]}]
            """#
        let result = try run(Array(site.utf8))
        let scene = try Demo.parse(result.demoJSON, file: "demo.json").scenes[0]
        XCTAssertEqual(scene.buffers.map(\.id), [.A, .C])
        XCTAssertEqual(scene.buffers.map(\.shader), ["Shaders/site-toy/a.glsl", "Shaders/site-toy/c.glsl"])
        XCTAssertEqual(scene.channels.map { $0?.source }, [.buffer(.A), nil, .buffer(.C)])
    }

    // MARK: Channels

    func testTheKeyboardComesAcross() throws {
        let result = try run(export([
            pass("image", "Image", code: imageCode, inputs: [
                input(1, "keyboard", src: "/presets/tex00.jpg", id: "33", filter: "nearest", wrap: "clamp"),
                input(3, "keyboard", src: "/presets/tex00.jpg", id: "33", filter: "linear", wrap: "clamp"),
            ], output: "37"),
        ]))
        XCTAssertTrue(String(decoding: result.demoJSON, as: UTF8.self).contains(#""channels": [null, "keyboard", null, {"source": "keyboard", "filter": "linear"}]"#))
        let scene = try Demo.parse(result.demoJSON, file: "demo.json").scenes[0]
        XCTAssertEqual(scene.channels.map { $0?.source }, [nil, .keyboard, nil, .keyboard])
        XCTAssertEqual(result.notes, [])
    }

    func testNoiseMediaBecomeTheBuiltIns() throws {
        let volume = "/media/a/aea6b99da1d53055107966b59ac5444fc8bc7b3ce2d0bbb6a4a3cbae1d97f3aa.bin"
        let blue = "/media/a/cb49c003b454385aa9975733aff4571c62182ccdda480aaba9a8d250014f00ec.png"
        let result = try run(export([
            pass("image", "Image", code: imageCode, inputs: [
                input(0, "texture", src: Self.noiseRGBA),
                input(1, "texture", src: Self.noiseGrey, filter: "linear", vflip: "false"),
                input(2, "volume", src: volume, vflip: "false"),
                input(3, "texture", src: blue, filter: "nearest"),
            ], output: "37"),
        ]))
        XCTAssertTrue(String(decoding: result.demoJSON, as: UTF8.self).contains(
            #""channels": ["noise:rgba-medium", {"source": "noise:grey-medium", "filter": "linear", "vflip": false}, "noise3d:rgba", {"source": "noise:blue", "filter": "nearest"}]"#),
                      String(decoding: result.demoJSON, as: UTF8.self))
        let scene = try Demo.parse(result.demoJSON, file: "demo.json").scenes[0]
        XCTAssertEqual(scene.channels.map { $0?.source }, [.noise("noise:rgba-medium"), .noise("noise:grey-medium"), .noise("noise3d:rgba"), .noise("noise:blue")])
        XCTAssertEqual(result.notes, [], "a volume's vflip means nothing on Shadertoy either")
    }

    func testAPhotoTextureAndOtherMediaSayWhatStandsIn() throws {
        let result = try run(export([
            pass("image", "Image", code: imageCode, inputs: [
                input(0, "texture", src: Self.rustyMetal),
                input(1, "video", src: "/media/a/e81e818ac76a8983d746784b423178ee9f6cdcdf7f8e8d719341a6fe2d2ab303.webm"),
                input(2, "musicstream", src: "https://soundcloud.com/someone/track"),
            ], output: "37"),
            pass("buffer", "Buffer A", code: imageCode, inputs: [input(0, "webcam"), input(1, "mic"), input(2, "texture", src: Self.noiseRGBA, srgb: "true")], output: "257"),
        ]))
        XCTAssertEqual(result.notes, [
            "Image iChannel0: Shadertoy's 'Rusty Metal' texture cannot come (only Shadertoy's noise textures are built in); nothing stands in (it reads black): put a PNG in Shaders/test-toy/ and name it in the channel",
            "Image iChannel1: the video /media/a/e81e818ac76a8983d746784b423178ee9f6cdcdf7f8e8d719341a6fe2d2ab303.webm cannot come; nothing stands in (it reads black): put a PNG still in Shaders/test-toy/ and name it in the channel",
            "Image iChannel2: a SoundCloud music stream (https://soundcloud.com/someone/track) cannot come; the demo's own music stands in (\"music\"), silent until the demo has meta.music",
            "Buffer A iChannel0: the webcam cannot come; nothing stands in (it reads black)",
            "Buffer A iChannel1: the microphone cannot come; the demo's own music stands in (\"music\"), silent until the demo has meta.music",
            "Buffer A iChannel2: sRGB decoding cannot come; the texture is read as its bytes are",
        ])
        let scene = try Demo.parse(result.demoJSON, file: "demo.json").scenes[0]
        XCTAssertEqual(scene.channels.map { $0?.source }, [nil, nil, .music])
        XCTAssertEqual(scene.buffers[0].channels.map { $0?.source }, [nil, .music, .noise("noise:rgba-medium")])
    }

    func testCubemapsThatCannotComeGetABlackOneSoTheShaderStillCompiles() throws {
        let uffizi = "/media/a/585f9546c092f53ded45332b343144396c0b2d70d9965f585ebc172080d8aa58.jpg"
        let result = try run(export([
            pass("image", "Image", code: imageCode, inputs: [
                input(0, "cubemap", src: uffizi, wrap: "clamp", vflip: "false"),
                input(1, "cubemap", src: "/media/previz/cubemap00.png", id: "41"),
                input(2, "volume", src: "/media/a/0000.bin"),
            ], output: "37"),
            pass("cubemap", "Cube A", code: "void mainCubemap(out vec4 o, in vec2 f, in vec3 ro, in vec3 rd) { o = vec4(1); }", output: "41"),
        ]))
        let scene = try Demo.parse(result.demoJSON, file: "demo.json").scenes[0]
        let face = "Shaders/test-toy/black-face.png"
        XCTAssertEqual(scene.channels.map { $0?.source }, [.cubemap(Array(repeating: face, count: 6)), .cubemap(Array(repeating: face, count: 6)),
                                                          .volume("Shaders/test-toy/black-volume.bin")])
        let png = try Image(pngData: result.files.first { $0.path == face }!.bytes, name: face)
        XCTAssertEqual([png.width, png.height], [1, 1])
        XCTAssertEqual(png.pixel(x: 0, y: 0).r, 0)
        let volume = try VolumeFile(parsing: result.files.first { $0.path == "Shaders/test-toy/black-volume.bin" }!.bytes, name: "v.bin")
        XCTAssertEqual([volume.width, volume.height, volume.depth, volume.channels], [1, 1, 1, 1])
        XCTAssertEqual(result.notes, [
            "Image iChannel0: Shadertoy's 'Uffizi Gallery' cubemap (photos) cannot come; a black cubemap stands in (\(face)): give the channel {\"cubemap\": [six PNG faces]}",
            "Image iChannel1: it reads the Cube A pass, which cannot come; a black cubemap stands in (\(face))",
            "Image iChannel2: the volume /media/a/0000.bin cannot come; a black volume stands in (Shaders/test-toy/black-volume.bin): put a Shadertoy .bin volume in Shaders/test-toy/ and name it in the channel",
            "Cube A: a cubemap pass cannot come (Rasterbar has no cubemap passes); channels reading it get a black cubemap",
        ])
    }

    func testABufferWithNoPassReadsNothing() throws {
        let result = try run(export([pass("image", "Image", code: imageCode, inputs: [input(0, "buffer", src: "/media/previz/buffer03.png", id: "260")], output: "37")]))
        XCTAssertEqual(try Demo.parse(result.demoJSON, file: "demo.json").scenes[0].channels, [])
        XCTAssertEqual(result.notes, ["Image iChannel0: the buffer it reads (260) is no buffer pass of this export; nothing stands in (it reads black)"])
    }

    // MARK: Into an existing demo

    let existing = """
        {
            "meta": {"title": "Mine", "resolution": [320, 180], "duration": 30},
            "scenes": [
                {"name": "intro", "start": 0, "end": 10, "shader": "Shaders/intro.frag"},
                {"name": "main", "start": 10, "end": 24.5, "shader": "Shaders/main.frag", "layer": 1}
            ],
            "tracks": {"fade": [[0, 0], [2, 1]]}
        }

        """

    func testTheSceneGoesAfterTheLastOneAndTheRestStays() throws {
        let result = try run(export([pass("image", "Image", code: imageCode, output: "37")]), demo: existing)
        XCTAssertFalse(result.createdDemo)
        XCTAssertEqual(String(decoding: result.demoJSON, as: UTF8.self), existing
            .replacingOccurrences(of: #""layer": 1}"#, with: """
                "layer": 1},
                        {"name": "test-toy", "start": 24.5, "end": 44.5, "shader": "Shaders/test-toy/image.glsl"}
                """)
            .replacingOccurrences(of: #""duration": 30"#, with: #""duration": 44.5"#))
        XCTAssertEqual(result.notes, ["meta.duration raised from 30 to 44.5 s to hold the scene"])
    }

    func testTimesAsGiven() throws {
        let toy = export([pass("image", "Image", code: imageCode, output: "37")])
        let given = try run(toy, demo: existing, .init(start: 12.25, end: 13))
        let scene = try Demo.parse(given.demoJSON, file: "demo.json").scenes.first { $0.name == "test-toy" }!
        XCTAssertEqual([scene.start, scene.end], [12.25, 13], "layer 1's scene does not clash with a layer 0 one")
        XCTAssertEqual(try Demo.parse(try run(toy, demo: existing, .init(start: 50)).demoJSON, file: "demo.json").scenes.last?.end, 70)
        let overlap = assertRasterbarError(.invalidArgument) { try self.run(toy, demo: self.existing, .init(start: 5)) }
        XCTAssertEqual(overlap?.description, "the scene (5-25 s) would overlap 'intro' (0-10 s) (choose times after 24.5 s, e.g. --start 24.5)")
        let backwards = assertRasterbarError(.invalidArgument) { try self.run(toy, demo: self.existing, .init(start: 30, end: 29)) }
        XCTAssertTrue(backwards?.message.contains("--end 29 must be after the start (30 s)") == true)
        assertRasterbarError(.invalidArgument) { try self.run(toy, .init(start: -1)) }
    }

    func testASceneOfTheSameNameIsReplacedOnlyWithForce() throws {
        let toy = export([pass("image", "Image", code: imageCode, output: "37")])
        let clash = assertRasterbarError(.invalidArgument) { try self.run(toy, demo: self.existing, .init(name: "intro")) }
        XCTAssertEqual(clash?.description, "demo.json already has a scene named 'intro' (0-10 s) (import it under another --name, or replace it with --force)")
        let replaced = try run(toy, demo: existing, .init(name: "intro", force: true))
        XCTAssertEqual(String(decoding: replaced.demoJSON, as: UTF8.self), existing.replacingOccurrences(
            of: #"{"name": "intro", "start": 0, "end": 10, "shader": "Shaders/intro.frag"}"#,
            with: #"{"name": "intro", "start": 0, "end": 10, "shader": "Shaders/intro/image.glsl"}"#))
        XCTAssertEqual(replaced.notes, ["replaced the scene 'intro' in demo.json"])
    }

    // MARK: The Sound pass

    let sound = "vec2 mainSound(int samp, float time) { return vec2(sin(6.2831 * 440.0 * time) * 0.2); }"

    func testASoundPassBecomesTheMusicOfADemoWithout() throws {
        let toy = export([pass("image", "Image", code: imageCode, inputs: [input(0, "music", src: "/media/a/x.mp3")], output: "37"),
                          pass("sound", "Sound", code: sound), pass("common", "Common", code: "// shared")])
        let result = try run(toy, demo: existing)
        let json = String(decoding: result.demoJSON, as: UTF8.self)
        XCTAssertTrue(json.contains(#""meta": {"title": "Mine", "resolution": [320, 180], "duration": 44.5, "music": {"shader": "Shaders/test-toy/sound.glsl", "common": "Shaders/test-toy/common.glsl"}},"#), json)
        let demo = try Demo.parse(result.demoJSON, file: "demo.json")
        XCTAssertEqual(demo.meta.music?.file, "Shaders/test-toy/sound.glsl")
        XCTAssertEqual(demo.meta.music?.isShader, true)
        XCTAssertEqual(demo.meta.music?.common, "Shaders/test-toy/common.glsl")
        XCTAssertEqual(result.notes, [
            "Image iChannel0: Shadertoy's music track /media/a/x.mp3 cannot come; the demo's own music stands in (\"music\")",
            "meta.duration raised from 30 to 44.5 s to hold the scene",
            "Sound: it is the demo's music now (meta.music), playing from demo time 0: the scene at 24.5 s hears it 24.5 s in",
        ])
        // No meta at all: one is added at the top.
        let bare = #"{"scenes": [{"name": "a", "start": 0, "end": 5, "shader": "a.frag"}]}"#
        let added = String(decoding: try run(export([pass("image", "Image", code: imageCode), pass("sound", "Sound", code: sound)]), demo: bare).demoJSON, as: UTF8.self)
        XCTAssertTrue(added.hasPrefix(#"{"meta": {"music": {"shader": "Shaders/test-toy/sound.glsl"}},"#), added)
        XCTAssertNotNil(try Demo.parse(Array(added.utf8), file: "demo.json").meta.music)
    }

    func testASoundPassIsWrittenButNotUsedWhenTheDemoHasMusic() throws {
        let withMusic = existing.replacingOccurrences(of: #""duration": 30"#, with: #""duration": 60, "music": "Music/track.ogg""#)
        let result = try run(export([pass("image", "Image", code: imageCode), pass("sound", "Sound", code: sound)]), demo: withMusic)
        XCTAssertNotNil(text(result, "Shaders/test-toy/sound.glsl"))
        XCTAssertEqual(try Demo.parse(result.demoJSON, file: "demo.json").meta.music?.file, "Music/track.ogg")
        XCTAssertEqual(result.notes, [
            "Sound: Shaders/test-toy/sound.glsl was written but is not the demo's music: the demo already has meta.music (to hear it instead, set \"music\": {\"shader\": \"Shaders/test-toy/sound.glsl\"})",
        ])
    }

    // MARK: Names and bad input

    func testNames() throws {
        let toy = { (title: String) in self.export([self.pass("image", "Image", code: self.imageCode)], title: title) }
        XCTAssertEqual(try run(toy("Seascape II: The Return!")).name, "seascape-ii-the-return")
        XCTAssertEqual(try run(toy("¡¡¡")).name, "shadertoy-xsxxdn", "a title with nothing usable falls back on the id")
        XCTAssertEqual(try run(toy("x"), .init(name: "My_Toy.2")).name, "My_Toy.2")
        for bad in ["", "../up", "a/b", "-dash", "with space"] {
            let error = assertRasterbarError(.invalidArgument) { try self.run(toy("x"), .init(name: bad)) }
            XCTAssertTrue(error?.message.contains("--name '\(bad)'") == true, "\(bad): \(error.map { "\($0)" } ?? "")")
        }
    }

    func testBadExportsSayWhatIsWrong() throws {
        let notJSON = assertRasterbarError(.invalidJSON) { try self.run(Array("{\n  \"Shader\": [\n}".utf8)) }
        XCTAssertEqual(notJSON?.location, "toy.json:3:1")
        XCTAssertTrue(notJSON?.message.hasPrefix("not JSON:") == true)
        let notShadertoy = assertRasterbarError(.invalidJSON) { try self.run(Array(#"{"scenes": []}"#.utf8)) }
        XCTAssertEqual(notShadertoy?.description, #"toy.json: not a Shadertoy export: it has no "renderpass" list (give the JSON of a Shadertoy shader: {"Shader": {"info": ..., "renderpass": [...]}})"#)
        let noImage = assertRasterbarError(.invalidJSON) { try self.run(self.export([self.pass("buffer", "Buffer A", code: self.imageCode)])) }
        XCTAssertTrue(noImage?.description.hasPrefix("toy.json: has no image pass") == true)
        let apiError = assertRasterbarError(.invalidJSON) { try self.run(Array(#"{"Error": "Shader not found"}"#.utf8)) }
        XCTAssertTrue(apiError?.message.contains("'Shader not found'") == true)
        let two = assertRasterbarError(.invalidJSON) { try self.run(Array("[\(String(decoding: self.export([]), as: UTF8.self)), {}]".utf8)) }
        XCTAssertTrue(two?.message.contains("holds 2 shaders") == true)
        let badChannel = assertRasterbarError(.invalidJSON) {
            try self.run(self.export([self.pass("image", "Image", code: self.imageCode, inputs: [self.input(4, "keyboard")])]))
        }
        XCTAssertEqual(badChannel?.message, "Shader.renderpass[0].inputs[0].channel: must be 0, 1, 2 or 3")
        XCTAssertNotNil(badChannel?.line)
        let noCode = assertRasterbarError(.invalidJSON) { try self.run(Array(#"{"renderpass": [{"type": "image", "inputs": []}]}"#.utf8)) }
        XCTAssertEqual(noCode?.message, "renderpass[0].code: missing")
        let badDemo = assertRasterbarError(.invalidDemo) { try self.run(self.export([self.pass("image", "Image", code: self.imageCode)]), demo: #"{"scenes": 3}"#) }
        XCTAssertTrue(badDemo?.location?.hasPrefix("demo.json:1:") == true)
    }
}
