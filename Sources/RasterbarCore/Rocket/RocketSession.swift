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

    /// How many components `track` has judging by its columns: the highest
    /// suffix there is (`name:z` makes a vec3), 1 for a plain name.
    public static func components(of track: String, columns: [String]) -> Int {
        columns.filter { $0 != track && trackName(of: $0) == track }
            .compactMap { suffixes.firstIndex(of: String($0.split(separator: ":").last ?? "")) }.max().map { $0 + 1 } ?? 1
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
    /// it (demo.json's keys stand). A vec track is rebuilt on every row any
    /// component has an editor key at and every time demo.json has a key at:
    /// each component takes its value from the editor's column where that
    /// column has keys, from demo.json's track where it has none, so an
    /// untouched component keeps its keys. A key's interpolation is the
    /// editor's (the first component with a key on that row) when the editor
    /// drives every component, else that of demo.json's segment the key falls
    /// in: one interpolation per key is Rasterbar's model, so mixed tracks
    /// follow Rocket's curves only approximately between keys.
    public func track(_ name: String, components: Int, over demo: Demo, bpm: Double) -> Track? {
        let columnNames = Self.columns(ofTrack: name, components: components)
        // Each column's keys as a one-component track over rows, built once.
        let curves = columnNames.map { column -> Track? in
            guard let keys = keys[column], !keys.isEmpty else { return nil }
            return Track(name: column, components: 1, keys: keys.sorted { $0.key < $1.key }.map {
                Track.Key(time: Double($0.key), value: SIMD4(Self.decimal($0.value.value), 0, 0, 0), interpolation: $0.value.interpolation)
            })
        }
        guard curves.contains(where: { $0 != nil }) else { return nil }
        let original = demo.track(named: name)
        let rowsPerSecond = bpm / 60 * Double(demo.meta.rowsPerBeat)
        var times = Set(curves.compactMap { $0 }.flatMap { $0.keys.map { $0.time / rowsPerSecond } })
        if curves.contains(where: { $0 == nil }) { times.formUnion(original?.keys.map(\.time) ?? []) }
        let built = times.sorted().map { time -> Track.Key in
            let row = time * rowsPerSecond
            var value = SIMD4<Double>.zero
            var interpolation: Interpolation?
            for (c, curve) in curves.enumerated() {
                if let curve {
                    value[c] = curve.value(at: row).x
                    if interpolation == nil, let key = curve.keys.first(where: { abs($0.time - row) < 1e-6 }) { interpolation = key.interpolation }
                } else {
                    value[c] = original?.value(at: time)[c] ?? 0
                }
            }
            // Where some components are demo.json's, their segment's interpolation
            // keeps their curves (exactly, for linear and step ones).
            let demoSegment = original?.keys.last { $0.time <= time + 1e-9 }?.interpolation
            let mixed = curves.contains { $0 == nil }
            return Track.Key(time: time, value: value, interpolation: (mixed ? demoSegment : nil) ?? interpolation ?? demoSegment ?? .linear)
        }
        return Track(name: name, components: components, keys: built)
    }

    /// A 32-bit float as the decimal it was typed as (0.1, not 0.10000000149), for demo.json.
    static func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }
}
