// Release figures: memory over a long live-coding session (reloads of the
// particle script, each a new library that stays loaded), and a pack of the
// demo: its size, how long packing takes, and how long the packed demo takes
// from launch to its first frame with no toolchain.
import Foundation
import RasterbarCore
import RasterbarGL
import RasterbarHost

/// Mapped files of this process whose path contains `part`, counted once each.
func mappedFiles(containing part: String) -> Int {
    guard let maps = try? FileIO.readText("/proc/self/maps") else { return 0 }
    var files: Set<Substring> = []
    for line in maps.split(separator: "\n") {
        if let slash = line.firstIndex(of: "/"), line[slash...].contains(part) { files.insert(line[slash...]) }
    }
    return files.count
}

/// Resident and private dirty KiB of this process's mappings, split into the
/// script libraries (paths holding `part`), the SDK, other files, and anonymous memory (heap, stacks).
func residentBreakdown(scripts part: String) -> [(String, rss: Int, dirty: Int)] {
    guard let smaps = try? FileIO.readText("/proc/self/smaps") else { return [] }
    var totals: [String: (Int, Int)] = [:]
    var current = "anonymous"
    for line in smaps.split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if let first = fields.first, first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
            let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
            current = path.contains(part) ? "script libraries" : path.contains("libRasterbarSDK") ? "the SDK library"
                : path.hasPrefix("/") ? "other files (engine, runtime, drivers)" : "anonymous (heap, stacks, GL buffers)"
            continue
        }
        guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
        if fields[0] == "Rss:" { totals[current, default: (0, 0)].0 += kib }
        if fields[0] == "Private_Dirty:" { totals[current, default: (0, 0)].1 += kib }
    }
    return totals.map { ($0.key, $0.value.0, $0.value.1) }.sorted { $0.0 < $1.0 }
}

/// `reloads` reloads of the ~100-line particle script (each a new text, compiled
/// and loaded, the state handed over, a frame drawn), resident memory measured
/// from /proc/self/statm every tenth of the way; also what a frame of the
/// scene costs at the start and the end (every generation stays loaded, and
/// the runtime's type lookups see every image).
func benchmarkReloadSoak(reloads: Int) throws {
    print("")
    print("scripts: resident memory over \(reloads) reloads of the particle script (target <= 256 MiB over 1,000 reloads, <= 1 MiB a reload)")
    let soak = try scriptDemo(try hundredLineScript(edit: 0), name: "Particles")
    defer { try? FileManager.default.removeItem(atPath: soak.dir) }
    let engine = try Engine(folder: try DemoFolder.load(soak.dir + "/demo.json"), options: inlineLive)
    try engine.loadAll()
    let frames = FrameDriver(engine)
    // Past the particles' life (2.6 s at most), so the scene holds as many at the start as at the end.
    for _ in 0..<240 { try frames.draw() }
    // The least of 5 rounds of 20 frames: the other sessions on a shared machine only ever add.
    func frameCost() throws -> Double {
        try (0..<5).map { _ in
            let t0 = now()
            for _ in 0..<20 { try frames.draw() }
            return (now() - t0) / 20 * 1000
        }.min() ?? 0
    }
    let startRSS = residentBytes()
    let startParts = Dictionary(uniqueKeysWithValues: residentBreakdown(scripts: "/scripts/Particles-").map { ($0.0, ($0.rss, $0.dirty)) })
    let startFrame = try frameCost()
    let started = now()
    var lastCheckpoint = started
    let step = max(1, reloads / 10)
    print("  reloads  RSS MiB  growth MiB  KiB/reload (this stretch)  frame ms (least of 5x20)  s/reload  script images mapped")
    print("  \(String(0).padding(to: 7))  \(fmt(Double(startRSS) / 1_048_576, 1).padding(to: 7))  \("0.0".padding(to: 10))  \("".padding(to: 25))  \(fmt(startFrame))")
    var previousRSS = startRSS
    for i in 1...reloads {
        try Data(try hundredLineScript(edit: 100_000 + i).utf8).write(to: URL(fileURLWithPath: soak.dir + "/Scripts/Particles.swift"))
        engine.store.reloadAll()
        engine.store.sync()
        try frames.draw()
        if i % step == 0 || i == reloads {
            finishGL()
            let rss = residentBytes()
            let stretch = Double(rss - previousRSS) / Double(step) / 1024
            previousRSS = rss
            let frame = try frameCost()
            let t = now()
            print("  \(String(i).padding(to: 7))  \(fmt(Double(rss) / 1_048_576, 1).padding(to: 7))  \(fmt(Double(rss - startRSS) / 1_048_576, 1).padding(to: 10))  "
                  + "\(fmt(stretch, 1).padding(to: 25))  \(fmt(frame).padding(to: 23))  \(fmt((t - lastCheckpoint) / Double(step)).padding(to: 8))  "
                  + "\(mappedFiles(containing: "/scripts/Particles-"))")
            lastCheckpoint = t
        }
    }
    let growth = Double(residentBytes() - startRSS)
    let generation = ScriptDiagnostics.runningGeneration(engine.renderer, scene: 0) ?? 0
    print("  \(reloads) reloads (now generation \(generation)) in \(fmt(now() - started, 0)) s: \(fmt(growth / 1_048_576, 1)) MiB in all, "
          + "\(fmt(growth / Double(reloads) / 1024, 1)) KiB per reload; a frame of the scene \(fmt(startFrame)) ms at the start, \(fmt(try frameCost())) ms at the end")
    print("  where the growth is (resident KiB, of it private dirty, per reload):")
    for (part, rss, dirty) in residentBreakdown(scripts: "/scripts/Particles-") {
        let before = startParts[part] ?? (0, 0)
        print("    \(part.padding(to: 40)) \(fmt(Double(rss - before.0) / Double(reloads), 1)) KiB  (\(fmt(Double(dirty - before.1) / Double(reloads), 1)) KiB dirty)")
    }
    for warning in engine.compiler.takeWarnings() { print("  warning: \(warning)") }
}

