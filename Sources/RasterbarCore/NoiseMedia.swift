// The engine's stand-ins for Shadertoy's procedural noise media: the grey and
// RGBA noise textures, the blue noise texture and the two 3D noise volumes,
// with Shadertoy's sizes and channel counts, so the many published shaders
// that only sample noise run without downloading anything.
//
// They are not Shadertoy's bytes (those are iq's files, not ours to ship) but
// noise with the same statistics and the one structure shaders rely on: in the
// RGBA 2D textures green is red moved by (37, 17) texels and alpha is blue
// moved the same way, which is what iq's 3D value noise reads with a single
// fetch (`uv = p.xy + vec2(37.0, 17.0) * p.z; rg = texture(iChannel0, (uv + 0.5) / 256.0).yx;
// mix(rg.x, rg.y, f.z)`: the red of slice z is the green of slice z + 1, so
// the noise is continuous across slices).
//
// Every medium is a pure function of its name: a fixed-seed integer PRNG and
// integer arithmetic only (no libm, no floating point), so the bytes are the
// same on every machine and in every release; NoiseMediaTests pins them.
import Dispatch
import Synchronization

/// A built-in noise medium, named as a channel entry names it (`"noise:rgba-medium"`).
public enum NoiseMedium: String, CaseIterable, Sendable {
    /// Shadertoy's "Gray Noise Small": 64x64, one channel, white noise.
    case greySmall = "noise:grey-small"
    /// Shadertoy's "Gray Noise Medium": 256x256, one channel, white noise.
    case greyMedium = "noise:grey-medium"
    /// Shadertoy's "RGBA Noise Small": 64x64 RGBA white noise, G and A are R and B moved by (37, 17).
    case rgbaSmall = "noise:rgba-small"
    /// Shadertoy's "RGBA Noise Medium": 256x256 RGBA white noise, G and A are R and B moved by (37, 17).
    case rgbaMedium = "noise:rgba-medium"
    /// Shadertoy's "Blue Noise": 1024x1024 RGBA, each channel blue noise (no low frequencies, every byte value equally often).
    case blue = "noise:blue"
    /// Shadertoy's "Grey Noise3D": a 32x32x32 volume, one channel, white noise.
    case grey3D = "noise3d:grey"
    /// Shadertoy's "RGBA Noise3D": a 32x32x32 RGBA volume, white noise.
    case rgba3D = "noise3d:rgba"

    public var width: Int {
        switch self {
        case .greySmall, .rgbaSmall: return 64
        case .greyMedium, .rgbaMedium: return 256
        case .blue: return 1024
        case .grey3D, .rgba3D: return 32
        }
    }

    public var height: Int { width }

    /// 1 for the 2D textures.
    public var depth: Int { is3D ? width : 1 }

    /// Bytes per texel: 1 (red only) or 4 (RGBA).
    public var channels: Int {
        switch self {
        case .greySmall, .greyMedium, .grey3D: return 1
        case .rgbaSmall, .rgbaMedium, .blue, .rgba3D: return 4
        }
    }

    /// A volume, sampled through a sampler3D.
    public var is3D: Bool { self == .grey3D || self == .rgba3D }

    /// The name Shadertoy's channel picker shows for the medium this stands in for.
    public var shadertoyName: String {
        switch self {
        case .greySmall: return "Gray Noise Small"
        case .greyMedium: return "Gray Noise Medium"
        case .rgbaSmall: return "RGBA Noise Small"
        case .rgbaMedium: return "RGBA Noise Medium"
        case .blue: return "Blue Noise"
        case .grey3D: return "Grey Noise3D"
        case .rgba3D: return "RGBA Noise3D"
        }
    }

    /// The SHA-256 that names Shadertoy's file of this medium (`/media/a/<hash>.png` or `.bin`).
    public var shadertoyHash: String {
        switch self {
        case .greySmall: return "0a40562379b63dfb89227e6d172f39fdce9022cba76623f1054a2c83d6c0ba5d"
        case .greyMedium: return "0c7bf5fe9462d5bffbd11126e82908e39be3ce56220d900f633d58fb432e56f5"
        case .rgbaSmall: return "3083c722c0c738cad0f468383167a0d246f91af2bfa373e9c5c094fb8c8413e0"
        case .rgbaMedium: return "f735bee5b64ef98879dc618b016ecf7939a5756040c2cde21ccb15e69a6e1cfb"
        case .blue: return "cb49c003b454385aa9975733aff4571c62182ccdda480aaba9a8d250014f00ec"
        case .grey3D: return "27012b4eadd0c3ce12498b867058e4f717ce79e10a99568cca461682d84a4b04"
        case .rgba3D: return "aea6b99da1d53055107966b59ac5444fc8bc7b3ce2d0bbb6a4a3cbae1d97f3aa"
        }
    }

