// The engine's side of the compile service: a helper process (built from
// Sources/RasterbarCompileService into the script cache) that compiles
// scripts with sourcekitd's compile request, inside a process that is already
// running, instead of starting swift-frontend for each: about 55-70 ms less
// per compile of the particle script here. Never inside the player: a crash
// of sourcekitd costs one compile (done directly instead), not the show.
//
// Each compile gets a fresh compiler instance. sourcekitd could keep it and
// re-type-check only changed function bodies, but with Swift 6.3.1 that
// compiled wrong code without a word (see the header of the C side).
import Foundation
import RasterbarCore

/// A running compile helper, or none. Not thread-safe: the compiler calls it
/// under its own lock.
final class CompileService {
    /// What a compile request came back with.
    enum Reply {
        /// Compiled (status 0) or not (status 1), with the diagnostics as
        /// `file:line:col: severity: message` lines.
        case finished(status: Int, diagnostics: [String])
        /// The helper failed: died, timed out, or refused the request.
        case broken(String)
    }

    let executable: String
    let library: String
    /// Seconds to wait for one reply before the helper is given up on.
    let timeout: Double
    /// The helper's log (sourcekitd's own output), for when it fails.
    let logPath: String

    /// The helper's process id while it runs.
    private(set) var pid: pid_t?
    /// The engine's end of the helper's stdin and stdout.
    private var socket: Int32 = -1
    private var buffer: [UInt8] = []
    /// How many times the helper died or had to be stopped.
    private(set) var failures = 0

    init(executable: String, library: String, logPath: String, timeout: Double = 120) {
        self.executable = executable
        self.library = library
        self.logPath = logPath
        self.timeout = timeout
    }

    deinit { stop() }

    /// Starts the helper if it is not running; throws why it cannot.
    func start() throws {
        if pid != nil { return }
        // One socket for both directions: a write to a helper that died fails
        // with EPIPE (MSG_NOSIGNAL) instead of killing the player with SIGPIPE.
        // Both ends close on exec, so no other child keeps the helper alive.
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw RasterbarError(.scriptCompile, "cannot start the compile service: socketpair: \(String(cString: strerror(errno)))")
        }
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer {
            Glibc.close(ends[1])
            if log >= 0 { Glibc.close(log) }
        }
        do {
            pid = try Subprocess.spawn(executable, [library], input: ends[1], output: ends[1], error: log >= 0 ? log : 2)
        } catch {
            Glibc.close(ends[0])
            throw RasterbarError(.scriptCompile, "cannot start the compile service: \((error as? RasterbarError)?.message ?? "\(error)")")
        }
        socket = ends[0]
        buffer = []
        switch readLine() {
        case "ready"?: return
        case let line?:
            stop()
            throw RasterbarError(.scriptCompile, "the compile service could not start: \(line.hasPrefix("failed ") ? String(line.dropFirst(7)) : line)")
        case nil:
            stop()
            throw RasterbarError(.scriptCompile, "the compile service exited at start\(logTail())")
        }
    }

    /// Compiles with swiftc-style `arguments` (`-c`, files, `-o object`).
    func compile(arguments: [String]) -> Reply {
        do { try start() } catch {
            failures += 1
            return .broken("\(error)")
        }
        var request = "compile script\n\(arguments.count)\n"
        for argument in arguments { request += argument + "\n" }
        guard send(request) else { return died("it stopped reading requests") }
        guard let head = readLine() else { return died("it stopped while compiling") }
        let parts = head.split(separator: " ")
        guard parts.count == 3, parts[0] == "done", let status = Int(parts[1]), let count = Int(parts[2]), count >= 0 else {
            return died("it answered '\(head.prefix(200))'")
        }
        var diagnostics: [String] = []
        for _ in 0..<count {
            guard let line = readLine() else { return died("it stopped while reporting") }
            diagnostics.append(line)
        }
        if status < 0 {
            failures += 1
            return .broken("the compile service refused the request: \(diagnostics.joined(separator: "; "))")
        }
        return .finished(status: status, diagnostics: diagnostics)
    }

    /// Ends the helper (it also ends by itself when its input closes).
    func stop() {
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
        if let pid {
            kill(pid, SIGTERM)
            _ = Subprocess.wait(for: pid)
        }
        pid = nil
    }

    private func died(_ why: String) -> Reply {
        failures += 1
        let tail = logTail()
        stop()
        return .broken("the compile service failed: \(why)\(tail)")
    }

    private func logTail() -> String {
        guard let text = try? FileIO.readText(logPath) else { return "" }
        let last = text.split(separator: "\n").suffix(3).joined(separator: " | ")
        return last.isEmpty ? "" : " (its log: \(last.prefix(400)))"
    }

    private func send(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            guard socket >= 0 else { return false }
            let n = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            bytes = bytes.dropFirst(n)
        }
        return true
    }

    /// The next line from the helper; nil at its end or after `timeout` seconds.
    private func readLine() -> String? {
        let deadline = monotonicSeconds() + timeout
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let left = deadline - monotonicSeconds()
            guard socket >= 0, left > 0 else { return nil }
            var fds = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, Int32(min(left, 3600) * 1000))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffer += chunk[0..<n]
        }
    }
}
