// Music from a sound shader (Shadertoy's mainSound), rendered on the GPU:
// samples against a CPU evaluation of the same formula, a live save
// re-rendering it, exports carrying it, and a broken one named by file and line.
import XCTest
@testable import RasterbarCore
@testable import RasterbarGL
@testable import RasterbarHost

final class SoundShaderTests: XCTestCase {
    /// Two tones and a sample-index pattern: what the CPU side computes too.
    static let sound = """
        vec2 mainSound(int samp, float time) {
            float click = (samp % 1000) == 0 ? 0.5 : 0.0;
            return vec2(0.5 * sin(6.2831853 * 440.0 * time) + click, 0.25 * sin(6.2831853 * 220.0 * time));
        }
        """

    func demo(_ sound: String = sound, extra: [String: String] = [:]) throws -> TemporaryDemo {
        try TemporaryDemo(self, files: extra.merging([
            "demo.json": """
                {"meta": {"title": "t", "resolution": [16, 8], "fps": 30, "duration": 2, "music": {"shader": "Shaders/sound.glsl"}},
                 "scenes": [{"name": "s", "start": 0, "end": 2, "shader": "Shaders/s.frag", "channels": ["music"]}]}
                """,
            "Shaders/s.frag": "void mainImage(out vec4 c, in vec2 f) { c = vec4(texture(iChannel0, vec2(0.1, 0.25)).r, iSampleRate / 44100.0, 0.0, 1.0); }",
            "Shaders/sound.glsl": sound,
        ]) { a, _ in a })
    }

    func testSamplesMatchACPUEvaluationOfTheFormula() throws {
        let d = try demo()
        let engine = try offlineEngine(try DemoFolder.load(d.demoFile))
        let (_, clip) = try XCTUnwrap(try engine.renderer.validMusic())
        XCTAssertEqual(clip.rate, 44100)
        XCTAssertEqual(clip.channels, 2)
        XCTAssertEqual(clip.frames, 88200, "the demo's 2 s")
        var worst: Float = 0
        for i in stride(from: 0, to: clip.frames, by: 7) {
            let t = Float(i) / 44100
            let left = 0.5 * sin(6.2831853 * 440 * t) + (i % 1000 == 0 ? 0.5 : 0)
            let right = 0.25 * sin(6.2831853 * 220 * t)
            worst = max(worst, abs(clip.samples[i * 2] - left), abs(clip.samples[i * 2 + 1] - right))
        }
        XCTAssertLessThan(worst, 2e-3, "GPU and CPU agree to float precision")
        XCTAssertEqual(clip.samples[1000 * 2], 0.5 + 0.5 * sin(6.2831853 * 440 * Float(1000) / 44100), accuracy: 2e-3, "samp is the sample index")
        // The scene hears it through its music channel: the spectrum is not silent.
        let frame = try engine.renderImage(at: 1)
        XCTAssertGreaterThan(frame.pixel(x: 0, y: 0).r, 0)
        XCTAssertEqual(frame.pixel(x: 0, y: 0).g, 255, "iSampleRate is the sound shader's 44100")
    }

    func testASavedSoundShaderRendersAgainLive() throws {
        let d = try demo()
        let (engine, log) = try liveEngine(d.demoFile)
        engine.start(at: 0, paused: true, loops: false)
        _ = try engine.loadAll()
        let first = try XCTUnwrap(try engine.renderer.musicClip())
        XCTAssertEqual(first.value.samples[2 * 100 + 1], 0.25 * sin(6.2831853 * 220 * Float(100) / 44100), accuracy: 2e-3)
        try d.write("Shaders/sound.glsl", "vec2 mainSound(int samp, float time) { return vec2(0.125); }")
        let deadline = Date().addingTimeInterval(5)
        var renderedAside = false
        while first.value.samples[1] != 0.125, Date() < deadline {
            engine.sync()
            renderedAside = renderedAside || first.isLoading
            usleep(1_000)
        }
        XCTAssertEqual(first.value.samples[1], 0.125, "the music reloaded with the new shader's samples")
        XCTAssertTrue(renderedAside, "a live engine renders the sound off the render thread: the old music played meanwhile")
        XCTAssertTrue(log.events.contains { if case let .reload(_, key, _, _) = $0 { return key.path == "Shaders/sound.glsl" } else { return false } })
        // A broken save keeps the last good music and names the line.
        try d.write("Shaders/sound.glsl", "vec2 mainSound(int samp, float time) {\n    return nonsense;\n}")
        let broken = Date().addingTimeInterval(5)
        while first.error == nil, Date() < broken {
            engine.sync()
            usleep(10_000)
        }
        XCTAssertEqual(first.error?.file, "Shaders/sound.glsl")
        XCTAssertEqual(first.error?.line, 2)
        XCTAssertEqual(first.value.samples[1], 0.125, "the last good music plays on")
    }

    func testAnExportCarriesTheShadersSound() throws {
        let d = try demo()
        let result = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "0.5", "--out", d.path("frames") + "/", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let wav = try AudioClip.decode(Array(try Data(contentsOf: URL(fileURLWithPath: d.path("frames/audio.wav")))), name: "audio.wav")
        XCTAssertEqual(wav.frames, 22050)
        XCTAssertEqual(wav.samples[2 * 300], 0.5 * sin(6.2831853 * 440 * Float(300) / 44100), accuracy: 1e-3, "16-bit WAV of the shader's samples")
    }

    func testCheckCompilesASoundShaderAsMusicWhateverItsFileIsCalled() throws {
        // A .frag sound shader and Common would fail as standalone fullscreen shaders.
        let d = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"duration": 1, "music": {"shader": "Shaders/sound.frag", "common": "Shaders/c.frag"}}, "scenes": [{"name": "s", "start": 0, "end": 1, "shader": "Shaders/s.frag"}]}"#,
            "Shaders/s.frag": "void mainImage(out vec4 c, in vec2 f) { c = vec4(1.0); }",
            "Shaders/c.frag": "const float LEVEL = 0.25;",
            "Shaders/sound.frag": "vec2 mainSound(int samp, float time) { return vec2(LEVEL); }",
        ])
        let check = try runRasterbar(["check", d.demoFile])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("1 sound shader"), check.stdout)
    }

    func testABrokenSoundShaderIsNamedByCheckAndStopsAnExport() throws {
        let d = try demo("vec2 mainSound(int samp, float time) {\n    return vec3(1.0);\n}")
        let check = try runRasterbar(["check", d.demoFile])
        XCTAssertEqual(check.status, 1)
        XCTAssertTrue(check.stderr.contains("Shaders/sound.glsl:2"), check.stderr)
        let export = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "0.2", "--out", d.path("frames") + "/"])
        XCTAssertNotEqual(export.status, 0)
        XCTAssertTrue(export.stderr.contains("Shaders/sound.glsl"), export.stderr)
    }
}
