// Keeps the recent text written to stderr, so that when a script traps the
// player can report the Swift runtime's own message ("Fatal error: Index out
// of range"): the runtime prints it just before the trap. Everything still
// reaches the real stderr, through a thread that copies it.
import Foundation
import RasterbarGuard

/// A tee on file descriptor 2. Start it once per process.
final class StderrTap: @unchecked Sendable {
    nonisolated(unsafe) static var shared: StderrTap?

    private let readEnd: Int32
    private let original: Int32
    private let lock = NSLock()
    private var recent: [UInt8] = []
    private var total = 0

    /// Starts the tap (idempotent).
    static func start() {
        guard shared == nil else { return }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        let original = dup(2)
        guard original >= 0, dup2(fds[1], 2) >= 0 else { return }
        close(fds[1])
        let tap = StderrTap(readEnd: fds[0], original: original)
        shared = tap
        rb_guard_set_stderr_drain(fds[0], original)
        let thread = Thread { tap.run() }
        thread.name = "rasterbar-stderr"
        thread.start()
    }

    private init(readEnd: Int32, original: Int32) {
        self.readEnd = readEnd
        self.original = original
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(readEnd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(original, $0.baseAddress! + offset, n - offset) }
                if w <= 0 { break }
                offset += w
            }
            lock.lock()
            recent += buffer[0..<n]
            total += n
            if recent.count > 16384 { recent.removeFirst(recent.count - 16384) }
            lock.unlock()
        }
    }

    /// A position in the stream, for `text(since:)`.
    func mark() -> Int {
        lock.lock()
        defer { lock.unlock() }
        return total
    }

    /// What was written since `mark`, once the pipe has drained (briefly waits).
    func text(since mark: Int) -> String {
        // The runtime wrote its message before trapping; let the copier catch up.
        for _ in 0..<50 {
            var pending: Int32 = 0
            if ioctl(readEnd, UInt(FIONREAD), &pending) != 0 || pending == 0 { break }
            usleep(1000)
        }
        usleep(2000)
        lock.lock()
        defer { lock.unlock() }
        let count = min(total - mark, recent.count)
        return String(decoding: recent.suffix(count), as: UTF8.self)
    }
}
