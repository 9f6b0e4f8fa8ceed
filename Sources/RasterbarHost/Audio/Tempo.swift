// `rasterbar tempo` and check's bpm test: the music's tempo and its first beat,
// found by aubio's beat tracker (a library made for it, from Debian). aubio
// reports beats as it locks on, so the tempo is fitted over all of them (a
// least-squares line through beat number and time) rather than read from its
// running estimate, and the first beat is carried back along that grid to
// where the music becomes audible (the tracker needs a few beats before it
// reports any, and aubio's onset detector misses a hit out of silence).
import CAubio
import RasterbarCore

/// What the beat tracker found in a piece of music.
public struct TempoEstimate: Sendable, Equatable {
    /// Beats per minute.
    public var bpm: Double
    /// Seconds into the file of the first beat.
    public var firstBeat: Double
    /// Beats the tracker reported.
    public var beats: Int

    /// True when `bpm` agrees with this estimate within `tolerance` (a ratio),
    /// counting double and half time as agreeing (trackers often lock onto either).
    public func agrees(with bpm: Double, tolerance: Double = 0.01) -> Bool {
        [1, 2, 0.5].contains { abs(bpm * $0 / self.bpm - 1) <= tolerance }
    }
}

public enum Tempo {
    /// Finds the tempo of `clip`. Throws when there are too few beats to say.
    public static func estimate(_ clip: AudioClip, name: String) throws -> TempoEstimate {
        let hop = 512, window = 1024
        let rate = UInt32(clip.rate)
        guard let tracker = new_aubio_tempo("default", UInt32(window), UInt32(hop), rate),
              let input = new_fvec(UInt32(hop)), let output = new_fvec(1) else {
            throw RasterbarError(.invalidMusic, "aubio could not start its beat tracker", at: name)
        }
        defer {
            del_aubio_tempo(tracker)
            del_fvec(input)
            del_fvec(output)
        }
        var beats: [Double] = []
        let mono = clip.mono
        var start = 0
        while start < mono.count {
            for i in 0..<hop { input.pointee.data[i] = start + i < mono.count ? mono[start + i] : 0 }
            aubio_tempo_do(tracker, input, output)
            if output.pointee.data[0] != 0 { beats.append(Double(aubio_tempo_get_last_s(tracker))) }
            start += hop
        }
        guard beats.count >= 4 else {
            throw RasterbarError(.invalidMusic, "found only \(beats.count) beats: too few to tell a tempo", at: name,
                                 hint: "tempo needs music with a steady beat, at least a few seconds of it")
        }
        // A first guess of the period from the median gap; each beat numbered from
        // the one before it (numbering from the first would let the guess's error
        // pile up over a long piece); then a line through (beat number, time).
        let gaps = zip(beats.dropFirst(), beats).map { $0 - $1 }
        let guess = gaps.sorted()[gaps.count / 2]
        var numbers = [0.0]
        for gap in gaps { numbers.append(numbers.last! + max(1, (gap / guess).rounded())) }
        let n = Double(beats.count)
        let meanX = numbers.reduce(0, +) / n, meanY = beats.reduce(0, +) / n
        let sxy = zip(numbers, beats).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        let sxx = numbers.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
        let period = sxx > 0 ? sxy / sxx : guess
        var first = meanY - period * meanX
        // Back along the grid to where the music becomes audible (40 dB under its peak); a little early counts.
        let peak = mono.reduce(0) { max($0, abs($1)) }
        let audible = Double(mono.firstIndex { abs($0) > peak / 100 } ?? 0) / clip.rate
        let earliest = audible - 0.1 * period
        while first - period >= earliest { first -= period }
        while first < earliest - 1e-9 { first += period }
        return TempoEstimate(bpm: 60 / period, firstBeat: max(0, first), beats: beats.count)
    }
}
