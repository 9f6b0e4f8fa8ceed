// Writes tracks into demo.json text the way a careful person would: only the
// edited tracks' values change; every other byte of the file (key order,
// spacing, the other tracks, musical times) stays as the user wrote it. A new
// track is added at the end of "tracks", and "tracks" at the end of the file's
// object when there is none; a track with no keys left is removed. The result is read back before it is returned,
// so a writer bug can never leave a demo.json that does not load.

/// Splices tracks into demo.json text.
public enum TrackWriter {
    /// `bytes` (demo.json) with `tracks` written in (those with no keys taken
    /// out); `file` names it in messages.
    public static func write(_ tracks: [Track], into bytes: [UInt8], file: String) throws -> [UInt8] {
        let removed = Set(tracks.filter { $0.keys.isEmpty }.map(\.name))
        let tracks = tracks.filter { !$0.keys.isEmpty }
        let demo = try Demo.parse(bytes, file: file)
        let root = try parseJSON(bytes)
        guard case let .object(members) = root.kind else { throw RasterbarError(.invalidDemo, "demo.json is not an object", at: file) }
        let indent = indentUnit(bytes)
        var edits: [(range: Range<Int>, text: String)] = []
        if let tracksValue = root["tracks"], case let .object(existing) = tracksValue.kind {
            let firstKey = existing.isEmpty ? nil : keyStart(of: 0, existing, in: tracksValue, bytes)
            let memberIndent = firstKey.flatMap { lineIndent(bytes, at: $0) } ?? indent + indent
            var added: [String] = []
            for track in tracks {
                if let member = existing.last(where: { $0.key == track.name }) {
                    let spelled = timeSpellings(member.value, demo.track(named: track.name), bytes)
                    edits.append((member.value.start..<member.value.end, encode(track, demo.meta, spelled: spelled)))
                } else {
                    added.append("\(JSONLine.quote(track.name)): \(encode(track, demo.meta))")
                }
            }
            let outer = String(memberIndent.dropLast(min(indent.count, memberIndent.count)))
            let addedText = added.map { "\n" + memberIndent + $0 }.joined(separator: ",") + "\n" + outer
            if !added.isEmpty, existing.allSatisfy({ removed.contains($0.key) }) {
                // Nothing of the old "tracks" stays: the new ones are all it holds.
                edits.append((tracksValue.start + 1..<tracksValue.end - 1, addedText))
            } else {
                edits += removals(of: removed, from: existing, in: tracksValue, bytes)
                // New members before the closing brace, after the last member.
                if !added.isEmpty, let last = existing.last {
                    edits.append((last.value.end..<tracksValue.end - 1, "," + addedText))
                }
            }
        } else if root["tracks"] != nil {
            throw RasterbarError(.invalidDemo, "tracks is not an object", at: file)
        } else if tracks.isEmpty {
            return bytes // nothing to add, nothing to remove
        } else {
            let body = tracks.map { "\(indent)\(indent)\(JSONLine.quote($0.name)): \(encode($0, demo.meta))" }.joined(separator: ",\n")
            let after = members.last?.value.end ?? root.start + 1
            edits.append((after..<root.end - 1, (members.isEmpty ? "" : ",") + "\n\(indent)\"tracks\": {\n\(body)\n\(indent)}\n"))
        }
        var out = bytes
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            out.replaceSubrange(edit.range, with: Array(edit.text.utf8))
        }
        // Read back: the file must load and hold exactly these tracks.
        let check = try Demo.parse(out, file: file)
        let wrong = tracks.filter { track in check.track(named: track.name).map { !same($0, track) } ?? true }.map(\.name)
            + removed.filter { check.track(named: $0) != nil }
        if let name = wrong.first {
            throw RasterbarError(.invalidDemo, "track \(name) did not read back as written", at: file,
                                 hint: "this is a bug in Rasterbar; demo.json was not changed")
        }
        return out
    }

    /// The text to cut for removing the members named in `names` from the
    /// object `object` (its `members`): each run of removed members goes with
    /// the comma before it, or, at the start, with the comma after it.
    static func removals(of names: Set<String>, from members: [(key: String, value: JSONValue)], in object: JSONValue,
                         _ bytes: [UInt8]) -> [(range: Range<Int>, text: String)] {
        var cuts: [(range: Range<Int>, text: String)] = []
        var i = 0
        while i < members.count {
            guard names.contains(members[i].key) else { i += 1; continue }
            var last = i
            while last + 1 < members.count, names.contains(members[last + 1].key) { last += 1 }
            if i > 0 {
                cuts.append((members[i - 1].value.end..<members[last].value.end, ""))
            } else if last + 1 < members.count {
                cuts.append((keyStart(of: 0, members, in: object, bytes)..<keyStart(of: last + 1, members, in: object, bytes), ""))
            } else {
                cuts.append((object.start + 1..<object.end - 1, ""))
            }
            i = last + 1
        }
        return cuts
    }

    /// Where member `index`'s name starts: after the brace or the comma before it.
    static func keyStart(of index: Int, _ members: [(key: String, value: JSONValue)], in object: JSONValue, _ bytes: [UInt8]) -> Int {
        var i = skipWhitespace(bytes, from: index == 0 ? object.start + 1 : members[index - 1].value.end)
        if index > 0, i < bytes.count, bytes[i] == UInt8(ascii: ",") { i = skipWhitespace(bytes, from: i + 1) }
        return i
    }

    /// A track as demo.json writes it: `[[time, value, "interpolation"], ...]`
    /// for floats, `{"type": "vecN", "keys": [...]}` for vectors. Linear, the
    /// default, is not written.
    /// A time the user wrote before keeps its spelling (`spelled`, by seconds).
    public static func encode(_ track: Track, _ meta: Demo.Meta, spelled: [Double: String] = [:]) -> String {
        let keys = track.keys.map { key -> String in
            let values = (0..<track.components).map { number(key.value[$0]) }
            var parts = [spelled[key.time] ?? time(key.time, meta), track.components == 1 ? values[0] : "[" + values.joined(separator: ", ") + "]"]
            if key.interpolation != .linear { parts.append(JSONLine.quote(key.interpolation.rawValue)) }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        let list = "[" + keys.joined(separator: ", ") + "]"
        return track.components == 1 ? list : "{\"type\": \"vec\(track.components)\", \"keys\": \(list)}"
    }

    /// How each key time of a track was written in the file (`12`, `"6:0"`),
    /// by its value in seconds, so rewriting a track keeps the user's notation.
    static func timeSpellings(_ value: JSONValue, _ track: Track?, _ bytes: [UInt8]) -> [Double: String] {
        guard let track else { return [:] }
        let list = value["keys"] ?? value
        guard case let .array(items) = list.kind, items.count == track.keys.count else { return [:] }
        var spelled: [Double: String] = [:]
        for (item, key) in zip(items, track.keys) {
            guard let t = item.timeValue else { continue }
            spelled[key.time] = String(decoding: bytes[t.start..<t.end], as: UTF8.self)
        }
        return spelled
    }

    /// Musical time when the demo has a bpm and the time falls on a 64th of a
    /// beat (what a person or a sync editor sets), seconds otherwise.
    static func time(_ t: Double, _ meta: Demo.Meta) -> String {
        if let bpm = meta.bpm {
            let beats = t * bpm / 60
            let grid = (beats * 64).rounded()
            if abs(beats * 64 - grid) < 1e-6, grid >= 0 {
                let bar = Int((grid / 64 / Double(meta.beatsPerBar)).rounded(.down))
                let beat = grid / 64 - Double(bar * meta.beatsPerBar)
                return "\"\(bar):\(number(beat))\""
            }
        }
        return number(t)
    }

    /// The shortest text that reads back as `v`.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return String(v)
    }

    public static func same(_ a: Track, _ b: Track) -> Bool {
        a.components == b.components && a.keys.count == b.keys.count && zip(a.keys, b.keys).allSatisfy {
            abs($0.time - $1.time) < 1e-9 && $0.value == $1.value && $0.interpolation == $1.interpolation
        }
    }

    /// The leading spaces or tabs of the line holding byte `offset`, if only whitespace precedes it.
    static func lineIndent(_ bytes: [UInt8], at offset: Int) -> String? {
        var start = offset
        while start > 0, bytes[start - 1] != 0x0A { start -= 1 }
        let prefix = bytes[start..<offset]
        guard prefix.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return nil }
        return String(decoding: prefix, as: UTF8.self)
    }

    static func skipWhitespace(_ bytes: [UInt8], from offset: Int) -> Int {
        var i = offset
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        return i
    }

    /// One level of indentation as the file uses it (two spaces if it cannot tell).
    static func indentUnit(_ bytes: [UInt8]) -> String {
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A, i + 1 < bytes.count, bytes[i + 1] == 0x20 || bytes[i + 1] == 0x09 {
                var j = i + 1
                while j < bytes.count, bytes[j] == bytes[i + 1] { j += 1 }
                return String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
            }
            i += 1
        }
        return "  "
    }
}
