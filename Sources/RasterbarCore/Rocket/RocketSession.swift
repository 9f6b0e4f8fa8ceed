// What a Rocket editor holds for the demo, turned into Rasterbar tracks. The
// editor knows tracks as float columns of rows; Rasterbar's are float to vec4
// over time. A vecN track is the columns `name:x`, `name:y`, ... (the editor
// groups columns by the prefix before the colon); rows are beats times
// meta.rowsPerBeat. A track for which the editor holds no keys is left to
// demo.json.

/// The editor's keys on one connection, by the track names the demo asked for.
public struct RocketSession: Sendable {
    public struct Key: Sendable, Equatable {
        public var value: Float
        public var interpolation: Interpolation
    }

    /// Column names in the order they were asked for: the editor's track indices.
    public private(set) var columns: [String] = []
    /// The editor's keys, by column name, by row.
    public private(set) var keys: [String: [Int: Key]] = [:]

    public init() {}

    /// Component suffixes of vec columns.
    static let suffixes = ["x", "y", "z", "w"]

    /// The columns for a demo's tracks and the extra float/vec names (shader
    /// uniforms, script tracks) that no track defines yet, each once.
    public static func columns(for demo: Demo, extra: [(name: String, components: Int)]) -> [String] {
        var seen: Set<String> = []
        var out: [String] = []
        for (name, components) in demo.tracks.map({ ($0.name, $0.components) }) + extra where seen.insert(name).inserted {
            out += columns(ofTrack: name, components: components)
        }
        return out
    }

    /// A track's columns: its name for a float, `name:x`, `name:y`, ... for a vector.
    public static func columns(ofTrack name: String, components: Int) -> [String] {
        components == 1 ? [name] : suffixes.prefix(components).map { "\(name):\($0)" }
    }

    /// Asks for `column`; returns its index, new or not.
    public mutating func ask(_ column: String) -> (index: Int, isNew: Bool) {
        if let i = columns.firstIndex(of: column) { return (i, false) }
        columns.append(column)
        return (columns.count - 1, true)
    }

    /// Forgets the keys (a new connection sends them all again) but keeps the columns to ask for.
    public mutating func reconnect() -> [String] {
        let asked = columns
        columns = []
        keys = [:]
        return asked
    }

    /// Applies a key command; returns the track (demo name) it changed, or nil
    /// for an index the demo never asked for.
    public mutating func apply(_ command: RocketCommand) -> String? {
        switch command {
        case let .setKey(track, row, value, interpolation) where track < columns.count:
            keys[columns[track], default: [:]][row] = Key(value: value, interpolation: interpolation)
            return Self.trackName(of: columns[track])
        case let .deleteKey(track, row) where track < columns.count:
            keys[columns[track]]?[row] = nil
            return Self.trackName(of: columns[track])
        default:
            return nil
        }
    }

    /// The Rasterbar track a column belongs to: `camera:x` is `camera`.
    public static func trackName(of column: String) -> String {
        guard let colon = column.lastIndex(of: ":"), suffixes.contains(String(column[column.index(after: colon)...])) else { return column }
        return String(column[..<colon])
    }

    /// Seconds at `row` (fractional rows allowed).
    public static func time(ofRow row: Double, meta: Demo.Meta, bpm: Double) -> Double { row / Double(meta.rowsPerBeat) * 60 / bpm }

    /// The row at `time`, whole.
    public static func row(at time: Double, meta: Demo.Meta, bpm: Double) -> Int {
        Int((time * bpm / 60 * Double(meta.rowsPerBeat) + 1e-6).rounded(.down))
    }

    /// The editor's version of track `name`, or nil when it holds no keys for
    /// it (demo.json's keys stand). A vec track takes every row any component
    /// has a key at; a component with no keys keeps demo.json's values; where
    /// components differ in interpolation at one row, the first one's is used.
    public func track(_ name: String, components: Int, over demo: Demo, bpm: Double) -> Track? {
        let columnNames = Self.columns(ofTrack: name, components: components)
        let columnKeys = columnNames.map { keys[$0] ?? [:] }
        let rows = Set(columnKeys.flatMap(\.keys)).sorted()
        guard !rows.isEmpty else { return nil }
        let original = demo.track(named: name)
        let built = rows.map { row -> Track.Key in
            let time = Self.time(ofRow: Double(row), meta: demo.meta, bpm: bpm)
            var value = SIMD4<Double>.zero
            var interpolation: Interpolation?
            for (c, keys) in columnKeys.enumerated() {
                if let key = keys[row] {
                    value[c] = Self.decimal(key.value)
                    interpolation = interpolation ?? key.interpolation
                } else if !keys.isEmpty {
                    value[c] = Self.value(of: keys, at: Double(row))
                } else {
                    value[c] = original?.value(at: time)[c] ?? 0
                }
            }
            return Track.Key(time: time, value: value, interpolation: interpolation ?? .linear)
        }
        return Track(name: name, components: components, keys: built)
    }

    /// A 32-bit float as the decimal it was typed as (0.1, not 0.10000000149), for demo.json.
    static func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

    /// A column's value at `row`, as Rocket computes it.
    static func value(of keys: [Int: Key], at row: Double) -> Double {
        let sorted = keys.sorted { $0.key < $1.key }
        let track = Track(name: "", components: 1, keys: sorted.map {
            Track.Key(time: Double($0.key), value: SIMD4(decimal($0.value.value), 0, 0, 0), interpolation: $0.value.interpolation)
        })
        return track.value(at: row).x
    }
}
