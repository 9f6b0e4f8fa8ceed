// Renders a range of the demo to a numbered PNG sequence or, through ffmpeg,
// to a video. Every frame is a pure function of its time, so a range exported
// alone gives the same files as the same frames inside a longer export; PNG
// names carry the frame's absolute number (frame-000120.png is 120/fps s).
// With meta.music the soundtrack of exactly the range rides along: AAC in
// .mp4/.mov/.mkv, Opus in .webm, and audio.wav beside a PNG sequence.
//
// The GL thread only renders: pixels come back through a ring of pixel buffer
// objects a few frames later, PNGs are encoded and written on worker threads,
// and ffmpeg is fed from its own queue, so export runs at the speed of the
// renderer rather than of the encoder wherever there are cores to spare.
import Foundation
import RasterbarCore
import RasterbarGL

/// Frames k/fps for every k with from <= k/fps < to.
public struct ExportRange: Sendable, Equatable {
    public var from: Double
    public var to: Double
    public var fps: Double

    public init(from: Double, to: Double, fps: Double) {
        self.from = from
        self.to = to
        self.fps = fps
    }

    /// The absolute frame numbers in the range.
    public var frames: Range<Int> {
        let first = Int((from * fps - 1e-6).rounded(.up))
        let end = Int((to * fps - 1e-6).rounded(.up))
        return first..<max(first, end)
    }

    public func time(of frame: Int) -> Double { Double(frame) / fps }

    /// The K-th of N contiguous shares of the frames (K from 1): what one
    /// machine of N renders. Shares differ in size by at most one frame.
    public func frames(shard: Shard?) -> Range<Int> {
        guard let shard else { return frames }
        let all = frames
        let start = all.lowerBound + all.count * (shard.index - 1) / shard.count
        let end = all.lowerBound + all.count * shard.index / shard.count
        return start..<end
    }
}

/// One share of an export split across machines: `index` of `count`, from 1.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// Reads "K/N" with 1 <= K <= N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else {
            throw RasterbarError(.invalidArgument, "--shard '\(text)' is not K/N with 1 <= K <= N",
                                 hint: "e.g. --shard 2/4 renders the second quarter of the range")
        }
        index = k
        count = n
    }

    public var description: String { "\(index)/\(count)" }
}

/// Where exported frames go.
public enum ExportDestination: Sendable, Equatable {
    /// `frame-000123.png` files in a folder.
    case pngSequence(folder: String)
    /// A video file, encoded by ffmpeg (.mp4, .mov, .mkv with H.264; .webm with VP9).
    case video(path: String)
    /// Render and read back every frame, then drop it: the export pipeline
    /// without an encoder, for measuring what the renderer alone can do.
    case discard

    /// Chooses from an --out value: a folder (ending in / or existing) or a video file.
    public static func parse(_ out: String) throws -> ExportDestination {
        var isDirectory: ObjCBool = false
        if out.hasSuffix("/") || (FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) && isDirectory.boolValue) {
            return .pngSequence(folder: out.hasSuffix("/") ? String(out.dropLast()) : out)
        }
        let ext = (out as NSString).pathExtension.lowercased()
        guard VideoSettings.containers.contains(ext) else {
            throw RasterbarError(.invalidArgument, "--out '\(out)' is neither a folder nor a video file",
                                 hint: "export frames to a folder (--out frames/) or a video (--out demo.mp4 or demo.webm)")
        }
        return .video(path: out)
    }
}

/// How far an export has got.
public struct ExportProgress: Sendable {
    public var done: Int
    public var total: Int
    /// Frames per second so far.
    public var rate: Double
    /// Seconds left at that rate.
    public var remaining: Double
}

