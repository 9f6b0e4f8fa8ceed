// Export through the real executable: PNG sequences, video through ffmpeg,
// frames as a pure function of time.
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

final class ExportTests: XCTestCase {

    /// A small demo with a shader scene, a script scene and a crossfade between them.
    func demo() throws -> TemporaryDemo {
        try TemporaryDemo(self, files: [
            "demo.json": """
                {"meta": {"resolution": [64, 36], "fps": 30},
                 "scenes": [{"name": "a", "start": 0, "end": 1, "shader": "a.frag"},
                            {"name": "b", "start": 1, "end": 3, "script": "Scripts/Counter.swift"}],
                 "transitions": [{"from": "a", "to": "b", "duration": 0.5}],
                 "tracks": {"glow": [[0, 0], [3, 1]]}}
                """,
            "a.frag": "uniform float glow;\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(f.x / iResolution.x, glow, fract(iTime), 1); }",
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor * vec4(f.x / iResolution.x, 1, 1, 1); }",
            "Scripts/Counter.swift": counterScript(version: 200),
        ])
    }

    func files(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".png") }.sorted()
    }

    func testAnExportedRangeMatchesSingleFrameRenders() throws {
        let d = try demo()
        let result = try runRasterbar(["render", d.demoFile, "--from", "0.8", "--to", "1.4", "--fps", "10", "--out", d.path("frames") + "/"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try files(in: d.path("frames")),
                       ["frame-000008.png", "frame-000009.png", "frame-000010.png", "frame-000011.png", "frame-000012.png", "frame-000013.png"])
        XCTAssertTrue(result.stderr.contains("rendered 6/6 frames"), "plain progress lines when stderr is not a terminal: \(result.stderr)")
        for frame in 8...13 {
            let single = d.path("single-\(frame).png")
            let one = try runRasterbar(["render", d.demoFile, "--time", String(Double(frame) / 10), "--out", single])
            XCTAssertEqual(one.status, 0, one.stderr)
            XCTAssertEqual(try Image(pngFile: d.path("frames/" + PNGSequenceSink.fileName(frame))), try Image(pngFile: single),
                           "frame \(frame) (\(Double(frame) / 10) s) equals the single-frame render")
        }
    }

    func testARangeAloneEqualsTheSameFramesOfALongerExport() throws {
        let d = try demo()
        let long = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "3", "--out", d.path("long") + "/"])
        XCTAssertEqual(long.status, 0, long.stderr)
        let short = try runRasterbar(["render", d.demoFile, "--from", "2", "--to", "2.5", "--out", d.path("short") + "/"])
        XCTAssertEqual(short.status, 0, short.stderr)
        let shortFiles = try files(in: d.path("short"))
        XCTAssertEqual(shortFiles.count, 15)
        XCTAssertEqual(try files(in: d.path("long")).count, 90)
        for name in shortFiles {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d.path("short/" + name))),
                           try Data(contentsOf: URL(fileURLWithPath: d.path("long/" + name))), name)
        }
        // The script's counter proves the frames came from the same simulated history.
        let p = try Image(pngFile: d.path("short/frame-000074.png")).pixel(x: 63, y: 10)
        XCTAssertEqual([p.r, p.g], [198, 45], "frame 74 (2.467 s): the counter shows 45 script frames since the scene started at 1 s")
    }

    func testVideoExportHasEveryFrameTheRightWayUp() throws {
        let ffmpeg = try? VideoSink.locate(ProcessInfo.processInfo.environment)
        guard let ffmpeg else { throw XCTSkip("ffmpeg is not installed (apt-get install ffmpeg): the video path is not exercised") }
        let ffprobe = URL(fileURLWithPath: ffmpeg).deletingLastPathComponent().appendingPathComponent("ffprobe").path
        let d = try demo()
        for ext in ["mp4", "webm"] {
            let out = d.path("demo.\(ext)")
            let result = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "2", "--fps", "15", "--out", out])
            XCTAssertEqual(result.status, 0, result.stderr)
            let probe = try Subprocess.run(ffprobe, ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                     "-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0", out])
            XCTAssertEqual(probe.output.trimmingCharacters(in: .whitespacesAndNewlines), "64,36,30", "\(ext): \(probe.output)")
        }
        // Frame 0 read back from the video, against the PNG render: same picture, same way up.
        let first = d.path("first.png")
        _ = try Subprocess.run(ffmpeg, ["-v", "error", "-i", d.path("demo.mp4"), "-frames:v", "1", "-pix_fmt", "rgba", first])
        let reference = d.path("reference.png")
        XCTAssertEqual(try runRasterbar(["render", d.demoFile, "--time", "0", "--out", reference]).status, 0)
        let difference = ImageDifference(try Image(pngFile: first), try Image(pngFile: reference), tolerance: 24)
        XCTAssertLessThan(difference.differingShare, 0.05, "\(difference)")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: d.root.path).contains { $0.contains(".tmp") }, "no temporary files left")
    }

    func testExportMistakesAreClearErrors() throws {
        let d = try demo()
        let cases: [([String], String)] = [
            (["--from", "2", "--to", "1", "--out", d.path("f") + "/"], "the range 2.0-1.0 is not inside the demo"),
            (["--from", "0", "--to", "9", "--out", d.path("f") + "/"], "the range 0.0-9.0 is not inside the demo"),
            (["--from", "0", "--to", "1", "--out", d.path("x.png")], "is neither a folder nor a video file"),
            (["--time", "1", "--from", "0", "--to", "1", "--out", d.path("f") + "/"], "use either --time, or --from with --to"),
            (["--from", "0", "--out", d.path("f") + "/"], "use either --time, or --from with --to"),
            (["--from", "0", "--to", "1", "--fps", "0", "--out", d.path("f") + "/"], "--fps 0.0 is out of range"),
            (["--from", "0", "--to", "1", "--size", "63x36", "--out", d.path("v.mp4")], "video needs an even width and height"),
            (["--from", "0", "--to", "1", "--out", d.path("no/such/folder/v.mp4")], "cannot write"),
        ]
        for (arguments, message) in cases {
            let result = try runRasterbar(["render", d.demoFile] + arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
        // No ffmpeg on PATH: a clear message before any frame is rendered.
        var noFFmpeg = testEnvironment()
        noFFmpeg["PATH"] = d.path("empty-bin")
        let missing = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "1", "--out", d.path("v.mp4")], environment: noFFmpeg)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("ffmpeg not found: video export needs it"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("apt-get install ffmpeg"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: d.path("v.mp4")))
    }

    func testVideoCodecQualityAndSpeedKnobs() throws {
        let d = try demo()
        let h265 = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "0.5", "--out", d.path("a.mkv"), "--codec", "h265", "--crf", "20", "--preset", "fast"])
        XCTAssertEqual(h265.status, 0, h265.stderr)
        let probe = try runTool("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,profile", "-of", "csv=p=0", d.path("a.mkv")])
        XCTAssertTrue(String(decoding: probe.output, as: UTF8.self).contains("hevc"), String(decoding: probe.output, as: UTF8.self))
        let h264 = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "0.5", "--out", d.path("b.mp4")])
        XCTAssertEqual(h264.status, 0, h264.stderr)
        let profile = try runTool("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,profile,pix_fmt", "-of", "csv=p=0", d.path("b.mp4")])
        XCTAssertTrue(String(decoding: profile.output, as: UTF8.self).contains("h264,High,yuv420p"), "a release's defaults: H.264 high profile, yuv420p")
        for (arguments, message) in [(["--codec", "av2"], "unknown --codec 'av2'"), (["--crf", "70"], "--crf 70 is out of range for h264"),
                                     (["--preset", "warp"], "unknown --preset 'warp'")] {
            let bad = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "0.5", "--out", d.path("c.mp4")] + arguments)
            XCTAssertEqual(bad.status, 1, message)
            XCTAssertTrue(bad.stderr.contains(message), bad.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: d.path("c.mp4")))
        }
        let webm = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "0.5", "--out", d.path("c.webm"), "--codec", "h264"])
        XCTAssertTrue(webm.stderr.contains("--codec h264 does not go in .webm"), webm.stderr)
    }

    func testFramesAreRGBByDefaultAndRGBAWithAlpha() throws {
        let d = try demo()
        for (flag, colourType) in [([String](), 2), (["--alpha"], 6)] {
            let out = d.path(flag.isEmpty ? "rgb" : "rgba")
            let result = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "0.2", "--out", out + "/", "--quiet"] + flag)
            XCTAssertEqual(result.status, 0, result.stderr)
            let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/frame-000000.png")))
            XCTAssertEqual(png[25], UInt8(colourType), "IHDR colour type \(flag)")
            let image = try Image(pngFile: out + "/frame-000000.png")
            let single = d.path("single.png")
            _ = try runRasterbar(["render", d.demoFile, "--time", "0", "--out", single])
            XCTAssertEqual(image, try Image(pngFile: single), "the same pixels either way \(flag)")
        }
    }
}
