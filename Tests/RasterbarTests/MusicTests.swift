// Music end to end, with media the tests make themselves (tones, clicks,
// silence, written as WAV and converted by ffmpeg): decoding every format,
// the "music" channel's spectrum in rendered frames, scripts hearing it,
// exports carrying it in line with the picture, the live engine following
// the music and its reloads, `tempo` and `check`, and every bad input.
import Foundation
import XCTest
@testable import RasterbarCore
@testable import RasterbarGL
@testable import RasterbarHost

/// Test media, synthesised here.
enum TestAudio {
    static func clip(seconds: Double, rate: Double = 44100, channels: Int = 2, _ sample: (Double) -> Float) -> AudioClip {
        let frames = Int(seconds * rate)
        var samples = [Float](repeating: 0, count: frames * channels)
        for i in 0..<frames {
            let v = sample(Double(i) / rate)
            for c in 0..<channels { samples[i * channels + c] = v }
        }
        return AudioClip(rate: rate, channels: channels, samples: samples)
    }

    static func tone(_ hertz: Double, seconds: Double, rate: Double = 44100) -> AudioClip {
        clip(seconds: seconds, rate: rate) { Float(0.5 * sin(2 * .pi * hertz * $0)) }
    }

    static func silence(seconds: Double) -> AudioClip { clip(seconds: seconds) { _ in 0 } }

    /// 10 ms pulses (strong in the lowest bins) starting at `times`.
    static func clicks(at times: [Double], seconds: Double) -> AudioClip {
        clip(seconds: seconds) { t in times.contains { t >= $0 && t < $0 + 0.01 } ? 0.9 : 0 }
    }

    /// `count` beats at `bpm` from `first`: a decaying 60 Hz thump and a noisy tick on each.
    static func beats(bpm: Double, first: Double, seconds: Double) -> AudioClip {
        var random = SplitMix(seed: 5)
        let noise = (0..<4410).map { _ in Float(random.uniform(-1, 1)) }
        return clip(seconds: seconds) { t in
            guard t >= first else { return 0 }
            let since = (t - first).truncatingRemainder(dividingBy: 60 / bpm)
            let thump = sin(2 * .pi * 60 * since) * exp(-since * 30)
            let tick = since < 0.1 ? Double(noise[Int(since * 44100)]) * exp(-since * 80) * 0.4 : 0
            return Float(0.8 * thump + tick)
        }
    }

    static func wav(_ clip: AudioClip) -> [UInt8] { clip.wav(fromFrame: 0, frames: clip.frames) }
}

final class MusicTests: XCTestCase {
    /// A shader drawing row 0 of the music texture (the spectrum) in red and row 1 (the waveform) in green, one pixel per bin.
    static let spectrumShader = """
        void mainImage(out vec4 c, in vec2 f) {
            float x = f.x / iResolution.x;
            c = vec4(texture(iChannel0, vec2(x, 0.25)).x, texture(iChannel0, vec2(x, 0.75)).x, iSampleRate / 100000.0, 1);
        }
        """

    /// White while the lowest 8 spectrum bins are loud (a click), black otherwise.
    static let flashShader = """
        void mainImage(out vec4 c, in vec2 f) {
            float e = 0.0;
            for (int i = 0; i < 8; i++) e += texture(iChannel0, vec2((float(i) + 0.5) / 512.0, 0.25)).x;
            c = vec4(vec3(e > 2.0 ? 1.0 : 0.0), 1);
        }
        """

    func musicDemo(music: String = "\"Music/m.wav\"", clip: AudioClip?, shader: String = spectrumShader,
                   resolution: String = "[512, 4]", fps: Double = 30, duration: Double = 4, extra: [String: String] = [:]) throws -> TemporaryDemo {
        let d = try TemporaryDemo(self, files: [
            "demo.json": """
                {"meta": {"resolution": \(resolution), "fps": \(fps), "duration": \(duration), "music": \(music)},
                 "scenes": [{"name": "s", "start": 0, "end": \(duration), "shader": "Shaders/s.frag", "channels": ["music"]}]}
                """,
            "Shaders/s.frag": shader,
        ].merging(extra) { $1 })
        if let clip { try d.write("Music/m.wav", bytes: TestAudio.wav(clip)) }
        return d
    }

