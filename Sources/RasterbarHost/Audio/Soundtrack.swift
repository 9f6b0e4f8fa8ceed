// The live engine's soundtrack: the music playing through an output, and the
// clock that makes demo time follow it. Kept in step with demo.json and the
// music file: a new mix, offset or volume carries on at the same demo time;
// a file that fails to load keeps the last good mix (or plays silence) and the
// error goes to the panel; a demo without music gets the monotonic clock back.
import RasterbarCore

/// A playing soundtrack. GL thread only (the output pulls from its own thread).
final class Soundtrack {
    let output: AudioOutput
    let clock: AudioClock
    /// The clip playing, to notice reloads.
    private(set) var clip: AudioClip
    /// The person's level (--volume), times meta.music.volume.
    let level: Double

    /// Opens `choice` and plays `clip` from demo time `start`; `report` gets the audio event and any warning.
    init(clip: AudioClip, music: Demo.Music, choice: AudioChoice, level: Double, start: Double, paused: Bool,
         environment: [String: String], report: (StoreEvent) -> Void) {
        let (output, warning) = AudioOutputs.open(choice, for: clip, environment: environment)
        self.output = output
        self.clip = clip
        self.level = level
        clock = AudioClock(stream: output.stream, offset: music.offset, start: start, paused: paused)
        output.stream.setVolume(music.volume * level)
        if let warning { report(.warning(message: warning)) }
        report(.audio(output: output.name, rate: output.stream.rate, latencyMs: output.stream.latency * 1000))
    }

    /// Follows a changed meta.music or a reloaded clip, at demo time `time`.
    /// Returns false when the clip's rate needs a new output (the stream maps
    /// any channel count onto the output's).
    func follow(clip next: AudioClip, music: Demo.Music, at time: Double) -> Bool {
        guard next.rate == output.stream.rate else { return false }
        if next !== clip {
            clip = next
            output.stream.replace(next)
        }
        output.stream.setVolume(music.volume * level)
        if clock.offset != music.offset {
            clock.offset = music.offset
            clock.seek(to: time)
        }
        return true
    }

    func close() { output.close() }
}
