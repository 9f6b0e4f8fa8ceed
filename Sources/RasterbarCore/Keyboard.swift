// Shadertoy's keyboard input: a 256x3 single-channel texture indexed by the
// browser's key code (JavaScript `keyCode`: 32 space, 37-40 the arrows, 65-90
// A-Z). Row 0 holds the keys that are down, row 1 the keys pressed since the
// last frame (for one frame), row 2 a toggle flipped by each press. No GL here:
// these are the bytes; the host uploads them.

/// The keys a scene can read, as Shadertoy lays them out.
public struct KeyboardState: Sendable, Equatable {
    public static let width = 256, height = 3

    /// Rows bottom-up as GL reads them: row 0 first, 255 for true.
    public private(set) var bytes = [UInt8](repeating: 0, count: width * height)

    public init() {}

    /// A key went down or up. Repeats of a key already down are not presses.
    public mutating func set(code: Int, down: Bool) {
        guard (0..<Self.width).contains(code) else { return }
        let wasDown = bytes[code] != 0
        bytes[code] = down ? 255 : 0
        if down, !wasDown {
            bytes[Self.width + code] = 255
            bytes[2 * Self.width + code] ^= 255
        }
    }

    /// After a frame has shown this state: presses last one frame.
    public mutating func endFrame() {
        for i in Self.width..<2 * Self.width { bytes[i] = 0 }
    }

    /// True when key `code` is down.
    public func isDown(_ code: Int) -> Bool { (0..<Self.width).contains(code) && bytes[code] != 0 }
}
