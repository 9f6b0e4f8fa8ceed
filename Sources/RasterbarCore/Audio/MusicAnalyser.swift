// Shadertoy's music input: the 512x2 texture a script reads its soundtrack
// from, computed from decoded mono samples. Decoding the file, playing it and
// uploading the texture happen elsewhere; this file turns samples into bytes.
//
// Shadertoy fills the texture from a Web Audio AnalyserNode (fftSize 2048,
// smoothingTimeConstant 0.8, minDecibels -100, maxDecibels -30). That node
// analyses whatever the sound card played last and smooths across calls, so
// what it gives depends on when and how often it is asked. Here the same
// analysis runs on the demo's frame grid instead, so that every frame is a
// pure function of its time: a live frame, a `render --time` frame and an
// exported frame at the same time are byte-identical.
//
// The definition:
// - Time to grid frame: g = floor(time * fps + 1e-6) (the 1e-6 keeps k / fps
//   on frame k despite rounding). Grid frame k's window ends at sample
//   n_k = Int(((k / fps + offset) * rate).rounded()), exclusive, and covers
//   samples n_k-2048 ..< n_k. Samples outside the decoded ones are 0: silence
//   before the music starts and after it ends (negative k is fine).
// - Magnitudes of grid frame k: the window times a Blackman window (a0 0.42,
//   a1 0.5, a2 0.08: w[i] = a0 - a1 cos(2 pi i/N) + a2 cos(4 pi i/N), as the
//   Web Audio spec defines it), FFT of N = 2048, |X[b]| / N for the lowest 512
//   of the 1024 bins (bin width rate / 2048).
// - Smoothing, Web Audio's S = 0.8 S + 0.2 |X| made a pure function of time:
//   S = 0, then that step for each of the 16 grid frames g-15 ... g in order.
//   0.8^16 < 3%, under one byte of the 70 dB range for a steady sound, so
//   older frames can go. (After a loud sound stops, its fade ends 16 frames
//   on instead of running down to -100 dB.)
// - Spectrum byte (getByteFrequencyData): dB = 20 log10(S) (S = 0 gives
//   -inf), byte = clamp(floor(255 (dB + 100) / 70), 0, 255).
// - Waveform byte (getByteTimeDomainData): the last 512 samples of frame g's
//   window (n_g-512 ..< n_g), byte = clamp(floor(128 (1 + v)), 0, 255).
//
// Cost: each grid frame's magnitudes are cached by k, so frames at
// consecutive grid times compute one new FFT each.

import Foundation

/// Shadertoy's music texture at one moment: 512 spectrum values and 512 waveform values.
public struct MusicFrame: Sendable, Equatable {
    /// 1024 bytes: row 0 (the first 512) the spectrum, row 1 the waveform; what the 512x2 R8 texture holds.
    public var bytes: [UInt8]
    /// The spectrum as scripts see it: bytes[0..<512] / 255.
    public var spectrum: [Float]
    /// The waveform as scripts see it: bytes[512..<1024] / 255.
    public var waveform: [Float]

    /// The frame whose texture holds `bytes` (1024 of them); the float views follow from them.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 2 * MusicAnalyser.width, "a music frame is \(2 * MusicAnalyser.width) bytes, not \(bytes.count)")
        self.bytes = bytes
        spectrum = bytes[..<MusicAnalyser.width].map { Float($0) / 255 }
        waveform = bytes[MusicAnalyser.width...].map { Float($0) / 255 }
    }

    /// All zero spectrum and a flat waveform (128): what silence gives.
    public static let silent = MusicFrame(bytes: [UInt8](repeating: 0, count: MusicAnalyser.width)
                                              + [UInt8](repeating: 128, count: MusicAnalyser.width))
}

/// Analyses mono samples the way Shadertoy's Web Audio analyser does, but on the demo's frame grid so
/// that every frame is a pure function of its time (a live frame, a `render --time` frame and an exported
/// frame at the same time are byte-identical). Not thread-safe; one per renderer.
public final class MusicAnalyser {
    public static let width = 512      // texture width
    public static let fftSize = 2048
    /// Grid frames the smoothing reaches back over (0.8^16 < 3%).
    static let smoothedFrames = 16
    /// Web Audio's smoothingTimeConstant.
    static let smoothing = 0.8
    /// Web Audio's byte range, in dB.
    static let minDecibels = -100.0, maxDecibels = -30.0
    /// Cached grid frames: the smoothing's 16 and a few spare so that a repeated
    /// or slightly earlier frame does not recompute.
    static let cacheSize = smoothedFrames + 4