    /// Row 0 of a rendered spectrum frame: the red value of each bin.
    func spectrumRow(_ image: Image) -> [UInt8] { (0..<512).map { image.pixel(x: $0, y: 0).r } }

    // MARK: Shaders hear it

    func testAToneShowsItsSpectrumPeakAtItsBinAndSilenceShowsNone() throws {
        for rate in [44100.0, 48000.0] {
            let d = try musicDemo(clip: TestAudio.tone(1000, seconds: 3, rate: rate))
            let image = try renderHeadless(try DemoFolder.load(d.demoFile), at: 1)
            let row = spectrumRow(image)
            let peak = row.indices.max { row[$0] < row[$1] }!
            let expected = Int((1000 / (rate / 2048)).rounded())
            XCTAssertLessThanOrEqual(abs(peak - expected), 1, "1 kHz at \(rate) Hz peaks at bin \(expected), found \(peak): \(row[30..<60])")
            XCTAssertGreaterThan(row[peak], 200)
            XCTAssertEqual(row[(expected + 60)...].max(), 0, "far from the tone the spectrum is empty")
            XCTAssertEqual(Int(image.pixel(x: 0, y: 0).b), Int((rate / 100000 * 255).rounded()), accuracy: 1, "iSampleRate is the music's rate")
        }
        let quiet = try musicDemo(clip: TestAudio.silence(seconds: 3))
        let image = try renderHeadless(try DemoFolder.load(quiet.demoFile), at: 1)
        XCTAssertEqual(spectrumRow(image).max(), 0, "silence has no spectrum")
        XCTAssertEqual(Int(image.pixel(x: 100, y: 0).g), 128, accuracy: 1, "a flat waveform sits at 128/255")
    }

    func testAScriptHearsTheSpectrumWaveformAndMusicTime() throws {
        let script = """
            import RasterbarSDK

            final class Listener: Scene {
                struct State: Codable {}
                var state = State()
                init() {}
                func frame(_ context: Context) {
                    let spectrum = context.spectrum
                    var peak = 0
                    for i in 0..<spectrum.count where spectrum[i] > spectrum[peak] { peak = i }
                    let solid = context.shader("Shaders/solid.frag")
                    // Green only where the sample rate is the music's.
                    let wave = context.sampleRate == 44100 ? context.waveform.max()! - 0.5 : 0
                    context.set(solid, "uColor", Vec4(Float(peak) / 255, wave, Float(context.musicTime) / 10, 1))
                    context.fullscreen(solid)
                }
            }
            """
        let d = try TemporaryDemo(self, files: [
            "demo.json": """
                {"meta": {"resolution": [8, 8], "fps": 30, "duration": 3, "music": {"file": "Music/m.wav", "offset": 0.5}},
                 "scenes": [{"name": "s", "start": 0, "end": 3, "script": "Scripts/Listener.swift"}]}
                """,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Listener.swift": script,
        ])
        try d.write("Music/m.wav", bytes: TestAudio.wav(TestAudio.tone(1000, seconds: 4)))
        let p = try renderHeadless(try DemoFolder.load(d.demoFile), at: 1).pixel(x: 4, y: 4)
        XCTAssertEqual(Int(p.r), 46, accuracy: 1, "the script finds the 1 kHz bin in context.spectrum")
        XCTAssertEqual(Int(p.g), Int(0.25 * 255), accuracy: 3, "the waveform of a 0.5 sine reaches 0.75; sampleRate is the music's")
        XCTAssertEqual(Int(p.b), Int(1.5 / 10 * 255), accuracy: 1, "musicTime is demo time plus the offset")
    }

    // MARK: Exports carry it

