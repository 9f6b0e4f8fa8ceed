// Long exports: killed and resumed, split into shards through GNU parallel,
// and assembled from a frame folder with `rasterbar encode`; each compared
// byte for byte with one uninterrupted export.
import Foundation
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

final class ExportResumeTests: XCTestCase {
    /// A demo heavy enough per frame that an export of it can be killed
    /// half-way, with a script scene (replayed from its start) and music.
    func demo() throws -> TemporaryDemo {
        let d = try TemporaryDemo(self, files: [
            "demo.json": """
                {"meta": {"resolution": [96, 54], "fps": 30, "duration": 6, "music": "Music/m.wav"},
                 "scenes": [{"name": "a", "start": 0, "end": 3, "shader": "Shaders/heavy.frag"},
                            {"name": "b", "start": 3, "end": 6, "script": "Scripts/Counter.swift"}]}
                """,
            "Shaders/heavy.frag": """
                void mainImage(out vec4 c, in vec2 f) {
                    vec2 p = f / iResolution.xy;
                    float v = 0.0;
                    for (int i = 0; i < 3000; i++) v += sin(p.x * float(i) * 0.01 + iTime) * cos(p.y * float(i) * 0.013);
                    c = vec4(fract(v * 0.01), p, 1);
                }
                """,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Counter.swift": counterScript(version: 9),
        ])
        try d.write("Music/m.wav", bytes: TestAudio.wav(TestAudio.tone(440, seconds: 7)))
        return d
    }

    func pngs(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return files
    }

