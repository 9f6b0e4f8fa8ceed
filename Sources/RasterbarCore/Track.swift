// Sync tracks, in GNU Rocket's model: a named value (float, vec2, vec3 or
// vec4) given at keys in time; each key says how to get from it to the next
// (step, linear, smooth, ramp). Before the first key the track holds the
// first value, after the last key the last value.

/// How a track moves from one key to the next (GNU Rocket's set).
public enum Interpolation: String, Sendable, CaseIterable {
    /// Hold this key's value until the next key.
    case step
    /// Straight line to the next key.
    case linear
    /// Ease in and out (smoothstep).
    case smooth
    /// Ease in: slow start, fast arrival (t squared).
    case ramp
}

/// A named value over time.
public struct Track: Sendable, Equatable {
    /// One key: a value at a time, and how to leave it.
    public struct Key: Sendable, Equatable {
        public var time: Double
        /// Components beyond the track's count are zero.
        public var value: SIMD4<Double>
        public var interpolation: Interpolation

        public init(time: Double, value: SIMD4<Double>, interpolation: Interpolation) {
            self.time = time
            self.value = value
            self.interpolation = interpolation
        }
    }

    /// The uniform name shaders see and the name scripts ask for.
    public var name: String
    /// 1 (float) to 4 (vec4).
    public var components: Int
    /// In time order (equal times allowed: a jump).
    public var keys: [Key]

    public init(name: String, components: Int, keys: [Key]) {
        self.name = name
        self.components = components
        self.keys = keys
    }

    /// The value at `time` (seconds).
    public func value(at time: Double) -> SIMD4<Double> {
        guard let first = keys.first, let last = keys.last else { return .zero }
        if time <= first.time { return first.value }
        if time >= last.time { return last.value }
        // The last key at or before `time`: binary search.
        var lo = 0, hi = keys.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if keys[mid].time <= time { lo = mid } else { hi = mid - 1 }
        }
        let a = keys[lo], b = keys[lo + 1]
        let span = b.time - a.time
        guard span > 0 else { return b.value }
        let u = (time - a.time) / span
        let w: Double
        switch a.interpolation {
        case .step: return a.value
        case .linear: w = u
        case .smooth: w = u * u * (3 - 2 * u)
        case .ramp: w = u * u
        }
        return a.value + (b.value - a.value) * w
    }
}