/// Renders ranges of a demo to files.
public final class Exporter {
    let engine: Engine
    let range: ExportRange
    let destination: ExportDestination
    let environment: [String: String]
    /// This machine's share of the range, when it is split.
    public var shard: Shard?
    /// Render every frame, even those a PNG export already holds.
    public var force = false
    /// A video's codec, quality and speed.
    public var video = VideoSettings()
    /// PNG frames with their alpha channel (RGBA); by default RGB, as a demo frame needs no alpha.
    public var alpha = false
    /// Told (once, before rendering) what the export found and does: frames
    /// already there, a leftover from an interrupted video export.
    public var note: (String) -> Void = { _ in }

    public init(engine: Engine, range: ExportRange, destination: ExportDestination,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.engine = engine
        self.range = range
        self.destination = destination
        self.environment = environment
    }

    /// Checks the range against the demo.
    public func validate() throws {
        if shard != nil, case .video = destination {
            throw RasterbarError(.invalidArgument, "--shard needs a folder of frames: shards of one video cannot be joined",
                                 hint: "export each shard to one folder (--out frames/), then: rasterbar encode frames/ --out demo.mp4")
        }
        let duration = engine.demo.meta.duration
        guard range.fps > 0, range.fps <= 1000 else {
            throw RasterbarError(.invalidArgument, "--fps \(range.fps) is out of range", hint: "use 1 to 1000")
        }
        guard range.from >= 0, range.to <= duration + 1e-9, range.from < range.to else {
            throw RasterbarError(.timeOutOfRange, "the range \(range.from)-\(range.to) is not inside the demo",
                                 hint: "choose --from < --to within 0 to \(duration) seconds")
        }
        guard !range.frames.isEmpty else {
            throw RasterbarError(.timeOutOfRange, "the range \(range.from)-\(range.to) holds no frame at \(range.fps) fps")
        }
    }

    /// The music of exactly the exported frames as a WAV file, aligned to the
    /// first frame; nil for a demo without music. A broken music file stops
    /// the export (a release must not go out silent by mistake).
    func soundtrack() throws -> [UInt8]? {
        guard let (music, clip) = try engine.renderer.validMusic() else { return nil }
        let frames = range.frames
        return clip.wav(from: music.fileTime(at: range.time(of: frames.lowerBound)),
                        to: music.fileTime(at: range.time(of: frames.upperBound)), volume: music.volume)
    }

    /// Renders every frame of the range; `progress` is called on this thread.
    @discardableResult
    public func run(progress: (ExportProgress) -> Void = { _ in }) throws -> Int {
        try validate()
        let size = engine.target.size
        let audio = try soundtrack()
        let sink: FrameSink
        switch destination {
        case let .pngSequence(folder): sink = try PNGSequenceSink(folder: folder, size: size, alpha: alpha)
        case let .video(path):
            if let leftover = VideoSink.removeLeftovers(of: path) { note(leftover) }
            sink = try VideoSink(path: path, size: size, fps: range.fps, audio: audio, settings: video, environment: environment)
        case .discard: sink = DiscardSink()
        }
        var finished = false
        defer { if !finished { sink.cancel() } }
        var frames = Array(range.frames(shard: shard))
        if case let .pngSequence(folder) = destination {
            // Files a killed export of this host left half-written.
            FileIO.removeStaleTemporaries(in: folder) { $0.hasPrefix("frame-") || $0 == "audio.wav" || $0 == PNGSequenceSink.manifestName }
            // Frames of another export (another rate, size, range or alpha) are never taken for this one's.
            let manifest = self.manifest(size: size)
            let manifestPath = folder + "/" + PNGSequenceSink.manifestName
            if !force, let old = try? FileIO.read(manifestPath), old != Array(manifest.utf8) {
                throw RasterbarError(.outputNotWritable, "the folder holds frames of another export (\(String(decoding: old, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))",
                                     at: folder, hint: "export into another folder, or add --force to render every frame again")
            }
            // The whole range's music and what the frames are, beside them: every
            // shard writes the same bytes, so shards into one folder equal one export.
            if let audio { try FileIO.writeAtomically(audio, to: folder + "/audio.wav") }
            try FileIO.writeAtomically(Array(manifest.utf8), to: manifestPath)
            // Resuming: frames already whole on disk are not rendered again.
            if !force {
                let before = frames.count
                frames.removeAll { PNGSequenceSink.isWhole(folder + "/" + PNGSequenceSink.fileName($0)) }
                if frames.count < before {
                    note("\(before - frames.count) of \(before) frames are already in \(folder): rendering the other \(frames.count) (--force renders all)")
                }
            }
        }
        let readback = AsyncReadback(size: size)
        let started = monotonicSeconds()
        var done = 0
        func takeOne() throws {
            var pixels = sink.pool.take()
            guard let frame = readback.takeOldest(into: &pixels) else { return }
            try sink.consume(frame: frame, pixels: pixels)
            done += 1
            let elapsed = monotonicSeconds() - started
            let rate = Double(done) / max(elapsed, 1e-9)
            progress(ExportProgress(done: done, total: frames.count, rate: rate, remaining: Double(frames.count - done) / rate))
        }
        // Each frame at its time on the export's grid, whatever the wall clock does.
        for frame in frames {
            try engine.drawStrict(at: range.time(of: frame))
            if readback.isFull { try takeOne() }
            readback.start(engine.target, tag: frame)
        }
        while readback.hasPending { try takeOne() }
        try sink.finish()
        finished = true
        return done
    }

