// Demo time from the music: while a soundtrack plays, the picture follows what
// is heard, not the other way round. The position the output reports moves in
// steps (one per block handed over) and its clock drifts against the CPU's, so
// demo time runs on the monotonic clock and is steered towards the heard
// position over a fraction of a second: frame times move smoothly and only
// forward, and stay within a frame of the music. After a seek or resume, time
// waits for the output's first block from the new position; music that jumps
// ahead is taken at once; music that falls far behind (a stalled device that
// came back) is moved forward to the picture; an output that stops asking
// altogether leaves time on the monotonic clock.
#if canImport(Glibc)
import Glibc
#endif

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
    /// When time was last read (steering closes the gap by elapsed time, not per reading).
    var lastRead: Double

    /// Seconds over which a gap to the heard position is closed (most of it
    /// within this time, however often time is read).
    static let steering = 0.15
    /// Music this far ahead of demo time jumped (an output that hands over in
    /// bursts): taken at once, about three frames at 60 fps.
    static let jump = 0.05
    /// Music this far behind stalled and came back: moved forward to the picture.
    /// Smaller gaps behind are steered (bursty outputs stall for a block or two).
    static let fallenBehind = 0.3
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
        lastRead = anchorClock
        self.paused = paused
        last = start
        seek(to: start)
    }

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
        if waitingSince == nil, gap < -Self.fallenBehind {
            // The music fell behind (the device stalled and came back): it
            // catches up with the picture, which never goes back.
            seek(to: max(time, last))
            return last
        }
        if waitingSince != nil || gap > Self.jump {
            // The first block after a seek, or a jump ahead: take the heard position as it is.
            waitingSince = nil
            time = heard
            anchorTime = heard
            anchorClock = clock
        } else {
            // Steer by the share of the gap that the time since the last reading closes.
            let share = 1 - exp(-max(0, clock - lastRead) / Self.steering)
            anchorTime += gap * share
            time += gap * share
        }
        lastRead = clock
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
        lastRead = anchorClock
        waitingSince = anchorClock
        last = time
        stream.seek(toFrame: AudioClip.frameIndex(at: time + offset, rate: stream.rate), paused: paused)
    }

    /// Pausing stops the music where it is; playing starts it from the paused time.
    public func setPaused(_ paused: Bool) {
        guard paused != self.paused else { return }
        let time = now
        self.paused = paused
        seek(to: time)
    }

    public func frameDrawn() {}
}
