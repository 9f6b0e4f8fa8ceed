// Fitting the demo's image into a window of any shape.

/// Where the demo image goes inside a window of another size: scaled to fit,
/// centred, the rest black (letterbox or pillarbox).
public struct Letterbox: Sendable, Equatable {
    public var x: Int, y: Int, width: Int, height: Int

    /// Fits `content` inside `frame` keeping its aspect ratio.
    public init(fitting content: PixelSize, into frame: PixelSize) {
        let scale = min(Double(frame.width) / Double(content.width), Double(frame.height) / Double(content.height))
        width = max(1, Int((Double(content.width) * scale).rounded()))
        height = max(1, Int((Double(content.height) * scale).rounded()))
        x = (frame.width - width) / 2
        y = (frame.height - height) / 2
    }
}