    let samples: [Float]
    let rate: Double, offset: Double, fps: Double
    /// The Blackman window, fftSize long.
    let window: [Double]
    var fft = RealFFT(size: fftSize)
    /// One window of samples, windowed: the FFT's input.
    var windowed = [Double](repeating: 0, count: fftSize)
    /// Grid frame k's magnitudes live in slot k mod cacheSize (`width` values
    /// from slot * width): consecutive frames never share a slot, and each new
    /// frame evicts the one `cacheSize` frames before it.
    var cachedFrame = [Int?](repeating: nil, count: cacheSize)
    var cachedMagnitudes = [Double](repeating: 0, count: cacheSize * width)

    /// `samples`: mono, -1...1, at `rate` Hz. `offset`: seconds into the samples at demo time 0. `fps`: the demo's frame grid.
    public init(samples: [Float], rate: Double, offset: Double, fps: Double) {
        precondition(rate > 0 && rate.isFinite && fps > 0 && fps.isFinite && offset.isFinite, "rate and fps must be positive, offset finite")
        self.samples = samples
        self.rate = rate
        self.offset = offset
        self.fps = fps
        let n = Double(Self.fftSize)
        window = (0..<Self.fftSize).map { i in
            let x = Double(i) / n
            return 0.42 - 0.5 * cos(2 * .pi * x) + 0.08 * cos(4 * .pi * x)
        }
    }

    /// The music input for the frame at demo time `time`.
    public func frame(at time: Double) -> MusicFrame {
        // No time means no music; a NaN must not reach Int().
        guard time.isFinite else { return .silent }
        let width = Self.width
        let g = Int((time * fps + 1e-6).rounded(.down))
        var bytes = [UInt8](repeating: 0, count: 2 * width)

        var smoothed = [Double](repeating: 0, count: width)
        for k in (g - Self.smoothedFrames + 1)...g {
            let start = slot(ofFrame: k) * width
            cachedMagnitudes.withUnsafeBufferPointer { cache in
                smoothed.withUnsafeMutableBufferPointer { smoothed in
                    for b in 0..<width {
                        smoothed[b] = Self.smoothing * smoothed[b] + (1 - Self.smoothing) * cache[start + b]
                    }
                }
            }
        }
        let range = Self.maxDecibels - Self.minDecibels
        for b in 0..<width {
            let decibels = 20 * log10(smoothed[b])  // -inf for 0, which clamps to 0 below
            let scaled = (255 * (decibels - Self.minDecibels) / range).rounded(.down)
            bytes[b] = UInt8(min(255, max(0, scaled)))
        }

        // Float, as Web Audio computes it, so a sample on a byte boundary rounds the same way.
        let end = sampleIndex(ofFrame: g)
        for i in 0..<width {
            let n = end - width + i
            let v: Float = n >= 0 && n < samples.count ? samples[n] : 0
            bytes[width + i] = UInt8(min(255, max(0, (128 * (1 + v)).rounded(.down))))
        }
        return MusicFrame(bytes: bytes)
    }

    /// The exclusive end of grid frame k's window, in samples.
    func sampleIndex(ofFrame k: Int) -> Int {
        AudioClip.frameIndex(at: Double(k) / fps + offset, rate: rate)
    }

    /// The cache slot holding grid frame k's magnitudes, computed if they are not there yet.
    func slot(ofFrame k: Int) -> Int {
        let slot = ((k % Self.cacheSize) + Self.cacheSize) % Self.cacheSize
        guard cachedFrame[slot] != k else { return slot }
        let width = Self.width, n = Self.fftSize
        let end = sampleIndex(ofFrame: k), start = end - n
        // The part of the window inside the samples; the rest is silence.
        let first = max(start, 0), last = min(end, samples.count)
        cachedMagnitudes.withUnsafeMutableBufferPointer { cache in
            let out = UnsafeMutableBufferPointer(rebasing: cache[slot * width ..< (slot + 1) * width])
            guard first < last else {
                // Silence: the FFT of zeros is zeros, no need to compute it.
                out.update(repeating: 0)
                return
            }
            windowed.withUnsafeMutableBufferPointer { x in
                x.update(repeating: 0)
                samples.withUnsafeBufferPointer { s in
                    window.withUnsafeBufferPointer { w in
                        for i in (first - start)..<(last - start) { x[i] = Double(s[start + i]) * w[i] }
                    }
                }
                fft.magnitudes(of: UnsafeBufferPointer(x), into: out)
            }
            let scale = 1 / Double(n)
            for b in 0..<width { out[b] *= scale }
        }
        cachedFrame[slot] = k
        return slot
    }
}

