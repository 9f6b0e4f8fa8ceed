// The control channel's language: one JSON object per line, read from stdin by
// `rasterbar play --control`, for editors, tools and tests. Parsing is pure
// and knows no demo: times and tracks are checked against the demo when the
// player applies them, where "bar:beat" and scene names mean something.

/// A command from the control channel.
public enum ControlCommand: Sendable, Equatable {
    /// Jump to a time: seconds, "bar:beat" or a scene name (kept as text until applied).
    case seek(String)
    case pause
    case play
    /// Reload every resource from disk.
    case reload
    /// Answer with a status event.
    case status
    /// Replace track `name` by `keys` (demo.json's syntax) until cleared or saved.
    case setTrack(name: String, keys: JSONValue)
    /// Drop the live edits of a track: demo.json's version plays again.
    case clearTrack(String)
    /// Write the live track edits into demo.json.
    case saveTracks
    /// Write the next drawn frame to this PNG.
    case snapshot(String)
    case quit
    /// `{"command":"key","code":N,"down":true|false}`: a key for Shadertoy's keyboard texture, by browser key code.
    case key(code: Int, down: Bool)

    /// The command names, as written on the channel.
    public static let names = ["seek", "pause", "play", "reload", "status", "setTrack", "clearTrack", "saveTracks", "snapshot", "key", "quit"]
}

/// One line of the control channel: a command, and the `id` the sender gave
/// it (any JSON value, echoed back in the reply so a tool can match them).
public struct ControlRequest: Sendable, Equatable {
    public var command: ControlCommand
    /// The command's name as written.
    public var name: String
    /// The `id` member, as JSON text.
    public var id: String?

    /// Parses one line; a mistake is an `invalidCommand` error saying which
    /// part of the line is wrong and what the command wants.
    public static func parse(_ line: String) throws -> ControlRequest {
        let bytes = Array(line.utf8)
        let value: JSONValue
        do {
            value = try parseJSON(bytes)
        } catch let e as JSONSyntaxError {
            throw RasterbarError(.invalidCommand, "not JSON: \(e.message) at column \(e.column)", at: "control",
                                 hint: "send one JSON object per line, e.g. {\"command\":\"status\"}")
        }
        guard case let .object(members) = value.kind else {
            throw fail("a command must be a JSON object, found \(value.typeName)", example: "{\"command\":\"status\"}")
        }
        guard let nameValue = value["command"], case let .string(name) = nameValue.kind else {
            throw fail("the object has no \"command\" string", example: "{\"command\":\"status\"}")
        }
        let id = value["id"].map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
        func string(_ key: String, example: String) throws -> String {
            guard let v = value[key] else { throw fail("\(name) needs \"\(key)\"", example: example) }
            guard case let .string(s) = v.kind, !s.isEmpty else { throw fail("\(name): \"\(key)\" must be a non-empty string, found \(v.typeName)", example: example) }
            return s
        }
        func only(_ keys: [String], example: String) throws {
            for m in members where !(["command", "id"] + keys).contains(m.key) {
                throw fail("\(name) has no member \"\(m.key)\"" + (closest(m.key, in: keys).map { " (did you mean \"\($0)\"?)" } ?? ""), example: example)
            }
        }
        let command: ControlCommand
        switch name {
        case "seek":
            let example = "{\"command\":\"seek\",\"time\":12.5} (or \"8:0\", or a scene name)"
            try only(["time"], example: example)
            guard let t = value["time"] else { throw fail("seek needs \"time\"", example: example) }
            switch t.kind {
            case let .number(n): command = .seek(String(n))
            case let .string(s): command = .seek(s)
            default: throw fail("seek: \"time\" must be seconds, \"bar:beat\" or a scene name, found \(t.typeName)", example: example)
            }
        case "setTrack":
            let example = "{\"command\":\"setTrack\",\"name\":\"fade\",\"keys\":[[0,0,\"smooth\"],[\"2:0\",1]]}"
            try only(["name", "keys", "type"], example: example)
            let trackName = try string("name", example: example)
            guard let keys = value["keys"] else { throw fail("setTrack needs \"keys\"", example: example) }
            // With a type, hand the reader the object form demo.json uses for vector tracks.
            let typed = value["type"].map { JSONValue(kind: .object([("type", $0), ("keys", keys)]), line: value.line, column: value.column,
                                                     start: value.start, end: value.end) }
            command = .setTrack(name: trackName, keys: typed ?? keys)
        case "clearTrack":
            let example = "{\"command\":\"clearTrack\",\"name\":\"fade\"}"
            try only(["name"], example: example)
            command = .clearTrack(try string("name", example: example))
        case "snapshot":
            let example = "{\"command\":\"snapshot\",\"path\":\"frame.png\"}"
            try only(["path"], example: example)
            let path = try string("path", example: example)
            guard path.lowercased().hasSuffix(".png") else { throw fail("snapshot: \"path\" must end in .png, found '\(path)'", example: example) }
            command = .snapshot(path)
        case "key":
            let example = "{\"command\":\"key\",\"code\":32,\"down\":true} (browser key codes: 32 space, 37-40 arrows, 65-90 A-Z)"
            try only(["code", "down"], example: example)
            guard let c = value["code"], case let .number(code) = c.kind, code.rounded() == code, (0...255).contains(code) else {
                throw fail("key: \"code\" must be a key code from 0 to 255", example: example)
            }
            guard let d = value["down"], case let .bool(down) = d.kind else { throw fail("key: \"down\" must be true or false", example: example) }
            command = .key(code: Int(code), down: down)
        case "pause", "play", "reload", "status", "saveTracks", "quit":
            try only([], example: "{\"command\":\"\(name)\"}")
            command = ["pause": .pause, "play": .play, "reload": .reload, "status": .status, "saveTracks": .saveTracks, "quit": .quit][name]!
        default:
            throw fail("unknown command '\(name)'" + (closest(name, in: ControlCommand.names).map { " (did you mean '\($0)'?)" } ?? ""),
                       example: "commands: " + ControlCommand.names.joined(separator: ", "))
        }
        return ControlRequest(command: command, name: name, id: id)
    }

    static func fail(_ message: String, example: String) -> RasterbarError {
        RasterbarError(.invalidCommand, message, at: "control", hint: example)
    }
}
