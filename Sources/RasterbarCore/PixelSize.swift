/// A width and height in pixels, both at least 1.
public struct PixelSize: Sendable, Equatable, CustomStringConvertible {
    /// The largest side accepted: beyond what GL implementations allocate.
    public static let maxDimension = 16384

    public var width: Int
    public var height: Int

    /// Any size from 1x1 up to maxDimension on each side.
    public init(width: Int, height: Int) {
        precondition(width >= 1 && height >= 1)
        self.width = width
        self.height = height
    }

    /// A size from JSON numbers; nil unless both are whole and in range.
    public init?(width: Double, height: Double) {
        let range = 1.0...Double(Self.maxDimension)
        guard range.contains(width), range.contains(height), width.rounded() == width, height.rounded() == height else { return nil }
        self.init(width: Int(width), height: Int(height))
    }

    /// Parses `WxH`, e.g. `1280x720`.
    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else {
            throw RasterbarError(.invalidArgument, "size '\(text)' is not WxH", hint: "write it like 1280x720")
        }
        guard (1...Self.maxDimension).contains(w), (1...Self.maxDimension).contains(h) else {
            throw RasterbarError(.invalidArgument, "size '\(text)' is out of range",
                                 hint: "each side must be from 1 to \(Self.maxDimension)")
        }
        self.init(width: w, height: h)
    }

    public var description: String { "\(width)x\(height)" }
}
