// Export's PNG writer: the chunks and the row filter are written here, the
// DEFLATE stream comes from libdeflate. It writes 8-bit RGB or RGBA, one IDAT,
// no interlacing and no ancillary chunks. Decoding is left to libpng
// (`Image(pngData:name:)`). `PNG.encode` (libpng and zlib) is 10 to 30 times
// slower at a similar size.
import CDeflate

/// Encodes 8-bit pixels as PNG with libdeflate.
///
/// Each image is written with one of two setups, chosen by compressing a
/// sample of its rows both ways:
/// - the Sub filter on every row, at `level`, or
/// - no filter, at level 7 or `level` if that is higher, when that is
///   clearly smaller.
///
/// Measured on rendered 1280x720 frames (copper bars, a tunnel, spheres, fbm
/// noise) against ffmpeg's `-c:v png`, which writes no filter with zlib level 6:
/// - Sub at level 1 is the fastest way to a file no bigger than ffmpeg's.
/// - The exception is smooth gradients whose rows repeat the row above a few
///   pixels over (the tunnel). There, unfiltered pixels at level 7 take less
///   than half of Sub's size: only a deep LZ search finds those repeats, and
///   a filter hides them.
/// - Up, Average and Paeth lost to Sub or to no filter on every scene.
/// - libpng's per-row choice (the least sum of absolute differences) was
///   slower than Sub, and larger.
///
/// Thread safety: every call allocates its own libdeflate compressors, because
/// compressors are not thread-safe and export encodes on several threads at
/// once. An allocation costs a few microseconds, next to milliseconds of compression.
public enum PNGEncoder {
    /// `pixels`: width x height RGBA8 (4 bytes a pixel, tightly packed). `bottomUp`: rows come in GL's order (first row is the bottom) and are written flipped. `alpha`: write RGBA; otherwise RGB (colour type 2), dropping alpha. `level`: libdeflate level 1-12.
    public static func encode(_ pixels: UnsafeRawBufferPointer, width: Int, height: Int, bottomUp: Bool, alpha: Bool, level: Int = PNGEncoder.defaultLevel) -> [UInt8] {
        encode(pixels, width: width, height: height, bottomUp: bottomUp, alpha: alpha, level: level, filter: nil)
    }

    /// libdeflate's fastest level. With Sub it is already smaller than ffmpeg
    /// (0.7 to 0.9 times the size). Level 2 costs up to 70% more time (on noise)
    /// for files 4% smaller.
    public static let defaultLevel = 1

    /// The lowest level that unfiltered rows are compressed at. The tunnel's
    /// unfiltered frames grow by 7% at level 6, 25% at level 5 and 2.1 times at level 1.
    static let unfilteredMinimumLevel = 7

    /// The PNG filter types used here. Both are applied to every row of an image.
    enum Filter: UInt8 {
        case none = 0
        /// Each byte minus the same channel of the pixel to its left.
        case sub = 1
    }

    /// `filter`: nil to choose it by trial (as the public encoder does); tests force one.
    static func encode(_ pixels: UnsafeRawBufferPointer, width: Int, height: Int, bottomUp: Bool, alpha: Bool, level: Int, filter: Filter?) -> [UInt8] {
        precondition(width > 0 && height > 0 && width < 1 << 31 && height < 1 << 31, "PNG sizes are 1 to 2^31-1")
        precondition(pixels.count >= width * height * 4, "too few pixels")
        precondition((1...12).contains(level), "libdeflate levels are 1-12")
        let rows = Rows(base: pixels.baseAddress!.assumingMemoryBound(to: UInt8.self), width: width, height: height,
                        bottomUp: bottomUp, channels: alpha ? 4 : 3)
        let sub = (filter: Filter.sub, compressor: Compressor(level: level))
        let none = (filter: Filter.none, compressor: Compressor(level: max(level, unfilteredMinimumLevel)))
        var chosen = filter == Filter.none ? none : sub
        if filter == nil {
            let sample = sampleBands(height: height)
            let subSize = rows.filtered(sample, sub.filter) { data in sub.compressor.zlib(data) { $0.count } }
            let noneSize = rows.filtered(sample, none.filter) { data in none.compressor.zlib(data) { $0.count } }
            // No filter must win by at least 10%: its level takes 1.5 to 5 times as long as
            // Sub's, so smaller gains (within the sample's error) are not worth it.
            if noneSize * 10 < subSize * 9 { chosen = none }
        }
        return rows.filtered([0..<height], chosen.filter) { data in
            chosen.compressor.zlib(data) { idat in png(width: width, height: height, alpha: alpha, idat: idat) }
        }
    }

    /// The rows the filter is chosen on: two bands of 16 rows, a quarter and
    /// three quarters of the way down, or every row of a short image.
    /// - Why bands: no filter relies on the rows above to match against, so
    ///   single rows would misjudge it.
    /// - Why 16 rows: bands of 8 chose Sub wrongly on some tunnel frames.
    /// - Cost: 32 of 720 rows adds 10-20% to the encode time.
    static func sampleBands(height: Int) -> [Range<Int>] {
        let band = 16
        guard height > 2 * band else { return [0..<height] }
        return [height / 4, height * 3 / 4].map { centre in (centre - band / 2)..<(centre + band / 2) }
    }

