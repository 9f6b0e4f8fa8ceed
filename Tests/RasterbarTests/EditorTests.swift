// Editors understand scripts: `check` writes compile_commands.json, and the
// toolchain's sourcekit-lsp, started in the demo folder and spoken to over
// JSON-RPC on stdio, completes the SDK and reports type errors in a script.
import Foundation
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

final class EditorTests: XCTestCase {
    func scriptDemo(_ script: String = counterScript(version: 1)) throws -> TemporaryDemo {
        try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": 10, "script": "Scripts/Counter.swift"}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Counter.swift": script,
        ])
    }

    /// The demo folder as the engine names it in compile_commands.json.
    func root(_ d: TemporaryDemo) -> String { EditorSupport.absolute(d.root.path) }

    func check(_ d: TemporaryDemo) throws -> CommandResult {
        let result = try runRasterbar(["check", d.demoFile])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    func entries(_ d: TemporaryDemo) throws -> [EditorSupport.Entry] {
        try JSONDecoder().decode([EditorSupport.Entry].self, from: Data(contentsOf: d.root.appendingPathComponent("compile_commands.json")))
    }

    func testSourceKitLSPCompletesTheSDKAndReportsATypeError() throws {
        let swiftc = try Toolchain.locate(environment: ProcessInfo.processInfo.environment).swiftc
        let server = URL(fileURLWithPath: swiftc).deletingLastPathComponent().appendingPathComponent("sourcekit-lsp").path
        guard FileManager.default.isExecutableFile(atPath: server) else {
            throw XCTSkip("sourcekit-lsp is not installed beside \(swiftc)")
        }
        let d = try scriptDemo()
        _ = try check(d)
        let script = root(d) + "/Scripts/Counter.swift"
        XCTAssertEqual(try entries(d).map(\.file), [script])

        let lsp = try LanguageServer(server, in: root(d))
        addTeardownBlock { lsp.shutDown() }
        let uri = URL(fileURLWithPath: script).absoluteString
        _ = try lsp.request("initialize", ["processId": Int(getpid()), "rootUri": URL(fileURLWithPath: root(d)).absoluteString,
                                           "capabilities": [String: Any]()])
        lsp.notify("initialized", [String: Any]())
        let text = counterScript(version: 1)
        lsp.notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "swift", "version": 1, "text": text]])

        // Right after `context.` in `context.fullscreen(solid)`.
        let lines = text.components(separatedBy: "\n")
        let line = try XCTUnwrap(lines.firstIndex { $0.contains("context.fullscreen(") })
        let column = lines[line].utf16.count - "fullscreen(solid)".utf16.count
        let completion = try lsp.request("textDocument/completion", ["textDocument": ["uri": uri],
                                                                     "position": ["line": line, "character": column]])
        let items = ((completion as? [String: Any])?["items"] ?? completion) as? [[String: Any]] ?? []
        let labels = items.compactMap { $0["label"] as? String }
        XCTAssertTrue(labels.contains { $0.hasPrefix("fullscreen") }, "completion after `context.`: \(labels.prefix(40))")
        XCTAssertTrue(labels.contains { $0.hasPrefix("shader") }, "\(labels.prefix(40))")

        // A type error, on the line of the body.
        let broken = counterScript(version: 1, body: #"let x: Int = "text""#)
        let errorLine = try XCTUnwrap(broken.components(separatedBy: "\n").firstIndex { $0.contains(#"let x: Int = "text""#) })
        lsp.notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": 2], "contentChanges": [["text": broken]]])
        let published = lsp.waitForNotification("textDocument/publishDiagnostics", timeout: 60) { params in
            guard params["uri"] as? String == uri, let diagnostics = params["diagnostics"] as? [[String: Any]] else { return false }
            return diagnostics.contains { d in
                d["severity"] as? Int == 1 && ((d["range"] as? [String: Any])?["start"] as? [String: Any])?["line"] as? Int == errorLine
            }
        }
        XCTAssertNotNil(published, "an error on line \(errorLine + 1): \(lsp.notifications("textDocument/publishDiagnostics"))")
        let message = ((published?["diagnostics"] as? [[String: Any]])?.first { $0["severity"] as? Int == 1 })?["message"] as? String
        XCTAssertTrue(message?.lowercased().contains("cannot convert") == true, message ?? "no message")
    }

    func testTheFileIsRewrittenOnlyWhenItChangesAndAUsersOwnIsLeftAlone() throws {
        let d = try scriptDemo()
        try d.write("Scripts/Helpers/Unused.swift", "import RasterbarSDK\n")
        let first = try check(d)
        XCTAssertFalse(first.stderr.contains("compile_commands"), first.stderr)
        let file = d.path("compile_commands.json")
        XCTAssertEqual(try entries(d).map(\.file), [root(d) + "/Scripts/Counter.swift", root(d) + "/Scripts/Helpers/Unused.swift"])
        let entry = try XCTUnwrap(try entries(d).first)
        XCTAssertEqual(entry.directory, root(d))
        XCTAssertEqual(entry.arguments.last, entry.file)
        for flag in ["-parse-as-library", "-module-name", "-I", "-module-cache-path"] { XCTAssertTrue(entry.arguments.contains(flag), flag) }
        let sdk = try XCTUnwrap(entry.arguments.firstIndex(of: "-I").map { entry.arguments[$0 + 1] })
        XCTAssertTrue(FileManager.default.fileExists(atPath: sdk + "/RasterbarSDK.swiftmodule"), sdk)

        // The same start again: the file is not touched.
        let inode = { (try FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int) ?? -1 }
        let before = try inode()
        _ = try check(d)
        XCTAssertEqual(try inode(), before, "rewritten although nothing changed")

        // A new script: rewritten, with it.
        try d.write("Scripts/Later.swift", "import RasterbarSDK\n")
        _ = try check(d)
        XCTAssertNotEqual(try inode(), before)
        XCTAssertEqual(try entries(d).count, 3)

        // The user's own file: left alone, and said so.
        let own = #"[{"directory": "/elsewhere", "file": "/elsewhere/a.swift", "arguments": ["swiftc", "a.swift"]}]"#
        try d.write("compile_commands.json", own)
        let foreign = try check(d)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), own)
        XCTAssertTrue(foreign.stderr.contains("was not written by Rasterbar"), foreign.stderr)
    }

    func testInAGitWorkTreeTheEngineSaysHowToIgnoreTheFileOnce() throws {
        guard let git = ["/usr/bin/git", "/bin/git", "/usr/local/bin/git"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("git is not installed")
        }
        let d = try scriptDemo()
        XCTAssertEqual(try Subprocess.run(git, ["init", "-q", d.root.path]).status, 0)
        let first = try check(d)
        XCTAssertTrue(first.stderr.contains("add `compile_commands.json` to the demo's .gitignore"), first.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: d.path(".gitignore")), "the engine never edits .gitignore")
        // Already there: nothing more is said.
        XCTAssertEqual(try check(d).stderr, "")
        // Ignored: nothing is said when it is written again.
        try FileManager.default.removeItem(atPath: d.path("compile_commands.json"))
        try d.write(".gitignore", "compile_commands.json\n")
        XCTAssertEqual(try check(d).stderr, "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: d.path("compile_commands.json")))
    }
}

