// The soundtrack as an audio output pulls it: a cursor into the decoded clip
// that the output's callback advances from its own thread, and a note of when
// each block was handed over, which is what the audio clock reads the playing
// position from. Any output (SDL's real devices, its dummy driver, a test's
// simulated device) drives the same `render` call, so the clock is tested on
// the code that plays.
import Synchronization

/// A clip being played: thread-safe between the output's thread and the GL thread.
public final class MusicStream: Sendable {
    /// The output's format, fixed for the stream's life (a clip of another
    /// format gets a new stream and output).
    public let rate: Double
    public let channels: Int
    /// Frames the output holds queued beyond the block it is asked for (its own
    /// buffering); what is heard lags what was handed over by this plus the block.
    public let extraLatencyFrames: Int

    struct State {
        var clip: AudioClip
        /// The next frame of the file to hand over.
        var cursor = 0
        var paused = true
        var volume: Float = 1
        /// Bumped by every seek: blocks handed over before it say nothing about the new position.
        var seekCount = 0
        /// The last block handed over since the last seek: its first frame, length and when.
        var lastBlock: (first: Int, frames: Int, at: Double)?
        /// The length of the blocks the output asks for (the latency it adds).
        var blockFrames = 0
    }

    let state: Mutex<State>

    /// `blockFrames`: the block length the output is expected to ask for (it learns the real one on each call).
    public init(clip: AudioClip, rate: Double, channels: Int, blockFrames: Int, extraLatencyFrames: Int = 0) {
        self.rate = rate
        self.channels = channels
        self.extraLatencyFrames = extraLatencyFrames
        state = Mutex(State(clip: clip, blockFrames: blockFrames))
    }

    // MARK: The output's side (its own thread)

    /// Fills `frames` interleaved frames at the stream's format, handed over at
    /// monotonic time `now`: the clip from the cursor at the volume, silence
    /// where the clip has ended or while paused.
    public func render(into out: UnsafeMutablePointer<Float>, frames: Int, at now: Double) {
        state.withLock { s in
            let channels = self.channels
            out.update(repeating: 0, count: frames * channels)
            s.blockFrames = frames
            guard !s.paused else { return }
            let clip = s.clip
            let available = max(0, min(frames, clip.frames - s.cursor))
            if available > 0 {
                clip.samples.withUnsafeBufferPointer { src in
                    let volume = s.volume
                    for i in 0..<available {
                        let frame = (s.cursor + i) * clip.channels
                        for c in 0..<channels {
                            // Mono plays on every channel; extra channels are dropped.
                            out[i * channels + c] = src[frame + min(c, clip.channels - 1)] * volume
                        }
                    }
                }
            }
            s.lastBlock = (s.cursor, frames, now)
            s.cursor += frames
        }
    }

    // MARK: The player's side

    /// Continues from file frame `frame`, paused or playing: one step, so the
    /// output never plays a block from the old position in between.
    public func seek(toFrame frame: Int, paused: Bool) {
        state.withLock { s in
            s.cursor = max(0, frame)
            s.paused = paused
            s.seekCount += 1
            s.lastBlock = nil
        }
    }

    public func setVolume(_ volume: Double) { state.withLock { $0.volume = Float(max(0, min(1, volume))) } }

    /// Plays `clip` from here on, at the same file position (a reloaded mix).
    public func replace(_ clip: AudioClip) {
        // The old clip is released after the lock: freeing a long track must not hold up the output's callback.
        let old = state.withLock { s -> AudioClip in
            defer { s.clip = clip }
            return s.clip
        }
        withExtendedLifetime(old) {}
    }

    /// The clip playing.
    public var clip: AudioClip { state.withLock { $0.clip } }

    /// Seconds from handing a frame over to hearing it: the block plus the output's own queue.
    public var latency: Double { Double(state.withLock { $0.blockFrames } + extraLatencyFrames) / rate }

    /// The file position being heard at monotonic time `now`, in seconds, or
    /// nil while nothing has been handed over since the last seek or pause, or
    /// when the output has stopped asking (a stalled device says nothing).
    public func heardPosition(at now: Double) -> Double? {
        state.withLock { s -> Double? in
            guard let block = s.lastBlock, now - block.at <= max(0.1, 3 * Double(block.frames) / rate) else { return nil }
            // The block is heard from `at`, after what the output had queued before it.
            let elapsed = (now - block.at) * rate
            let heard = Double(block.first - extraLatencyFrames) + min(elapsed, Double(block.frames))
            return heard / rate
        }
    }
}