    /// What a PNG export holds, for `rasterbar encode` (the frame rate above all).
    func manifest(size: PixelSize) -> String {
        JSONLine.object([("fps", .number(range.fps)), ("from", .number(range.from)), ("to", .number(range.to)),
                         ("width", .int(size.width)), ("height", .int(size.height)), ("alpha", .bool(alpha)),
                         ("frames", .strings([PNGSequenceSink.fileName(range.frames.lowerBound), PNGSequenceSink.fileName(max(range.frames.lowerBound, range.frames.upperBound - 1))]))]) + "\n"
    }
}

/// How many frames of `size` may wait for an encoder at once: at most `most`,
/// and no more than fit in 256 MB, counting each frame's pixels and what
/// encoding it holds (the filtered rows and the compressed buffer: about
/// 95 MB for a 4K frame), but at least one.
func framesInFlight(_ size: PixelSize, most: Int) -> Int {
    let bytes = size.width * size.height * 4 + 2 * size.height * (size.width * 4 + 1)
    return max(1, min(most, (256 << 20) / max(1, bytes)))
}

/// Reused pixel buffers: a fresh 4 MB array per frame costs more in page faults than the copy.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [[UInt8]] = []

    func take() -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return free.popLast() ?? []
    }

    func give(_ buffer: [UInt8]) {
        lock.lock()
        free.append(buffer)
        lock.unlock()
    }
}

/// Takes frames (RGBA8, rows bottom-up) in order.
protocol FrameSink: AnyObject {
    var pool: BufferPool { get }
    func consume(frame: Int, pixels: [UInt8]) throws
    func finish() throws
    func cancel()
}

/// Drops every frame (for measurements).
final class DiscardSink: FrameSink {
    let pool = BufferPool()
    func consume(frame: Int, pixels: [UInt8]) throws { pool.give(pixels) }
    func finish() throws {}
    func cancel() {}
}

/// Encodes PNGs on worker threads and writes each one atomically.
final class PNGSequenceSink: FrameSink, @unchecked Sendable {
    let folder: String
    let size: PixelSize
    /// RGBA files; RGB otherwise.
    let alpha: Bool
    let pool = BufferPool()
    private let workers = DispatchQueue(label: "rasterbar.png-encoders", qos: .userInitiated, attributes: .concurrent)
    private let group = DispatchGroup()
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var failure: RasterbarError?

