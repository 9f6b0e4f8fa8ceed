// What the link to a Rocket editor reports, for people and for `--events`.

/// Something that happened on the link to the editor.
public enum RocketEvent: Sendable, Equatable {
    case connected(editor: String, tracks: Int)
    case disconnected(editor: String, reason: String)
    /// A key set (value and interpolation) or deleted (nil) by the editor.
    case key(track: String, row: Int, value: Float?, interpolation: Interpolation?)
    /// The editor asked to save: these tracks went into demo.json.
    case saved(tracks: [String])
    /// Saving failed; the edits stay live.
    case saveFailed(message: String)

    var fields: [(String, JSONLine.Value)] {
        switch self {
        case let .connected(editor, tracks):
            return [("state", .string("connected")), ("editor", .string(editor)), ("tracks", .int(tracks))]
        case let .disconnected(editor, reason):
            return [("state", .string("disconnected")), ("editor", .string(editor)), ("reason", .string(reason))]
        case let .key(track, row, value?, interpolation?):
            return [("key", .string("set")), ("track", .string(track)), ("row", .int(row)),
                    ("value", .number(Double("\(value)") ?? Double(value))), ("interpolation", .string(interpolation.rawValue))]
        case let .key(track, row, _, _):
            return [("key", .string("delete")), ("track", .string(track)), ("row", .int(row))]
        case let .saved(tracks): return [("saved", .strings(tracks))]
        case let .saveFailed(message): return [("saved", .strings([])), ("message", .string(message))]
        }
    }

    var humanLine: String? {
        switch self {
        case let .connected(editor, tracks): return "Rocket editor at \(editor): connected, \(tracks) tracks"
        case let .disconnected(editor, reason): return "Rocket editor at \(editor): \(reason); the demo plays on with the last keys and reconnects every second"
        case .key: return nil
        case let .saved(tracks): return tracks.isEmpty ? "Rocket: nothing to save" : "Rocket: saved \(tracks.joined(separator: ", ")) into demo.json"
        case let .saveFailed(message): return "Rocket: could not save: \(message)"
        }
    }
}
