// A decoded soundtrack: every sample in memory, as 32-bit floats. Decoding is
// libsndfile's (OGG Vorbis, WAV, FLAC, MP3 and more, all from one well-kept
// Debian library), never ours. The bytes come through the store, so saving a
// new mix reloads it like any other resource, and they are decoded from memory
// (libsndfile's virtual I/O) so the store's read is the only read.
import CSndFile

/// Decoded audio: interleaved float samples at the file's own rate.
public final class AudioClip: Loadable, @unchecked Sendable {
    /// Sample frames per second.
    public let rate: Double
    /// Channels per frame (1 mono, 2 stereo, ...).
    public let channels: Int
    /// Interleaved samples, -1...1: frame i, channel c is at i * channels + c.
    public let samples: [Float]
    /// The channels mixed down to one: what the analyser hears.
    public let mono: [Float]

    public init(rate: Double, channels: Int, samples: [Float]) {
        self.rate = rate
        self.channels = channels
        self.samples = samples
        if channels == 1 {
            mono = samples
        } else {
            let frames = samples.count / channels
            let scale = 1 / Float(channels)
            mono = [Float](unsafeUninitializedCapacity: frames) { out, count in
                samples.withUnsafeBufferPointer { s in
                    for i in 0..<frames {
                        var sum: Float = 0
                        for c in 0..<channels { sum += s[i * channels + c] }
                        out[i] = sum * scale
                    }
                }
                count = frames
            }
        }
    }

    /// Sample frames.
    public var frames: Int { samples.count / max(1, channels) }

    /// The sample frame at `seconds` into audio at `rate`: the one rounding
    /// rule for playing, analysing and exporting, so they never disagree by a sample.
    public static func frameIndex(at seconds: Double, rate: Double) -> Int { Int((seconds * rate).rounded()) }
    /// Length in seconds.
    public var duration: Double { Double(frames) / rate }

    public static let kind = "music"

    /// Decodes the file, on the `MusicDecoder`'s queue where one is registered (live engines).
    public static func load(from context: LoadContext) throws -> AudioClip {
        if let shader = SoundShaderService.Request(key: context.key) {
            guard let service = context.service(SoundShaderService.self) else {
                throw RasterbarError(.invalidMusic, "a sound shader needs a GL context to render it", at: shader.file,
                                     hint: "this command has none; play, render or export the demo")
            }
            return try service.render(shader, context)
        }
        let bytes = try context.read(context.key.path)
        if let decoder = context.service(MusicDecoder.self) { return try decoder.clip(of: bytes, key: context.key) }
        return try decode(bytes, name: context.key.path)
    }

    /// Until the music has loaded once: silence, so the demo plays on without it.
    public static func fallback(for key: ResourceKey) -> AudioClip? { AudioClip(rate: 44100, channels: 2, samples: []) }

    /// Decodes a whole audio file held in memory. `name` names it in messages.
    public static func decode(_ bytes: [UInt8], name: String) throws -> AudioClip {
        let hint = "use OGG Vorbis, WAV, FLAC or MP3 (for example: ffmpeg -i input output.ogg)"
        guard !bytes.isEmpty else { throw RasterbarError(.invalidMusic, "the file is empty", at: name, hint: "save or export the track again") }
        let reader = MemoryReader(bytes)
        // libsndfile calls back into the reader until sf_close: it lives until then.
        return try withExtendedLifetime(reader) {
            var info = SF_INFO()
            var io = MemoryReader.io
            guard let file = sf_open_virtual(&io, Int32(SFM_READ), &info, Unmanaged.passUnretained(reader).toOpaque()) else {
                throw RasterbarError(.invalidMusic, "cannot decode it: \(String(cString: sf_strerror(nil)))", at: name, hint: hint)
            }
            defer { sf_close(file) }
            guard info.channels > 0, info.samplerate > 0 else {
                throw RasterbarError(.invalidMusic, "it has no audio channels", at: name, hint: hint)
            }
            let channels = Int(info.channels)
            // Some formats (MP3) only estimate their length up front: read in blocks until the end.
            var samples: [Float] = []
            if info.frames > 0, info.frames < Int64(Int32.max) { samples.reserveCapacity(Int(info.frames) * channels) }
            var block = [Float](repeating: 0, count: 65536 * channels)
            while true {
                let read = block.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, 65536) }
                if read <= 0 { break }
                samples.append(contentsOf: block[0..<Int(read) * channels])
            }
            let decoded = samples.count / channels
            if sf_error(file) != 0 {
                throw RasterbarError(.invalidMusic, "it is corrupt: \(String(cString: sf_strerror(file)))", at: name, hint: hint)
            }
            guard decoded > 0 else {
                throw RasterbarError(.invalidMusic, "it holds no samples (zero length)", at: name, hint: "export the track again; it has no sound in it")
            }
            // A file cut short decodes to the part that is there, without an
            // error from libsndfile (it trims WAV and FLAC lengths to the data
            // present, and guesses an OGG's): it plays, shorter.
            let rate = Double(info.samplerate)
            return AudioClip(rate: rate, channels: channels, samples: samples)
        }
    }
}

/// libsndfile's virtual I/O over bytes in memory.
private final class MemoryReader {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func of(_ user: UnsafeMutableRawPointer?) -> MemoryReader { Unmanaged<MemoryReader>.fromOpaque(user!).takeUnretainedValue() }

    static let io = SF_VIRTUAL_IO(
        get_filelen: { user in sf_count_t(MemoryReader.of(user).bytes.count) },
        seek: { offset, whence, user in
            let r = MemoryReader.of(user)
            let base: Int
            switch whence {
            case SEEK_CUR: base = r.position
            case SEEK_END: base = r.bytes.count
            default: base = 0
            }
            r.position = max(0, min(r.bytes.count, base + Int(offset)))
            return sf_count_t(r.position)
        },
        read: { buffer, count, user in
            let r = MemoryReader.of(user)
            let n = max(0, min(Int(count), r.bytes.count - r.position))
            if n > 0 {
                r.bytes.withUnsafeBytes { buffer!.copyMemory(from: $0.baseAddress! + r.position, byteCount: n) }
                r.position += n
            }
            return sf_count_t(n)
        },
        write: { _, _, _ in 0 },
        tell: { user in sf_count_t(MemoryReader.of(user).position) }
    )
}
