// How scripts reach the compiler: swift-frontend and ld.lld run directly from
// lines derived once from the driver, the compile service, the fallbacks to
// the driver, and compiling the same bytes once. Real compilers throughout.
import Synchronization
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

final class ScriptCompilerTests: XCTestCase {
    /// A script cache of this test's own, with the SDK copied from the tests'
    /// shared cache (built there once), so plans and fallbacks stay private.
    func privateCache() throws -> String {
        let shared = ScriptCompiler(demoRoot: NSTemporaryDirectory(), blocking: true, environment: testEnvironment())
        let sdk = try shared.builtSDK()
        let root = NSTemporaryDirectory() + "rasterbar-compiler-test-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: "\(root)/\(sdk.key)", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: sdk.directory, toPath: "\(root)/\(sdk.key)/sdk")
        for file in try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(sdk.key)/sdk") where file.hasPrefix("compile-plan-") {
            try FileManager.default.removeItem(atPath: "\(root)/\(sdk.key)/sdk/\(file)")
        }
        return root
    }

    func environment(cache: String, path: ScriptCompiler.Path, _ more: [String: String] = [:]) -> [String: String] {
        var env = testEnvironment()
        env["RASTERBAR_CACHE"] = cache
        env["RASTERBAR_COMPILE_PATH"] = path.rawValue
        return env.merging(more) { $1 }
    }

    func planFiles(_ cache: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: cache).filter { $0.contains("/sdk/compile-plan-") }.map { cache + "/" + $0 }
    }

    /// Compiles `text` as Scripts/Counter.swift and loads the library.
    @discardableResult
    func compileAndLoad(_ compiler: ScriptCompiler, _ text: String) throws -> ScriptLibrary {
        let library = try compiler.library(for: "Scripts/Counter.swift", source: Array(text.utf8))
        return try ScriptLibrary.open(library, script: "Scripts/Counter.swift", typeName: "Counter")
    }

    // MARK: The direct path

    func testTheDirectPathCompilesAndLoadsAndItsErrorsNameTheScriptsLines() throws {
        let cache = try privateCache()
        let compiler = ScriptCompiler(demoRoot: cache, blocking: true, environment: environment(cache: cache, path: .direct))
        let loaded = try compileAndLoad(compiler, counterScript(version: 1) + "\n// \(UUID())\n")
        XCTAssertFalse(loaded.isPlaceholder)
        XCTAssertEqual(compiler.records.last?.path, .direct)
        XCTAssertEqual(compiler.records.last?.succeeded, true)
        XCTAssertEqual(compiler.takeWarnings(), [])

        // The plan sits next to the SDK and says what runs.
        let plan = try JSONDecoder().decode(CompilePlan.self, from: Data(contentsOf: URL(fileURLWithPath: try XCTUnwrap(planFiles(cache).first))))
        XCTAssertEqual((plan.frontend[0] as NSString).lastPathComponent, "swift-frontend")
        XCTAssertEqual((plan.link[0] as NSString).lastPathComponent, "ld.lld")
        XCTAssertTrue(plan.link.contains { $0.hasSuffix("/swiftrt.o") }, "swiftrt.o registers the image's metadata")
        XCTAssertTrue(plan.link.contains("-lRasterbarSDK"))

        // swift-frontend's errors still name the script's own file, line and column.
        XCTAssertThrowsError(try compileAndLoad(compiler, counterScript(version: 2, body: "undefinedFunction()"))) { error in
            let e = error as? RasterbarError
            XCTAssertEqual(e?.kind, .scriptCompile)
            XCTAssertEqual(e?.file, "Scripts/Counter.swift")
            XCTAssertEqual(e?.line, 9)
            XCTAssertEqual(e?.column, 9)
            XCTAssertTrue(e?.message.contains("undefinedFunction") == true, "\(error)")
        }
        XCTAssertThrowsError(try compileAndLoad(compiler, "import RasterbarSDK\nfinal class Other: Scene { init() {}; func frame(_ c: Context) {} }")) { error in
            XCTAssertTrue("\(error)".contains("no type named Counter"), "\(error)")
        }
        XCTAssertEqual(compiler.records.last?.path, .direct, "a script's own error is not the plan's fault")
        XCTAssertEqual(compiler.takeWarnings(), [])
    }

    func testPrintedCommandLinesSplitAsAShellWould() {
        XCTAssertEqual(CompilePlan.splitCommandLine(#"/bin/x -I '/a b/c$d"q' -o 'it'\''s'"#), ["/bin/x", "-I", #"/a b/c$d"q"#, "-o", "it's"])
        XCTAssertEqual(CompilePlan.splitCommandLine(#" "/usr/bin/ld.lld" "-o" "a \"b\" \\c" "" x\ y"#), ["/usr/bin/ld.lld", "-o", #"a "b" \c"#, "", "x y"])
    }

    // MARK: Falling back to the driver

    func testABrokenPlanFallsBackToTheDriverWithAWarningAndStillCompiles() throws {
        let cache = try privateCache()
        let env = environment(cache: cache, path: .direct)
        try compileAndLoad(ScriptCompiler(demoRoot: cache, blocking: true, environment: env), counterScript(version: 1) + "\n// \(UUID())\n")
        // The next start finds a plan whose link line no longer works.
        let file = try XCTUnwrap(planFiles(cache).first)
        var plan = try JSONDecoder().decode(CompilePlan.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        plan.link.insert("--no-such-linker-option", at: 1)
        try JSONEncoder().encode(plan).write(to: URL(fileURLWithPath: file))

        // Through an engine: the warning arrives as a store event, the script runs.
        let demo = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": 10, "script": "Scripts/Counter.swift"}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Counter.swift": counterScript(version: 7) + "\n// \(UUID())\n",
        ])
        var options = Engine.Options(mode: .offline, environment: env)
        options.context = .shared(sharedContext)
        let engine = try Engine(folder: try DemoFolder.load(demo.demoFile), options: options)
        var events: [StoreEvent] = []
        engine.onEvent = { events.append($0) }
        XCTAssertEqual(try engine.loadAll(), [])
        XCTAssertEqual(try engine.renderImage(at: 0).pixel(x: 1, y: 1).r, 7)
        let warnings = events.compactMap { if case let .warning(m) = $0 { return m } else { return nil } }
        XCTAssertEqual(warnings.count, 1, "\(events)")
        XCTAssertTrue(warnings.first?.contains("through the driver for the rest of this run") == true, "\(warnings)")
        XCTAssertTrue(warnings.first?.contains("--no-such-linker-option") == true, "the warning says why: \(warnings)")
        XCTAssertEqual(engine.compiler.records.last?.path, .driver)
        XCTAssertEqual(try planFiles(cache), [], "the broken plan is removed: the next start derives it again")

        // The rest of the process compiles through the driver, without trying the plan again.
        let later = ScriptCompiler(demoRoot: cache, blocking: true, environment: env)
        try compileAndLoad(later, counterScript(version: 8) + "\n// \(UUID())\n")
        XCTAssertEqual(later.records.last?.path, .driver)
        XCTAssertEqual(later.takeWarnings(), [])
        XCTAssertEqual(try planFiles(cache), [])
    }

    func testAPlanFileThatDoesNotDecodeIsDerivedAgain() throws {
        let cache = try privateCache()
        let env = environment(cache: cache, path: .direct)
        try compileAndLoad(ScriptCompiler(demoRoot: cache, blocking: true, environment: env), counterScript(version: 1) + "\n// \(UUID())\n")
        let file = try XCTUnwrap(planFiles(cache).first)
        try Data("{ not a plan".utf8).write(to: URL(fileURLWithPath: file))
        let next = ScriptCompiler(demoRoot: cache, blocking: true, environment: env)
        try compileAndLoad(next, counterScript(version: 2) + "\n// \(UUID())\n")
        XCTAssertEqual(next.records.last?.path, .direct)
        XCTAssertEqual(next.takeWarnings(), [])
        XCTAssertNoThrow(try JSONDecoder().decode(CompilePlan.self, from: Data(contentsOf: URL(fileURLWithPath: file))))
    }

    // MARK: The same bytes once

    /// A swiftc that logs its runs to `log` and, asked for its plan (-###),
    /// names a swift-frontend beside it that logs its runs too: the direct
    /// path runs whatever $SWIFTC says it runs.
    func loggingToolchain(log: String) throws -> String {
        let real = try Toolchain.locate(environment: ProcessInfo.processInfo.environment).swiftc
        let folder = NSTemporaryDirectory() + "rasterbar-logging-swiftc-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let frontend = (URL(fileURLWithPath: real).resolvingSymlinksInPath().deletingLastPathComponent().path) + "/swift-frontend"
        try Data("""
            #!/bin/sh
            echo "swiftc $*" >> '\(log)'
            if [ "$1" = "-###" ]; then
                '\(real)' "$@" | sed "s|^\(frontend) -frontend |\(folder)/swift-frontend -frontend |"
                exit 0
            fi
            exec '\(real)' "$@"

            """.utf8).write(to: URL(fileURLWithPath: folder + "/swiftc"))
        // Slow enough that a second request surely arrives while the first compiles.
        try Data("#!/bin/sh\necho \"frontend $*\" >> '\(log)'\nsleep 0.5\nexec '\(frontend)' \"$@\"\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/swift-frontend"))
        chmod(folder + "/swiftc", 0o755)
        chmod(folder + "/swift-frontend", 0o755)
        return folder + "/swiftc"
    }

    func compilerRuns(_ log: String) -> Int {
        ((try? FileIO.readText(log)) ?? "").split(separator: "\n").filter { $0.hasPrefix("frontend -frontend -c") || ($0.hasPrefix("swiftc ") && $0.contains("-emit-library") && !$0.contains("-###") && !$0.contains("RasterbarSDK.swiftmodule")) }.count
    }

    func testTheSameBytesCompileOnceAndAFailureIsRemembered() throws {
        let cache = try privateCache()
        let log = cache + "/runs.log"
        let env = environment(cache: cache, path: .direct, ["SWIFTC": try loggingToolchain(log: log)])

        // Inline: a second thread asks for the same bytes while the first
        // compiles; one compile, and both get the library.
        let inline = ScriptCompiler(demoRoot: cache, blocking: true, environment: env)
        let text = Array((counterScript(version: 3) + "\n// \(UUID())\n").utf8)
        let first = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            first.withLock { $0 = try? inline.library(for: "Scripts/Counter.swift", source: text) }
            done.signal()
        }.start()
        let deadline = Date().addingTimeInterval(60)
        while compilerRuns(log) == 0, Date() < deadline { usleep(10_000) } // the first is compiling
        let second = try inline.library(for: "Scripts/Counter.swift", source: text)
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success)
        XCTAssertEqual(first.withLock { $0 }, second)
        XCTAssertTrue(FileManager.default.fileExists(atPath: second))
        XCTAssertEqual(compilerRuns(log), 1, (try? FileIO.readText(log)) ?? "")
        XCTAssertEqual(inline.records.count, 1)
        XCTAssertEqual(inline.records.last?.path, .direct, "$SWIFTC's own frontend ran, directly")

        // A failure is remembered for those bytes.
        let broken = Array(counterScript(version: 4, body: "undefinedFunction()\n// \(UUID())").utf8)
        var messages: [String] = []
        for _ in 0..<2 {
            XCTAssertThrowsError(try inline.library(for: "Scripts/Counter.swift", source: broken)) { messages.append("\($0)") }
        }
        XCTAssertEqual(messages.count, 2)
        XCTAssertEqual(messages.first, messages.last)
        XCTAssertEqual(compilerRuns(log), 2)

        // In the background: asking again while it compiles, and the watcher's
        // early start (prefetch) of the same bytes, share the job.
        let background = ScriptCompiler(demoRoot: cache, blocking: false, environment: env)
        let finished = DispatchSemaphore(value: 0)
        background.whenFinished { _ in finished.signal() }
        let next = Array((counterScript(version: 5) + "\n// \(UUID())\n").utf8)
        for _ in 0..<2 {
            XCTAssertThrowsError(try background.library(for: "Scripts/Counter.swift", source: next)) {
                XCTAssertTrue($0 is StillLoading, "\($0)")
            }
        }
        background.prefetch(script: "Scripts/Counter.swift", source: next)
        XCTAssertEqual(finished.wait(timeout: .now() + 120), .success)
        XCTAssertNotNil(try background.library(for: "Scripts/Counter.swift", source: next))
        // A save read by the watcher starts compiling before anyone asks.
        let saved = Array((counterScript(version: 6) + "\n// \(UUID())\n").utf8)
        background.prefetch(script: "Scripts/Counter.swift", source: saved)
        XCTAssertEqual(finished.wait(timeout: .now() + 120), .success)
        XCTAssertNotNil(try background.library(for: "Scripts/Counter.swift", source: saved))
        XCTAssertEqual(compilerRuns(log), 4, (try? FileIO.readText(log)) ?? "")
        XCTAssertEqual(background.records.count, 2)
    }

    func testAWatchedSaveStartsCompilingBeforeTheNextSync() throws {
        let cache = try privateCache()
        let demo = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": 10, "script": "Scripts/Counter.swift"}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Counter.swift": counterScript(version: 1) + "\n// \(UUID())\n",
        ])
        var options = Engine.Options(mode: .live, watch: FileWatcher.Options(), environment: environment(cache: cache, path: .direct))
        options.context = .shared(sharedContext)
        let engine = try Engine(folder: try DemoFolder.load(demo.demoFile), options: options)
        try engine.loadAll()
        let deadline = Date().addingTimeInterval(120)
        while engine.compiler.records.isEmpty, Date() < deadline { engine.sync(); usleep(5000) }
        XCTAssertEqual(engine.compiler.records.count, 1)
        // No sync() from here: only the watcher can start this compile.
        try demo.write("Scripts/Counter.swift", counterScript(version: 2) + "\n// \(UUID())\n")
        while engine.compiler.records.count < 2, Date() < deadline { usleep(5000) }
        XCTAssertEqual(engine.compiler.records.count, 2, "the watcher started the compile")
        // The store then finds it built: one compile for that save.
        while engine.sync().isEmpty, Date() < deadline { usleep(5000) }
        XCTAssertEqual(engine.compiler.records.count, 2)
    }

    // MARK: The compile service

    func testTheCompileServiceBuildsEveryEditCorrectlyAndSurvivesItsHelperDying() throws {
        let cache = try privateCache()
        // Locals in the edited body: a compiler instance that reused its AST
        // after a body edit resolved them wrongly (see compile_service.c).
        func script(_ version: Int, extra: String = "") -> String {
            counterScript(version: version, state: "var frames = 0\(extra)",
                          body: "let frames = \(version); if frames < 0 { state.frames = frames }")
        }
        let s = try LiveDemo.script(self, script: script(1), environment: environment(cache: cache, path: .service))
        let compiler = s.engine.compiler
        XCTAssertEqual(try s.draw(), [1, 1, 255])
        XCTAssertEqual(compiler.records.last?.path, .service, "\(compiler.takeWarnings())")
        for version in 2...6 {
            // Body edits, a changed declaration, and an error in between.
            try s.save(script(version, extra: version == 4 ? "; var added = 1" : ""))
            XCTAssertEqual(try s.draw()[0], UInt8(version), "edit \(version) runs its own code")
            XCTAssertEqual(compiler.records.last?.path, .service)
            if version == 3 {
                let mark = s.harness.events.count
                try s.save(counterScript(version: 99, body: "undefinedFunction()"))
                let error = try XCTUnwrap(s.errors(since: mark).first)
                XCTAssertEqual(error.file, "Scripts/Counter.swift")
                XCTAssertEqual(error.line, 9, "\(error)")
                XCTAssertTrue(error.message.contains("undefinedFunction"), "\(error)")
                XCTAssertEqual(compiler.records.last?.path, .service)
            }
        }
        XCTAssertEqual(compiler.takeWarnings(), [])

        // The helper dies: that compile runs directly, with a warning; the next starts a new helper.
        compiler.serviceLock.lock()
        let pid = try XCTUnwrap(try? compiler.serviceState?.get().pid)
        compiler.serviceLock.unlock()
        kill(pid, SIGKILL)
        let mark = s.harness.events.count
        try s.save(script(7))
        XCTAssertEqual(try s.draw()[0], 7)
        XCTAssertEqual(compiler.records.last?.path, .direct)
        XCTAssertTrue(s.warnings(since: mark).contains { $0.contains("the compile service failed") && $0.contains("restarts") }, "\(s.warnings(since: mark))")
        try s.save(script(8))
        XCTAssertEqual(try s.draw()[0], 8)
        XCTAssertEqual(compiler.records.last?.path, .service)
    }
}
