// Music figures: how far the audio clock drifts from real time on the null
// output (and on SDL's dummy driver, for comparison) over minutes of play;
// what the music texture costs per frame; and the engine's frame against raw
// C while a soundtrack plays.
import Foundation
import RasterbarCore
import RasterbarGL
import RasterbarHost

/// `seconds` of play with the demo's music on the null output and on SDL's
/// dummy driver at once: where each output's heard position is against the
/// monotonic clock, and how far demo time (the audio clock, read at 60 fps)
/// strays from the heard position.
func benchmarkAudioClock(seconds: Double) throws {
    let folder = try DemoFolder.load(demoPath)
    guard let music = folder.demo.meta.music else { fail("\(demoPath) has no meta.music") }
    let clip = try AudioClip.decode(try FileIO.read(folder.path(of: music.file)), name: music.file)
    print("audio clock over \(Int(seconds)) s of play, \(music.file) looping (\(fmt(clip.duration, 1)) s, \(Int(clip.rate)) Hz), read at 60 fps")
    print("target: demo time within one frame (16.7 ms) of the heard position; drift = heard position - elapsed monotonic time")
    var outputs: [(name: String, output: AudioOutput)] = [("null output", AudioOutputs.open(.null, for: clip).output)]
    setenv("SDL_AUDIODRIVER", "dummy", 1)
    if case let (output, nil) = AudioOutputs.open(.device, for: clip), output.name == "dummy" { outputs.append(("SDL dummy driver", output)) }
    let clocks = outputs.map { AudioClock(stream: $0.output.stream, offset: 0, start: 0) }
    let start = monotonicSeconds()
    var worst = [Double](repeating: 0, count: clocks.count)
    // Drift is summed over the stretches between loops: heard time against monotonic time.
    var stretch = [(heard: Double, clock: Double)?](repeating: nil, count: clocks.count)
    var drift = [Double](repeating: 0, count: clocks.count), covered = drift
    func closeStretch(_ i: Int, heard: Double, at clock: Double) {
        guard let s = stretch[i] else { return }
        drift[i] += (heard - s.heard) - (clock - s.clock)
        covered[i] += clock - s.clock
        stretch[i] = nil
    }
    var next = start, checkpoint = start + 60
    while monotonicSeconds() - start < seconds {
        next += 1.0 / 60
        sleepUntil(monotonic: next)
        for (i, clock) in clocks.enumerated() {
            let time = clock.now
            let at = monotonicSeconds()
            guard let heard = clock.stream.heardPosition(at: at) else { continue }
            if stretch[i] == nil { stretch[i] = (heard, at) }
            worst[i] = max(worst[i], abs(time - heard))
            // Loop the music like `--loop` would, before its end.
            if time > clip.duration - 2 {
                closeStretch(i, heard: heard, at: at)
                clock.seek(to: 0)
            }
        }
        if monotonicSeconds() >= checkpoint {
            checkpoint += 60
            print("  \(Int(monotonicSeconds() - start)) s ...")
        }
    }
    for (i, (name, output)) in outputs.enumerated() {
        let at = monotonicSeconds()
        if let heard = clocks[i].stream.heardPosition(at: at) { closeStretch(i, heard: heard, at: at) }
        print("  \(name.padding(to: 18)) worst |demo time - heard| \(fmt(worst[i] * 1000)) ms;  drift over \(fmt(covered[i], 0)) s of music: "
              + "\(fmt(drift[i] * 1000, 1)) ms (\(fmt(drift[i] / covered[i] * 1e6, 0)) ppm)")
        output.close()
    }
}

/// The music texture per frame (analysis and upload) over the demo's music at its fps.
func benchmarkSpectrum() throws {
    let folder = try DemoFolder.load(demoPath)
    guard let music = folder.demo.meta.music else { fail("\(demoPath) has no meta.music") }
    let clip = try AudioClip.decode(try FileIO.read(folder.path(of: music.file)), name: music.file)
    let context = try HeadlessContext()
    context.makeCurrent()
    let fps = folder.demo.meta.fps
    let analyser = MusicAnalyser(samples: clip.mono, rate: clip.rate, offset: music.offset, fps: fps)
    let texture = Texture(singleChannelWidth: MusicAnalyser.width, height: 2)
    var costs: [Double] = []
    let frames = Int(min(clip.duration, folder.demo.meta.duration) * fps)
    for k in 0..<frames {
        let t0 = monotonicSeconds()
        let frame = analyser.frame(at: Double(k) / fps)
        texture.replace(singleChannel: frame.bytes)
        costs.append((monotonicSeconds() - t0) * 1000)
    }
    let sorted = costs.sorted()
    print("music texture per frame (2048-point FFT, smoothing over 16 grid frames, 512x2 upload), \(frames) frames at \(fmt(fps, 0)) fps")
    print("target: < 0.3 ms per frame")
    print("  median \(fmt(median(costs), 3)) ms  p95 \(fmt(sorted[sorted.count * 95 / 100], 3)) ms  max \(fmt(sorted.last!, 3)) ms")
}

/// The engine's headless frames against raw C with the soundtrack playing on
/// the null output meanwhile (its thread pulls blocks in real time), each
/// engine frame analysing the music for its time.
func benchmarkFramesWithMusic() throws {
    let folder = try DemoFolder.load(demoPath)
    guard let music = folder.demo.meta.music else { fail("\(demoPath) has no meta.music") }
    let clip = try AudioClip.decode(try FileIO.read(folder.path(of: music.file)), name: music.file)
    let output = AudioOutputs.open(.null, for: clip).output
    let clock = AudioClock(stream: output.stream, offset: music.offset)
    _ = clock.now
    print("with the soundtrack playing on the null output:")
    try benchmarkHeadlessFrames()
    output.close()
}
