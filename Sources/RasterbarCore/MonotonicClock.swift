// The one monotonic clock of the code base: intervals, pacing and deadlines
// all read it, so no two parts of the engine disagree about "now".
#if canImport(Glibc)
import Glibc
#endif

/// Seconds on the monotonic clock: for intervals, never for dates.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Sleeps the calling thread until `deadline` on the monotonic clock; returns at once if it has passed.
public func sleepUntil(monotonic deadline: Double) {
    let remaining = deadline - monotonicSeconds()
    guard remaining > 0 else { return }
    var ts = timespec(tv_sec: Int(remaining), tv_nsec: Int((remaining - Double(Int(remaining))) * 1e9))
    nanosleep(&ts, nil)
}