/// Magnitudes of the spectrum of `size` real samples, by one complex FFT of
/// half that length: the even samples as real parts, the odd ones as imaginary
/// parts, then one pass that separates the two halves' spectra and joins them.
/// Iterative radix-2 with the twiddles and the bit reversal computed once.
struct RealFFT {
    /// Real samples in (N, a power of two).
    let size: Int
    /// Points of the complex FFT (M = N / 2).
    let points: Int
    /// Bit reversal of 0..<M: where the complex FFT's input n goes.
    let reversed: [Int]
    /// cos and sin of 2 pi k / N for k in 0..<M: the separation pass's twiddles,
    /// and every other one the complex FFT's (2 pi j / M = 2 pi 2j / N).
    let cosines: [Double], sines: [Double]
    /// The complex FFT's work area.
    var re: [Double], im: [Double]

    init(size: Int) {
        precondition(size >= 4 && size & (size - 1) == 0, "the FFT size must be a power of two")
        self.size = size
        points = size / 2
        let bits = points.trailingZeroBitCount
        reversed = (0..<points).map { n in
            var r = 0
            for bit in 0..<bits where n & (1 << bit) != 0 { r |= 1 << (bits - 1 - bit) }
            return r
        }
        let step = 2 * Double.pi / Double(size)
        cosines = (0..<points).map { cos(step * Double($0)) }
        sines = (0..<points).map { sin(step * Double($0)) }
        re = [Double](repeating: 0, count: points)
        im = re
    }

    /// |X[b]| of the `size` real samples `x`, for b in 0..<out.count (at most size / 2).
    mutating func magnitudes(of x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count == size && out.count <= points)
        let m = points
        re.withUnsafeMutableBufferPointer { re in
            im.withUnsafeMutableBufferPointer { im in
                reversed.withUnsafeBufferPointer { reversed in
                    for n in 0..<m {
                        re[reversed[n]] = x[2 * n]
                        im[reversed[n]] = x[2 * n + 1]
                    }
                }
                cosines.withUnsafeBufferPointer { cosines in
                    sines.withUnsafeBufferPointer { sines in
                        Self.transform(re, im, cosines, sines)
                        // Z = FFT(even + i odd). With C[k] = conj(Z[M-k]) (Z[M] = Z[0]):
                        // E = (Z + C) / 2, O = (Z - C) / 2i, X[k] = E[k] + e^(-2 pi i k/N) O[k].
                        for k in 0..<out.count {
                            let mirror = (m - k) & (m - 1)
                            let zr = re[k], zi = im[k], cr = re[mirror], ci = -im[mirror]
                            let er = (zr + cr) / 2, ei = (zi + ci) / 2
                            let or = (zi - ci) / 2, oi = (cr - zr) / 2
                            let c = cosines[k], s = sines[k]
                            let xr = er + c * or + s * oi
                            let xi = ei + c * oi - s * or
                            out[k] = (xr * xr + xi * xi).squareRoot()
                        }
                    }
                }
            }
        }
    }

    /// The in-place complex FFT of bit-reversed input (decimation in time).
    /// The twiddle of a butterfly j in a span of L points is e^(-2 pi i j / L),
    /// entry j * (N / L) of the tables.
    static func transform(_ re: UnsafeMutableBufferPointer<Double>, _ im: UnsafeMutableBufferPointer<Double>,
                          _ cosines: UnsafeBufferPointer<Double>, _ sines: UnsafeBufferPointer<Double>) {
        let m = re.count, n = 2 * m
        var span = 2
        while span <= m {
            let half = span / 2, step = n / span
            for j in 0..<half {
                let c = cosines[j * step], s = sines[j * step]
                var a = j
                while a < m {
                    let b = a + half
                    // t = (c - i s) z[b]
                    let tr = c * re[b] + s * im[b]
                    let ti = c * im[b] - s * re[b]
                    re[b] = re[a] - tr
                    im[b] = im[a] - ti
                    re[a] += tr
                    im[a] += ti
                    a += span
                }
            }
            span *= 2
        }
    }
}
