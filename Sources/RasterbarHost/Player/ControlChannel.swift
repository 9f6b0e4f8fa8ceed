// `rasterbar play --control`: one JSON command per line on stdin, read on a
// thread of its own so a slow or silent sender never holds up a frame. The
// player takes the lines once per frame and answers through `--events`.
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Lines read from a file descriptor (stdin) in the background.
final class ControlChannel: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    /// Starts reading `fd` until it ends or fails (closing stdin, or an error
    /// reading it, only stops the commands; the player plays on).
    init(fd: Int32 = 0) {
        let thread = Thread { [weak self] in
            var partial: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard let self else { return }
                // At the end, a last line without its newline still counts.
                if n <= 0 {
                    self.add(partial)
                    return
                }
                partial += buffer[..<n]
                while let newline = partial.firstIndex(of: 0x0A) {
                    self.add(Array(partial[..<newline]))
                    partial.removeSubrange(...newline)
                }
            }
        }
        thread.name = "rasterbar-control"
        thread.start()
    }

    private func add(_ bytes: [UInt8]) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !line.isEmpty else { return }
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    /// The lines that arrived since the last call, in order.
    func take() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let taken = lines
        lines.removeAll()
        return taken
    }
}
