// `rasterbar play` runs the player as a child process under this supervisor,
// in the style of Erlang/OTP's supervisors and systemd's Restart=: a script
// can end the process in ways no guard can catch (a trap on a thread it
// started, `exit()`, `abort()` from anywhere, a stack overflow elsewhere), and
// the player must not vanish with it. The supervisor holds no logic of the
// player's own. It:
// - starts the player with a status pipe on which the player says where it is
//   (demo time, paused, loops) and which script generations it loaded;
// - passes the player's stderr through, keeping the last lines (the Swift
//   runtime's message of a crash is there);
// - when the player dies without having said it quits, starts it again at the
//   same demo time, paused state and loops, with the newest script generation
//   marked so that it is not loaded again until its file changes (the one
//   before it plays meanwhile), and says why: the signal or exit status, the
//   runtime's message, the script generation (an event, a line on stderr, and
//   the window's error panel);
// - gives up after too many crashes in a short time.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RasterbarCore

/// Runs `rasterbar play` as a supervised child.
public final class Supervisor {
    let executable: String
    let arguments: [String]
    let environment: [String: String]
    let output: PlayerOutput
    let events: Bool
    /// At most this many restarts within `window` seconds.
    let maxRestarts = 5
    let window = 60.0

    /// `arguments` are the player's own (without the executable).
    public init(executable: String, arguments: [String], environment: [String: String], events: Bool, output: PlayerOutput = .standard) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.events = events
        self.output = output
    }

    /// Supervises until the player quits by itself; returns the exit status to end with.
    public func run() -> Int32 {
        SupervisorSignals.install()
        var plan = RecoveryPlan()
        var restarts: [Double] = []
        while true {
            let child = SupervisedChild(executable: executable, arguments: arguments, environment: environment.merging(plan.environment) { $1 })
            guard let run = child.wait() else {
                output.human("cannot start the player: \(String(cString: strerror(errno)))")
                return 1
            }
            if run.status.quit || SupervisorSignals.stopping { return run.status.code }
            // Died before it played: a start-up error (no display, bad demo); it said why.
            guard let last = run.lastStatus else { return run.status.code == 0 ? 1 : run.status.code }
            let now = monotonicSeconds()
            restarts = restarts.filter { now - $0 < window } + [now]
            let cause = run.status.description
            let generation = run.generations.last
            let message = run.runtimeMessage.map { Self.naming(generation?.script, in: $0) }
            plan.recover(from: last, crashed: generation, previous: run.generations, cause: cause, message: message)
            report(cause: cause, message: message, generation: generation, time: last.time, restart: restarts.count)
            if restarts.count > maxRestarts {
                output.human("the player crashed \(restarts.count) times in \(Int(window)) s: giving up (\(cause))")
                return 1
            }
        }
    }

    /// The runtime names a script by its compiled module ("Script_Name_1a2b3c4d/Name.swift:9"): say the script instead.
    static func naming(_ script: String?, in message: String) -> String {
        guard let script, let file = script.split(separator: "/").last,
              let start = message.range(of: "Script_"), let end = message.range(of: "/" + file + ":", range: start.upperBound..<message.endIndex)
        else { return message }
        return message.replacingCharacters(in: start.lowerBound..<end.upperBound, with: script + ":")
    }

    func report(cause: String, message: String?, generation: ScriptGeneration?, time: Double, restart: Int) {
        var fields: [(String, JSONLine.Value)] = [("event", .string("recovered")), ("cause", .string(cause))]
        if let message { fields.append(("message", .string(message))) }
        if let generation {
            fields.append(("script", .string(generation.script)))
            fields.append(("generation", .int(generation.generation)))
        }
        fields.append(("time", .number((time * 1000).rounded() / 1000)))
        fields.append(("restart", .int(restart)))
        if events { output.event(JSONLine.object(fields)) }
        output.human(RecoveryPlan.describe(cause: cause, message: message, generation: generation) + "; the player restarts at \(String(format: "%.3f", time)) s")
    }
}

