// A stretch of a clip as a 16-bit PCM WAV file: the soundtrack of an export,
// cut to exactly the exported range so it lines up with the first frame.
// Silence fills whatever lies before or past the end of the music.

extension AudioClip {
    /// The clip from `start` to `end` seconds (frame indices by `frameIndex`,
    /// so consecutive ranges meet without a gap or an overlap) at `volume`, as
    /// the bytes of a 16-bit PCM WAV file (the clip's rate and channels).
    public func wav(from start: Double, to end: Double, volume: Double = 1) -> [UInt8] {
        let first = Self.frameIndex(at: start, rate: rate)
        return wav(fromFrame: first, frames: Self.frameIndex(at: end, rate: rate) - first, volume: volume)
    }

    /// `frames` sample frames from frame `first`, at `volume`, as a 16-bit PCM WAV file.
    public func wav(fromFrame first: Int, frames: Int, volume: Double = 1) -> [UInt8] {
        let channels = max(1, self.channels)
        let dataBytes = frames * channels * 2
        var out: [UInt8] = []
        out.reserveCapacity(44 + dataBytes)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: Array("RIFF".utf8)); u32(36 + dataBytes); out.append(contentsOf: Array("WAVE".utf8))
        out.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(channels); u32(Int(rate))
        u32(Int(rate) * channels * 2); u16(channels * 2); u16(16)
        out.append(contentsOf: Array("data".utf8)); u32(dataBytes)
        let gain = Float(max(0, min(1, volume)))
        samples.withUnsafeBufferPointer { s in
            for i in first..<(first + frames) {
                for c in 0..<channels {
                    let v = i >= 0 && i < self.frames ? s[i * channels + c] * gain : 0
                    let q = Int16(max(-32768, min(32767, (v * 32767).rounded())))
                    withUnsafeBytes(of: q.littleEndian) { out.append(contentsOf: $0) }
                }
            }
        }
        return out
    }
}