    func testAnExportKilledMidWayResumesToTheSameFiles() throws {
        let d = try demo()
        let whole = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "6", "--out", d.path("whole") + "/", "--quiet"])
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let process = Process()
        process.executableURL = Bundle.main.bundleURL.appendingPathComponent("rasterbar")
        process.arguments = ["render", d.demoFile, "--from", "0", "--to", "6", "--out", d.path("killed") + "/", "--quiet"]
        process.environment = testEnvironment()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = monotonicSeconds() + 60
        var written = 0
        while written < 10, monotonicSeconds() < deadline {
            written = ((try? FileManager.default.contentsOfDirectory(atPath: d.path("killed"))) ?? []).filter { $0.hasSuffix(".png") }.count
            usleep(2000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let left = try FileManager.default.contentsOfDirectory(atPath: d.path("killed")).filter { $0.hasPrefix("frame-") }
        XCTAssertLessThan(left.count, 180, "killed before it finished (\(left.count) of 180 frames)")
        XCTAssertGreaterThanOrEqual(left.count, 10)

        let resumed = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "6", "--out", d.path("killed") + "/"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("frames are already in"), resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("wrote \(180 - left.filter { PNGSequenceSink.isWhole(d.path("killed/" + $0)) }.count) frames"), resumed.stdout)
        let a = try pngs(d.path("whole")), b = try pngs(d.path("killed"))
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted(), "the same files, and no half-written ones the kill left")
        for (name, bytes) in a { XCTAssertEqual(b[name], bytes, name) }

        // --force renders everything again, to the same bytes.
        let forced = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "6", "--out", d.path("killed") + "/", "--force", "--quiet"])
        XCTAssertTrue(forced.stdout.contains("wrote 180 frames"), forced.stdout)
        XCTAssertEqual(try pngs(d.path("killed"))["frame-000120.png"], a["frame-000120.png"])
    }

    func testThreeShardsThroughGNUParallelEqualOneExportAndEncodeIntoAVideo() throws {
        let d = try demo()
        let one = try runRasterbar(["render", d.demoFile, "--from", "2", "--to", "4", "--out", d.path("one") + "/", "--quiet"])
        XCTAssertEqual(one.status, 0, one.stderr)
        // GNU parallel with three local job slots stands in for three machines.
        let rasterbar = Bundle.main.bundleURL.appendingPathComponent("rasterbar").path
        let parallel = try runTool("parallel", ["--will-cite", "-j3", "--halt", "now,fail=1", rasterbar, "render", d.demoFile, "--from", "2", "--to", "4",
                                                "--shard", "{}/3", "--out", d.path("shards") + "/", "--quiet", ":::", "1", "2", "3"])
        XCTAssertEqual(parallel.status, 0, parallel.errors)
        let a = try pngs(d.path("one")), b = try pngs(d.path("shards"))
        XCTAssertEqual(a.count, 60 + 2, "60 frames, export.json and audio.wav")
        XCTAssertEqual(a, b, "the union of the shards is the single export, byte for byte")

        let encoded = try runRasterbar(["encode", d.path("shards"), "--out", d.path("demo.mp4")])
        XCTAssertEqual(encoded.status, 0, encoded.stderr)
        let probe = try runTool("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "stream=codec_type,nb_read_frames,duration", "-of", "csv=p=0", d.path("demo.mp4")])
        let lines = String(decoding: probe.output, as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let video = try XCTUnwrap(lines.first { $0.first == "video" }), audio = try XCTUnwrap(lines.first { $0.first == "audio" })
        XCTAssertEqual(video.last, "60", "every frame: \(lines)")
        XCTAssertEqual(Double(audio[1])!, 2, accuracy: 1.0 / 30, "the soundtrack of the range: \(lines)")
    }

    func testBadShardsAndFolderGapsAreOneLineErrors() throws {
        let d = try demo()
        for spec in ["0/3", "4/3", "a/b", "3", "1/0"] {
            let result = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "1", "--shard", spec, "--out", d.path("f") + "/"])
            XCTAssertEqual(result.status, 1, spec)
            XCTAssertTrue(result.stderr.contains("--shard '\(spec)' is not K/N with 1 <= K <= N"), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
        let export = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "1", "--out", d.path("f") + "/", "--quiet"])
        XCTAssertEqual(export.status, 0, export.stderr)
        try FileManager.default.removeItem(atPath: d.path("f/frame-000007.png"))
        let gap = try runRasterbar(["encode", d.path("f"), "--out", d.path("v.mp4")])
        XCTAssertEqual(gap.status, 1)
        XCTAssertTrue(gap.stderr.contains("frame 7 is missing (frame-000007.png)"), gap.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: d.path("v.mp4")))
        let other = try runRasterbar(["render", d.demoFile, "--time", "0.2333", "--size", "32x32", "--out", d.path("f/frame-000007.png")])
        XCTAssertEqual(other.status, 0, other.stderr)
        let mixed = try runRasterbar(["encode", d.path("f"), "--out", d.path("v.mp4")])
        XCTAssertEqual(mixed.status, 1)
        XCTAssertTrue(mixed.stderr.contains("frame-000007.png is 32x32 but the frames before it are 96x54"), mixed.stderr)
        let empty = try runRasterbar(["encode", d.path("Shaders"), "--out", d.path("v.mp4")])
        XCTAssertTrue(empty.stderr.contains("no frames"), empty.stderr)

        // A shard that never ran leaves no gap, only a short end: the manifest still names every frame.
        let shards = d.path("shards")
        for k in 1...2 {
            let shard = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "1", "--shard", "\(k)/3", "--out", shards + "/", "--quiet"])
            XCTAssertEqual(shard.status, 0, shard.stderr)
        }
        let short = try runRasterbar(["encode", shards, "--out", d.path("v.mp4")])
        XCTAssertEqual(short.status, 1)
        XCTAssertTrue(short.stderr.contains("frame 20 is missing (frame-000020.png): the export runs from frame 0 to 29"), short.stderr)

        // Frames of another export are never taken for this one's; shards of one video cannot be joined.
        let another = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "1", "--fps", "10", "--out", shards + "/"])
        XCTAssertEqual(another.status, 1)
        XCTAssertTrue(another.stderr.contains("the folder holds frames of another export"), another.stderr)
        let video = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "1", "--shard", "1/2", "--out", d.path("v.mp4")])
        XCTAssertEqual(video.status, 1)
        XCTAssertTrue(video.stderr.contains("--shard needs a folder of frames"), video.stderr)
    }

    /// The Kubernetes recipe's own command, run as each of its pods would
    /// (JOB_COMPLETION_INDEX 0 to completions-1), on a small range and size.
    func testTheKubernetesJobsShardsCoverTheRangeExactly() throws {
        let manifest = try String(contentsOf: repositoryRoot.appendingPathComponent("Tools/k8s/export-job.yaml"), encoding: .utf8)
        let lines = manifest.split(separator: "\n").map(String.init)
        let completions = try XCTUnwrap(lines.first { $0.contains("completions:") }.flatMap { Int($0.split(separator: ":")[1].split(separator: "#")[0].trimmingCharacters(in: .whitespaces)) })
        XCTAssertTrue(manifest.contains("completionMode: Indexed"))
        let start = try XCTUnwrap(lines.firstIndex { $0.contains("- >-") })
        let command = lines[(start + 1)...].prefix { !$0.contains("resources:") }.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        XCTAssertTrue(command.contains("--shard $((JOB_COMPLETION_INDEX + 1))/\(completions)"), command)
        let d = try demo()
        let rasterbar = Bundle.main.bundleURL.appendingPathComponent("rasterbar").path
        let local = command.replacingOccurrences(of: "rasterbar render demo.json", with: "\(rasterbar) render \(d.demoFile)")
            .replacingOccurrences(of: "--from 0 --to 480 --size 3840x2160", with: "--from 2.5 --to 3.5 --size 48x28")
            .replacingOccurrences(of: "/frames/", with: d.path("pods") + "/")
        for index in 0..<completions {
            let pod = try runTool("env", ["JOB_COMPLETION_INDEX=\(index)", "/bin/sh", "-c", local])
            XCTAssertEqual(pod.status, 0, "pod \(index): \(pod.errors)")
        }
        let one = try runRasterbar(["render", d.demoFile, "--from", "2.5", "--to", "3.5", "--size", "48x28", "--out", d.path("one") + "/", "--quiet"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(try pngs(d.path("pods")), try pngs(d.path("one")), "\(completions) pods' shards are the single export")
    }

    /// A write that fails mid-export (a file-size limit stands in for a full
    /// disk: both make write() fail) stops the export with the frame it failed
    /// on, exit 1, and no partial file.
    func testAFailingWriteStopsTheExportAtItsFrameAndLeavesNoPartialFile() throws {
        let d = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [64, 36], "fps": 30}, "scenes": [{"name": "s", "start": 0, "end": 2, "shader": "a.frag"}]}"#,
            "a.frag": "void mainImage(out vec4 c, in vec2 f) { c = vec4(fract(sin(dot(f, vec2(12.9898, 78.233)) + iTime) * 43758.5453), f.x / 64.0, 0.5, 1); }",
        ])
        let rasterbar = Bundle.main.bundleURL.appendingPathComponent("rasterbar").path
        // sh counts ulimit -f in 512-byte blocks: 2 KB a file for the noisy frames (about 2.4 KB each), 4 KB for the video.
        let png = try runTool("sh", ["-c", "ulimit -f 4; exec \(rasterbar) render \(d.demoFile) --from 0 --to 1 --out \(d.path("out"))/ --quiet"])
        XCTAssertEqual(png.status, 1, png.errors)
        XCTAssertNotNil(png.errors.range(of: #"frame-0000[0-9][0-9]\.png: cannot write: file too large"#, options: .regularExpression), "names the frame: \(png.errors)")
        let left = try FileManager.default.contentsOfDirectory(atPath: d.path("out"))
        XCTAssertTrue(left.allSatisfy { $0 == "export.json" || ($0.hasPrefix("frame-") && PNGSequenceSink.isWhole(d.path("out/" + $0))) },
                      "only whole frames and no temporary files: \(left)")
        let video = try runTool("sh", ["-c", "ulimit -f 8; exec \(rasterbar) render \(d.demoFile) --from 0 --to 2 --out \(d.path("v.mp4")) --quiet"])
        XCTAssertEqual(video.status, 1, video.errors)
        XCTAssertTrue(video.errors.contains("ffmpeg failed (exit 1) after frame"), video.errors)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d.root.path).filter { $0.contains("v.mp4") }, [], "no video, no temporary file")
    }
}