/// A script generation the player loaded, as it reported it.
struct ScriptGeneration: Equatable {
    var script: String
    var generation: Int
    var library: String
}

/// Where the player was, as it last reported it.
struct PlayerStatus: Equatable {
    var time: Double
    var paused: Bool
    var loops: Bool
    var sceneLoop: Range<Double>?
}

/// What the next player is told after a crash (through its environment).
struct RecoveryPlan {
    /// Libraries that took the player down: not loaded again.
    var avoided: [String: String] = [:]
    /// For each avoided script, the generation to play meanwhile.
    var fallbacks: [String: String] = [:]
    var status: PlayerStatus?
    var cause: String?

    mutating func recover(from status: PlayerStatus, crashed: ScriptGeneration?, previous: [ScriptGeneration], cause: String, message: String?) {
        self.status = status
        self.cause = Self.describe(cause: cause, message: message, generation: crashed)
        guard let crashed else { return }
        avoided[crashed.script] = crashed.library
        if let before = previous.last(where: { $0.script == crashed.script && $0.library != crashed.library }) {
            fallbacks[crashed.script] = before.library
        }
    }

    static func describe(cause: String, message: String?, generation: ScriptGeneration?) -> String {
        var text = "the player crashed (\(cause))"
        if let generation { text += " while \(generation.script) generation \(generation.generation) was loaded" }
        if let message { text += ": \(message)" }
        return text
    }

    /// The environment variables that carry the plan to the next player.
    var environment: [String: String] {
        var env: [String: String] = [:]
        if let status {
            env[SupervisorLink.startKey] = String(status.time)
            env[SupervisorLink.pausedKey] = status.paused ? "1" : "0"
            env[SupervisorLink.loopsKey] = status.loops ? "1" : "0"
            if let range = status.sceneLoop { env[SupervisorLink.sceneLoopKey] = "\(range.lowerBound):\(range.upperBound)" }
        }
        if let cause { env[SupervisorLink.recoveredKey] = cause }
        env[SupervisorLink.avoidKey] = avoided.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "\n")
        env[SupervisorLink.fallbackKey] = fallbacks.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "\n")
        return env
    }
}

/// How a supervised player ended.
struct ChildStatus {
    var code: Int32
    var signal: Int32?
    /// The player said it quits (Esc, the end, a quit command, --frames).
    var quit: Bool

    var description: String {
        if let signal { return Self.signalName(signal) }
        return "exit status \(code)"
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
                                      SIGABRT: "SIGABRT", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGINT: "SIGINT"]
        return names[signal] ?? "signal \(signal)"
    }
}

/// One run of the player under the supervisor.
final class SupervisedChild {
    struct Run {
        var status: ChildStatus
        var lastStatus: PlayerStatus?
        var generations: [ScriptGeneration]
        var runtimeMessage: String?
    }

    let executable: String
    let arguments: [String]
    let environment: [String: String]

    init(executable: String, arguments: [String], environment: [String: String]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }

    /// Starts the player and waits for it; nil if it could not start.
    func wait() -> Run? {
        // Close-on-exec pipes above the standard descriptors: the player gets
        // only the copies dup2 makes at 3 (status) and 2 (stderr).
        var statusPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&statusPipe) == 0, pipe(&errPipe) == 0 else { return nil }
        func above(_ fd: Int32) -> Int32 {
            let moved = fcntl(fd, F_DUPFD_CLOEXEC, 10)
            close(fd)
            return moved
        }
        statusPipe = statusPipe.map(above)
        errPipe = errPipe.map(above)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, statusPipe[1], SupervisorLink.fd)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var env = environment
        env[SupervisorLink.childKey] = "1"
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(statusPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(statusPipe[0]); close(errPipe[0])
            errno = spawned
            return nil
        }
        SupervisorSignals.child = pid
        let reader = StatusReader(fd: statusPipe[0])
        let stderrTail = StderrPassThrough(fd: errPipe[0])
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        SupervisorSignals.child = 0
        reader.finish()
        stderrTail.finish()
        let exited = raw & 0x7f == 0
        let status = ChildStatus(code: exited ? (raw >> 8) & 0xff : 128 + (raw & 0x7f), signal: exited ? nil : raw & 0x7f,
                                 quit: reader.quit)
        return Run(status: status, lastStatus: reader.status, generations: reader.generations, runtimeMessage: stderrTail.runtimeMessage)
    }
}