    func testRenderTimeEqualsTheExportedFrameAndThePNGExportWritesTheAudio() throws {
        let d = try musicDemo(clip: TestAudio.clicks(at: [0.5, 1.2], seconds: 3))
        let export = try runRasterbar(["render", d.demoFile, "--from", "1", "--to", "1.5", "--out", d.path("frames") + "/"])
        XCTAssertEqual(export.status, 0, export.stderr)
        for frame in [30, 36, 37, 44] {
            let single = d.path("single-\(frame).png")
            let one = try runRasterbar(["render", d.demoFile, "--time", String(Double(frame) / 30), "--out", single])
            XCTAssertEqual(one.status, 0, one.stderr)
            XCTAssertEqual(try Image(pngFile: d.path("frames/" + PNGSequenceSink.fileName(frame))), try Image(pngFile: single), "frame \(frame)")
        }
        XCTAssertGreaterThan(spectrumRow(try Image(pngFile: d.path("single-37.png"))).max()!, 100, "the click at 1.2 s shows at frame 37")
        let wav = try AudioClip.decode(Array(try Data(contentsOf: URL(fileURLWithPath: d.path("frames/audio.wav")))), name: "audio.wav")
        XCTAssertEqual(wav.frames, 22050, "audio.wav holds exactly the 0.5 s exported")
        let click = wav.mono.firstIndex { $0 > 0.5 }!
        XCTAssertEqual(Double(click) / 44100, 0.2, accuracy: 0.001, "the click at 1.2 s is 0.2 s into the range's audio")
    }

    func testAnExportedVideoCarriesTheMusicInLineWithItsFrames() throws {
        let d = try musicDemo(clip: TestAudio.clicks(at: [1.0], seconds: 4), shader: Self.flashShader, resolution: "[64, 36]", fps: 30, duration: 3)
        for ext in ["mp4", "webm"] {
            let out = d.path("demo.\(ext)")
            let result = try runRasterbar(["render", d.demoFile, "--from", "0", "--to", "3", "--out", out])
            XCTAssertEqual(result.status, 0, result.stderr)
            let probe = try runTool("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,codec_name,duration", "-of", "csv=p=0", out])
            let streams = String(decoding: probe.output, as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
            let video = try XCTUnwrap(streams.first { $0.contains("video") }), audio = try XCTUnwrap(streams.first { $0.contains("audio") }, "\(streams)")
            XCTAssertEqual(audio[0], ext == "mp4" ? "aac" : "opus")
            if ext == "mp4" {
                XCTAssertEqual(Double(audio.last!)!, Double(video.last!)!, accuracy: 1.0 / 30, "the audio is as long as the video: \(streams)")
                XCTAssertEqual(Double(video.last!)!, 3, accuracy: 1.0 / 30)
            }
            // The frame that flashes and the click in the audio track line up.
            let frames = try runTool("ffmpeg", ["-v", "error", "-i", out, "-f", "rawvideo", "-pix_fmt", "gray", "-"]).output
            let size = 64 * 36
            let flash = try XCTUnwrap((0..<frames.count / size).first { i in frames[i * size + size / 2] > 128 }, "some frame flashes")
            let samples = try runTool("ffmpeg", ["-v", "error", "-i", out, "-vn", "-ac", "1", "-ar", "44100", "-f", "f32le", "-"]).output
            let audioSamples = samples.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let click = try XCTUnwrap(audioSamples.firstIndex { abs($0) > 0.3 }, "the click is in the audio")
            XCTAssertEqual(Double(click) / 44100, 1.0, accuracy: 0.002, "\(ext): the click is at 1 s in the video's audio")
            // The spectrum of frame k covers the samples before k/30 s: the click at 1 s is first in frame 31.
            XCTAssertEqual(flash, 31, "\(ext): the frame right after the click flashes for it")
        }
    }

    // MARK: Formats and bad input

