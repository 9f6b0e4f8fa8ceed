// The player's side of supervision: it tells the supervisor where it is and
// which script generations it loaded, on a pipe (one tab-separated line each),
// and reads what the supervisor told it after a crash from its environment:
// where to start, what went wrong, which libraries not to load again.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RasterbarCore

/// A supervised player's link to its supervisor; inert when unsupervised.
public final class SupervisorLink {
    /// The descriptor the status pipe is on in the player.
    static let fd: Int32 = 3
    static let childKey = "RASTERBAR_SUPERVISED"
    static let startKey = "RASTERBAR_RECOVER_TIME"
    static let pausedKey = "RASTERBAR_RECOVER_PAUSED"
    static let loopsKey = "RASTERBAR_RECOVER_LOOPS"
    static let sceneLoopKey = "RASTERBAR_RECOVER_SCENE_LOOP"
    static let recoveredKey = "RASTERBAR_RECOVERED_FROM"
    static let avoidKey = "RASTERBAR_AVOID_LIBRARIES"
    static let fallbackKey = "RASTERBAR_FALLBACK_LIBRARIES"

    /// True when a supervisor started this player.
    let supervised: Bool
    let parent: pid_t
    var lastLine = ""

    init(environment: [String: String]) {
        supervised = environment[Self.childKey] == "1" && fcntl(Self.fd, F_GETFD) != -1
        parent = getppid()
    }

    /// True when `play` should run under a supervisor (not already one's child).
    public static func shouldSupervise(environment: [String: String]) -> Bool { environment[childKey] != "1" }

    /// Where a restarted player resumes, from its environment.
    static func resume(from environment: [String: String]) -> (time: Double, paused: Bool, loops: Bool, sceneLoop: Range<Double>?)? {
        guard let time = environment[startKey].flatMap(Double.init) else { return nil }
        let loop = (environment[sceneLoopKey] ?? "").split(separator: ":").compactMap { Double($0) }
        return (time, environment[pausedKey] == "1", environment[loopsKey] == "1",
                loop.count == 2 && loop[0] < loop[1] ? loop[0]..<loop[1] : nil)
    }

    /// `script=library` lines from a variable.
    static func libraries(_ key: String, in environment: [String: String]) -> [String: String] {
        var map: [String: String] = [:]
        for line in (environment[key] ?? "").split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            map[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return map
    }

    /// Where the player is, once a frame (only when it changed).
    func status(_ playback: Playback) {
        guard supervised else { return }
        let loop = playback.loopRange.map { "\($0.lowerBound):\($0.upperBound)" } ?? ""
        send("time\t\(playback.time)\t\(playback.paused ? 1 : 0)\t\(playback.loops ? 1 : 0)\t\(loop)")
    }

    /// A script generation took over (the supervisor blames the newest after a crash).
    func generation(script: String, number: Int, library: String) {
        guard supervised else { return }
        send("generation\t\(script)\t\(number)\t\(library)")
    }

    /// The player ends by its own choice: do not restart it.
    func quit() {
        guard supervised else { return }
        send("quit")
    }

    /// True once the supervisor is gone (the player then quits too).
    var orphaned: Bool { supervised && getppid() != parent }

    private func send(_ line: String) {
        guard line != lastLine else { return }
        lastLine = line
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(Self.fd, $0.baseAddress, $0.count) }
    }
}

/// Libraries a restarted player must not load again, and what to play instead.
/// The engine registers it as a store service for the script loader.
public final class ScriptRecovery: @unchecked Sendable {
    let avoided: [String: String]
    let fallbacks: [String: String]

    init(environment: [String: String]) {
        avoided = SupervisorLink.libraries(SupervisorLink.avoidKey, in: environment)
        fallbacks = SupervisorLink.libraries(SupervisorLink.fallbackKey, in: environment)
    }

    /// The library to open for `script` instead of `library` (the generation
    /// before it), or an error when `library` took the player down and there
    /// is nothing before it.
    /// `use` is told the fallback before it is looked for (the cache's record
    /// of uses: a trim in another process cannot remove it between the two).
    func library(for script: String, compiled library: String, use: (String) -> Void = { _ in }) throws -> String {
        guard avoided[script] == library else { return library }
        if let fallback = fallbacks[script] {
            use(fallback)
            if FileManager.default.fileExists(atPath: fallback) { return fallback }
        }
        throw RasterbarError(.scriptLoad, "this version of \(script) took the player down, so it is not loaded again until you save the script",
                             at: script, hint: "fix the crash (see the message above) and save")
    }
}