/// Reads the player's status lines on a thread of its own.
final class StatusReader: @unchecked Sendable {
    private let lock = NSLock()
    private var _status: PlayerStatus?
    private var _generations: [ScriptGeneration] = []
    private var _quit = false
    private let done = DispatchSemaphore(value: 0)

    init(fd: Int32) {
        let thread = Thread { [self] in
            LineReader.read(fd) { self.take($0) }
            close(fd)
            done.signal()
        }
        thread.start()
    }

    func take(_ line: String) {
        let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        lock.lock()
        defer { lock.unlock() }
        switch parts.first {
        case "time" where parts.count >= 5:
            let loop = parts[4].split(separator: ":").compactMap { Double($0) }
            _status = PlayerStatus(time: Double(parts[1]) ?? 0, paused: parts[2] == "1", loops: parts[3] == "1",
                                   sceneLoop: loop.count == 2 && loop[0] < loop[1] ? loop[0]..<loop[1] : nil)
        case "generation" where parts.count >= 4:
            _generations.append(ScriptGeneration(script: parts[1], generation: Int(parts[2]) ?? 0, library: parts[3]))
        case "quit": _quit = true
        default: break
        }
    }

    /// Waits for the pipe to close (the player has exited).
    func finish() { done.wait() }
    var status: PlayerStatus? { lock.lock(); defer { lock.unlock() }; return _status }
    var generations: [ScriptGeneration] { lock.lock(); defer { lock.unlock() }; return _generations }
    var quit: Bool { lock.lock(); defer { lock.unlock() }; return _quit }
}

/// Copies the player's stderr to ours, keeping its last lines.
final class StderrPassThrough: @unchecked Sendable {
    private let lock = NSLock()
    private var lastFatal: String?
    private let done = DispatchSemaphore(value: 0)

    init(fd: Int32) {
        let thread = Thread { [self] in
            LineReader.read(fd) { line in
                fputs(line + "\n", stderr)
                // The runtime's message comes before its (long) backtrace: keep it apart.
                guard line.contains("Fatal error") || line.contains("fatal error") else { return }
                self.lock.lock()
                self.lastFatal = line
                self.lock.unlock()
            }
            close(fd)
            done.signal()
        }
        thread.start()
    }

    func finish() { done.wait() }

    /// The Swift runtime's last words ("Fatal error: ..."), if it printed any.
    var runtimeMessage: String? {
        lock.lock()
        defer { lock.unlock() }
        return lastFatal.map { String($0.trimmingCharacters(in: .whitespaces).prefix(300)) }
    }
}

/// Splits what a descriptor delivers into lines until it closes.
enum LineReader {
    static func read(_ fd: Int32, _ line: (String) -> Void) {
        var partial: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            partial += buffer[..<n]
            while let newline = partial.firstIndex(of: 0x0A) {
                line(String(decoding: partial[..<newline], as: UTF8.self))
                partial.removeSubrange(...newline)
            }
        }
        if !partial.isEmpty { line(String(decoding: partial, as: UTF8.self)) }
    }
}

/// Ctrl-C and termination reach the player, and the supervisor then ends too.
enum SupervisorSignals {
    nonisolated(unsafe) static var child: pid_t = 0
    nonisolated(unsafe) static var stopping = false

    static func install() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { received in
                SupervisorSignals.stopping = true
                if SupervisorSignals.child > 0 { kill(SupervisorSignals.child, received) }
            }
        }
    }
}
