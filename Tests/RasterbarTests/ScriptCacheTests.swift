// The script cache's cap: least recently used libraries go first, and a
// library a running player has loaded never goes, whichever process trims;
// `rasterbar cache` and `cache clean` on a real cache, built by real compiles
// and used by a real player process.
import Foundation
import XCTest
import RasterbarCore
@testable import RasterbarHost

final class ScriptCacheTests: XCTestCase {
    func testSizes() {
        XCTAssertEqual(ScriptCache.parseSize("512M"), 512 << 20)
        XCTAssertEqual(ScriptCache.parseSize("2G"), 2 << 30)
        XCTAssertEqual(ScriptCache.parseSize("64MiB"), 64 << 20)
        XCTAssertEqual(ScriptCache.parseSize("1.5k"), 1536)
        XCTAssertEqual(ScriptCache.parseSize("300000"), 300_000)
        XCTAssertNil(ScriptCache.parseSize("lots"))
        XCTAssertNil(ScriptCache.parseSize("-1M"))
        XCTAssertEqual(try ScriptCache.limit(environment: [:]), 512 << 20)
        XCTAssertNil(try ScriptCache.limit(environment: ["RASTERBAR_CACHE_LIMIT": "0"]))
        XCTAssertNil(try ScriptCache.limit(environment: ["RASTERBAR_CACHE_LIMIT": "none"]))
        assertRasterbarError(.invalidArgument) { try ScriptCache.limit(environment: ["RASTERBAR_CACHE_LIMIT": "big"]) }
    }

    /// A tiny scene script whose text (and so library) is its own.
    func scene(_ name: String, _ value: Int) -> String {
        """
        import RasterbarSDK
        // \(name) \(value)
        final class \(name): Scene {
            init() {}
            func frame(_ context: Context) {
                let shader = context.shader("Shaders/solid.frag")
                context.set(shader, "uColor", Vec4(Float(\(value)) / 255, 0, 0, 1))
                context.fullscreen(shader)
            }
        }
        """
    }

