// What scenes hear of the soundtrack: the analyser's spectrum and waveform
// for a frame's time, as Shadertoy's 512x2 music texture for shader channels
// and as 512 floats each for scripts. Computed from the decoded file at the
// frame's time (never from what the sound card played), so a window frame,
// `render --time` and an exported frame at the same time see the same music.
import RasterbarCore
import RasterbarGL

/// The soundtrack's analysis for the frames being drawn. GL thread only.
final class MusicInput {
    var analyser: MusicAnalyser?
    /// What the analyser was built from: the clip (held, so a new clip can never
    /// be mistaken for it), its offset, the frame grid.
    var source: (clip: AudioClip, offset: Double, fps: Double)?
    /// The last frame analysed: one analysis per frame time, however many scenes ask.
    var last: (time: Double, frame: MusicFrame)?
    /// The 512x2 single-channel texture bound to "music" channels, made on first use.
    lazy var texture = Texture(singleChannelWidth: MusicAnalyser.width, height: 2)
    /// What the texture holds now.
    var uploaded: MusicFrame?

    /// The music at demo time `time`: `clip` heard from `offset` seconds at
    /// demo time 0, analysed on the `fps` frame grid. Silence without a clip.
    func frame(clip: AudioClip?, offset: Double, fps: Double, time: Double) -> MusicFrame {
        guard let clip, !clip.mono.isEmpty else { return .silent }
        if source.map({ $0.clip !== clip || $0.offset != offset || $0.fps != fps }) ?? true {
            analyser = MusicAnalyser(samples: clip.mono, rate: clip.rate, offset: offset, fps: fps)
            source = (clip, offset, fps)
            last = nil
        }
        if let last, last.time == time { return last.frame }
        let frame = analyser!.frame(at: time)
        last = (time, frame)
        return frame
    }

    /// The music texture holding `frame` (uploaded only when it changed).
    func texture(showing frame: MusicFrame) -> Texture {
        if uploaded != frame {
            texture.replace(singleChannel: frame.bytes)
            uploaded = frame
        }
        return texture
    }
}
