// `rasterbar pack` end to end: the default demo packed by the real binary (the
// debug build the tests run: packing it costs about as much as a release
// engine would, and building a release engine here would cost minutes), then
// played from the pack on a machine made to look like a viewer's: no swiftc
// (SWIFTC=/nonexistent, PATH without it and, where a mount namespace can be
// had, the toolchain folder itself hidden), an empty cache. Its frames must
// equal the engine's own renders, byte for byte: the pack's -O scripts against
// the engine's -Onone ones.
import Foundation
import XCTest
import RasterbarCore
@testable import RasterbarHost

final class PackTests: XCTestCase {
    /// A folder removed when the test ends.
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "rasterbar-pack-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// A viewer's environment: no swiftc reachable, an empty cache of its own, no display.
    func viewerEnvironment(_ scratch: String) -> [String: String] {
        let ours = ProcessInfo.processInfo.environment
        return ["PATH": Packer.withoutSwift(ours["PATH"] ?? "/usr/bin:/bin"), "HOME": scratch + "/home", "SWIFTC": "/nonexistent",
                "RASTERBAR_CACHE": scratch + "/viewer-cache"]
    }

    /// Runs a program (the pack's `run`, unshare, tar) and collects its output.
    func runProgram(_ path: String, _ arguments: [String], environment: [String: String], directory: String? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    func testThePackedDefaultDemoRendersTheEnginesOwnFramesWithNoToolchain() throws {
        let dir = try scratch()
        let pack = dir + "/first-light"
        let started = monotonicSeconds()
        let packed = try runRasterbar(["pack", repositoryRoot.path, "--out", pack, "--tar"])
        XCTAssertEqual(packed.status, 0, packed.stderr)
        print("PackTests: packing the default demo with the debug engine took \(String(format: "%.1f", monotonicSeconds() - started)) s")
        for file in ["run", "README.txt", "pack.json", "engine/rasterbar", "engine/lib/libswiftCore.so", "scripts/prebuilt.json",
                     "scripts/sdk/libRasterbarSDK.so", "demo/demo.json", "demo/Shaders/lib/music.glsl", "demo/Shaders/lines.glsl",
                     "demo/Music/soundtrack.ogg", "demo/Scripts/Particles.swift"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: pack + "/" + file), "the pack lacks \(file)")
        }
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: pack + "/run"))
        // Nothing but the pack and its archive beside it: no staging folder left.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["first-light", "first-light.tar.gz"])
        let listing = try runProgram("/usr/bin/env", ["tar", "-tzf", pack + ".tar.gz"], environment: ProcessInfo.processInfo.environment)
        XCTAssertEqual(listing.status, 0, listing.stderr)
        XCTAssertTrue(listing.stdout.contains("first-light/run\n") && listing.stdout.contains("first-light/scripts/prebuilt.json\n"), listing.stdout)

        // The prebuilt manifest names both scripts, built -O, for this ABI.
        let manifest = try JSONDecoder().decode(PrebuiltManifest.self, from: Data(contentsOf: URL(fileURLWithPath: pack + "/scripts/prebuilt.json")))
        XCTAssertEqual(Set(manifest.scripts.map(\.script)), ["Scripts/Particles.swift", "Scripts/Feedback.swift"])
        XCTAssertEqual(manifest.flags.first, "-O")

        // The packed engine finds the packed Swift runtime first (its RUNPATH is $ORIGIN/lib).
        let viewer = viewerEnvironment(dir)
        let ldd = try runProgram("/usr/bin/ldd", [pack + "/engine/rasterbar"], environment: viewer)
        let core = ldd.stdout.split(separator: "\n").first { $0.contains("libswiftCore.so =>") }.map(String.init) ?? ""
        XCTAssertTrue(core.contains(pack + "/engine/lib/libswiftCore.so"), "libswiftCore resolves outside the pack: \(core)")
        XCTAssertFalse(ldd.stdout.contains("not found"), ldd.stdout)

        // A frame in each script scene (the particles at 20 s, the feedback at 36 s), from the pack with
        // no toolchain, against the engine's own render.
        for time in ["20", "36"] {
            let reference = dir + "/engine-\(time).png", fromPack = dir + "/pack-\(time).png"
            let own = try runRasterbar(["render", repositoryRoot.path, "--time", time, "--out", reference])
            XCTAssertEqual(own.status, 0, own.stderr)
            let played = try runProgram(pack + "/run", ["render", "--time", time, "--out", fromPack], environment: viewer, directory: dir)
            XCTAssertEqual(played.status, 0, played.stderr)
            let a = try Image(pngFile: reference), b = try Image(pngFile: fromPack)
            XCTAssertEqual(a.width, 1280)
            let differing = zip(a.pixels, b.pixels).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "t = \(time): the pack's -O scripts drew \(differing) channel values unlike the engine's")
            XCTAssertTrue(a == b, "t = \(time): the pack's frame differs from the engine's own")
        }
        // Nothing was compiled: the viewer's cache holds no engine build.
        let cached = ((try? FileManager.default.contentsOfDirectory(atPath: viewer["RASTERBAR_CACHE"]!)) ?? []).filter { $0.hasPrefix("engine-") }
        XCTAssertEqual(cached, [], "the pack compiled scripts")

        // Where a mount namespace can be had, hide the toolchain's folder outright and render again.
        let toolchain = try Toolchain.locate(environment: ProcessInfo.processInfo.environment)
        let usr = URL(fileURLWithPath: toolchain.swiftc).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir + "/nothing", withIntermediateDirectories: true)
        let probe = try runProgram("/usr/bin/env", ["unshare", "-m", "true"], environment: viewer)
        if probe.status != 0 {
            print("PackTests: no mount namespace here (\(probe.stderr.prefix(120))): the toolchain was hidden by SWIFTC and PATH only")
        } else {
            let hidden = try runProgram("/usr/bin/env", ["unshare", "-m", "sh", "-c",
                                                         "mount --bind \"$1\" \"$2\" || exit 99; ls \"$2/bin/swiftc\" 2>/dev/null; \"$3/run\" render --time 20 --out \"$4\"",
                                                         "sh", dir + "/nothing", usr, pack, dir + "/hidden-20.png"], environment: viewer)
            XCTAssertEqual(hidden.status, 0, hidden.stderr)
            XCTAssertEqual(hidden.stdout, "", "swiftc was still visible in the namespace")
            XCTAssertTrue(try Image(pngFile: dir + "/hidden-20.png") == Image(pngFile: dir + "/engine-20.png"))
        }

        // Playing needs a display: with none the launcher says so, and how to do without.
        let noDisplay = try runProgram(pack + "/run", [], environment: viewer)
        XCTAssertEqual(noDisplay.status, 2)
        XCTAssertTrue(noDisplay.stderr.contains("no display") && noDisplay.stderr.contains("./run render --time"), noDisplay.stderr)
        // Other commands pass through, on the packed demo.
        let checked = try runProgram(pack + "/run", ["check"], environment: viewer)
        XCTAssertEqual(checked.status, 0, checked.stderr)
        XCTAssertTrue(checked.stdout.contains("2 scripts") && checked.stdout.contains("no problems"), checked.stdout)

        // The engine replaces the launcher: killing the launcher's pid ends the demo, no process left.
        let playing = Process()
        playing.executableURL = URL(fileURLWithPath: pack + "/run")
        playing.arguments = ["play", "--headless", "--loop", "--mute"]
        playing.environment = viewer
        playing.standardOutput = FileHandle.nullDevice
        playing.standardError = FileHandle.nullDevice
        try playing.run()
        let engineBinary = pack + "/engine/rasterbar"
        func enginePids() -> [Int32] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
                .filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/exe")) == engineBinary }
        }
        let startBy = monotonicSeconds() + 10
        while enginePids().isEmpty, monotonicSeconds() < startBy { usleep(50_000) }
        XCTAssertEqual(enginePids(), [playing.processIdentifier], "the launcher did not become the engine")
        kill(playing.processIdentifier, SIGTERM)
        let goneBy = monotonicSeconds() + 5
        while !enginePids().isEmpty, monotonicSeconds() < goneBy { usleep(50_000) }
        let left = enginePids()
        for pid in left { kill(pid, SIGKILL) }
        playing.waitUntilExit()
        XCTAssertEqual(left, [], "the packed engine outlived its launcher")

        // A machine that lacks a library: the loader cannot start the engine, and the launcher names
        // what is missing and the packages to install. (An engine asking for a library no machine has.)
        let lacking = dir + "/lacking"
        try FileManager.default.createDirectory(atPath: lacking + "/engine", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: pack + "/run", toPath: lacking + "/run")
        try FileManager.default.createSymbolicLink(atPath: lacking + "/engine/lib", withDestinationPath: pack + "/engine/lib")
        var engine = try Data(contentsOf: URL(fileURLWithPath: pack + "/engine/rasterbar"))
        let needed = Data("libglfw.so.3\0".utf8)
        let at = try XCTUnwrap(engine.range(of: needed))
        engine.replaceSubrange(at, with: Data("libglfx.so.3\0".utf8))
        try engine.write(to: URL(fileURLWithPath: lacking + "/engine/rasterbar"))
        chmod(lacking + "/engine/rasterbar", 0o755)
        let missing = try runProgram(lacking + "/run", ["check"], environment: viewer)
        XCTAssertEqual(missing.status, 127)
        XCTAssertTrue(missing.stderr.contains("this machine lacks libraries the demo needs:\nrun:   libglfx.so.3"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("sudo apt-get install") && missing.stderr.contains("libglfw3"), missing.stderr)

        // A script edited in the pack cannot compile here, and the error says why.
        let script = pack + "/demo/Scripts/Particles.swift"
        try Data((try String(contentsOfFile: script, encoding: .utf8) + "\n// edited\n").utf8).write(to: URL(fileURLWithPath: script))
        let edited = try runProgram(pack + "/run", ["render", "--time", "20", "--out", dir + "/edited.png"], environment: viewer)
        XCTAssertEqual(edited.status, 1)
        XCTAssertTrue(edited.stderr.contains("changed since the demo was packed"), edited.stderr)
    }

    /// `play --fullscreen` (what a pack's `run` does): the window covers the
    /// screen, whose size differs from the 1280x720 window `play` opens otherwise.
    func testPlayFullscreenCoversTheScreen() throws {
        let display = try startXvfb(screen: "1600x900x24")
        let d = try TemporaryDemo(self, files: TemporaryDemo.oneScene(
            shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1.0, 0.5, 0.0, 1.0); }", resolution: "[320, 180]"))
        for (flags, size) in [(["--fullscreen"], [1600, 900]), ([], [1280, 720])] {
            let shot = d.path("shot-\(flags.count).png")
            let result = try runRasterbar(["play", d.demoFile, "--paused", "--frames", "3", "--screenshot", shot] + flags,
                                          environment: testEnvironment(display: display))
            XCTAssertEqual(result.status, 0, result.stderr)
            let image = try Image(pngFile: shot)
            XCTAssertEqual([image.width, image.height], size, "\(flags)")
            // 16:9 into 16:9: the demo fills it, scaled.
            XCTAssertEqual(image.pixel(x: 5, y: 5).r, 255)
            XCTAssertLessThanOrEqual(abs(Int(image.pixel(x: size[0] - 5, y: size[1] - 5).g) - 128), 1)
        }
    }

    func testAPackIsWrittenWholeOrNotAtAll() throws {
        let dir = try scratch()
        // An existing folder is not replaced without --force.
        try FileManager.default.createDirectory(atPath: dir + "/taken", withIntermediateDirectories: true)
        let refused = try runRasterbar(["pack", repositoryRoot.path, "--out", dir + "/taken"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("already exists") && refused.stderr.contains("--force"), refused.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/taken"), [])

        // A script that does not compile: its error, and nothing under the name asked for.
        let demo = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": 1, "script": "Scripts/Broken.swift"}]}"#,
            "Scripts/Broken.swift": "import RasterbarSDK\nfinal class Broken: Scene {\n    init() {}\n    func frame(_ context: Context) { let x: Int = \"no\" }\n}\n",
        ])
        let failed = try runRasterbar(["pack", demo.demoFile, "--out", dir + "/broken"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.contains("Scripts/Broken.swift:4:"), failed.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["taken"], "a failed pack left something behind")
    }

    /// The engine carries its SDK: a copy of the binary, away from this
    /// checkout and with RASTERBAR_SOURCES unset, compiles a script (its SDK
    /// sources written out into the cache); RASTERBAR_SOURCES still overrides.
    func testACopiedEngineCompilesScriptsAndRasterbarSourcesOverrides() throws {
        let dir = try scratch()
        let copy = dir + "/bin/rasterbar"
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Bundle.main.bundleURL.appendingPathComponent("rasterbar").path, toPath: copy)
        let marker = UUID().uuidString.prefix(8)
        let demo = try TemporaryDemo(self, files: [
            "demo.json": #"{"meta": {"resolution": [8, 8]}, "scenes": [{"name": "s", "start": 0, "end": 1, "script": "Scripts/Solid.swift"}]}"#,
            "Shaders/solid.frag": "uniform vec4 uColor;\nvoid mainImage(out vec4 c, in vec2 f) { c = uColor; }",
            "Scripts/Solid.swift": """
                import RasterbarSDK
                // \(marker): a new text, so it really compiles
                final class Solid: Scene {
                    init() {}
                    func frame(_ context: Context) {
                        let shader = context.shader("Shaders/solid.frag")
                        context.set(shader, "uColor", Vec4(0.2, 0.4, 0.6, 1))
                        context.fullscreen(shader)
                    }
                }
                """,
        ])
        var env = testEnvironment()
        env["RASTERBAR_SOURCES"] = nil
        let rendered = try runProgram(copy, ["render", demo.demoFile, "--time", "0.5", "--out", dir + "/solid.png"], environment: env, directory: dir)
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        XCTAssertEqual(try Image(pngFile: dir + "/solid.png").pixel(x: 4, y: 4).b, 153)
        let sources = testScriptCache + "/sources"
        let written = try FileManager.default.contentsOfDirectory(atPath: sources).filter { !$0.contains(".") }
        XCTAssertTrue(written.contains { FileManager.default.fileExists(atPath: "\(sources)/\($0)/RasterbarSDK/Scene.swift") }, "\(written)")
        XCTAssertTrue(written.contains { FileManager.default.fileExists(atPath: "\(sources)/\($0)/RasterbarABI/include/rasterbar.h") })

        // RASTERBAR_SOURCES: an SDK with one more declaration, which a script then uses.
        let override = dir + "/Sources"
        for folder in ["RasterbarSDK", "RasterbarABI", "RasterbarCompileService"] {
            try FileManager.default.copyItem(atPath: repositoryRoot.path + "/Sources/" + folder, toPath: override + "/" + folder)
        }
        try Data("public let overrideMarker: Float = 0.8\n".utf8).write(to: URL(fileURLWithPath: override + "/RasterbarSDK/OverrideMarker.swift"))
        let script = demo.path("Scripts/Solid.swift")
        try Data((try String(contentsOfFile: script, encoding: .utf8)).replacingOccurrences(of: "Vec4(0.2, 0.4, 0.6, 1)", with: "Vec4(0.2, 0.4, overrideMarker, 1)").utf8)
            .write(to: URL(fileURLWithPath: script))
        let without = try runProgram(copy, ["render", demo.demoFile, "--time", "0.5", "--out", dir + "/no.png"], environment: env)
        XCTAssertEqual(without.status, 1, "overrideMarker is not in the engine's own SDK")
        XCTAssertTrue(without.stderr.contains("overrideMarker"), without.stderr)
        env["RASTERBAR_SOURCES"] = override
        let with = try runProgram(copy, ["render", demo.demoFile, "--time", "0.5", "--out", dir + "/yes.png"], environment: env)
        XCTAssertEqual(with.status, 0, with.stderr)
        XCTAssertEqual(try Image(pngFile: dir + "/yes.png").pixel(x: 4, y: 4).b, 204)
    }

    // MARK: The launcher, with a stand-in engine

    /// A pack whose engine is a shell script that says what it was given
    /// (`engine PID demo=... ld=... args=...`), or, asked `wait FILE`, writes
    /// its pid to FILE and becomes `sleep`.
    func fakePack(at folder: String) throws {
        let manifest = PackManifest(title: "Fake", author: nil, resolution: [8, 8], demo: "demo/demo.json", engineBuild: "release",
                                    toolchain: "none", created: "now", scripts: [], files: ["demo.json"], runtimeLibraries: [], systemLibraries: [])
        try FileManager.default.createDirectory(atPath: folder + "/engine/lib", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/demo", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/demo/demo.json"))
        try Data(PackLauncher.script(manifest, font: nil).utf8).write(to: URL(fileURLWithPath: folder + "/run"))
        try Data("""
            #!/bin/sh
            if [ "$1" = wait ]; then echo $$ > "$2"; exec sleep 30; fi
            echo "engine $$ demo=$RASTERBAR_DEMO ld=${LD_LIBRARY_PATH-} command=$RASTERBAR_COMMAND args=$*"

            """.utf8).write(to: URL(fileURLWithPath: folder + "/engine/rasterbar"))
        chmod(folder + "/run", 0o755)
        chmod(folder + "/engine/rasterbar", 0o755)
    }

    /// `run` called through links (absolute, relative, a chain), from another
    /// folder, in a pack whose path has a space, finds its own pack.
    func testTheLauncherFindsItsPackThroughLinks() throws {
        let dir = try scratch()
        let pack = dir + "/my packs/demo one"
        try fakePack(at: pack)
        let bin = dir + "/bin", elsewhere = dir + "/elsewhere"
        for folder in [bin, elsewhere] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: bin + "/absolute", withDestinationPath: pack + "/run")
        try fm.createSymbolicLink(atPath: bin + "/relative", withDestinationPath: "../my packs/demo one/run")
        try fm.createSymbolicLink(atPath: bin + "/chain", withDestinationPath: "relative")
        let env = ["PATH": "/usr/bin:/bin"]
        for call in [pack + "/run", bin + "/absolute", bin + "/relative", bin + "/chain"] {
            let result = try runProgram(call, ["check", "a b"], environment: env, directory: elsewhere)
            XCTAssertEqual(result.status, 0, "\(call): \(result.stderr)")
            XCTAssertTrue(result.stdout.hasPrefix("engine ") && result.stdout.contains("demo=\(pack)/demo/demo.json ")
                          && result.stdout.contains("command=\(call) args=check a b\n"), "\(call): \(result.stdout)")
        }
        // Called by its name on PATH, from another folder.
        let named = try runProgram("/bin/sh", ["-c", "relative check"], environment: ["PATH": bin + ":/usr/bin:/bin"], directory: elsewhere)
        XCTAssertTrue(named.stdout.contains("demo=\(pack)/demo/demo.json "), named.stdout + named.stderr)
        // The packed runtime comes before LD_LIBRARY_PATH; without one, none is set.
        let ld = try runProgram(bin + "/absolute", ["check"], environment: ["PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": "/elsewhere/lib"])
        XCTAssertTrue(ld.stdout.contains("ld=\(pack)/engine/lib:/elsewhere/lib "), ld.stdout)
        XCTAssertTrue(named.stdout.contains("ld= "), named.stdout)
    }

    /// The engine replaces the launcher: ending the launcher's process ends the demo.
    func testKillingTheLauncherEndsTheEngine() throws {
        let dir = try scratch()
        try fakePack(at: dir + "/pack")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dir + "/pack/run")
        process.arguments = ["wait", dir + "/engine.pid"]
        process.environment = ["PATH": "/usr/bin:/bin"]
        try process.run()
        let deadline = monotonicSeconds() + 10
        var engine: Int32?
        while engine == nil, monotonicSeconds() < deadline {
            engine = (try? String(contentsOfFile: dir + "/engine.pid", encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if engine == nil { usleep(20_000) }
        }
        let pid = try XCTUnwrap(engine, "the engine did not start")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        usleep(100_000)
        let alive = kill(pid, 0) == 0
        if alive { kill(pid, SIGKILL) }
        XCTAssertFalse(alive, "the engine (pid \(pid)) outlived its launcher (pid \(process.processIdentifier))")
    }

    /// --force replaces an earlier pack, never another folder; the archive
    /// follows the same rule, an earlier pack's archive does not outlive it,
    /// and a killed pack's archive temporary is cleaned. (A shader-only demo:
    /// no scripts to compile, and a README that lists none.)
    func testForceReplacesOnlyAPackAndTheArchiveFollowsThePack() throws {
        let dir = try scratch()
        let demo = try TemporaryDemo(self, files: TemporaryDemo.oneScene(
            shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1.0, 0.5, 0.0, 1.0); }", resolution: "[8, 8]"))
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/precious", withIntermediateDirectories: true)
        try Data("years of work".utf8).write(to: URL(fileURLWithPath: dir + "/precious/thesis.txt"))
        let refused = try runRasterbar(["pack", demo.demoFile, "--out", dir + "/precious", "--force"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("is not a pack"), refused.stderr)
        XCTAssertTrue(fm.fileExists(atPath: dir + "/precious/thesis.txt"), "--force removed a folder that was no pack")

        // A killed --tar left its temporary: the next pack beside it removes it.
        let parent = dir + "/my packs", out = parent + "/fresh"
        try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let host = FileIO.temporaryTag.dropLast(String(getpid()).count + 1)
        let stale = "\(parent)/.fresh.tar.gz.tmp-\(host)-\(ended.processIdentifier)"
        try Data(count: 1000).write(to: URL(fileURLWithPath: stale))
        let packed = try runRasterbar(["pack", demo.demoFile, "--out", out, "--tar"])
        XCTAssertEqual(packed.status, 0, packed.stderr)
        XCTAssertFalse(fm.fileExists(atPath: stale), "a killed pack's archive temporary was left")
        XCTAssertTrue(fm.fileExists(atPath: out + ".tar.gz"))
        XCTAssertTrue(packed.stdout.contains("play it: '\(out)/run'   (--window for a window; '\(out)/run' render"), packed.stdout)
        let readme = try String(contentsOfFile: out + "/README.txt", encoding: .utf8)
        XCTAssertFalse(readme.contains("scripts/") || readme.contains("script(s)"), readme)
        XCTAssertTrue(readme.contains(" files\n  engine/      the Rasterbar engine"), readme)

        // Over the pack, without --tar: the pack is replaced, and the archive that matched the old one goes.
        let again = try runRasterbar(["pack", demo.demoFile, "--out", out, "--force"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(fm.fileExists(atPath: out + ".tar.gz"), "an earlier pack's archive was left beside the new pack")
        XCTAssertTrue(again.stderr.contains("removed fresh.tar.gz"), again.stderr)

        // --tar does not overwrite an archive without --force.
        try fm.removeItem(atPath: out)
        try Data("someone's archive".utf8).write(to: URL(fileURLWithPath: out + ".tar.gz"))
        let archive = try runRasterbar(["pack", demo.demoFile, "--out", out, "--tar"])
        XCTAssertEqual(archive.status, 1)
        XCTAssertTrue(archive.stderr.contains("fresh.tar.gz already exists"), archive.stderr)
        XCTAssertEqual(try String(contentsOfFile: out + ".tar.gz", encoding: .utf8), "someone's archive")
        XCTAssertFalse(fm.fileExists(atPath: out))
    }

    /// The engine's hints name the command a person has: a pack's launcher (RASTERBAR_COMMAND), else rasterbar.
    func testHintsNameTheLauncherThatStartedTheEngine() throws {
        let demo = try TemporaryDemo(self, files: TemporaryDemo.oneScene(shader: "void mainImage(out vec4 c, in vec2 f) { c = vec4(1.0); }"))
        var env = testEnvironment()
        env["DISPLAY"] = nil
        env["WAYLAND_DISPLAY"] = nil
        env["RASTERBAR_COMMAND"] = "/somewhere/my packs/run"
        let packed = try runRasterbar(["play", demo.demoFile], environment: env)
        XCTAssertNotEqual(packed.status, 0)
        XCTAssertTrue(packed.stderr.contains("`'/somewhere/my packs/run' render --time T --out frame.png`")
                      && packed.stderr.contains("`xvfb-run '/somewhere/my packs/run' play`"), packed.stderr)
        env["RASTERBAR_COMMAND"] = nil
        let plain = try runRasterbar(["play", demo.demoFile], environment: env)
        XCTAssertTrue(plain.stderr.contains("`rasterbar render --time T") && plain.stderr.contains("`xvfb-run rasterbar play`"), plain.stderr)
    }
}