    /// Signature, IHDR, one IDAT holding `idat` (a zlib stream), IEND.
    private static func png(width: Int, height: Int, alpha: Bool, idat: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8 + (12 + 13) + (12 + idat.count) + 12)
        out += [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        // Bit depth 8; colour type 6 (RGBA) or 2 (RGB); deflate; adaptive filtering (the only method); no interlace.
        let header = bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, alpha ? 6 : 2, 0, 0, 0]
        header.withUnsafeBytes { appendChunk("IHDR", $0, to: &out) }
        appendChunk("IDAT", idat, to: &out)
        appendChunk("IEND", UnsafeRawBufferPointer(start: nil, count: 0), to: &out)
        return out
    }

    /// Length, type, data, then the CRC-32 of type and data.
    private static func appendChunk(_ type: String, _ data: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out += bigEndian(UInt32(data.count))
        let typeStart = out.count
        out += Array(type.utf8)
        out.append(contentsOf: data)
        let crc = out.withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress! + typeStart, $0.count - typeStart) }
        out += bigEndian(crc)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}

extension PNGEncoder {
    /// The image's rows in PNG's order (top first) and in the output's pixel format.
    private struct Rows {
        let base: UnsafePointer<UInt8>
        let width: Int
        let height: Int
        let bottomUp: Bool
        /// 3 (RGB) or 4 (RGBA) bytes a pixel in the output; the input always has 4.
        let channels: Int

        var rowBytes: Int { width * channels }

        /// Filters `bands` of rows into one buffer laid out as IDAT data (each row
        /// is its filter type byte followed by the row), and passes the buffer to `body`.
        func filtered<T>(_ bands: [Range<Int>], _ filter: Filter, _ body: (UnsafeRawBufferPointer) -> T) -> T {
            let rowCount = bands.reduce(0) { $0 + $1.count }
            let count = rowCount * (rowBytes + 1)
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
            defer { buffer.deallocate() }
            // Sub needs the whole row in the output format before it subtracts
            // neighbours, so RGB rows are packed here first.
            let packed = UnsafeMutablePointer<UInt8>.allocate(capacity: rowBytes)
            defer { packed.deallocate() }
            var out = buffer
            for y in bands.joined() {
                out[0] = filter.rawValue
                switch filter {
                case .none:
                    // RGB rows are packed straight into place; RGBA rows are copied there.
                    let row = pixels(ofRow: y, packingInto: out + 1)
                    if row != out + 1 { (out + 1).update(from: row, count: rowBytes) }
                case .sub:
                    subtractLeft(pixels(ofRow: y, packingInto: packed), into: out + 1)
                }
                out += rowBytes + 1
            }
            return body(UnsafeRawBufferPointer(start: buffer, count: count))
        }

        /// Row `y` (0 at the top) in the output's format: RGBA rows are read in
        /// place, RGB rows are packed into `scratch` (`rowBytes` long).
        private func pixels(ofRow y: Int, packingInto scratch: UnsafeMutablePointer<UInt8>) -> UnsafePointer<UInt8> {
            let source = base + (bottomUp ? height - 1 - y : y) * width * 4
            if channels == 4 { return source }
            for x in 0..<width {
                scratch[3 * x] = source[4 * x]
                scratch[3 * x + 1] = source[4 * x + 1]
                scratch[3 * x + 2] = source[4 * x + 2]
            }
            return UnsafePointer(scratch)
        }

        /// The Sub filter: the first pixel as it is, every later byte minus the
        /// byte one pixel back. It reads only the unfiltered row, so the loop
        /// carries no dependency and the compiler vectorises it.
        private func subtractLeft(_ row: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) {
            out.update(from: row, count: channels)
            for i in channels..<rowBytes { out[i] = row[i] &- row[i - channels] }
        }
    }

    /// One libdeflate compressor, freed with its owner.
    private final class Compressor {
        private let compressor: OpaquePointer

        init(level: Int) {
            // libdeflate returns nil only when out of memory.
            guard let compressor = libdeflate_alloc_compressor(Int32(level)) else { fatalError("libdeflate: out of memory") }
            self.compressor = compressor
        }

        deinit { libdeflate_free_compressor(compressor) }

        /// Compresses `data` into a zlib stream and passes the stream to `body`.
        func zlib<T>(_ data: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> T) -> T {
            let bound = libdeflate_zlib_compress_bound(compressor, data.count)
            let out = UnsafeMutableRawPointer.allocate(byteCount: bound, alignment: 16)
            defer { out.deallocate() }
            let count = libdeflate_zlib_compress(compressor, data.baseAddress, data.count, out, bound)
            // The bound guarantees room: libdeflate returns 0 only when the stream does not fit.
            precondition(count > 0, "libdeflate: zlib stream larger than its bound")
            return body(UnsafeRawBufferPointer(start: out, count: count))
        }
    }
}
