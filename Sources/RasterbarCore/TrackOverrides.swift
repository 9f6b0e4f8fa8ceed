// Tracks edited while the demo plays, by the control channel today and a sync
// editor (GNU Rocket) next: a layer over demo.json's tracks that wins until it
// is cleared or saved into demo.json. Pure data, no file and no GL: the
// engine decides when to save, the renderer reads the merged tracks.

/// Edited tracks over a demo's own.
public struct TrackOverrides: Sendable, Equatable {
    /// Each edited track, whole, by name. A track with no keys is deleted.
    public private(set) var edited: [String: Track] = [:]

    public init() {}

    public var isEmpty: Bool { edited.isEmpty }

    /// Replaces (or adds) a whole track.
    public mutating func set(_ track: Track) {
        edited[track.name] = track
    }

    /// Sets one key of track `name` (replacing a key at the same time), starting
    /// from the demo's track of that name or a new one with `key`'s components.
    public mutating func setKey(_ key: Track.Key, track name: String, components: Int, over demo: Demo) {
        var track = edited[name] ?? demo.track(named: name) ?? Track(name: name, components: components, keys: [])
        if let i = track.keys.firstIndex(where: { abs($0.time - key.time) < 1e-9 }) {
            track.keys[i] = key
        } else {
            track.keys.insert(key, at: track.keys.firstIndex { $0.time > key.time } ?? track.keys.count)
        }
        set(track)
    }

    /// Deletes the key of track `name` at `time`, if there is one. Deleting
    /// the last key deletes the track (saving removes it from demo.json).
    public mutating func deleteKey(track name: String, at time: Double, over demo: Demo) {
        guard var track = edited[name] ?? demo.track(named: name),
              let i = track.keys.firstIndex(where: { abs($0.time - time) < 1e-9 }) else { return }
        track.keys.remove(at: i)
        set(track)
    }

    /// Drops the edits of track `name`; returns whether there were any.
    @discardableResult
    public mutating func clear(_ name: String) -> Bool {
        edited.removeValue(forKey: name) != nil
    }

    /// Drops every edit.
    public mutating func clearAll() {
        edited.removeAll()
    }

    /// The demo's tracks with the edited ones in their place (and new ones
    /// added), by name. A track edited down to no keys is left out.
    public func tracks(over demo: Demo) -> [Track] {
        guard !edited.isEmpty else { return demo.tracks }
        var merged = demo.tracks.filter { edited[$0.name] == nil }
        merged += edited.values.filter { !$0.keys.isEmpty }
        return merged.sorted { $0.name < $1.name }
    }
}
