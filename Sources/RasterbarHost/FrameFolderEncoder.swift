// `rasterbar encode`: a folder of exported PNG frames (one machine's, or the
// union of shards rendered on many) and its audio.wav, assembled into a video
// by ffmpeg with the same codecs as a direct video export. The folder is
// checked first: every frame from the first to the last, all the same size.
import Foundation
import RasterbarCore

public enum FrameFolderEncoder {
    /// Encodes `folder`'s frames into `out`; `fps` defaults to the export's (export.json).
    public static func encode(folder: String, to out: String, fps: Double?, settings: VideoSettings = VideoSettings(),
                              environment: [String: String]) throws -> (frames: Int, audio: Bool) {
        let ext = (out as NSString).pathExtension.lowercased()
        let video = try settings.videoArguments(for: ext)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let numbers = names.compactMap { name -> Int? in
            guard name.hasPrefix("frame-"), name.hasSuffix(".png") else { return nil }
            return Int(name.dropFirst(6).dropLast(4))
        }.sorted()
        guard let first = numbers.first, let last = numbers.last else {
            throw RasterbarError(.fileNotFound, "no frames (frame-000000.png ...) in the folder", at: folder,
                                 hint: "export frames first: \(RasterbarError.command) render --from A --to B --out \(folder)/")
        }
        // Every frame the export's manifest names, when there is one (a shard that never ran leaves no gap, only a short end).
        let manifest = (try? FileIO.read(folder + "/" + PNGSequenceSink.manifestName)).flatMap { try? parseJSON($0) }
        if case let .array(bounds)? = manifest?["frames"]?.kind, bounds.count == 2,
           case let .string(firstName) = bounds[0].kind, case let .string(lastName) = bounds[1].kind,
           let expectedFirst = Int(firstName.dropFirst(6).dropLast(4)), let expectedLast = Int(lastName.dropFirst(6).dropLast(4)) {
            if let missing = (expectedFirst...max(expectedFirst, expectedLast)).first(where: { !Set(numbers).contains($0) }) {
                throw RasterbarError(.fileNotFound, "frame \(missing) is missing (\(PNGSequenceSink.fileName(missing))): the export runs from frame \(expectedFirst) to \(expectedLast)",
                                     at: folder, hint: "render the missing frames: run the export (or the shard that holds them) again; it renders only what is missing")
            }
        }
        if let gap = zip(numbers, numbers.dropFirst()).first(where: { $1 != $0 + 1 }) {
            throw RasterbarError(.fileNotFound, "frame \(gap.0 + 1) is missing (\(PNGSequenceSink.fileName(gap.0 + 1))): the frames run from \(first) to \(last) with gaps",
                                 at: folder, hint: "render the missing frames: run the same export again (it renders only what is missing)")
        }
        var size: (Int, Int)?
        for n in numbers {
            let path = folder + "/" + PNGSequenceSink.fileName(n)
            guard PNGSequenceSink.isWhole(path), let dims = pngSize(path) else {
                throw RasterbarError(.invalidImage, "\(PNGSequenceSink.fileName(n)) is not a whole PNG", at: folder,
                                     hint: "delete it and run the export again")
            }
            if let size, size != dims {
                throw RasterbarError(.invalidImage, "\(PNGSequenceSink.fileName(n)) is \(dims.0)x\(dims.1) but the frames before it are \(size.0)x\(size.1)",
                                     at: folder, hint: "export every frame at one --size")
            }
            size = dims
        }
        let rate = try fps ?? exportFPS(folder)
        guard rate > 0, rate <= 1000 else { throw RasterbarError(.invalidArgument, "--fps \(rate) is out of range", hint: "use 1 to 1000") }
        let audioPath = folder + "/audio.wav"
        let audio = FileManager.default.fileExists(atPath: audioPath)
        let dir = (out as NSString).deletingLastPathComponent
        _ = VideoSink.removeLeftovers(of: out)
        let temp = (dir.isEmpty ? "." : dir) + "/." + (out as NSString).lastPathComponent + ".tmp-\(FileIO.temporaryTag)." + ext
        var arguments = ["-hide_banner", "-loglevel", "error", "-xerror", "-y", "-framerate", String(rate), "-start_number", String(first),
                         "-i", folder + "/frame-%06d.png"]
        if audio { arguments += ["-i", audioPath] }
        arguments += ["-r", String(rate)] + video
        if audio { arguments += ["-map", "0:v", "-map", "1:a"] + VideoSettings.audioArguments(for: ext) }
        arguments.append(temp)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try VideoSink.locate(environment))
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, rename(temp, out) == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw RasterbarError(.outputNotWritable, "ffmpeg could not encode the frames: \(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(400))", at: out)
        }
        return (numbers.count, audio)
    }

    /// The frame rate export.json records.
    static func exportFPS(_ folder: String) throws -> Double {
        let path = folder + "/" + PNGSequenceSink.manifestName
        guard let bytes = try? FileIO.read(path), let value = try? parseJSON(bytes), case let .number(fps)? = value["fps"]?.kind else {
            throw RasterbarError(.invalidArgument, "no frame rate: the folder has no export.json", at: folder, hint: "say it with --fps N")
        }
        return fps
    }

    /// A PNG's width and height from its IHDR chunk.
    static func pngSize(_ path: String) -> (Int, Int)? {
        guard let handle = FileHandle(forReadingAtPath: path), let head = try? handle.read(upToCount: 24), head.count == 24 else { return nil }
        try? handle.close()
        let bytes = [UInt8](head)
        func u32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        return (u32(16), u32(20))
    }
}