/// Packs the demo with the release `rasterbar` beside this binary, then
/// launches the pack as a viewer's machine would (no swiftc, an empty cache).
func benchmarkPack() throws {
    print("")
    print("pack: `rasterbar pack` of \(demoPath) with the release engine, then the packed demo launched with no toolchain")
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rasterbar").path
    guard FileManager.default.isExecutableFile(atPath: executable) else { fail("build rasterbar first: \(executable)") }
    let scratch = NSTemporaryDirectory() + "rasterbar-bench-pack-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    let pack = scratch + "/demo-pack"

    func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        let t0 = now()
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), now() - t0)
    }
    let packed = try run([executable, "pack", demoPath, "--out", pack, "--tar"], environment: ProcessInfo.processInfo.environment)
    guard packed.status == 0 else { fail("pack failed: \(packed.output)") }
    func usage(_ path: String) -> String { fmt(Double(directorySize(path)) / 1_048_576, 1) }
    let tarball = (try? FileManager.default.attributesOfItem(atPath: pack + ".tar.gz")[.size] as? NSNumber)?.doubleValue ?? 0
    print("  packing took \(fmt(packed.seconds, 1)) s (the SDK and 2 scripts compiled -O, the pack checked by its own engine)")
    print("  size: \(usage(pack)) MiB on disk, \(fmt(tarball / 1_048_576, 1)) MiB as .tar.gz; of it: engine binary \(usage(pack + "/engine/rasterbar")) MiB, "
          + "Swift runtime \(usage(pack + "/engine/lib")) MiB, scripts and SDK \(usage(pack + "/scripts")) MiB, demo \(usage(pack + "/demo")) MiB")

    // A viewer's machine: no swiftc anywhere, an empty cache, a home of its own.
    let home = scratch + "/home"
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    var viewer: [String: String] = ["PATH": Packer.withoutSwift(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                                    "HOME": home, "SWIFTC": "/nonexistent", "RASTERBAR_CACHE": scratch + "/empty-cache"]
    viewer["XDG_RUNTIME_DIR"] = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"]
    /// Launch to the first `frame` event, ms.
    func firstFrame(_ arguments: [String], environment: [String: String], program: String? = nil) throws -> Double {
        guard let ms = try millisecondsToFirstFrame(program ?? pack + "/run", arguments, environment: environment) else {
            fail("the pack drew no frame: \(arguments)")
        }
        return ms
    }
    let headless = { (start: String) in ["play", "--headless", "--events", "--frames", "2", "--start", start] }
    let first = try firstFrame(headless("17"), environment: viewer)
    print("  launch to first frame, `run play --headless` (the first launch after packing: \(fmt(first)) ms), then 5 launches each,")
    print("  taking turns with the same engine unpacked (`rasterbar play --headless DEMO`, its warm cache and toolchain) as the yardstick:")
    for (label, start) in [("in a shader scene (t = 0)", "0"), ("in a script scene (t = 17)", "17")] {
        var packed: [Double] = [], unpacked: [Double] = []
        for _ in 0..<5 {
            packed.append(try firstFrame(headless(start), environment: viewer))
            unpacked.append(try firstFrame(headless(start) + [demoPath], environment: ProcessInfo.processInfo.environment, program: executable))
        }
        print("    \(label.padding(to: 30)) pack: median \(fmt(median(packed))) ms  max \(fmt(packed.max() ?? 0)) ms;"
              + "  unpacked: median \(fmt(median(unpacked))) ms  max \(fmt(unpacked.max() ?? 0)) ms")
    }
    if let display = startBenchXvfb() {
        defer { kill(display.pid, SIGTERM) }
        var windowed = viewer
        windowed["DISPLAY"] = display.name
        let runs = try (0..<5).map { _ in try firstFrame(["--frames", "2", "--events", "--start", "17", "--mute"], environment: windowed) }
        print("    \("fullscreen under Xvfb (t = 17)".padding(to: 30)) median \(fmt(median(runs))) ms  max \(fmt(runs.max() ?? 0)) ms  (`run --start 17`)")
    } else {
        print("    (no Xvfb: the windowed start is not measured)")
    }
    let empty = ((try? FileManager.default.contentsOfDirectory(atPath: scratch + "/empty-cache")) ?? []).filter { $0.hasPrefix("engine-") }
    print("  the viewer's cache after all launches: \(empty.isEmpty ? "nothing compiled" : "COMPILED: \(empty)")")
}

/// Disk usage of a file or folder, in bytes.
func directorySize(_ path: String) -> Int64 {
    var s = stat()
    guard lstat(path, &s) == 0 else { return 0 }
    var total = Int64(s.st_blocks) * 512
    if (s.st_mode & S_IFMT) == S_IFDIR {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { total += directorySize(path + "/" + entry) }
    }
    return total
}

/// Starts Xvfb on a free display, if it is installed.
func startBenchXvfb() -> (name: String, pid: Int32)? {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/Xvfb") else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/Xvfb")
    process.arguments = ["-displayfd", "1", "-screen", "0", "1280x720x24", "-nolisten", "tcp"]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    var text = ""
    while !text.contains("\n") {
        let chunk = out.fileHandleForReading.availableData
        if chunk.isEmpty { return nil }
        text += String(decoding: chunk, as: UTF8.self)
    }
    guard let number = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
    return (":\(number)", process.processIdentifier)
}