/// A language server on stdio: Content-Length framed JSON-RPC.
final class LanguageServer: @unchecked Sendable {
    let process = Process()
    private let input = Pipe(), output = Pipe()
    private let lock = NSCondition()
    private var messages: [[String: Any]] = []
    private var nextID = 1
    private var closed = false
    private let writing = NSLock()

    init(_ executable: String, in directory: String) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let thread = Thread { [self] in readLoop() }
        thread.name = "lsp-reader"
        thread.start()
    }

    private func readLoop() {
        let fd = output.fileHandleForReading.fileDescriptor
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer += chunk[0..<n]
            while let message = Self.takeMessage(&buffer) { received(message) }
        }
        lock.lock()
        closed = true
        lock.broadcast()
        lock.unlock()
    }

    /// One framed message off the front of `buffer`, if it is all there.
    static func takeMessage(_ buffer: inout [UInt8]) -> [String: Any]? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = buffer.indices.first(where: { buffer[$0...].starts(with: separator) }) else { return nil }
        let header = String(decoding: buffer[..<end], as: UTF8.self)
        let length = header.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let start = end + separator.count
        guard buffer.count >= start + length else { return nil }
        let body = Data(buffer[start..<start + length])
        buffer.removeFirst(start + length)
        return (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    private func received(_ message: [String: Any]) {
        // Requests from the server (progress tokens, registrations): accept them.
        if message["method"] != nil, let id = message["id"] {
            send(["jsonrpc": "2.0", "id": id, "result": NSNull()])
        }
        lock.lock()
        messages.append(message)
        lock.broadcast()
        lock.unlock()
    }

    private func send(_ message: [String: Any]) {
        guard let body = try? JSONSerialization.data(withJSONObject: message) else { return }
        let frame = Data("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        writing.lock()
        defer { writing.unlock() }
        try? input.fileHandleForWriting.write(contentsOf: frame)
    }

    func notify(_ method: String, _ params: Any) {
        send(["jsonrpc": "2.0", "method": method, "params": params])
    }

    /// Sends a request and waits for its result; throws its error or on timeout.
    func request(_ method: String, _ params: Any, timeout: Double = 60) throws -> Any? {
        lock.lock()
        let id = nextID
        nextID += 1
        lock.unlock()
        send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        let reply = wait(timeout: timeout) { $0["method"] == nil && ($0["id"] as? Int) == id }
        guard let reply else { throw RasterbarError(.scriptCompile, "\(method): no reply within \(Int(timeout)) s") }
        if let error = reply["error"] { throw RasterbarError(.scriptCompile, "\(method): \(error)") }
        return reply["result"].flatMap { $0 is NSNull ? nil : $0 }
    }

    /// The params of the first notification `method` (already received or coming) that `matches`.
    func waitForNotification(_ method: String, timeout: Double, where matches: @escaping ([String: Any]) -> Bool) -> [String: Any]? {
        wait(timeout: timeout) { $0["method"] as? String == method && matches($0["params"] as? [String: Any] ?? [:]) }?["params"] as? [String: Any]
    }

    /// Every notification `method` so far, for failure messages.
    func notifications(_ method: String) -> [Any] {
        lock.lock()
        defer { lock.unlock() }
        return messages.filter { $0["method"] as? String == method }.compactMap { $0["params"] }
    }

    private func wait(timeout: Double, for matches: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let found = messages.first(where: matches) { return found }
            if closed || !lock.wait(until: deadline) { return messages.first(where: matches) }
        }
    }

    /// shutdown, exit; killed if it does not go within 10 s.
    func shutDown() {
        if process.isRunning {
            _ = try? request("shutdown", NSNull(), timeout: 10)
            notify("exit", NSNull())
        }
        try? input.fileHandleForWriting.close()
        let deadline = Date(timeIntervalSinceNow: 10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
