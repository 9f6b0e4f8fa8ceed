// Shadertoy's volume (3D texture) files, `.bin`, as its player reads them
// (effect.js, NewTexture for "volume"): a 20-byte little-endian header, then
// the texels with no padding, x fastest, then y, then z, uploaded to GL as
// they are.
//
//   offset  size  field
//        0     4  signature (Shadertoy's reader skips it; so does this one)
//        4     4  width  (x resolution)
//        8     4  height (y resolution)
//       12     4  depth  (z resolution)
//       16     1  channels, 1 to 4
//       17     1  layout (Shadertoy's reader ignores it; so does this one)
//       18     2  format: 0 = one byte per channel, 10 = a 32-bit float per channel
//       20     .  width * height * depth * channels values

/// A volume read from a Shadertoy `.bin` file.
public struct VolumeFile: Sendable, Equatable {
    /// How each channel of a texel is stored.
    public enum Format: UInt16, Sendable {
        /// One unsigned byte (GL_UNSIGNED_BYTE, read as 0...1).
        case uint8 = 0
        /// A little-endian IEEE 754 32-bit float (GL_FLOAT).
        case float32 = 10

        public var bytesPerValue: Int { self == .uint8 ? 1 : 4 }
    }

    public var width: Int
    public var height: Int
    public var depth: Int
    /// 1 to 4 (red, red-green, RGB, RGBA).
    public var channels: Int
    public var format: Format
    /// The texels, exactly as stored: x fastest, then y (row 0 is texture t = 0), then z.
    public var bytes: [UInt8]

    /// The size of the fixed header.
    public static let headerSize = 20
    /// The largest side accepted: what GL guarantees for GL_MAX_3D_TEXTURE_SIZE in 4.x is 2048.
    public static let maxSide = 2048

    /// Reads `data`, a whole `.bin` file; `name` says where it came from in messages.
    public init(parsing data: [UInt8], name: String) throws {
        func bad(_ message: String, _ hint: String) -> RasterbarError {
            RasterbarError(.invalidImage, "not a Shadertoy volume: \(message)", at: name, hint: hint)
        }
        let reexport = "export the volume again; a .bin file is a 20-byte header and then the texels"
        guard data.count >= Self.headerSize else {
            throw bad("\(data.count) bytes, shorter than the \(Self.headerSize)-byte header", reexport)
        }
        func u32(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24 }
        width = u32(4)
        height = u32(8)
        depth = u32(12)
        channels = Int(data[16])
        let formatCode = UInt16(data[18]) | UInt16(data[19]) << 8
        for (side, value) in [("width", width), ("height", height), ("depth", depth)] where !(1...Self.maxSide).contains(value) {
            throw bad("its header gives a \(side) of \(value)", "each side must be 1 to \(Self.maxSide) texels; \(reexport)")
        }
        guard (1...4).contains(channels) else {
            throw bad("its header gives \(channels) channels", "a volume has 1 to 4 channels; \(reexport)")
        }
        guard let format = Format(rawValue: formatCode) else {
            throw bad("its header gives data format \(formatCode)", "Shadertoy's formats are 0 (bytes) and 10 (32-bit floats); \(reexport)")
        }
        self.format = format
        let expected = Self.headerSize + width * height * depth * channels * format.bytesPerValue
        let what = "\(width)x\(height)x\(depth), \(channels) channel\(channels == 1 ? "" : "s") of \(format == .uint8 ? "bytes" : "floats")"
        guard data.count == expected else {
            throw bad(data.count < expected
                          ? "truncated: the header says \(what), \(expected) bytes in all, but the file has \(data.count)"
                          : "the header says \(what), \(expected) bytes in all, but the file has \(data.count - expected) more",
                      data.count < expected ? "the file was cut short: download or export it again" : reexport)
        }
        bytes = Array(data[Self.headerSize...])
    }
}