    /// A demo playing `scripts`, one second each.
    func demo(_ scripts: [(String, String)]) throws -> TemporaryDemo {
        var files = ["Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }"]
        var scenes: [String] = []
        for (i, (name, text)) in scripts.enumerated() {
            files["Scripts/\(name).swift"] = text
            scenes.append(#"{"name": "s\#(i)", "start": \#(i), "end": \#(i + 1), "script": "Scripts/\#(name).swift"}"#)
        }
        files["demo.json"] = #"{"meta": {"resolution": [8, 8]}, "scenes": [\#(scenes.joined(separator: ", "))]}"#
        return try TemporaryDemo(self, files: files)
    }

    /// A cache of its own for a test, with four libraries compiled by a process that has ended.
    func filledCache() throws -> (root: String, environment: [String: String], libraries: [String: String], texts: [String: String]) {
        let root = NSTemporaryDirectory() + "rasterbar-cache-test-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        var env = testEnvironment()
        env["RASTERBAR_CACHE"] = root
        env["RASTERBAR_CACHE_LIMIT"] = "none"
        let nonce = Int.random(in: 0..<1_000_000)
        var texts: [String: String] = [:]
        for (i, name) in ["Aa", "Bb", "Cc", "Dd"].enumerated() { texts[name] = scene(name, nonce + i) }
        let d = try demo(texts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let checked = try runRasterbar(["check", d.demoFile], environment: env)
        XCTAssertEqual(checked.status, 0, checked.stderr)
        var libraries: [String: String] = [:]
        for path in FileManager.default.subpaths(atPath: root) ?? [] where path.contains("/scripts/") && path.hasSuffix(".so") {
            let name = String((path as NSString).lastPathComponent.prefix(2))
            libraries[name] = root + "/" + path
        }
        XCTAssertEqual(libraries.keys.sorted(), ["Aa", "Bb", "Cc", "Dd"])
        // Used long ago, oldest first: Aa, Bb, Cc, Dd.
        for (i, name) in ["Aa", "Bb", "Cc", "Dd"].enumerated() { setAccessTime(libraries[name]!, secondsAgo: 4000 - Double(i) * 1000) }
        return (root, env, libraries, texts)
    }

    func setAccessTime(_ path: String, secondsAgo: Double) {
        let t = Date().timeIntervalSince1970 - secondsAgo
        var times = [timespec(tv_sec: Int(t), tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2)] // atime; mtime kept (UTIME_OMIT)
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
    }

    /// A live player (one process, no supervisor) playing just `name`'s script.
    func player(playing name: String, text: String, environment: [String: String]) throws -> LiveProcess {
        let d = try demo([(name, text)])
        let player = try LiveProcess(["play", "--headless", "--events", "--control", "--loop", "--no-supervise", d.demoFile], environment: environment)
        XCTAssertNotNil(player.waitForLine(containing: [#""event":"load","kind":"script""#], timeout: 60), "\(player.output)")
        return player
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func testTheCapEvictsLeastRecentlyUsedFirstAndNeverALibraryAPlayerHasLoaded() throws {
        let (root, env, libraries, texts) = try filledCache()
        // A player loads Aa, the least recently used library of all.
        let player = try player(playing: "Aa", text: texts["Aa"]!, environment: env)
        defer { player.stop() }

        // Just over the cap: one library must go. The oldest, Aa, is in use: Bb goes.
        let cache = ScriptCache(root: root, limit: nil)
        // A trim that removes nothing but the ended `check` process's list of uses.
        XCTAssertEqual(cache.trim(to: .max).removed.count, 0)
        let before = cache.inventory()
        XCTAssertEqual(before.processes, [player.process.processIdentifier])
        XCTAssertEqual(before.items.filter { $0.inUse && $0.kind == .library }.map(\.path), [libraries["Aa"]!])
        let trimmed = cache.trim(to: before.bytes - 1)
        XCTAssertEqual(trimmed.removed.map(\.path), [libraries["Bb"]!])
        XCTAssertTrue(exists(libraries["Aa"]!) && !exists(libraries["Bb"]!) && exists(libraries["Cc"]!) && exists(libraries["Dd"]!))

        // A compile in another process with a tiny cap: everything not in use goes,
        // except what that process itself uses (its new library) and the player's.
        var tiny = env
        tiny["RASTERBAR_CACHE_LIMIT"] = "1"
        let other = try demo([("Ee", scene("Ee", Int.random(in: 0..<1_000_000)))])
        let compiled = try runRasterbar(["check", other.demoFile], environment: tiny)
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        XCTAssertTrue(exists(libraries["Aa"]!), "the cap removed a library a running player has loaded")
        XCTAssertFalse(exists(libraries["Cc"]!) || exists(libraries["Dd"]!), "the cap left libraries nobody uses")
        let left = (FileManager.default.subpaths(atPath: root) ?? []).filter { $0.hasSuffix(".so") && $0.contains("/scripts/") }
        XCTAssertEqual(left.map { String(($0 as NSString).lastPathComponent.prefix(2)) }.sorted(), ["Aa", "Ee"])

        // `cache trim` from the command line: the player's library and engine build stay.
        let kept = try runRasterbar(["cache", "trim", "--limit", "1"], environment: env)
        XCTAssertEqual(kept.status, 0, kept.stderr)
        XCTAssertTrue(kept.stdout.contains("kept") && kept.stdout.contains("1 script library loaded"), kept.stdout)
        XCTAssertTrue(exists(libraries["Aa"]!))
        XCTAssertTrue(exists((libraries["Aa"]! as NSString).deletingLastPathComponent + "/../sdk/libRasterbarSDK.so"))

        // The player is killed (no chance to clean up): its lock goes with it, and so can its library.
        kill(player.process.processIdentifier, SIGKILL)
        player.process.waitUntilExit()
        let after = try runRasterbar(["cache", "trim", "--limit", "1"], environment: env)
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertFalse(exists(libraries["Aa"]!), after.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/in-use").filter { $0.hasSuffix(".list") }, [],
                       "the dead player's list of uses was left")
    }

    func testCacheShowsItsSizeAndCleanEmptiesAllButWhatAPlayerUses() throws {
        let (root, env, libraries, texts) = try filledCache()
        func shown() throws -> (text: String, mebibytes: Double) {
            let result = try runRasterbar(["cache"], environment: env)
            XCTAssertEqual(result.status, 0, result.stderr)
            let first = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
            // "<root>: 12.3 MiB of no cap"
            let words = first.dropFirst(root.count + 2).split(separator: " ")
            var value = Double(words.first ?? "") ?? -1
            if words.count > 1 { value *= ["bytes": 1.0 / 1_048_576, "KiB": 1.0 / 1024, "MiB": 1, "GiB": 1024][String(words[1])] ?? .nan }
            return (result.stdout, value)
        }
        // Its size is what du says.
        let duOutput = String(decoding: try runTool("du", ["-s", "--block-size=1", root]).output, as: UTF8.self)
        let du = try XCTUnwrap(Double(duOutput.split(separator: "\t").first ?? ""), duOutput)
        let listed = try shown()
        XCTAssertTrue(listed.text.hasPrefix(root + ": "), listed.text)
        XCTAssertEqual(listed.mebibytes, du / 1_048_576, accuracy: 0.06, listed.text)
        XCTAssertTrue(listed.text.contains("script libraries: 4,"), listed.text)
        XCTAssertTrue(listed.text.contains("no running process uses it"), listed.text)

        // With a player running: clean keeps its library, its engine build and the module cache.
        let player = try player(playing: "Cc", text: texts["Cc"]!, environment: env)
        defer { player.stop() }
        XCTAssertTrue(try shown().text.contains("1 running process uses it (pid \(player.process.processIdentifier))"))
        let cleaned = try runRasterbar(["cache", "clean"], environment: env)
        XCTAssertEqual(cleaned.status, 0, cleaned.stderr)
        XCTAssertTrue(cleaned.stdout.contains("removed") && cleaned.stdout.contains("kept"), cleaned.stdout)
        XCTAssertTrue(exists(libraries["Cc"]!))
        XCTAssertFalse(exists(libraries["Aa"]!) || exists(libraries["Bb"]!) || exists(libraries["Dd"]!))
        XCTAssertTrue(exists(root + "/modules"), "the module cache went from under a running player")
        // The player plays on.
        let mark = player.output.count
        player.send(#"{"command":"status","id":7}"#)
        XCTAssertNotNil(player.waitForLine(containing: [#""event":"status""#, #""id":7"#], after: mark, timeout: 10), "\(player.output.suffix(5))")

        // Once it has stopped, clean empties everything.
        player.stop()
        let emptied = try runRasterbar(["cache", "clean"], environment: env)
        XCTAssertEqual(emptied.status, 0, emptied.stderr)
        let rest = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        XCTAssertEqual(rest, [".cache-lock", "in-use"], "clean left \(rest)")
        XCTAssertLessThan(try shown().mebibytes, 0.05)
    }

    /// What a live process is writing (a library being linked, lld's own
    /// temporary for it, SDK sources being written) stays through a trim and a
    /// clean, while a dead process's goes; what Rasterbar did not make (the
    /// cache's folder may be shared: RASTERBAR_CACHE=~/.cache) is reported, never removed.
    func testTrimAndCleanKeepLiveTemporariesAndWhatIsNotRasterbars() throws {
        let root = NSTemporaryDirectory() + "rasterbar-cache-test-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let live = getpid(), dead = ended.processIdentifier
        let files = [
            "engine-aaaa/sdk/libRasterbarSDK.so", "engine-aaaa/scripts/Done-1.so",
            "engine-aaaa/scripts/Linking-2.so.tmp-\(live)", "engine-aaaa/scripts/Linking-3.so.tmp-\(live).tmpAb12Cd",
            "engine-aaaa/scripts/Left-4.so.tmp-\(dead)", "engine-aaaa/scripts/Left-5.so.tmp-\(dead).tmpXy34Zw",
            "engine-bbbb/scripts/Old-6.so", "engine-cccc.removing-\(dead)/scripts/Gone-7.so",
            "sources/1111.tmp-\(live)-42/RasterbarSDK/Scene.swift", "sources/2222.tmp-\(dead)-43/RasterbarSDK/Scene.swift",
            "modules/Swift.pcm", "chromium/Cache/data_0", "foreign.txt", "engine-notes.txt",
        ]
        for file in files {
            try FileManager.default.createDirectory(atPath: (root + "/" + file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(repeating: 7, count: 5000).write(to: URL(fileURLWithPath: root + "/" + file))
        }
        let live3 = "engine-aaaa/scripts/Linking-3.so.tmp-\(live).tmpAb12Cd"
        let kept = ["engine-aaaa/scripts/Linking-2.so.tmp-\(live)", live3, "sources/1111.tmp-\(live)-42/RasterbarSDK/Scene.swift",
                    "engine-aaaa/sdk/libRasterbarSDK.so", "chromium/Cache/data_0", "foreign.txt", "engine-notes.txt"]
        let cache = ScriptCache(root: root, limit: nil)
        let inventory = cache.inventory()
        XCTAssertEqual(Set(inventory.items.filter { $0.kind == .temporary && $0.inUse }.map(\.path)),
                       [root + "/engine-aaaa/scripts/Linking-2.so.tmp-\(live)", root + "/" + live3, root + "/sources/1111.tmp-\(live)-42"])
        XCTAssertEqual(Set(inventory.items.filter { $0.kind == .unknown }.map(\.path)),
                       [root + "/chromium", root + "/foreign.txt", root + "/engine-notes.txt"])

        // A trim to nothing: the engine folder a live process writes into stays, and so does what is not ours.
        cache.trim(to: 0)
        for file in kept { XCTAssertTrue(exists(root + "/" + file), "trim removed \(file)") }
        XCTAssertFalse(exists(root + "/engine-aaaa/scripts/Done-1.so") || exists(root + "/engine-bbbb"))
        XCTAssertFalse(exists(root + "/engine-aaaa/scripts/Left-4.so.tmp-\(dead)") || exists(root + "/engine-aaaa/scripts/Left-5.so.tmp-\(dead).tmpXy34Zw"),
                       "a dead process's temporaries were left")

        // `cache clean` in another process: the same, and it says what it left.
        var env = testEnvironment()
        env["RASTERBAR_CACHE"] = root
        let cleaned = try runRasterbar(["cache", "clean"], environment: env)
        XCTAssertEqual(cleaned.status, 0, cleaned.stderr)
        for file in kept where file != "engine-aaaa/sdk/libRasterbarSDK.so" { XCTAssertTrue(exists(root + "/" + file), "clean removed \(file)") }
        for gone in ["engine-cccc.removing-\(dead)", "sources/2222.tmp-\(dead)-43", "modules"] {
            XCTAssertFalse(exists(root + "/" + gone), "clean left \(gone)")
        }
        XCTAssertTrue(cleaned.stdout.contains("left 3 entries Rasterbar did not make") && cleaned.stdout.contains("chromium")
                      && cleaned.stdout.contains("foreign.txt"), cleaned.stdout)
    }

    /// After a crash the generation before is marked in use before it is
    /// looked for: a trim elsewhere cannot remove it between the two.
    func testACrashFallbackIsMarkedInUseBeforeItIsLookedFor() throws {
        let dir = NSTemporaryDirectory() + "rasterbar-fallback-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let recovery = ScriptRecovery(environment: [SupervisorLink.avoidKey: "Scripts/A.swift=\(dir)/new.so",
                                                    SupervisorLink.fallbackKey: "Scripts/A.swift=\(dir)/old.so"])
        var used: [String] = []
        // The fallback is gone (another process's trim won): it was asked for all the same, first.
        XCTAssertThrowsError(try recovery.library(for: "Scripts/A.swift", compiled: dir + "/new.so") { used.append($0) })
        XCTAssertEqual(used, [dir + "/old.so"])
        try Data().write(to: URL(fileURLWithPath: dir + "/old.so"))
        XCTAssertEqual(try recovery.library(for: "Scripts/A.swift", compiled: dir + "/new.so") { used.append($0) }, dir + "/old.so")
        XCTAssertEqual(used, [dir + "/old.so", dir + "/old.so"])
    }
}