    /// The medium standing in for Shadertoy's media file `source` (an input's `src`
    /// or `filepath`, `/media/a/<hash>.png`), if it is one of the noise media.
    public init?(shadertoySource source: String) {
        let file = source.split(separator: "/").last.map(String.init) ?? source
        let hash = file.split(separator: ".").first.map(String.init) ?? file
        guard let medium = Self.allCases.first(where: { $0.shadertoyHash == hash.lowercased() }) else { return nil }
        self = medium
    }

    /// The texels: `channels` bytes each, x fastest, then y (rows bottom-up: row 0
    /// is texture coordinate t = 0, as GL takes them), then z. This is what the
    /// shader sees with Shadertoy's default sampling of a noise medium (vflip on),
    /// the sampling under which the (37, 17) relation holds as iq's noise reads it.
    /// Made once per process, on first use.
    public func bytes() -> [UInt8] {
        switch self {
        case .greySmall: return NoiseMedium.Cache.greySmall
        case .greyMedium: return NoiseMedium.Cache.greyMedium
        case .rgbaSmall: return NoiseMedium.Cache.rgbaSmall
        case .rgbaMedium: return NoiseMedium.Cache.rgbaMedium
        case .blue: return NoiseMedium.Cache.blue
        case .grey3D: return NoiseMedium.Cache.grey3D
        case .rgba3D: return NoiseMedium.Cache.rgba3D
        }
    }

    /// Where texel (x, y, z) starts in `bytes()`.
    public func offset(x: Int, y: Int, z: Int = 0) -> Int { ((z * height + y) * width + x) * channels }

    /// How far green and alpha are moved from red and blue in the RGBA 2D
    /// textures: G(x + 37, y + 17) = R(x, y), A(x + 37, y + 17) = B(x, y), wrapping.
    public static let channelOffset = (x: 37, y: 17)

    // MARK: Making them

    /// Each medium's bytes, made on first use (Swift initialises static lets lazily and once, thread-safely).
    private enum Cache {
        static let greySmall = NoiseMedium.greySmall.generate()
        static let greyMedium = NoiseMedium.greyMedium.generate()
        static let rgbaSmall = NoiseMedium.rgbaSmall.generate()
        static let rgbaMedium = NoiseMedium.rgbaMedium.generate()
        static let blue = NoiseMedium.blue.generate()
        static let grey3D = NoiseMedium.grey3D.generate()
        static let rgba3D = NoiseMedium.rgba3D.generate()
    }

    /// Each medium's own seed, so no two media share a sequence. Never change
    /// one: the bytes are part of what a demo looks like.
    private var seed: UInt64 {
        switch self {
        case .greySmall: return 0x5261_7374_6572_0001
        case .greyMedium: return 0x5261_7374_6572_0002
        case .rgbaSmall: return 0x5261_7374_6572_0003
        case .rgbaMedium: return 0x5261_7374_6572_0004
        case .blue: return 0x5261_7374_6572_0005
        case .grey3D: return 0x5261_7374_6572_0006
        case .rgba3D: return 0x5261_7374_6572_0007
        }
    }

    private func generate() -> [UInt8] {
        var random = NoiseRandom(seed: seed)
        let texels = width * height * depth
        switch self {
        case .greySmall, .greyMedium, .grey3D, .rgba3D:
            return (0..<texels * channels).map { _ in random.byte() }
        case .rgbaSmall, .rgbaMedium:
            // R and B are white noise; G and A are R and B moved by (37, 17).
            var out = [UInt8](repeating: 0, count: texels * 4)
            for i in 0..<texels {
                out[i * 4] = random.byte()
                out[i * 4 + 2] = random.byte()
            }
            let (dx, dy) = Self.channelOffset
            for y in 0..<height {
                for x in 0..<width {
                    let from = offset(x: (x - dx + width) % width, y: (y - dy + height) % height)
                    let to = offset(x: x, y: y)
                    out[to + 1] = out[from]
                    out[to + 3] = out[from + 2]
                }
            }
            return out
        case .blue:
            // The four planes on as many cores as there are: plane k starts where
            // plane k-1's texels left the sequence, so the bytes are the same as one after another.
            let planes = Mutex([[UInt8]](repeating: [], count: 4))
            let start = random
            DispatchQueue.concurrentPerform(iterations: 4) { channel in
                var own = start
                own.skip(channel * texels)
                let plane = BlueNoise.plane(size: width, random: &own)
                planes.withLock { $0[channel] = plane }
            }
            var out = [UInt8](repeating: 0, count: texels * 4)
            planes.withLock { planes in
                for channel in 0..<4 {
                    for i in 0..<texels { out[i * 4 + channel] = planes[channel][i] }
                }
            }
            return out
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood): tiny, fast and the same sequence on
/// every machine. Kept here rather than shared with the tests' generator
/// because the media's bytes depend on it and must never change with them.
private struct NoiseRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Moves on `count` values at once (the state only ever adds a constant).
    mutating func skip(_ count: Int) { state &+= 0x9E37_79B9_7F4A_7C15 &* UInt64(count) }

    /// A byte from the high bits (the best mixed).
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 56) }
}

