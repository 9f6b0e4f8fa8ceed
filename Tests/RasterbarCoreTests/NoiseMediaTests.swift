// The built-in noise media: Shadertoy's sizes and channel counts, the same
// bytes forever (pinned), the (37, 17) relation iq's 3D noise relies on (read
// back through a CPU copy of his noise function), white noise that looks like
// white noise and blue noise that has no low frequencies. And Shadertoy's
// volume files: read, and refused with a message when they are not whole.
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class NoiseMediaTests: XCTestCase {
    func testSizesAndChannelsAreShadertoys() {
        let expected: [NoiseMedium: (name: String, width: Int, height: Int, depth: Int, channels: Int)] = [
            .greySmall: ("noise:grey-small", 64, 64, 1, 1),
            .greyMedium: ("noise:grey-medium", 256, 256, 1, 1),
            .rgbaSmall: ("noise:rgba-small", 64, 64, 1, 4),
            .rgbaMedium: ("noise:rgba-medium", 256, 256, 1, 4),
            .blue: ("noise:blue", 1024, 1024, 1, 4),
            .grey3D: ("noise3d:grey", 32, 32, 32, 1),
            .rgba3D: ("noise3d:rgba", 32, 32, 32, 4),
        ]
        XCTAssertEqual(Set(NoiseMedium.allCases), Set(expected.keys))
        for medium in NoiseMedium.allCases {
            let e = expected[medium]!
            XCTAssertEqual(medium.rawValue, e.name)
            XCTAssertEqual([medium.width, medium.height, medium.depth, medium.channels], [e.width, e.height, e.depth, e.channels], e.name)
            XCTAssertEqual(medium.is3D, e.depth > 1, e.name)
            XCTAssertEqual(medium.bytes().count, e.width * e.height * e.depth * e.channels, e.name)
            XCTAssertEqual(NoiseMedium(rawValue: e.name), medium)
        }
    }

    /// FNV-1a of each medium's bytes. These numbers are the media: a change
    /// to any of them changes how every demo using it looks.
    func testTheBytesNeverChange() {
        let pinned: [NoiseMedium: UInt64] = [
            .greySmall: 1864892095402448006,
            .greyMedium: 12290296386492005743,
            .rgbaSmall: 10017004912319298005,
            .rgbaMedium: 3120016654860823687,
            .blue: 9924996270194028705,
            .grey3D: 2977198107395964239,
            .rgba3D: 7492270535011491093,
        ]
        for medium in NoiseMedium.allCases {
            XCTAssertEqual(fnv1a(medium.bytes()), pinned[medium], medium.rawValue)
        }
    }

    func testShadertoysMediaFilesAreRecognised() {
        XCTAssertEqual(NoiseMedium(shadertoySource: "/media/a/f735bee5b64ef98879dc618b016ecf7939a5756040c2cde21ccb15e69a6e1cfb.png"), .rgbaMedium)
        XCTAssertEqual(NoiseMedium(shadertoySource: "/media/a/0c7bf5fe9462d5bffbd11126e82908e39be3ce56220d900f633d58fb432e56f5.png"), .greyMedium)
        XCTAssertEqual(NoiseMedium(shadertoySource: "https://www.shadertoy.com/media/a/27012b4eadd0c3ce12498b867058e4f717ce79e10a99568cca461682d84a4b04.bin"), .grey3D)
        XCTAssertEqual(NoiseMedium(shadertoySource: "aea6b99da1d53055107966b59ac5444fc8bc7b3ce2d0bbb6a4a3cbae1d97f3aa.bin"), .rgba3D)
        XCTAssertNil(NoiseMedium(shadertoySource: "/media/a/10eb4fe0ac8a7dc348a2cc282ca5df1759ab8bf680117e4047728100969e7b43.jpg"), "Rock Tiles is a photo")
        XCTAssertNil(NoiseMedium(shadertoySource: "/media/previz/buffer00.png"))
    }

    /// G and A are R and B moved by (37, 17), wrapping, in both RGBA textures.
    func testGreenAndAlphaAreRedAndBlueMovedBy37And17() {
        for medium in [NoiseMedium.rgbaSmall, .rgbaMedium] {
            let bytes = medium.bytes(), w = medium.width, h = medium.height
            var sameAsRed = 0
            for y in 0..<h {
                for x in 0..<w {
                    let here = medium.offset(x: x, y: y), moved = medium.offset(x: (x + 37) % w, y: (y + 17) % h)
                    XCTAssertEqual(bytes[moved + 1], bytes[here], "\(medium.rawValue) G at (\(x)+37, \(y)+17)")
                    XCTAssertEqual(bytes[moved + 3], bytes[here + 2], "\(medium.rawValue) A at (\(x)+37, \(y)+17)")
                    if bytes[here + 1] == bytes[here] { sameAsRed += 1 }
                }
            }
            // Unmoved, green is unrelated to red: equal about 1 time in 256.
            XCTAssertLessThan(sameAsRed, w * h / 64, medium.rawValue)
        }
    }

    /// iq's texture-based 3D value noise (as published, e.g. "Clouds"), sampled
    /// here the way GL samples: linear filtering between texel centres,
    /// repeating. Across a whole z it is continuous only thanks to the relation.
    func testIqsNoiseIsContinuousAcrossSlices() {
        let medium = NoiseMedium.rgbaMedium, bytes = medium.bytes()
        func texel(_ x: Int, _ y: Int) -> (r: Double, g: Double, b: Double, a: Double) {
            let o = medium.offset(x: x & 255, y: y & 255)
            return (Double(bytes[o]) / 255, Double(bytes[o + 1]) / 255, Double(bytes[o + 2]) / 255, Double(bytes[o + 3]) / 255)
        }
        /// texture(iChannel0, uv / 256.0) with GL_LINEAR and GL_REPEAT: .yx and .wz.
        func sample(_ u: Double, _ v: Double) -> (gr: (Double, Double), ab: (Double, Double)) {
            let x = u - 0.5, y = v - 0.5
            let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
            let fx = x - Double(x0), fy = y - Double(y0)
            let t00 = texel(x0, y0), t10 = texel(x0 + 1, y0), t01 = texel(x0, y0 + 1), t11 = texel(x0 + 1, y0 + 1)
            func lerp(_ c: KeyPath<(r: Double, g: Double, b: Double, a: Double), Double>) -> Double {
                let bottom = t00[keyPath: c] * (1 - fx) + t10[keyPath: c] * fx
                let top = t01[keyPath: c] * (1 - fx) + t11[keyPath: c] * fx
                return bottom * (1 - fy) + top * fy
            }
            return ((lerp(\.g), lerp(\.r)), (lerp(\.a), lerp(\.b)))
        }
        /// float noise(in vec3 x): uv = p.xy + vec2(37, 17) * p.z + f.xy; rg = texture(.., (uv + 0.5) / 256).yx; mix(rg.x, rg.y, f.z).
        /// The second component is the same with .wz (the variant that reads two noises at once).
        func noise(_ px: Double, _ py: Double, _ pz: Double) -> (Double, Double) {
            let p = (px.rounded(.down), py.rounded(.down), pz.rounded(.down))
            var f = (px - p.0, py - p.1, pz - p.2)
            f = (f.0 * f.0 * (3 - 2 * f.0), f.1 * f.1 * (3 - 2 * f.1), f.2 * f.2 * (3 - 2 * f.2))
            let u = p.0 + 37 * p.2 + f.0, v = p.1 + 17 * p.2 + f.1
            let s = sample(u + 0.5, v + 0.5)
            return (s.gr.0 + (s.gr.1 - s.gr.0) * f.2, s.ab.0 + (s.ab.1 - s.ab.0) * f.2)
        }
        var random = SplitMix(seed: 7)
        var largestJump = 0.0, largestStep = 0.0
        for _ in 0..<2000 {
            let x = random.uniform(-300, 300), y = random.uniform(-300, 300), z = Double(Int(random.uniform(-40, 40)))
            let below = noise(x, y, z - 1e-6), above = noise(x, y, z + 1e-6)
            largestJump = max(largestJump, abs(below.0 - above.0), abs(below.1 - above.1))
            // The same noise inside a slice, for scale: a step of 0.5 moves it a lot.
            let inside = noise(x, y, z + 0.5)
            largestStep = max(largestStep, abs(inside.0 - above.0))
        }
        XCTAssertLessThan(largestJump, 1e-4, "noise jumps at whole z: the channels are not moved by (37, 17)")
        XCTAssertGreaterThan(largestStep, 0.3)
    }

    /// Uniform bytes, every value present, channels and neighbours unrelated.
    func testWhiteNoiseLooksWhite() {
        for medium in NoiseMedium.allCases where medium != .blue {
            let bytes = medium.bytes(), n = medium.width * medium.height * medium.depth
            for channel in 0..<medium.channels {
                let values = (0..<n).map { Double(bytes[$0 * medium.channels + channel]) }
                let what = "\(medium.rawValue) channel \(channel)"
                let mean = values.reduce(0, +) / Double(n)
                let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
                // Uniform on 0...255: mean 127.5, sd 73.9; the error of a mean of 4096 is about 1.2.
                XCTAssertEqual(mean, 127.5, accuracy: 5, what)
                XCTAssertEqual(sd, 73.9, accuracy: 3, what)
                XCTAssertEqual(Set(values).count, 256, "\(what): every byte value appears")
                // Neighbours along x are unrelated.
                let pairs = (0..<n).filter { $0 % medium.width != medium.width - 1 }
                let covariance = pairs.map { (values[$0] - mean) * (values[$0 + 1] - mean) }.reduce(0, +) / Double(pairs.count)
                XCTAssertEqual(covariance / (sd * sd), 0, accuracy: 0.06, "\(what): neighbours correlate")
            }
            if medium.channels == 4 {
                let r = (0..<n).map { Double(bytes[$0 * 4]) - 127.5 }, b = (0..<n).map { Double(bytes[$0 * 4 + 2]) - 127.5 }
                XCTAssertEqual(zip(r, b).map(*).reduce(0, +) / Double(n) / (73.9 * 73.9), 0, accuracy: 0.06, "\(medium.rawValue): red and blue correlate")
            }
        }
    }

    /// Every value exactly as often as every other; far less energy at low
    /// frequencies than white noise; neighbours pushed apart.
    func testBlueNoiseHasNoLowFrequencies() {
        let medium = NoiseMedium.blue, bytes = medium.bytes(), size = medium.width, n = size * size
        for channel in 0..<4 {
            let values = (0..<n).map { Double(bytes[$0 * 4 + channel]) }
            var histogram = [Int](repeating: 0, count: 256)
            for v in values { histogram[Int(v)] += 1 }
            XCTAssertEqual(Set(histogram), [n / 256], "channel \(channel): a flat histogram")
            // The means of 8x8 blocks: white noise's vary with variance 73.9^2 / 64 = 85.
            var blockMeans: [Double] = []
            for by in stride(from: 0, to: size, by: 8) {
                for bx in stride(from: 0, to: size, by: 8) {
                    var sum = 0.0
                    for y in by..<by + 8 { for x in bx..<bx + 8 { sum += values[y * size + x] } }
                    blockMeans.append(sum / 64)
                }
            }
            let variance = blockMeans.map { ($0 - 127.5) * ($0 - 127.5) }.reduce(0, +) / Double(blockMeans.count)
            // Void-and-cluster blue noise (sigma 1.5) measures 6.7; this measures 6.7 too.
            XCTAssertLessThan(variance, 85 / 8, "channel \(channel): low frequencies left")
            let neighbours = (0..<n).filter { $0 % size != size - 1 }.map { (values[$0] - 127.5) * (values[$0 + 1] - 127.5) }
            XCTAssertLessThan(neighbours.reduce(0, +) / Double(neighbours.count) / (73.9 * 73.9), -0.2, "channel \(channel): neighbours are not pushed apart (void-and-cluster: -0.28)")
        }
        let r = (0..<n).map { Double(bytes[$0 * 4]) - 127.5 }, g = (0..<n).map { Double(bytes[$0 * 4 + 1]) - 127.5 }
        XCTAssertEqual(zip(r, g).map(*).reduce(0, +) / Double(n) / (73.9 * 73.9), 0, accuracy: 0.02, "the channels are independent")
    }

    // MARK: Volume files

    /// A .bin file as Shadertoy stores one: the header, then the texels.
    func volume(width: UInt32, height: UInt32, depth: UInt32, channels: UInt8, format: UInt16, texels: [UInt8]) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        return Array("BIN\0".utf8) + le32(width) + le32(height) + le32(depth) + [channels, 0]
            + [UInt8(truncatingIfNeeded: format), UInt8(truncatingIfNeeded: format >> 8)] + texels
    }

    func testAVolumeFileReads() throws {
        let texels = (0..<(3 * 2 * 4 * 2)).map { UInt8($0) }
        let file = try VolumeFile(parsing: volume(width: 3, height: 2, depth: 4, channels: 2, format: 0, texels: texels), name: "Textures/v.bin")
        XCTAssertEqual([file.width, file.height, file.depth, file.channels], [3, 2, 4, 2])
        XCTAssertEqual(file.format, .uint8)
        XCTAssertEqual(file.bytes, texels)
        let floats = (0..<(2 * 2 * 2)).flatMap { i -> [UInt8] in
            let bits = Float(i) .bitPattern
            return (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
        }
        let floatFile = try VolumeFile(parsing: volume(width: 2, height: 2, depth: 2, channels: 1, format: 10, texels: floats), name: "f.bin")
        XCTAssertEqual(floatFile.format, .float32)
        XCTAssertEqual(floatFile.bytes, floats)
    }

    func testABadVolumeFileSaysWhatIsWrong() throws {
        let whole = volume(width: 4, height: 4, depth: 4, channels: 4, format: 0, texels: [UInt8](repeating: 7, count: 256))
        let truncated = assertRasterbarError(.invalidImage) { try VolumeFile(parsing: Array(whole.dropLast(10)), name: "Textures/v.bin") }
        XCTAssertEqual(truncated?.description,
                       "Textures/v.bin: not a Shadertoy volume: truncated: the header says 4x4x4, 4 channels of bytes, 276 bytes in all, but the file has 266 (the file was cut short: download or export it again)")
        let short = assertRasterbarError(.invalidImage) { try VolumeFile(parsing: Array(whole.prefix(12)), name: "v.bin") }
        XCTAssertTrue(short?.message.contains("12 bytes, shorter than the 20-byte header") ?? false, "\(short.map { "\($0)" } ?? "")")
        let long = assertRasterbarError(.invalidImage) { try VolumeFile(parsing: whole + [0], name: "v.bin") }
        XCTAssertTrue(long?.message.contains("the file has 1 more") ?? false, "\(long.map { "\($0)" } ?? "")")
        let channels = assertRasterbarError(.invalidImage) {
            try VolumeFile(parsing: volume(width: 1, height: 1, depth: 1, channels: 5, format: 0, texels: [0, 0, 0, 0, 0]), name: "v.bin")
        }
        XCTAssertTrue(channels?.message.contains("5 channels") ?? false)
        let format = assertRasterbarError(.invalidImage) {
            try VolumeFile(parsing: volume(width: 1, height: 1, depth: 1, channels: 1, format: 3, texels: [0]), name: "v.bin")
        }
        XCTAssertTrue(format?.message.contains("data format 3") ?? false)
        let empty = assertRasterbarError(.invalidImage) { try VolumeFile(parsing: volume(width: 0, height: 1, depth: 1, channels: 1, format: 0, texels: []), name: "v.bin") }
        XCTAssertTrue(empty?.message.contains("width of 0") ?? false)
        // A PNG renamed to .bin.
        let png = try Image(width: 2, height: 2, pixels: [UInt8](repeating: 255, count: 16)).pngData()
        assertRasterbarError(.invalidImage) { try VolumeFile(parsing: png, name: "v.bin") }
    }

    func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