    func testOGGFLACMP3AndWAVAllDecode() throws {
        let d = try musicDemo(clip: TestAudio.tone(440, seconds: 2))
        for ext in ["ogg", "flac", "mp3"] {
            let converted = try runTool("ffmpeg", ["-v", "error", "-y", "-i", d.path("Music/m.wav"), d.path("Music/m.\(ext)")])
            XCTAssertEqual(converted.status, 0, converted.errors)
        }
        for ext in ["wav", "ogg", "flac", "mp3"] {
            let clip = try AudioClip.decode(Array(try Data(contentsOf: URL(fileURLWithPath: d.path("Music/m.\(ext)")))), name: ext)
            XCTAssertEqual(clip.rate, 44100, ext)
            XCTAssertEqual(clip.channels, 2, ext)
            XCTAssertEqual(clip.duration, 2, accuracy: 0.06, ext)
            let rms = sqrt(clip.mono.map { $0 * $0 }.reduce(0, +) / Float(clip.mono.count))
            XCTAssertEqual(Double(rms), 0.5 / 2.0.squareRoot(), accuracy: 0.02, "\(ext) decodes to the same tone")
        }
    }

    func testEveryBadMusicFileGetsItsMessageFromCheckAndRender() throws {
        var headerOnly = TestAudio.wav(TestAudio.silence(seconds: 0))
        XCTAssertEqual(headerOnly.count, 44)
        headerOnly[40..<44] = [0, 0, 0, 0]
        let cases: [(name: String, music: String, bytes: [UInt8]?, expect: [String])] = [
            ("missing", "\"Music/gone.ogg\"", nil, ["meta.music", "Music/gone.ogg", "not found"]),
            ("not audio", "\"Music/m.ogg\"", Array("this is a text file, not music\n".utf8), ["meta.music", "Music/m.ogg", "cannot decode"]),
            ("corrupt", "\"Music/m.ogg\"", Array("OggS".utf8) + [UInt8](repeating: 0x5a, count: 4000), ["meta.music", "Music/m.ogg", "cannot decode"]),
            ("empty", "\"Music/m.ogg\"", [], ["meta.music", "Music/m.ogg", "empty"]),
            ("zero length", "\"Music/m.wav\"", headerOnly, ["meta.music", "Music/m.wav", "zero length"]),
            ("offset past the end", #"{"file": "Music/m.wav", "offset": 9}"#, TestAudio.wav(TestAudio.tone(440, seconds: 2)),
             ["meta.music.offset", "past the end", "Music/m.wav", "2.00 s long"]),
        ]
        for c in cases {
            let d = try musicDemo(music: c.music, clip: nil)
            if let bytes = c.bytes {
                try d.write(c.music.contains("m.wav") ? "Music/m.wav" : "Music/m.ogg", bytes: bytes)
            }
            let check = try runRasterbar(["check", d.demoFile])
            XCTAssertEqual(check.status, 1, "\(c.name): \(check.stderr)")
            let render = try runRasterbar(["render", d.demoFile, "--time", "1", "--out", d.path("f.png")])
            XCTAssertEqual(render.status, 1, "\(c.name): \(render.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: d.path("f.png")), "\(c.name): no frame written")
            for output in [check.stderr, render.stderr] {
                for needle in c.expect { XCTAssertTrue(output.contains(needle), "\(c.name): '\(needle)' in \(output)") }
                XCTAssertTrue(output.contains("demo.json:1:"), "\(c.name): the error is placed at meta.music: \(output)")
            }
        }
    }

    func testDemoJSONRulesForMusic() throws {
        for (json, expect) in [
            (#"{"file": "Music/a.ogg", "volume": 2}"#, "meta.music.volume: must be between 0 and 1"),
            (#"{"file": "Music/a.ogg", "offset": -1}"#, "meta.music.offset: must be 0 or more"),
            (#"{"offset": 1}"#, "meta.music.file: missing"),
            (#"{"file": "Music/a.ogg", "volum": 1}"#, "did you mean 'volume'?"),
            ("3", "meta.music: must be a file path"),
            (#""../a.ogg""#, "meta.music"),
        ] {
            let e = assertRasterbarError(.invalidDemo) {
                try parseDemo(#"{"meta": {"music": \#(json)}, "scenes": [{"name": "s", "start": 0, "end": 1, "shader": "a.frag"}]}"#)
            }
            XCTAssertTrue(e.map { $0.message + " " + ($0.hint ?? "") }?.contains(expect) == true, "\(json): \(String(describing: e))")
        }
        let demo = try parseDemo(#"{"meta": {"music": {"file": "Music/a.ogg", "offset": 1.5, "volume": 0.25}}, "scenes": [{"name": "s", "start": 0, "end": 1, "shader": "a.frag", "channels": [null, "music", "x.png"]}]}"#)
        XCTAssertEqual(demo.meta.music?.file, "Music/a.ogg")
        XCTAssertEqual(demo.meta.music?.offset, 1.5)
        XCTAssertEqual(demo.meta.music?.volume, 0.25)
        XCTAssertEqual(demo.scenes[0].channels.map { $0?.source }, [nil, .music, .image("x.png")])
        XCTAssertEqual(demo.imagePaths, ["x.png"])
    }

    // MARK: Live: the music drives time and reloads in place

    /// A live engine on the null output, loaded.
    func liveEngine(_ d: TemporaryDemo) throws -> (Engine, EventLog) {
        let (engine, log) = try RasterbarTests.liveEngine(d.demoFile)
        try engine.loadAll()
        return (engine, log)
    }

    /// Demo time minus the music's heard position, both read at one instant.
    func distanceToMusic(_ engine: Engine) throws -> Double {
        let stream = try XCTUnwrap(engine.soundtrack?.output.stream)
        let time = engine.clock.now
        let heard = try XCTUnwrap(stream.heardPosition(at: monotonicSeconds()))
        return time - (heard - (engine.demo.meta.music?.offset ?? 0))
    }

    /// Syncs and advances until `done` or `timeout` seconds.
    func run(_ engine: Engine, for timeout: Double, until done: () -> Bool = { false }) {
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline, !done() {
            engine.sync()
            engine.advance()
            usleep(5000)
        }
    }

    func testPlayingDemoTimeFollowsTheMusicAndANewMixCarriesOnAtTheSameTime() throws {
        let d = try musicDemo(clip: TestAudio.tone(440, seconds: 20), duration: 20)
        let (engine, log) = try liveEngine(d)
        engine.start(at: 2, paused: false, loops: false)
        XCTAssertTrue(engine.clock is AudioClock, "with music, demo time comes from the audio clock")
        XCTAssertTrue(log.events.contains(.audio(output: "null", rate: 44100, latencyMs: 1024 / 44.1)), "\(log.events)")
        let wall = monotonicSeconds()
        run(engine, for: 0.6)
        let stream = try XCTUnwrap(engine.soundtrack?.output.stream)
        XCTAssertEqual(try distanceToMusic(engine), 0, accuracy: 1.0 / 60, "demo time is where the music is")
        XCTAssertEqual(engine.playback.time - 2, monotonicSeconds() - wall, accuracy: 0.1, "and the null output plays at real time")

        // Pausing stops the music; seeking moves it.
        engine.setPaused(true)
        let paused = engine.playback.time
        run(engine, for: 0.2)
        XCTAssertEqual(engine.playback.time, paused)
        engine.seek(to: 10)
        engine.setPaused(false)
        run(engine, for: 0.3)
        XCTAssertEqual(try distanceToMusic(engine), 0, accuracy: 1.0 / 60)
        XCTAssertGreaterThan(engine.playback.time, 10.1)

        // A new mix (same rate) reloads in place: same output, and demo time goes on from where it was.
        let before = engine.playback.time, beforeWall = monotonicSeconds()
        try FileIO.writeAtomically(TestAudio.wav(TestAudio.tone(880, seconds: 20)), to: d.path("Music/m.wav"))
        let firstClip = engine.soundtrack!.clip
        let musicRes = try XCTUnwrap(try engine.renderer.musicClip())
        var decodingSeen = false
        run(engine, for: 5) {
            // Decoding happens off the GL thread: the old mix plays on while the new one decodes.
            if musicRes.isLoading { decodingSeen = decodingSeen || engine.soundtrack!.clip === firstClip }
            return engine.soundtrack!.clip !== firstClip
        }
        XCTAssertTrue(decodingSeen, "the new mix decoded in the background while the old one played")
        XCTAssertFalse(engine.soundtrack!.clip === firstClip, "the new mix plays")
        XCTAssertTrue(engine.soundtrack!.output.stream === stream, "through the same output")
        XCTAssertEqual(engine.playback.time - before, monotonicSeconds() - beforeWall, accuracy: 0.1, "no jump: the new mix plays on from the same demo time")

        // A corrupt save keeps the last good mix and says why.
        let good = engine.soundtrack!.clip
        let mark = log.events.count
        try FileIO.writeAtomically(Array("garbage".utf8), to: d.path("Music/m.wav"))
        run(engine, for: 5) { log.events.count > mark && log.events[mark...].contains { if case .error = $0 { return true } else { return false } } }
        XCTAssertTrue(engine.soundtrack!.clip === good, "the last good mix keeps playing")
        XCTAssertTrue(log.events[mark...].contains { if case let .error(_, _, e) = $0 { return e.kind == .invalidMusic } else { return false } })

        // Music taken out of demo.json: the monotonic clock takes over where the music was.
        try FileIO.writeAtomically(Array(#"{"meta": {"resolution": [512, 4], "fps": 30, "duration": 20}, "scenes": [{"name": "s", "start": 0, "end": 20, "shader": "Shaders/s.frag"}]}"#.utf8), to: d.demoFile)
        run(engine, for: 5) { engine.soundtrack == nil }
        XCTAssertNil(engine.soundtrack)
        XCTAssertTrue(engine.clock is RealTimeClock)
        XCTAssertEqual(engine.clock.now, engine.playback.time, accuracy: 0.05, "no jump at the handover")
    }

    func testHeadlessPlayReportsTheNullOutput() throws {
        let d = try musicDemo(clip: TestAudio.tone(440, seconds: 3), duration: 3)
        let result = try runRasterbar(["play", d.demoFile, "--headless", "--frames", "3", "--events", "--no-supervise"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains(#"{"event":"audio","output":"null","rate":44100,"latency_ms":23.2}"#), result.stdout)
        let volume = try runRasterbar(["play", d.demoFile, "--headless", "--frames", "1", "--volume", "2"])
        XCTAssertEqual(volume.status, 1)
        XCTAssertTrue(volume.stderr.contains("--volume 2.0 is out of range"), volume.stderr)
    }

    func testAWindowWithNoUsableSoundDeviceSaysSoOnceAndPlaysOnTheNullOutput() throws {
        let d = try musicDemo(clip: TestAudio.tone(440, seconds: 3), duration: 3)
        let display = try startXvfb()
        var environment = testEnvironment(display: display)
        // A driver SDL does not have stands for a missing or busy device, whatever this machine has.
        environment["SDL_AUDIODRIVER"] = "nosuchdriver"
        let started = monotonicSeconds()
        let result = try runRasterbar(["play", d.demoFile, "--frames", "30", "--events", "--no-supervise"], environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(monotonicSeconds() - started, 20, "nothing waits for the device")
        let warnings = result.stdout.split(separator: "\n").filter { $0.contains(#""event":"warning""#) && $0.contains("no sound device") }
        XCTAssertEqual(warnings.count, 1, result.stdout)
        XCTAssertTrue(result.stdout.contains(#""event":"audio","output":"null""#), result.stdout)
        XCTAssertEqual(result.stderr.components(separatedBy: "no sound device").count - 1, 1, "said once on stderr: \(result.stderr)")
    }

    func testLoopingAndSceneLoopsMoveTheMusicWithThem() throws {
        let d = try musicDemo(clip: TestAudio.tone(440, seconds: 20), duration: 3)
        let (engine, _) = try liveEngine(d)
        let stream = try XCTUnwrap({ engine.start(at: 2.7, paused: false, loops: true); return engine.soundtrack?.output.stream }())
        run(engine, for: 0.6)
        XCTAssertLessThan(engine.playback.time, 1, "the demo wrapped around at 3 s")
        run(engine, for: 0.2)
        XCTAssertEqual(try distanceToMusic(engine), 0, accuracy: 1.0 / 60, "and the music went back with it")

        // A scene loop (L): from the scene's end back to its start, music included.
        try d.write("demo.json", """
            {"meta": {"resolution": [512, 4], "fps": 30, "duration": 3, "music": "Music/m.wav"},
             "scenes": [{"name": "a", "start": 0, "end": 1.5, "shader": "Shaders/s.frag", "channels": ["music"]},
                        {"name": "b", "start": 1.5, "end": 3, "shader": "Shaders/s.frag", "channels": ["music"]}]}
            """)
        run(engine, for: 5) { engine.demo.scenes.count == 2 }
        engine.seek(to: 2.5)
        engine.apply(.toggleSceneLoop)
        run(engine, for: 0.8)
        XCTAssertTrue((1.5..<2.3).contains(engine.playback.time), "looped back to scene b's start: \(engine.playback.time)")
        XCTAssertEqual(try distanceToMusic(engine), 0, accuracy: 1.0 / 60)
        XCTAssertTrue(engine.soundtrack?.output.stream === stream, "on the same output")
    }

    // MARK: Tempo

    func testTempoFindsTheBeatAndCheckWarnsWhenMetaBpmDisagrees() throws {
        let d = try musicDemo(clip: TestAudio.beats(bpm: 120, first: 0.25, seconds: 20), duration: 10)
        let tempo = try runRasterbar(["tempo", d.path("Music/m.wav")])
        XCTAssertEqual(tempo.status, 0, tempo.stderr)
        let words = tempo.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        let bpm = try XCTUnwrap(words.firstIndex(of: "bpm,").flatMap { Double(words[$0 - 1]) }, tempo.stdout)
        XCTAssertEqual(bpm, 120, accuracy: 1.2, tempo.stdout)
        let first = try XCTUnwrap(words.firstIndex(of: "at").flatMap { Double(words[$0 + 1]) }, tempo.stdout)
        XCTAssertEqual(first.truncatingRemainder(dividingBy: 0.5), 0.25, accuracy: 0.03, "the first beat is on the beat grid: \(tempo.stdout)")

        for (bpm, warns) in [(120.0, false), (100.0, true), (60.0, false)] {
            try d.write("demo.json", """
                {"meta": {"resolution": [64, 4], "fps": 30, "bpm": \(bpm), "duration": 10, "music": "Music/m.wav"},
                 "scenes": [{"name": "s", "start": 0, "end": 10, "shader": "Shaders/s.frag", "channels": ["music"]}]}
                """)
            let check = try runRasterbar(["check", d.demoFile])
            XCTAssertEqual(check.status, 0, check.stderr)
            XCTAssertEqual(check.stderr.contains("meta.bpm \(String(format: "%.2f", bpm)) disagrees"), warns, "bpm \(bpm): \(check.stderr)")
        }
        // The default demo's own soundtrack: 120 bpm from its first sample, as demo.json says.
        let own = try runRasterbar(["tempo", repositoryRoot.appendingPathComponent("Music/soundtrack.ogg").path])
        XCTAssertEqual(own.status, 0, own.stderr)
        XCTAssertTrue(own.stdout.contains(" 120.0") || own.stdout.contains(" 119.9"), own.stdout)
        XCTAssertTrue(own.stdout.contains("first beat at 0.0"), own.stdout)

        let noBeat = try runRasterbar(["tempo", d.path("Shaders/s.frag")])
        XCTAssertEqual(noBeat.status, 1)
        XCTAssertTrue(noBeat.stderr.contains("cannot decode"), noBeat.stderr)
    }
}
