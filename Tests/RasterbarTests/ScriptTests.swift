// Scene scripts for real: swiftc, the SDK, dlopen, the crash guard, reloads
// with state. Each test writes Swift files and compiles them (about 0.3 s each).
import XCTest
@testable import RasterbarCore
@testable import RasterbarGL
@testable import RasterbarHost

/// A script scene that paints (version/255, counter/255, 1) through a uniform.
/// `stateProperty` and `initBody` let a test hook the state's accessors and `init`.
func counterScript(version: Int, name: String = "Counter", state: String = "var frames = 0", body: String = "",
                   stateProperty: String = "var state = State()", initBody: String = "") -> String {
    """
    import RasterbarSDK

    final class \(name): Scene {
        struct State: Codable { \(state) }
        \(stateProperty)
        init() { \(initBody) }
        func frame(_ context: Context) {
            state.frames += 1
            \(body)
            let solid = context.shader("Shaders/solid.frag")
            context.set(solid, "uColor", Vec4(Float(\(version)) / 255, Float(state.frames % 256) / 255, 1, 1))
            context.fullscreen(solid)
        }
    }
    """
}

final class ScriptTests: XCTestCase {
    func testAScriptCompilesRunsAndDraws() throws {
        let s = try LiveDemo.script(self, script: counterScript(version: 7))
        XCTAssertEqual(try s.draw(), [7, 1, 255])
        XCTAssertEqual(try s.draw(), [7, 2, 255])
        XCTAssertEqual(s.renderer.scripts.values.first?.running?.generation, 1)
    }

    func testStateSurvivesAReloadInEverySaveStyle() throws {
        let s = try LiveDemo.script(self, script: counterScript(version: 1))
        for _ in 0..<5 { try s.draw() }
        for (i, style) in SaveStyle.allCases.enumerated() {
            let before = try s.draw()[1]
            try s.save(counterScript(version: 2 + i), style: style)
            let after = try s.draw()
            XCTAssertEqual(after[0], UInt8(2 + i), "\(style): the new generation draws")
            XCTAssertEqual(after[1], before + 1, "\(style): the counter kept counting")
        }
    }

    func testAStateWhoseTopLevelTypeChangedStartsFresh() throws {
        let s = try LiveDemo.script(self, script: counterScript(version: 1))
        for _ in 0..<10 { try s.draw() }
        let mark = s.harness.events.count
        // Saved as an object, now read as a single number: nothing to carry field by field.
        try s.save(counterScript(version: 2, state: "var frames = 0; init() {}; init(from d: Decoder) throws { frames = try d.singleValueContainer().decode(Int.self) }; func encode(to e: Encoder) throws { var c = e.singleValueContainer(); try c.encode(frames) }"))
        XCTAssertEqual(try s.draw(), [2, 1, 255], "the counter starts again")
        XCTAssertEqual(s.warnings(since: mark).count, 1)
        XCTAssertTrue(s.warnings(since: mark).first?.contains("no longer fits") == true, "\(s.warnings(since: mark))")
    }

    func testACompileErrorKeepsTheOldGenerationRunning() throws {
        let s = try LiveDemo.script(self, script: counterScript(version: 1))
        try s.draw()
        let mark = s.harness.events.count
        try s.save(counterScript(version: 2, body: "let broken: Int = \"text\""))
        let error = try XCTUnwrap(s.errors(since: mark).first)
        XCTAssertEqual(error.kind, .scriptCompile)
        XCTAssertEqual(error.file, "Scripts/Counter.swift")
        XCTAssertEqual(error.line, 9)
        XCTAssertTrue(error.message.contains("cannot convert"), error.message)
        XCTAssertEqual(try s.draw(), [1, 2, 255], "generation 1 keeps running")
        try s.save(counterScript(version: 3))
        XCTAssertEqual(try s.draw(), [3, 3, 255])
    }

