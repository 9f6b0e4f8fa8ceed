// The libdeflate PNG writer: every file decodes through libpng to the pixels
// it was given (RGB and RGBA, top-down and bottom-up, both filters), and the
// chunks say what they should.
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class PNGEncoderTests: XCTestCase {
    /// Widths of 1, odd and even; heights below and above the 32 rows that a trial samples.
    let sizes = [(1, 1), (1, 7), (3, 1), (5, 3), (33, 17), (64, 40), (101, 97)]

    func testRoundTripsThroughLibpng() throws {
        for (width, height) in sizes {
            for content in Content.allCases {
                let rgba = content.pixels(width: width, height: height)
                for alpha in [false, true] {
                    for bottomUp in [false, true] {
                        // nil is the trial's choice; the others force each filter.
                        for filter in [nil, PNGEncoder.Filter.none, .sub] {
                            let what = "\(width)x\(height) \(content) alpha \(alpha) bottomUp \(bottomUp) filter \(filter.map { "\($0)" } ?? "chosen")"
                            let input = bottomUp ? flipped(rgba, width: width, height: height) : rgba
                            let png = input.withUnsafeBytes {
                                PNGEncoder.encode($0, width: width, height: height, bottomUp: bottomUp, alpha: alpha, level: PNGEncoder.defaultLevel, filter: filter)
                            }
                            let decoded = try Image(pngData: png, name: what)
                            XCTAssertEqual(decoded.width, width, what)
                            XCTAssertEqual(decoded.height, height, what)
                            assertSamePixels(decoded.pixels, alpha ? rgba : opaque(rgba), what)
                        }
                    }
                }
            }
        }
    }

    func testEveryLevelRoundTrips() throws {
        let rgba = Content.noise.pixels(width: 33, height: 40)
        for level in 1...12 {
            let png = rgba.withUnsafeBytes { PNGEncoder.encode($0, width: 33, height: 40, bottomUp: false, alpha: true, level: level) }
            assertSamePixels(try Image(pngData: png, name: "level \(level)").pixels, rgba, "level \(level)")
        }
    }

    func testRGBDropsAlpha() throws {
        // Every pixel half transparent: an RGB file must still decode opaque.
        let rgba = [UInt8](repeating: 0, count: 4 * 4 * 3).enumerated().map { $0.offset % 4 == 3 ? 128 : UInt8($0.offset) }
        let png = rgba.withUnsafeBytes { PNGEncoder.encode($0, width: 4, height: 3, bottomUp: false, alpha: false) }
        let decoded = try Image(pngData: png, name: "rgb")
        XCTAssertTrue(decoded.pixels.enumerated().allSatisfy { $0.offset % 4 != 3 || $0.element == 255 })
        assertSamePixels(decoded.pixels, opaque(rgba), "rgb")
    }

    func testHeaderAndChunks() {
        let rgba = Content.gradient.pixels(width: 7, height: 5)
        for alpha in [false, true] {
            let png = rgba.withUnsafeBytes { PNGEncoder.encode($0, width: 7, height: 5, bottomUp: false, alpha: alpha) }
            XCTAssertEqual(Array(png[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "signature")
            XCTAssertEqual(Array(png[8..<16]), [0, 0, 0, 13] + Array("IHDR".utf8))
            XCTAssertEqual(Array(png[16..<24]), [0, 0, 0, 7, 0, 0, 0, 5], "width and height, big-endian")
            XCTAssertEqual(png[24], 8, "bit depth")
            XCTAssertEqual(png[25], alpha ? 6 : 2, "colour type: 6 is RGBA, 2 is RGB")
            XCTAssertEqual(Array(png[37..<41]), Array("IDAT".utf8), "one IDAT right after IHDR")
            XCTAssertEqual(Array(png.suffix(12)), [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82], "IEND with its fixed CRC")
        }
    }

    func testOutputIsDeterministic() {
        let rgba = Content.noise.pixels(width: 101, height: 97)
        for alpha in [false, true] {
            let first = rgba.withUnsafeBytes { PNGEncoder.encode($0, width: 101, height: 97, bottomUp: true, alpha: alpha) }
            let second = rgba.withUnsafeBytes { PNGEncoder.encode($0, width: 101, height: 97, bottomUp: true, alpha: alpha) }
            XCTAssertTrue(first == second, "alpha \(alpha)")
        }
    }

    func testFlatImageIsSmall() {
        let rgba = Content.flat.pixels(width: 640, height: 360)
        let png = rgba.withUnsafeBytes { PNGEncoder.encode($0, width: 640, height: 360, bottomUp: false, alpha: false) }
        // 691,200 bytes of RGB; the chunks alone take 57 bytes.
        XCTAssertLessThan(png.count, 2_000, "\(png.count) bytes")
    }

    func testNoFilterOnlyWhenClearlySmaller() {
        // Images of at most 32 rows are tried whole, so the file must be exactly
        // the one forced: no filter where it is half the size, Sub elsewhere.
        // Rows of a ramp that each shift a third of a pixel compress better
        // unfiltered (like the tunnel). Plain ramps compress better with Sub;
        // concentric rings compress 8% better unfiltered, which is not enough.
        for (content, noneWins) in [(Content.slant, true), (.gradient, false), (.rings, false)] {
            let rgba = content.pixels(width: 101, height: 32)
            func encode(_ filter: PNGEncoder.Filter?) -> [UInt8] {
                rgba.withUnsafeBytes { PNGEncoder.encode($0, width: 101, height: 32, bottomUp: false, alpha: false, level: 1, filter: filter) }
            }
            let none = encode(PNGEncoder.Filter.none), sub = encode(.sub)
            XCTAssertEqual(none.count * 10 < sub.count * 9, noneWins, "\(content): none \(none.count) bytes, sub \(sub.count)")
            let chosen = encode(nil)
            XCTAssertTrue(chosen == (noneWins ? none : sub), "\(content): chose \(chosen.count) bytes")
        }
    }

    func testSampleBands() {
        XCTAssertEqual(PNGEncoder.sampleBands(height: 1), [0..<1])
        XCTAssertEqual(PNGEncoder.sampleBands(height: 32), [0..<32], "short images are tried whole")
        XCTAssertEqual(PNGEncoder.sampleBands(height: 33), [0..<16, 16..<32])
        XCTAssertEqual(PNGEncoder.sampleBands(height: 720), [172..<188, 532..<548])
    }

    /// Test pictures of different character, from a fixed seed.
    enum Content: CaseIterable {
        case gradient, noise, flat, rings, slant

        func pixels(width: Int, height: Int) -> [UInt8] {
            var random = SplitMix(seed: 0x5EED_0000 + UInt64(width * 1000 + height))
            var out: [UInt8] = []
            out.reserveCapacity(width * height * 4)
            for y in 0..<height {
                for x in 0..<width {
                    switch self {
                    case .gradient:
                        out += [UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), UInt8((x + y) & 255), UInt8(255 - (x & 127))]
                    case .noise:
                        out += (0..<4).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                    case .flat:
                        out += [40, 90, 200, 255]
                    case .rings:
                        let (dx, dy) = (Double(x - width / 3), Double(y - height / 2))
                        let r = (dx * dx + dy * dy).squareRoot()
                        out += [UInt8(Int(r * 0.7) & 255), UInt8(Int(r * 1.3) & 255), UInt8(Int(r * 0.45) & 255), 255]
                    case .slant:
                        let t = Double(x) + Double(y) * 0.3
                        out += [UInt8(Int(t * 0.37) & 255), UInt8(Int(t * 0.61) & 255), UInt8(Int(t * 0.23) & 255), 255]
                    }
                }
            }
            return out
        }
    }

    /// Compares pixel bytes, naming the first pixel that differs rather than printing them all.
    func assertSamePixels(_ actual: [UInt8], _ expected: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard actual != expected else { return }
        let first = (0..<min(actual.count, expected.count)).first { actual[$0] != expected[$0] } ?? min(actual.count, expected.count)
        XCTFail("\(what): \(actual.count) bytes, expected \(expected.count); first difference in pixel \(first / 4)", file: file, line: line)
    }

    /// The rows in the opposite order (GL's order for a top-down image).
    func flipped(_ rgba: [UInt8], width: Int, height: Int) -> [UInt8] {
        (0..<height).reversed().flatMap { rgba[($0 * width * 4)..<(($0 + 1) * width * 4)] }
    }

    /// What an RGB file decodes to: the same colours, alpha 255.
    func opaque(_ rgba: [UInt8]) -> [UInt8] {
        rgba.enumerated().map { $0.offset % 4 == 3 ? 255 : $0.element }
    }
}
