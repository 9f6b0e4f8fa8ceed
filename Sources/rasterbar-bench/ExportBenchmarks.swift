// Export figures: throughput of exporting the default demo to PNG at
// 1280x720, as a ratio to the raw C loop that draws the same shaders and reads
// them back (no encoding at all); and the cost of evaluating a big timeline.
import Foundation
import RasterbarCore
import RasterbarGL
import RasterbarHost
import RawGLReference

func benchmarkExport() throws {
    let folder = try DemoFolder.load(demoPath)
    let size = PixelSize(width: 1280, height: 720)
    let headless = try Engine(folder: folder, options: Engine.Options(mode: .offline, size: size))
    let demo = headless.demo
    let fps = 30.0
    print("")
    print("export: the default demo to PNG at \(size), \(Int(fps)) fps, against the raw C loop drawing the same scenes with readback")
    print("target: export throughput / raw C throughput >= 0.85")
    var raw = [UInt8](repeating: 0, count: size.width * size.height * 4)
    var error = [CChar](repeating: 0, count: 1024)
    var exportTotal = 0.0, fastTotal = 0.0, discardTotal = 0.0, rawTotal = 0.0
    for (index, scene) in demo.scenes.enumerated() where scene.layer == 0 {
        guard case let .shader(shader) = scene.source else { continue }
        // Two seconds where the scene is alone on screen, so export and the raw
        // loop draw exactly the same shader.
        guard let from = soloWindow(demo, scene: index, length: 2) else { continue }
        let range = ExportRange(from: from, to: from + 2, fps: fps)
        let frames = range.frames.count
        let source = try ShaderSource.load(shader) { try FileIO.readText(folder.path(of: $0)) }
        func exportOnce(alpha: Bool) throws -> Double {
            let dir = NSTemporaryDirectory() + "rasterbar-export-bench-\(getpid())-\(index)"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let t0 = now()
            let exporter = Exporter(engine: headless, range: range, destination: .pngSequence(folder: dir))
            exporter.alpha = alpha
            try exporter.run()
            return now() - t0
        }
        func discardOnce() throws -> Double {
            let t0 = now()
            try Exporter(engine: headless, range: range, destination: .discard).run()
            return now() - t0
        }
        let uniforms = RawUniforms(demo, scene: index, times: range.frames.map(range.time(of:)))
        func rawOnce() -> Double {
            let seconds = uniforms.withCArray { list, count in
                rb_raw_reference_run(source.text, Int32(size.width), Int32(size.height), Int32(frames), range.from - scene.start, 1 / fps,
                                     list, count, &raw, &error, error.count)
            }
            guard seconds >= 0 else { fail("raw reference failed: \(String(cString: error))") }
            return seconds
        }
        _ = try exportOnce(alpha: false); _ = rawOnce()
        var exports: [Double] = [], fastExports: [Double] = [], discards: [Double] = [], raws: [Double] = []
        for _ in 0..<3 {
            exports.append(try exportOnce(alpha: false))
            fastExports.append(try exportOnce(alpha: true))
            discards.append(try discardOnce())
            raws.append(rawOnce())
        }
        let e = median(exports), f = median(fastExports), d = median(discards), r = median(raws)
        exportTotal += e
        fastTotal += f
        discardTotal += d
        rawTotal += r
        print("  \(shader.padding(to: 26)) raw C \(fmt(Double(frames) / r, 1)) fps | PNG \(fmt(Double(frames) / e, 1)) fps, ratio \(fmt(r / e, 3)) | RGBA PNG \(fmt(Double(frames) / f, 1)) fps, ratio \(fmt(r / f, 3)) | no encoder \(fmt(Double(frames) / d, 1)) fps, ratio \(fmt(r / d, 3))")
    }
    print("  all shader scenes: PNG ratio \(fmt(rawTotal / exportTotal, 3)), RGBA PNG \(fmt(rawTotal / fastTotal, 3)), no encoder \(fmt(rawTotal / discardTotal, 3))")

    // A whole export of the default demo, scripts and transitions included, for scale.
    let dir = NSTemporaryDirectory() + "rasterbar-export-bench-all-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let whole = ExportRange(from: 0, to: demo.meta.duration, fps: fps)
    for (label, destination) in [("PNG", ExportDestination.pngSequence(folder: dir)), ("no encoder", .discard)] {
        let t0 = now()
        try Exporter(engine: try Engine(folder: folder, options: Engine.Options(mode: .offline, size: size)), range: whole, destination: destination).run()
        let seconds = now() - t0
        print("  the whole demo (\(whole.frames.count) frames: scripts, layers, transitions), \(label): \(fmt(seconds, 1)) s, \(fmt(Double(whole.frames.count) / seconds, 1)) fps")
    }
}

func benchmarkTimeline() {
    print("")
    print("timeline: evaluating 100 tracks of 1,000 keys each for one frame (target < 50 us)")
    var random = SystemRandomNumberGenerator()
    let kinds = Interpolation.allCases
    let tracks = (0..<100).map { t in
        Track(name: "track\(t)", components: 1 + t % 4, keys: (0..<1000).map { k in
            .init(time: Double(k) * 0.1, value: SIMD4(Double.random(in: 0...1, using: &random), 0, 0, 0),
                  interpolation: kinds[(k + t) % kinds.count])
        })
    }
    var sink = 0.0
    let frames = 20_000
    let t0 = now()
    for i in 0..<frames {
        let time = Double(i % 6000) * 0.0167
        for track in tracks { sink += track.value(at: time).x }
    }
    let perFrame = (now() - t0) / Double(frames) * 1e6
    print("  \(fmt(perFrame, 2)) us per frame (\(fmt(perFrame * 10, 1)) ns per track)\(sink == 0 ? " " : "")")
}