    func testEveryKindOfTrapIsSurvivedRolledBackAndTheNextSaveLoads() throws {
        let traps = [
            ("fatalError", "if state.frames > 2 { fatalError(\"boom\") }", "Fatal error: boom"),
            ("index out of range", "if state.frames > 2 { _ = [1, 2][state.frames] }", "Index out of range"),
            ("force unwrap of nil", "if state.frames > 2 { let n: Int? = nil; _ = n! }", "nil"),
            ("division by zero", "if state.frames > 2 { let zero = state.frames - state.frames; _ = 10 / zero }", "Division by zero"),
            ("bad pointer", "if state.frames > 2 { state.frames += UnsafePointer<Int>(bitPattern: 16)!.pointee }", ""),
        ]
        let s = try LiveDemo.script(self, script: counterScript(version: 1))
        try s.draw()
        for (i, (what, body, _)) in traps.enumerated() {
            let good = 10 + i
            try s.save(counterScript(version: good))
            XCTAssertEqual(try s.draw()[0], UInt8(good), "\(what): the good generation runs")
            let mark = s.harness.events.count
            try s.save(counterScript(version: 99, body: body))
            var pixels: [[UInt8]] = []
            for _ in 0..<5 { pixels.append(try s.draw()) }
            let trap = try XCTUnwrap(s.errors(since: mark).first { $0.kind == .scriptTrap }, "\(what): \(s.harness.events[mark...])")
            XCTAssertTrue(trap.message.contains("SIG"), "\(what): \(trap.message)")
            XCTAssertTrue(trap.message.contains("rolled back to generation"), "\(what): \(trap.message)")
            XCTAssertEqual(pixels.last?[0], UInt8(good), "\(what): the last good generation draws again")
            // The host is intact: dynamic casts and Foundation still work.
            let boxed: Any = [what: i] as [String: Int]
            XCTAssertEqual((boxed as? [String: Int])?[what], i)
            XCTAssertNotNil(try? JSONSerialization.data(withJSONObject: ["after": what]))
        }
        try s.save(counterScript(version: 50))
        XCTAssertEqual(try s.draw()[0], 50, "the next good save loads")
    }

    func testATrapWithNoGoodGenerationShowsThePlaceholder() throws {
        let s = try LiveDemo.script(self, script: counterScript(version: 1, body: "fatalError(\"never works\")"))
        let pixel = try s.draw()
        XCTAssertEqual(s.renderer.scripts.values.first?.trap?.kind, .scriptTrap)
        XCTAssertNotEqual(pixel, [0, 0, 0], "a placeholder, not black")
        try s.save(counterScript(version: 5))
        XCTAssertEqual(try s.draw()[0], 5)
    }

    func testMissingTypeEmptyFileAndNotASceneAreClearErrors() throws {
        let cases: [(String, String)] = [
            ("", "no type named Counter in Scripts/Counter.swift"),
            ("import RasterbarSDK\nfinal class Other: Scene { init() {}; func frame(_ c: Context) {} }", "no type named Counter"),
            ("final class Counter { init() {} }", "Counter is not a scene"),
        ]
        for (text, expected) in cases {
            let s = try LiveDemo.script(self, script: text)
            let error = try XCTUnwrap(s.renderer.scripts.values.first?.library.error ?? (try s.renderer.loadAll().first))
            XCTAssertEqual(error.kind, .scriptCompile)
            XCTAssertTrue(error.message.contains(expected), "\(error)")
            XCTAssertTrue(error.hint?.contains("final class Counter: Scene") == true)
        }
        XCTAssertThrowsError(try ScriptCompiler.typeName(of: "Scripts/my-scene.swift"))
    }

    func testScriptsAskForResourcesByPathAndBadHandlesAreReportedNotTrusted() throws {
        let body = """
            let bogus = Shader(handle: 9999)
            context.fullscreen(bogus)
            context.set(bogus, "x", Float(1))
            _ = context.shader("../outside.frag")
            context.log("answer \\(Int(context.param("answer"))) missing \\(Int(context.param("missing", default: -1)))")
            """
        let s = try LiveDemo.script(self, script: counterScript(version: 3, body: body))
        XCTAssertEqual(try s.draw(), [3, 1, 255])
        try s.draw()
        let lines = s.warnings(since: 0)
        XCTAssertEqual(lines.filter { $0.contains("handle 0x270f was never given out") }.count, 2, "reported once for each use: \(lines)")
        XCTAssertTrue(lines.contains { $0.contains("leaves the demo folder") }, "\(lines)")
        XCTAssertTrue(lines.contains("Scripts/Counter.swift: answer 42 missing -1"), "\(lines)")
    }

    func testAnABIMismatchAndAMissingEntryAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rasterbar-abi-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let toolchain = try Toolchain.locate(environment: ProcessInfo.processInfo.environment)
        let clang = URL(fileURLWithPath: toolchain.swiftc).deletingLastPathComponent().appendingPathComponent("clang").path
        let header = repositoryRoot.appendingPathComponent("Sources/RasterbarABI/include").path
        func build(_ name: String, _ c: String) throws -> String {
            let source = dir.appendingPathComponent("\(name).c"), library = dir.appendingPathComponent("\(name).so")
            try Data(c.utf8).write(to: source)
            let result = try Subprocess.run(clang, ["-shared", "-fPIC", "-I", header, "-o", library.path, source.path])
            XCTAssertEqual(result.status, 0, result.output)
            return library.path
        }
        let future = try build("future", """
            #include "rasterbar.h"
            static rb_script script = { 99, sizeof(rb_script), "Future" };
            const rb_script *rasterbar_script_entry(void) { return &script; }
            """)
        XCTAssertThrowsError(try ScriptLibrary.open(future, script: "Scripts/Future.swift", typeName: "Future")) { error in
            XCTAssertEqual((error as? RasterbarError)?.kind, .abiMismatch)
            XCTAssertTrue("\(error)".contains("ABI 99"), "\(error)")
        }
        let old = try build("old", """
            #include "rasterbar.h"
            static rb_script script = { 1, sizeof(rb_script), "Old" };
            const rb_script *rasterbar_script_entry(void) { return &script; }
            """)
        XCTAssertThrowsError(try ScriptLibrary.open(old, script: "Scripts/Old.swift", typeName: "Old")) { error in
            XCTAssertEqual((error as? RasterbarError)?.kind, .abiMismatch)
            XCTAssertTrue("\(error)".contains("built for Rasterbar's script ABI 1, this engine speaks ABI 2"), "\(error)")
            XCTAssertTrue("\(error)".contains("rebuilt"), "\(error)")
        }
        let incomplete = try build("incomplete", """
            #include "rasterbar.h"
            static rb_script script = { RB_ABI_VERSION, sizeof(rb_script), "Half" };
            const rb_script *rasterbar_script_entry(void) { return &script; }
            """)
        XCTAssertThrowsError(try ScriptLibrary.open(incomplete, script: "Scripts/Half.swift", typeName: "Half")) { error in
            XCTAssertEqual((error as? RasterbarError)?.kind, .abiMismatch)
        }
        let noEntry = try build("noentry", "int nothing_here(void) { return 1; }")
        XCTAssertThrowsError(try ScriptLibrary.open(noEntry, script: "Scripts/None.swift", typeName: "None")) { error in
            XCTAssertEqual((error as? RasterbarError)?.kind, .scriptLoad)
            XCTAssertTrue("\(error)".contains("rasterbar_script_entry"), "\(error)")
        }
    }

    func testStaleAndForeignHandlesAreReportedOnceAndIgnored() throws {
        // The foreign scene draws over the other with another scene's handle;
        // the stale one keeps a handle in its state across a reload.
        let keeper = """
            import Glibc
            import RasterbarSDK

            final class Keeper: Scene {
                struct State: Codable { var kept: UInt32 = 0; var version = VERSION }
                var state = State()
                init() {}
                func frame(_ context: Context) {
                    let solid = context.shader("Shaders/solid.frag")
                    if state.kept == 0 { state.kept = solid.handle }
                    setenv("RB_TEST_KEEPER_HANDLE", String(solid.handle), 1)
                    let kept = Shader(handle: state.kept)
                    context.set(kept, "uColor", Vec4(Float(VERSION) / 255, 0, 1, 1))
                    context.fullscreen(kept)
                }
            }
            """
        let borrower = """
            import Glibc
            import RasterbarSDK

            final class Borrower: Scene {
                init() {}
                func frame(_ context: Context) {
                    guard let text = getenv("RB_TEST_KEEPER_HANDLE"), let id = UInt32(String(cString: text)) else { return }
                    context.fullscreen(Shader(handle: id))
                }
            }
            """
        let s = try LiveDemo(self, files: [
            "demo.json": """
                {"meta": {"resolution": [8, 8]}, "scenes": [
                  {"name": "keeper", "start": 0, "end": 1000, "script": "Scripts/Keeper.swift"},
                  {"name": "borrower", "start": 0, "end": 1000, "script": "Scripts/Borrower.swift", "layer": 1, "blend": "add"}]}
                """,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Keeper.swift": keeper.replacingOccurrences(of: "VERSION", with: "1"),
            "Scripts/Borrower.swift": borrower,
        ])
        for _ in 0..<3 { try s.draw() }
        XCTAssertEqual(try s.draw()[0], 1, "the keeper draws with its own handle")
        var lines = s.warnings(since: 0)
        XCTAssertEqual(lines.filter { $0.contains("Scripts/Borrower.swift: draw_fullscreen: handle") && $0.contains("belongs to another scene") }.count, 1,
                       "the borrowed handle is refused, once: \(lines)")
        // Reloaded, the keeper's kept handle (from its state) is stale: refused, once.
        try SaveStyle.inPlace.save(keeper.replacingOccurrences(of: "VERSION", with: "2"), to: s.harness.path("Scripts/Keeper.swift"))
        s.harness.syncUntilChange(timeout: 60)
        for _ in 0..<3 { try s.draw() }
        lines = s.warnings(since: 0)
        XCTAssertEqual(lines.filter { $0.contains("Scripts/Keeper.swift: draw_fullscreen: handle") && $0.contains("is stale") }.count, 1, "\(lines)")
        XCTAssertEqual(lines.filter { $0.contains("Scripts/Keeper.swift: set uniform: handle") && $0.contains("is stale") }.count, 1, "\(lines)")
    }

    func testAFinishedBackgroundCompileReachesTheStoreDirectly() throws {
        let t = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": 10, "script": "Scripts/Counter.swift"}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Counter.swift": counterScript(version: 1) + "\n// \(UUID())\n", // new bytes: a real compile
        ])
        var options = Engine.Options(mode: .live, watch: FileWatcher.Options())
        options.context = .shared(sharedContext)
        let engine = try Engine(folder: try DemoFolder.load(t.demoFile, checkFiles: false), options: options)
        try engine.loadAll()
        let library = try engine.store.get(try ScriptLibrary.key(for: "Scripts/Counter.swift"), as: ScriptLibrary.self)
        XCTAssertTrue(library.isLoading, "compiling in the background")
        XCTAssertNil(library.error, "compiling is a state, not an error")
        // No file changes: the compile's end wakes a loop waiting on the watcher, and the next sync loads it.
        XCTAssertTrue(engine.watcher!.waitForChange(timeout: 60))
        XCTAssertEqual(engine.sync().map(\.description), ["script:Scripts/Counter.swift"])
        XCTAssertFalse(library.isLoading)
        XCTAssertEqual(library.generation, 1)
    }

    func testOfflineFramesDependOnlyOnTheirTime() throws {
        let t = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8], "fps": 30}, "scenes": [{"name": "s", "start": 1, "end": 9, "script": "Scripts/Counter.swift"}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Counter.swift": counterScript(version: 1),
        ])
        let renderer = try offlineEngine(try DemoFolder.load(t.demoFile))
        func green(_ time: Double) throws -> UInt8 { try renderer.renderImage(at: time).pixel(x: 1, y: 1).g }
        XCTAssertEqual(try green(1), 1, "the scene's first frame")
        XCTAssertEqual(try green(2), 31, "one second at 30 fps later: 31 frames")
        XCTAssertEqual(try green(2), 31, "the same time again: the same frame")
        XCTAssertEqual(try green(1.5), 16, "going back replays from the start")
        XCTAssertEqual(try green(1.51), 16, "a time between grid frames shows the last grid frame before it")
        XCTAssertEqual(try green(1.55), 17)
        XCTAssertEqual(try green(2), 31, "and rendering forward continues from there")
    }
}

/// Many generations in one process: every one stays loaded (never dlclosed).
final class ScriptSoakTests: XCTestCase {
    func testTwoHundredReloadsInARow() throws {
        let s = try LiveDemo.script(self, script: counterScript(version: 0))
        try s.draw()
        var counter = try s.draw()[1]
        for i in 1...200 {
            try s.save(counterScript(version: i) + "\n// reload \(i)\n", style: SaveStyle.allCases[i % SaveStyle.allCases.count])
            let pixel = try s.draw()
            XCTAssertEqual(pixel[0], UInt8(i), "reload \(i) draws its own code")
            XCTAssertEqual(pixel[1], counter &+ 1, "reload \(i) kept the state")
            counter = pixel[1]
            if pixel[0] != UInt8(i) { break }
        }
        XCTAssertEqual(s.renderer.scripts.values.first?.running?.generation, 201)
        let boxed: Any = ["still": "fine"]
        XCTAssertEqual((boxed as? [String: String])?["still"], "fine", "dynamic casts still work after 200 images")
    }
}
