// `rasterbar play --control`: one JSON command per line on stdin, read on a
// thread of its own so a slow or silent sender never holds up a frame. The
// player takes the lines once per frame and answers through `--events`.
import Foundation

/// Lines read from a file descriptor (stdin) in the background.
final class ControlChannel: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    /// Starts reading `fd` until it closes. Closing stdin does not stop the player.
    init(fd: Int32 = 0) {
        let thread = Thread { [weak self] in
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
            var partial: [UInt8] = []
            while true {
                let data = handle.availableData
                if data.isEmpty { return } // end of input
                guard let self else { return }
                partial += data
                var lines: [String] = []
                while let newline = partial.firstIndex(of: 0x0A) {
                    let line = String(decoding: partial[..<newline], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    partial.removeSubrange(...newline)
                    if !line.isEmpty { lines.append(line) }
                }
                self.lock.lock()
                self.lines += lines
                self.lock.unlock()
            }
        }
        thread.name = "rasterbar-control"
        thread.start()
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
