// Runs the compiler and its tools: an argument vector, never a shell, so no
// path or flag is ever re-parsed.
//
// posix_spawn and waitpid, not Foundation's Process: on Linux its
// waitUntilExit polls the run loop every 50 ms, and a link that took 25 ms
// was measured at 75 ms through it (half the time, depending on the thread).
import Foundation
import RasterbarCore

/// Runs a program with an argument vector (no shell) and collects its output.
enum Subprocess {
    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `executable` with `arguments` (stdin from /dev/null) and waits
    /// for it; its stdout and stderr together are the output. Throws
    /// `.toolchainMissing` when it cannot be started.
    static func run(_ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String]? = nil) throws -> Result {
        var ends: [Int32] = [-1, -1]
        guard makePipe(&ends) == 0 else {
            throw RasterbarError(.toolchainMissing, "cannot run \(executable): pipe: \(String(cString: strerror(errno)))")
        }
        let pid: pid_t
        do {
            pid = try spawn(executable, arguments, input: nil, output: ends[1], error: ends[1], directory: directory, environment: environment)
        } catch {
            close(ends[0])
            close(ends[1])
            throw error
        }
        close(ends[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output += chunk[0..<n]
        }
        close(ends[0])
        return Result(status: wait(for: pid), output: String(decoding: output, as: UTF8.self))
    }

    /// Starts `executable` with the given descriptors as its stdin (nil:
    /// /dev/null), stdout and stderr, in `directory`. Every other descriptor
    /// this process opened with close-on-exec stays out of it.
    static func spawn(_ executable: String, _ arguments: [String], input: Int32?, output: Int32, error: Int32,
                      directory: String? = nil, environment: [String: String]? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            posix_spawn_file_actions_adddup2(&actions, input, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, error, 2)
        if let directory, let addChdir { _ = addChdir(&actions, directory) }
        // The child starts with no signal blocked and every signal at its
        // default: a dispatch worker thread blocks signals (SIGTERM among
        // them), and a child inheriting that could not be stopped.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        // nil: this process's environment.
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for entry in envp ?? [] { free(entry) } }
        var pid: pid_t = 0
        let code = envp.map { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard code == 0 else {
            throw RasterbarError(.toolchainMissing, "cannot run \(executable): \(String(cString: strerror(code)))")
        }
        return pid
    }

    // glibc's pipe2 and posix_spawn_file_actions_addchdir_np are not in
    // Swift's Glibc module (they need _GNU_SOURCE): looked up by name.
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    static let pipe2 = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }
    static let addChdir = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }

    /// A pipe whose ends close on exec (atomically, where pipe2 exists), so a
    /// child spawned meanwhile on another thread cannot hold it open.
    static func makePipe(_ ends: inout [Int32]) -> Int32 {
        if let pipe2 { return ends.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC) } }
        guard pipe(&ends) == 0 else { return -1 }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return 0
    }

    /// Waits for `pid` to end; its exit status, or 128 + the signal that ended it.
    static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
