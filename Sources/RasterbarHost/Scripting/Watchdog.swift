// Watches script calls from a thread of its own and reports one that runs
// longer than a limit.
import Foundation
import RasterbarCore

/// Reports a script call that runs too long. It cannot stop it: a Swift
/// function cannot be interrupted safely from outside, so an endless loop in
/// a script hangs the render thread until the player is quit (Ctrl-C). The
/// report at least says which script and since when.
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (what: String, since: Double, reported: Bool)?
    let limit: Double
    let report: @Sendable (String) -> Void

    init(limit: Double, report: @escaping @Sendable (String) -> Void) {
        self.limit = limit
        self.report = report
        let thread = Thread { [weak self] in
            while let self {
                usleep(50_000)
                self.check()
            }
        }
        thread.name = "rasterbar-watchdog"
        thread.start()
    }

    func begin(_ what: String) {
        lock.lock()
        current = (what, monotonicSeconds(), false)
        lock.unlock()
    }

    func end() {
        lock.lock()
        current = nil
        lock.unlock()
    }

    private func check() {
        lock.lock()
        guard var call = current, !call.reported, monotonicSeconds() - call.since > limit else {
            lock.unlock()
            return
        }
        call.reported = true
        current = call
        lock.unlock()
        report("\(call.what) has been running for more than \(limit) s (an endless loop?); a running script cannot be stopped: quit the player (Ctrl-C), fix the script, start again")
    }
}
