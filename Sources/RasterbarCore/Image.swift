// RGBA8 images in memory, top row first, and their PNG form (libpng's
// simplified API). Rendering hands images here; nothing here knows GL.
import CPNG

/// An 8-bit RGBA image, rows top-down, no padding between rows.
public struct Image: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// width * height * 4 bytes.
    public var pixels: [UInt8]

    /// A black, transparent image of the given size.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 4))
    }

    /// Wraps existing pixel bytes (top row first).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 4, "pixel count does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Takes rows in GL's order (bottom row first) and stores them top-down.
    public init(width: Int, height: Int, bottomUpRows: [UInt8]) {
        precondition(bottomUpRows.count == width * height * 4, "pixel count does not match the size")
        let rowBytes = width * 4
        // Uninitialised: every byte is written by the row copies below.
        let pixels = [UInt8](unsafeUninitializedCapacity: bottomUpRows.count) { dst, count in
            bottomUpRows.withUnsafeBytes { src in
                for row in 0..<height {
                    UnsafeMutableRawPointer(dst.baseAddress! + row * rowBytes).copyMemory(
                        from: src.baseAddress! + (height - 1 - row) * rowBytes, byteCount: rowBytes)
                }
            }
            count = bottomUpRows.count
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The RGBA of the pixel at column x, row y (row 0 at the top).
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        let i = (y * width + x) * 4
        return (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
    }
}

// libpng's simplified-API format PNG_FORMAT_RGBA (a macro expression Swift does not import).
private let pngFormatRGBA: UInt32 = 3

extension Image {
    /// Encodes the image as PNG bytes.
    public func pngData() throws -> [UInt8] {
        try pixels.withUnsafeBytes { try PNG.encode($0, width: width, height: height, bottomUp: false, fast: false) }
    }

    /// Decodes PNG bytes of any colour type into RGBA8. `name` is used in messages.
    public init(pngData data: [UInt8], name: String) throws {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        let began = data.withUnsafeBytes { png_image_begin_read_from_memory(&png, $0.baseAddress, $0.count) }
        guard began != 0 else {
            defer { png_image_free(&png) }
            // Shadertoy's textures (and most photos) are JPEGs: say how to bring one.
            let jpeg = data.starts(with: [0xFF, 0xD8, 0xFF])
            throw RasterbarError(.invalidImage, "not a readable PNG: \(jpeg ? "it is a JPEG" : pngMessage(png))", at: name,
                                 hint: jpeg ? "convert it to PNG: ffmpeg -i photo.jpg photo.png" : "save it as PNG again")
        }
        png.format = pngFormatRGBA
        let (w, h) = (Int(png.width), Int(png.height))
        var pixels = [UInt8](repeating: 0, count: w * h * 4)
        let finished = data.withUnsafeBytes { _ in
            pixels.withUnsafeMutableBytes { png_image_finish_read(&png, nil, $0.baseAddress, Int32(w * 4), nil) }
        }
        guard finished != 0 else {
            defer { png_image_free(&png) }
            throw RasterbarError(.invalidImage, "PNG data is damaged: \(pngMessage(png))", at: name)
        }
        self.init(width: w, height: h, pixels: pixels)
    }

    /// Reads a PNG file.
    public init(pngFile path: String) throws {
        try self.init(pngData: try FileIO.read(path), name: path)
    }

    /// Writes a PNG file atomically: readers never see half a file.
    public func writePNG(to path: String) throws {
        try FileIO.writeAtomically(try pngData(), to: path)
    }
}

/// PNG encoding of raw RGBA8 pixels.
public enum PNG {
    /// Encodes `width` x `height` RGBA8 pixels. `bottomUp`: rows come in GL's
    /// order and are written flipped without a copy. `fast`: less compression
    /// for more speed (files about 25% larger or more).
    public static func encode(_ rgba: UnsafeRawBufferPointer, width: Int, height: Int, bottomUp: Bool, fast: Bool) throws -> [UInt8] {
        precondition(rgba.count >= width * height * 4, "too few pixels")
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(width)
        png.height = UInt32(height)
        png.format = pngFormatRGBA
        if fast { png.flags |= UInt32(PNG_IMAGE_FLAG_FAST) }
        let stride = Int32(width * 4) * (bottomUp ? -1 : 1)
        var size = 0
        // First call sizes the buffer, the second fills it.
        guard png_image_write_to_memory(&png, nil, &size, 0, rgba.baseAddress, stride, nil) != 0 else {
            throw RasterbarError(.invalidImage, "PNG encoding failed: \(pngMessage(png))")
        }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { png_image_write_to_memory(&png, $0.baseAddress, &size, 0, rgba.baseAddress, stride, nil) }
        guard written != 0 else { throw RasterbarError(.invalidImage, "PNG encoding failed: \(pngMessage(png))") }
        out.removeSubrange(size...)
        return out
    }
}

private func pngMessage(_ png: png_image) -> String {
    var message = png.message
    return withUnsafeBytes(of: &message) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// How far two images are apart, for golden-image tests.
public struct ImageDifference: Sendable, CustomStringConvertible {
    /// Largest difference of any channel of any pixel (0-255).
    public var maxChannelDelta: Int
    /// Share of pixels (0-1) with any channel differing by more than the tolerance.
    public var differingShare: Double
    /// The channel tolerance `differingShare` was counted with.
    public var tolerance: Int

    /// Compares two images of the same size.
    public init(_ a: Image, _ b: Image, tolerance: Int) {
        precondition(a.width == b.width && a.height == b.height, "images differ in size")
        var maxDelta = 0
        var differing = 0
        a.pixels.withUnsafeBufferPointer { pa in
            b.pixels.withUnsafeBufferPointer { pb in
                var i = 0
                while i < pa.count {
                    var pixelMax = 0
                    for c in 0..<4 { pixelMax = max(pixelMax, abs(Int(pa[i + c]) - Int(pb[i + c]))) }
                    if pixelMax > tolerance { differing += 1 }
                    maxDelta = max(maxDelta, pixelMax)
                    i += 4
                }
            }
        }
        maxChannelDelta = maxDelta
        differingShare = Double(differing) / Double(max(1, a.width * a.height))
        self.tolerance = tolerance
    }

    public var description: String {
        "max channel delta \(maxChannelDelta), \(String(format2: differingShare * 100))% of pixels beyond \(tolerance)"
    }
}

extension String {
    /// A number with two decimals, without Foundation.
    public init(format2 value: Double) {
        let scaled = (value * 100).rounded()
        let whole = Int(scaled / 100), frac = Int(abs(scaled).truncatingRemainder(dividingBy: 100))
        self = "\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }
}
