// Small math for scenes: SIMD vectors under short names, and the helpers
// shader writers reach for.

public typealias Vec2 = SIMD2<Float>
public typealias Vec3 = SIMD3<Float>
public typealias Vec4 = SIMD4<Float>

/// Linear interpolation from a to b.
@inlinable public func mix<T: FloatingPoint>(_ a: T, _ b: T, _ t: T) -> T { a + (b - a) * t }

/// `x` limited to [lo, hi].
@inlinable public func clamp<T: Comparable>(_ x: T, _ lo: T, _ hi: T) -> T { min(max(x, lo), hi) }

/// Hermite smoothstep, as in GLSL.
@inlinable public func smoothstep(_ edge0: Float, _ edge1: Float, _ x: Float) -> Float {
    let t = clamp((x - edge0) / (edge1 - edge0), 0, 1)
    return t * t * (3 - 2 * t)
}

/// A colour from hue (0-1), saturation and value.
public func hsv(_ h: Float, _ s: Float, _ v: Float, alpha: Float = 1) -> Vec4 {
    let k = Vec3(0, 2.0 / 3, 1.0 / 3)
    var rgb = Vec3.zero
    for i in 0..<3 {
        let p = abs(((h + k[i]) - (h + k[i]).rounded(.down)) * 6 - 3)
        rgb[i] = v * mix(1, clamp(p - 1, 0, 1), s)
    }
    return Vec4(rgb.x, rgb.y, rgb.z, alpha)
}

/// A small, fast, seedable random generator (xorshift), so scenes are repeatable.
public struct Random {
    var state: UInt64
    public init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    /// A float in [0, 1).
    public mutating func next() -> Float {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(state >> 40) / Float(1 << 24)
    }
    /// A float in `range`.
    public mutating func next(in range: ClosedRange<Float>) -> Float { range.lowerBound + (range.upperBound - range.lowerBound) * next() }
}
