// Frames per second as people read it: the frames drawn in the last second,
// counted. (An average started from the first frame's tiny delta read in the
// thousands for the first second.)

/// Counts frames over a sliding one-second window.
struct FrameCounter {
    /// Monotonic times of the frames in the last second, oldest first.
    private var times: [Double] = []

    /// A frame finished at `time` (monotonic seconds).
    mutating func tick(at time: Double) {
        times.append(time)
        if let cut = times.firstIndex(where: { $0 > time - 1 }), cut > 0 { times.removeFirst(cut) }
    }

    /// Frames drawn in the second before the last tick.
    var perSecond: Int { times.count }
}