/// Blue noise by alternating two projections on a square that wraps: take away
/// the low frequencies (subtract a binomial blur, 1 4 6 4 1 across and down, a
/// Gaussian of sigma 1), then give every value its rank so the histogram is
/// flat again. Six rounds from white noise give the radially averaged power
/// spectrum of void-and-cluster blue noise (sigma 1.5) within a few percent in
/// every band, the same 8x8 block-mean variance and the same neighbour
/// correlation (-0.28), measured against a reference implementation while
/// choosing the kernel and the rounds. Void-and-cluster itself, one texel at
/// a time over a million texels, is far too slow to run at load time. Integers
/// only, so the bytes are exact everywhere.
private enum BlueNoise {
    static let rounds = 6

    /// `size` x `size` bytes (a power of two, at most 1024), each value 0...255 exactly size * size / 256 times.
    static func plane(size: Int, random: inout NoiseRandom) -> [UInt8] {
        let count = size * size
        // White noise to start from: 20-bit values, the range of the ranks that follow.
        var values = (0..<count).map { _ in Int64(random.next() >> 44) }
        var rows = [Int64](repeating: 0, count: count)
        var high = [Int64](repeating: 0, count: count)
        var bins = [Int](repeating: 0, count: count + 1)
        for _ in 0..<rounds {
            highPass(values, rows: &rows, into: &high, size: size)
            rank(high, into: &values, bins: &bins)
        }
        return values.map { UInt8(truncatingIfNeeded: $0 * 256 / Int64(count)) }
    }

    /// `values` times the blur's total weight (256) minus its blur, wrapping at
    /// the edges. Written out with plain pointers: it runs 12 million times a
    /// plane, and debug builds (the tests') call out for everything else.
    static func highPass(_ values: [Int64], rows: inout [Int64], into high: inout [Int64], size: Int) {
        let mask = size - 1
        var line = [Int64](repeating: 0, count: size + 4)
        values.withUnsafeBufferPointer { v in
            rows.withUnsafeMutableBufferPointer { r in
                line.withUnsafeMutableBufferPointer { l in
                    for y in 0..<size {
                        // The row with 2 texels of wrap-around on each side.
                        for i in 0..<size + 4 { l[i] = v[y * size + ((i - 2) & mask)] }
                        for x in 0..<size {
                            r[y * size + x] = l[x] + l[x + 4] + 4 * (l[x + 1] + l[x + 3]) + 6 * l[x + 2]
                        }
                    }
                }
            }
        }
        values.withUnsafeBufferPointer { v in
            rows.withUnsafeBufferPointer { r in
                high.withUnsafeMutableBufferPointer { h in
                    for y in 0..<size {
                        // The five rows around row y, wrapping.
                        let p0 = r.baseAddress! + ((y - 2) & mask) * size, p1 = r.baseAddress! + ((y - 1) & mask) * size
                        let p2 = r.baseAddress! + y * size
                        let p3 = r.baseAddress! + ((y + 1) & mask) * size, p4 = r.baseAddress! + ((y + 2) & mask) * size
                        for x in 0..<size {
                            let blurred = p0[x] + p4[x] + 4 * (p1[x] + p3[x]) + 6 * p2[x]
                            h[y * size + x] = v[y * size + x] * 256 - blurred
                        }
                    }
                }
            }
        }
    }

    /// Each value's rank among `high` (0 for the lowest), by a counting sort
    /// into about as many bins as values (the top log2(count) bits of each
    /// value's distance from the lowest); the rare ties go by position.
    static func rank(_ high: [Int64], into ranks: inout [Int64], bins: inout [Int]) {
        let count = high.count
        high.withUnsafeBufferPointer { h in
            var low = h[0], top = h[0]
            for i in 0..<count { low = min(low, h[i]); top = max(top, h[i]) }
            let binBits = Int.bitWidth - 1 - count.leadingZeroBitCount, spanBits = Int64.bitWidth - (top - low).leadingZeroBitCount
            let shift = max(0, spanBits - binBits)
            bins.withUnsafeMutableBufferPointer { b in
                for i in 0..<b.count { b[i] = 0 }
                ranks.withUnsafeMutableBufferPointer { r in
                    for i in 0..<count {
                        r[i] = (h[i] - low) >> shift
                        b[Int(r[i]) + 1] += 1
                    }
                    for i in 1..<b.count { b[i] += b[i - 1] }
                    for i in 0..<count {
                        let bin = Int(r[i])
                        r[i] = Int64(b[bin])
                        b[bin] += 1
                    }
                }
            }
        }
    }
}
