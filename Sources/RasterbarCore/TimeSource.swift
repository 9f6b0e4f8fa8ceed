// Where demo time comes from. The player asks its time source for "now" once a
// frame and tells it when the person seeks or pauses; what "now" means is the
// source's business: the monotonic clock while playing live, a frame counter
// for frame-exact renders, and the music's playback position once a demo has a
// soundtrack. The player's rules (loops, the end, scene loops) stay in
// `Playback`; a source only says how far time has flowed.

/// A clock the engine reads demo time from.
public protocol TimeSource: AnyObject {
    /// Demo time now, in seconds.
    var now: Double { get }
    /// Continue from `time`: a seek, a loop wrapping around, the start.
    func seek(to time: Double)
    /// Stop or resume the flow of time.
    func setPaused(_ paused: Bool)
    /// One frame was drawn (a frame clock steps here; real clocks ignore it).
    func frameDrawn()
}

/// Demo time from the monotonic clock: live playing.
public final class RealTimeClock: TimeSource {
    /// Reads the underlying clock in seconds; injectable so tests control time.
    let read: () -> Double
    var anchorTime: Double
    var anchorClock: Double
    var paused: Bool

    /// Starts at demo time `start`, flowing unless `paused`.
    public init(start: Double = 0, paused: Bool = false, read: @escaping () -> Double = monotonicSeconds) {
        self.read = read
        anchorTime = start
        anchorClock = read()
        self.paused = paused
    }

    public var now: Double { paused ? anchorTime : anchorTime + (read() - anchorClock) }

    public func seek(to time: Double) {
        anchorTime = time
        anchorClock = read()
    }

    public func setPaused(_ paused: Bool) {
        guard paused != self.paused else { return }
        anchorTime = now
        anchorClock = read()
        self.paused = paused
    }

    public func frameDrawn() {}
}

/// Demo time on a frame grid: frame k is at k / fps exactly, whatever the wall
/// clock says. For renders and exports, where every frame is a pure function of time.
public final class OfflineFrameClock: TimeSource {
    public let fps: Double
    /// The frame the next `now` is.
    public private(set) var frame: Int
    var paused = false

    /// Starts at the first frame at or after `start`.
    public init(fps: Double, start: Double = 0) {
        self.fps = fps
        frame = Int((start * fps - 1e-6).rounded(.up))
    }

    public var now: Double { Double(frame) / fps }
    public func seek(to time: Double) { frame = Int((time * fps - 1e-6).rounded(.up)) }
    public func setPaused(_ paused: Bool) { self.paused = paused }
    public func frameDrawn() { if !paused { frame += 1 } }
}