    init(folder: String, size: PixelSize, alpha: Bool) throws {
        self.folder = folder
        self.size = size
        self.alpha = alpha
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw RasterbarError(.outputNotWritable, "cannot create the folder: \(error.localizedDescription)", at: folder)
        }
        // Frames in flight: enough to keep every core busy, few enough to bound memory.
        slots = DispatchSemaphore(value: framesInFlight(size, most: ProcessInfo.processInfo.activeProcessorCount + 1))
    }

    /// Written beside the frames: the export's frame rate, range and size.
    static let manifestName = "export.json"

    /// True when `path` is a complete PNG: its signature first and its IEND
    /// chunk last. Cheap (two small reads), and enough: frames are written
    /// whole or not at all (atomic renames), so this catches other damage.
    static func isWhole(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 8), head == Data([137, 80, 78, 71, 13, 10, 26, 10]),
              let end = try? handle.seekToEnd(), end >= 20 else { return false }
        try? handle.seek(toOffset: end - 12)
        guard let tail = try? handle.read(upToCount: 12) else { return false }
        return tail == Data([0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130])
    }

    static func fileName(_ frame: Int) -> String {
        let digits = String(frame)
        return "frame-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    func consume(frame: Int, pixels: [UInt8]) throws {
        try check()
        slots.wait()
        let path = folder + "/" + Self.fileName(frame)
        workers.async(group: group) { [self] in
            defer { slots.signal() }
            do {
                let png = pixels.withUnsafeBytes { PNGEncoder.encode($0, width: size.width, height: size.height, bottomUp: true, alpha: alpha) }
                try FileIO.writeAtomically(png, to: path)
            } catch {
                lock.lock()
                if failure == nil { failure = error as? RasterbarError ?? RasterbarError(.outputNotWritable, "\(error)", at: path) }
                lock.unlock()
            }
            pool.give(pixels)
        }
    }

    func check() throws {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
    }

    func finish() throws {
        group.wait()
        try check()
    }

    func cancel() { group.wait() }
}

/// Pipes raw frames to ffmpeg, which writes the video to a temporary file
/// renamed into place when it succeeds.
final class VideoSink: FrameSink, @unchecked Sendable {
    let path: String
    let temp: String
    /// The soundtrack's WAV while ffmpeg reads it.
    let tempAudio: String?
    let pool = BufferPool()
    let process = Process()
    let input: FileHandle
    let errors = Pipe()
    private let writer = DispatchQueue(label: "rasterbar.ffmpeg-writer", qos: .userInitiated)
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var failure: String?
    private var errorText = Data()
    /// The last frame ffmpeg took, for saying where a failed export stopped.
    private var lastFrame: Int?

    /// Removes what an export of `path` killed mid-way left (its temporary
    /// video and soundtrack, from a process of this host that no longer runs); says so.
    static func removeLeftovers(of path: String) -> String? {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        guard FileIO.removeStaleTemporaries(in: url.deletingLastPathComponent().path, matching: { $0 == name }) > 0 else { return nil }
        return "an interrupted export of \(path) left a partial file: removed; a video starts again from its first frame"
    }

