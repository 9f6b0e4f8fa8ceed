// Watches script calls from a thread of its own. A call that runs past half
// its limit is reported (while it still runs: the render thread is stuck in
// it); one that runs past the limit is ended: the watchdog signals the render
// thread, the crash guard jumps out of the script's code, and the scene rolls
// back as for a trap. The signal only takes effect while the script's own code
// runs (never inside the C library or the Swift runtime, where a lock may be
// held), so it is repeated every few milliseconds until the call is over.
import Foundation
import RasterbarCore
import RasterbarGuard

/// Ends script calls that run too long.
final class Watchdog: @unchecked Sendable {
    private struct Call {
        var what: String
        var serial: Int32
        var thread: pthread_t
        var since: Double
        var warned = false
        var gaveUp = false
    }

    private let lock = NSLock()
    private var current: Call?
    private var serial: Int32 = 0
    /// Seconds a call may run before it is ended.
    let limit: Double
    let report: @Sendable (String) -> Void

    init(limit: Double, report: @escaping @Sendable (String) -> Void) {
        self.limit = limit
        self.report = report
        let thread = Thread { [weak self] in
            while let self {
                usleep(self.isOverdue ? 5_000 : 25_000)
                self.check()
            }
        }
        thread.name = "rasterbar-watchdog"
        thread.start()
    }

    /// A guarded call starts on this thread; returns its serial for the guard.
    func begin(_ what: String) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        serial = serial == Int32.max ? 1 : serial + 1
        current = Call(what: what, serial: serial, thread: pthread_self(), since: monotonicSeconds())
        return serial
    }

    func end() {
        lock.lock()
        current = nil
        lock.unlock()
    }

    private var isOverdue: Bool {
        lock.lock()
        defer { lock.unlock() }
        return current.map { monotonicSeconds() - $0.since > limit } ?? false
    }

    private func check() {
        lock.lock()
        guard var call = current else {
            lock.unlock()
            return
        }
        let running = monotonicSeconds() - call.since
        var message: String?
        if running > limit / 2, !call.warned {
            call.warned = true
            message = "\(call.what) has been running for more than \(Self.seconds(limit / 2)) s (an endless loop?): it is stopped at \(Self.seconds(limit)) s"
        }
        if running > limit {
            rb_guard_interrupt(call.thread, call.serial)
            if running > limit + 5, !call.gaveUp {
                call.gaveUp = true
                message = "\(call.what) could not be stopped: it has not run its own code since the limit (\(Self.seconds(limit)) s); quit the player (Ctrl-C)"
            }
        }
        current = call
        lock.unlock()
        if let message { report(message) }
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(s) }
}
