// Demo time from the music: while a soundtrack plays, the picture follows what
// is heard, not the other way round. The position the output reports moves in
// steps (one per block handed over) and its clock drifts against the CPU's, so
// demo time runs on the monotonic clock and is steered towards the heard
// position a little each frame: frame times move smoothly and only forward,
// and stay within a frame of the music. A jump (a seek, an underrun) is taken
// at once instead of steered.

/// Demo time that follows a playing `MusicStream`.
public final class AudioClock: TimeSource {
    public let stream: MusicStream
    /// Seconds into the file at demo time 0 (meta.music.offset).
    public var offset: Double
    let read: () -> Double
    var anchorTime: Double
    var anchorClock: Double
    var paused: Bool
    /// The last time given out: `now` never goes back between seeks.
    var last: Double
    /// When the last seek or resume happened, until the output's first block after it.
    var waitingSince: Double?

    /// How much of the gap to the heard position one reading closes.
    static let steering = 0.1
    /// A gap this large is a jump, not drift.
    static let jump = 0.25
    /// After a seek or resume, time waits for the output's first block (what
    /// is heard starts there), but no longer than this: a stalled output must not freeze the demo.
    static let firstBlockWait = 0.1

    public init(stream: MusicStream, offset: Double, start: Double = 0, paused: Bool = false,
                read: @escaping () -> Double = monotonicSeconds) {
        self.stream = stream
        self.offset = offset
        self.read = read
        anchorTime = start
        anchorClock = read()
        self.paused = paused
        last = start
        stream.setPaused(paused)
        seek(to: start)
    }

    static func frame(of seconds: Double, rate: Double) -> Int { Int((seconds * rate).rounded()) }

    public var now: Double {
        guard !paused else { return anchorTime }
        let clock = read()
        guard let heard = stream.heardPosition(at: clock).map({ $0 - offset }) else {
            if let since = waitingSince, clock - since < Self.firstBlockWait {
                // Nothing of the new position is heard yet: time does not flow.
                anchorClock = clock
                return last
            }
            // No output is pulling (or it stalled): flow on the monotonic clock.
            waitingSince = nil
            return advance(to: anchorTime + (clock - anchorClock))
        }
        var time = anchorTime + (clock - anchorClock)
        let gap = heard - time
        if waitingSince != nil || abs(gap) > Self.jump {
            // The first block after a seek, or a jump: take the heard position as it is.
            waitingSince = nil
            time = heard
            anchorTime = heard
            anchorClock = clock
        } else {
            anchorTime += gap * Self.steering
            time += gap * Self.steering
        }
        return advance(to: time)
    }

    /// Gives out `time`, or the last time if it is earlier: time only moves forward.
    func advance(to time: Double) -> Double {
        last = max(time, last)
        return last
    }

    public func seek(to time: Double) {
        anchorTime = time
        anchorClock = read()
        waitingSince = anchorClock
        last = time
        stream.seek(toFrame: Self.frame(of: time + offset, rate: stream.rate))
    }

    public func setPaused(_ paused: Bool) {
        guard paused != self.paused else { return }
        let time = now
        self.paused = paused
        stream.setPaused(paused)
        seek(to: time)
    }

    public func frameDrawn() {}
}