    /// ffmpeg: `$FFMPEG`, else the first on PATH.
    static func locate(_ environment: [String: String]) throws -> String {
        if let explicit = environment["FFMPEG"], !explicit.isEmpty { return explicit }
        for dir in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/ffmpeg") {
            return "\(dir)/ffmpeg"
        }
        throw RasterbarError(.toolchainMissing, "ffmpeg not found: video export needs it",
                             hint: "install it (apt-get install ffmpeg), or export PNG frames with --out frames/")
    }

    /// `audio`: the soundtrack of exactly the exported range as WAV bytes, or nil.
    init(path: String, size: PixelSize, fps: Double, audio: [UInt8]? = nil, settings: VideoSettings = VideoSettings(),
         environment: [String: String]) throws {
        let ffmpeg = try Self.locate(environment)
        guard size.width % 2 == 0, size.height % 2 == 0 else {
            throw RasterbarError(.invalidArgument, "video needs an even width and height, not \(size)", hint: "choose an even --size")
        }
        let ext = (path as NSString).pathExtension.lowercased()
        let videoArguments = try settings.videoArguments(for: ext)
        slots = DispatchSemaphore(value: framesInFlight(size, most: 3))
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        temp = (dir.isEmpty ? "." : dir) + "/." + (path as NSString).lastPathComponent + ".tmp-\(FileIO.temporaryTag)." + ext
        guard FileManager.default.isWritableFile(atPath: dir.isEmpty ? "." : dir) else {
            throw RasterbarError(.outputNotWritable, "cannot write: the folder does not exist or is not writable", at: path)
        }
        var audioArguments: [String] = []
        if let audio {
            let wav = temp + ".wav"
            try FileIO.writeAtomically(audio, to: wav)
            tempAudio = wav
            audioArguments = ["-i", wav]
        } else {
            tempAudio = nil
        }
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        // -xerror: a failed write (a full disk) must fail ffmpeg, which otherwise exits 0 with a truncated file.
        process.arguments = ["-hide_banner", "-loglevel", "error", "-xerror", "-y",
                             "-f", "rawvideo", "-pixel_format", "rgba", "-video_size", "\(size.width)x\(size.height)",
                             "-framerate", String(fps), "-i", "-"] + audioArguments + [
                             // GL's rows come bottom-up: ffmpeg turns them over.
                             "-vf", "vflip", "-r", String(fps)] + videoArguments
            + (audio == nil ? [] : ["-map", "0:v", "-map", "1:a"] + VideoSettings.audioArguments(for: ext)) + [temp]
        let pipe = Pipe()
        process.standardInput = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        input = pipe.fileHandleForWriting
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            lock.lock()
            errorText.append(data)
            lock.unlock()
        }
        do {
            try process.run()
        } catch {
            if let tempAudio { try? FileManager.default.removeItem(atPath: tempAudio) }
            throw RasterbarError(.toolchainMissing, "cannot run \(ffmpeg): \(error.localizedDescription)")
        }
    }

    func consume(frame: Int, pixels: [UInt8]) throws {
        try check()
        slots.wait()
        writer.async { [self] in
            defer { slots.signal() }
            do {
                try pixels.withUnsafeBytes { try input.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0.baseAddress!), count: $0.count, deallocator: .none)) }
                lastFrame = frame
            } catch {
                lock.lock()
                if failure == nil { failure = "ffmpeg stopped taking frames at frame \(frame)" }
                lock.unlock()
            }
            pool.give(pixels)
        }
    }

    func check() throws {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw RasterbarError(.outputNotWritable, "\(failure): \(String(decoding: errorText, as: UTF8.self).prefix(400))", at: path) }
    }

    func finish() throws {
        writer.sync {}
        try? input.close()
        process.waitUntilExit()
        errors.fileHandleForReading.readabilityHandler = nil
        // What ffmpeg said last (the reason it failed) may not have reached the handler yet.
        let rest = errors.fileHandleForReading.readDataToEndOfFile()
        lock.lock()
        errorText.append(rest)
        lock.unlock()
        if let tempAudio { try? FileManager.default.removeItem(atPath: tempAudio) }
        try check()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            lock.lock()
            let text = String(decoding: errorText, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            lock.unlock()
            throw RasterbarError(.outputNotWritable, "ffmpeg failed (exit \(process.terminationStatus)) after frame \(lastFrame.map(String.init) ?? "none"): \(text.prefix(400))",
                                 at: path, hint: "nothing was written; check the disk's free space and the folder's permissions")
        }
        guard rename(temp, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw RasterbarError(.outputNotWritable, "cannot move the finished video into place: \(String(cString: strerror(errno)))", at: path)
        }
    }

    func cancel() {
        writer.sync {}
        try? input.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: temp)
        if let tempAudio { try? FileManager.default.removeItem(atPath: tempAudio) }
    }
}
