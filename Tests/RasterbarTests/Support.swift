// Shared by the tests: one real headless GL context for the process, temporary
// demo folders on disk, and a way to run the real `rasterbar` executable.
import Foundation
import XCTest
import RasterbarCore
import RasterbarGL
import RasterbarHost
@_exported import RasterbarTestSupport

/// One EGL context for every in-process GL test (XCTest runs them on one thread).
/// Tests build scripts into their own cache, shared by the test processes of
/// one machine so the SDK is built once.
let sharedContext: HeadlessContext = {
    setenv("RASTERBAR_CACHE", testScriptCache, 1)
    do { return try HeadlessContext() } catch { fatalError("no headless GL for the tests: \(error)") }
}()

/// Where tests' compiled scripts go.
let testScriptCache = NSTemporaryDirectory() + "rasterbar-test-cache"


/// A demo folder under the temporary directory, removed when the test ends.
final class TemporaryDemo {
    let root: URL

    init(_ test: XCTestCase, files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("rasterbar-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for (path, text) in files { try write(path, text) }
        let root = self.root
        test.addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    }

    /// Writes a file relative to the demo root, making folders as needed.
    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Writes binary contents (test media) relative to the demo root.
    func write(_ path: String, bytes: [UInt8]) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    var demoFile: String { root.appendingPathComponent("demo.json").path }
    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A one-scene demo.json around `shader`.
    static func oneScene(shader: String, start: Double = 0, end: Double = 10, fps: Double = 60,
                         resolution: String = "[64, 32]") -> [String: String] {
        [
            "demo.json": """
                {"meta": {"title": "t", "resolution": \(resolution), "fps": \(fps)},
                 "scenes": [{"name": "s", "start": \(start), "end": \(end), "shader": "Shaders/s.frag"}]}
                """,
            "Shaders/s.frag": shader,
        ]
    }
}

/// What an engine reported, in order.
final class EventLog { var events: [StoreEvent] = [] }

/// A live engine on `demoFile` wired as the player wires it (a real watcher,
/// music on the null output), drawing in the shared context, with scripts
/// compiled inline; its events go to the returned log. Nothing is loaded yet.
func liveEngine(_ demoFile: String, watch: FileWatcher.Options = FileWatcher.Options(), scriptTimeout: Double = 2,
                environment: [String: String] = [:]) throws -> (engine: Engine, log: EventLog) {
    sharedContext.makeCurrent()
    var options = Engine.Options(mode: .live, watch: watch)
    options.environment.merge(environment) { $1 }
    options.context = .shared(sharedContext)
    options.backgroundCompiles = false
    options.scriptTimeout = scriptTimeout
    options.audio = .null
    let log = EventLog()
    let engine = try Engine(folder: try DemoFolder.load(demoFile, checkFiles: false), options: options, onEvent: { log.events.append($0) })
    return (engine, log)
}

/// An offline engine (render's) for `folder` in the shared context.
func offlineEngine(_ folder: DemoFolder, size: PixelSize? = nil) throws -> Engine {
    var options = Engine.Options(mode: .offline, size: size)
    options.context = .shared(sharedContext)
    return try Engine(folder: folder, options: options)
}

/// Renders `folder` at `time` in the shared context.
func renderHeadless(_ folder: DemoFolder, at time: Double, size: PixelSize? = nil) throws -> Image {
    try offlineEngine(folder, size: size).renderImage(at: time)
}

/// The environment for the real executable: ours, with the tests' script
/// cache, and no display unless one is given (an Xvfb the test started).
func testEnvironment(display: String? = nil) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["RASTERBAR_CACHE"] = testScriptCache
    env["DISPLAY"] = display
    env["WAYLAND_DISPLAY"] = nil
    return env
}

/// The result of running the real executable.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `rasterbar` with `arguments` and an environment (default: `testEnvironment()`).
func runRasterbar(_ arguments: [String], environment: [String: String] = testEnvironment(), directory: URL? = nil,
                  input: String? = nil) throws -> CommandResult {
    let executable = Bundle.main.bundleURL.appendingPathComponent("rasterbar")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = environment
    let stdin = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
    }
    // Read both pipes before waiting so a chatty child cannot block on a full pipe.
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs a tool found on PATH (ffmpeg, ffprobe); its stdout goes through a
/// file, so a tool writing megabytes of raw frames cannot block on a pipe.
func runTool(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: Data, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [name] + arguments
    let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("rasterbar-tool-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: outFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outFile) }
    let out = try FileHandle(forWritingTo: outFile)
    let err = Pipe()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try out.close()
    return (process.terminationStatus, try Data(contentsOf: outFile), String(decoding: errData, as: UTF8.self))
}

/// A long-running `rasterbar` whose stdout lines are collected as they come.
final class LiveProcess {
    let process = Process()
    private let lock = NSLock()
    private var lines: [String] = []
    /// When each line arrived (monotonic seconds).
    private var arrivals: [Double] = []
    private var partial = ""

    /// Writes control commands to the player's stdin.
    let input = Pipe()

    init(_ arguments: [String], directory: URL? = nil, environment: [String: String] = testEnvironment()) throws {
        process.executableURL = Bundle.main.bundleURL.appendingPathComponent("rasterbar")
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            guard let self else { return }
            let data = handle.availableData
            self.lock.lock()
            self.partial += String(decoding: data, as: UTF8.self)
            while let newline = self.partial.firstIndex(of: "\n") {
                self.lines.append(String(self.partial[..<newline]))
                self.arrivals.append(monotonicSeconds())
                self.partial = String(self.partial[self.partial.index(after: newline)...])
            }
            self.lock.unlock()
        }
        try process.run()
    }

    deinit { stop() }

    /// Sends one line to the player's stdin (a control command).
    func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// When line `index` arrived, in monotonic seconds.
    func arrival(of index: Int) -> Double {
        lock.lock()
        defer { lock.unlock() }
        return arrivals[index]
    }

    /// Every line so far.
    var output: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    /// Waits for a line after the first `skip` lines that contains every needle; returns its index.
    func waitForLine(containing needles: [String], after skip: Int = 0, timeout: Double = 20) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let all = output
            if all.count > skip, let i = all[skip...].firstIndex(where: { line in needles.allSatisfy { line.contains($0) } }) {
                return i
            }
            if !process.isRunning { return nil }
            usleep(5000)
        }
        return nil
    }
}

extension XCTestCase {
    /// Starts Xvfb on a free display; returns the display name.
    func startXvfb(screen: String = "1280x720x24") throws -> String {
        let candidates = ["/usr/bin/Xvfb", "/usr/local/bin/Xvfb"]
        guard let xvfb = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("Xvfb is not installed (apt-get install xvfb): the windowed path is not exercised")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xvfb)
        // -displayfd: Xvfb picks a free display and writes its number to stdout.
        process.arguments = ["-displayfd", "1", "-screen", "0", screen, "-nolisten", "tcp"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
        }
        var text = ""
        while !text.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let number = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw XCTSkip("Xvfb did not start: \(text)")
        }
        return ":\(number)"
    }
}
