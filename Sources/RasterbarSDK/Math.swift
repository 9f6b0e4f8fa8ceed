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

// Elementary functions on Float, so scripts need no `import Glibc` or
// Foundation (each import costs compile time on every save).
@inlinable public func sin(_ x: Float) -> Float { libmSin(x) }
@inlinable public func cos(_ x: Float) -> Float { libmCos(x) }
@inlinable public func tan(_ x: Float) -> Float { libmTan(x) }
@inlinable public func atan2(_ y: Float, _ x: Float) -> Float { libmAtan2(y, x) }
@inlinable public func exp(_ x: Float) -> Float { libmExp(x) }
@inlinable public func log(_ x: Float) -> Float { libmLog(x) }
@inlinable public func pow(_ x: Float, _ y: Float) -> Float { libmPow(x, y) }
@inlinable public func sqrt(_ x: Float) -> Float { x.squareRoot() }
/// x - floor(x), as in GLSL.
@inlinable public func fract(_ x: Float) -> Float { x - x.rounded(.down) }
/// x modulo y with the sign of y, as GLSL's mod.
@inlinable public func mod(_ x: Float, _ y: Float) -> Float { x - y * (x / y).rounded(.down) }
/// The length of a vector.
@inlinable public func length(_ v: Vec2) -> Float { (v * v).sum().squareRoot() }
@inlinable public func length(_ v: Vec3) -> Float { (v * v).sum().squareRoot() }
