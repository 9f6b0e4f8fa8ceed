// Shared by the tests: one real headless GL context for the process, temporary
// demo folders on disk, and a way to run the real `rasterbar` executable.
import Foundation
import XCTest
import RasterbarCore
import RasterbarGL
import RasterbarHost

/// One EGL context for every in-process GL test (XCTest runs them on one thread).
/// Tests build scripts into their own cache, shared by the test processes of
/// one machine so the SDK is built once.
let sharedContext: HeadlessContext = {
    setenv("RASTERBAR_CACHE", testScriptCache, 1)
    do { return try HeadlessContext() } catch { fatalError("no headless GL for the tests: \(error)") }
}()

/// Where tests' compiled scripts go.
let testScriptCache = NSTemporaryDirectory() + "rasterbar-test-cache"

/// The repository root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

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

/// Renders `folder` at `time` in the shared context.
func renderHeadless(_ folder: DemoFolder, at time: Double, size: PixelSize? = nil) throws -> Image {
    try HeadlessRenderer(folder: folder, size: size, context: sharedContext).renderImage(at: time)
}

/// The result of running the real executable.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `rasterbar` with `arguments` and an environment (default: ours, minus DISPLAY).
func runRasterbar(_ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil) throws -> CommandResult {
    let executable = Bundle.main.bundleURL.appendingPathComponent("rasterbar")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["DISPLAY"] = nil
    env["WAYLAND_DISPLAY"] = nil
    process.environment = environment ?? env
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting so a chatty child cannot block on a full pipe.
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Asserts that `body` throws a RasterbarError of `kind`; returns it for more checks.
@discardableResult
func assertRasterbarError<T>(_ kind: RasterbarError.Kind, file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws -> T) -> RasterbarError? {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error, got none", file: file, line: line)
    } catch let e as RasterbarError {
        XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
        return e
    } catch {
        XCTFail("expected a RasterbarError, got \(error)", file: file, line: line)
    }
    return nil
}

/// A long-running `rasterbar` whose stdout lines are collected as they come.
final class LiveProcess {
    let process = Process()
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = ""

    init(_ arguments: [String], directory: URL? = nil, environment: [String: String]? = nil) throws {
        process.executableURL = Bundle.main.bundleURL.appendingPathComponent("rasterbar")
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            guard let self else { return }
            let data = handle.availableData
            self.lock.lock()
            self.partial += String(decoding: data, as: UTF8.self)
            while let newline = self.partial.firstIndex(of: "\n") {
                self.lines.append(String(self.partial[..<newline]))
                self.partial = String(self.partial[self.partial.index(after: newline)...])
            }
            self.lock.unlock()
        }
        try process.run()
    }

    deinit { stop() }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
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
