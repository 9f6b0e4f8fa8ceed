// What the store reports: a resource (re)loaded, or failed to. The player
// prints these for people (stderr) and as JSON lines for tools (`--events`).

/// One thing that happened in the store.
public enum StoreEvent: Sendable, Equatable {
    /// A resource loaded (generation 1) or reloaded (2 and up) in `milliseconds`.
    case reload(kind: String, key: ResourceKey, generation: Int, milliseconds: Double)
    /// A load failed; the resource keeps its last good value (or its fallback).
    case error(kind: String, key: ResourceKey, error: RasterbarError)
    /// Something the person should know that is not an error (e.g. polling fallback).
    case warning(message: String)
    /// The soundtrack plays through `output` at `rate` Hz, heard `latencyMs` after it is handed over.
    case audio(output: String, rate: Double, latencyMs: Double)
    /// The link to a GNU Rocket editor.
    case rocket(RocketEvent)
}

extension StoreEvent {
    /// The event as one JSON object on one line.
    public var jsonLine: String {
        switch self {
        case let .reload(kind, key, generation, ms):
            return JSONLine.object([("event", .string(generation == 1 ? "load" : "reload")), ("kind", .string(kind)),
                                    ("key", .string(key.path)), ("generation", .int(generation)),
                                    ("ms", .number((ms * 10).rounded() / 10))])
        case let .error(kind, key, error):
            var fields: [(String, JSONLine.Value)] = [("event", .string("error")), ("kind", .string(kind)),
                                                      ("key", .string(key.path)), ("error", .string(error.kind.rawValue))]
            if let file = error.file { fields.append(("file", .string(file))) }
            if let line = error.line { fields.append(("line", .int(line))) }
            if let column = error.column { fields.append(("column", .int(column))) }
            fields.append(("message", .string(error.message)))
            return JSONLine.object(fields)
        case let .warning(message):
            return JSONLine.object([("event", .string("warning")), ("message", .string(message))])
        case let .audio(output, rate, latency):
            return JSONLine.object([("event", .string("audio")), ("output", .string(output)), ("rate", .number(rate)),
                                    ("latency_ms", .number((latency * 10).rounded() / 10))])
        case let .rocket(event):
            return JSONLine.object([("event", .string("rocket"))] + event.fields)
        }
    }

    /// The event for people: one line, or nil for routine loads.
    public var humanLine: String? {
        switch self {
        case let .reload(kind, key, generation, ms) where generation > 1:
            return "reloaded \(kind) \(key.path) (generation \(generation), \(String(format2: ms)) ms)"
        case .reload: return nil
        case let .error(_, _, error) where error.kind == .scriptTrap: return "\(error)"
        case let .error(_, _, error): return "\(error) (the last good version keeps running)"
        case let .warning(message): return message
        case let .audio(output, rate, latency):
            return "music plays on \(output) at \(Int(rate)) Hz (\(String(format2: latency)) ms latency)"
        case let .rocket(event): return event.humanLine
        }
    }
}

/// Writes single-line JSON objects (the `--events` format).
public enum JSONLine {
    public enum Value {
        case string(String), int(Int), number(Double), bool(Bool), strings([String]), null
        /// JSON text written as it is (an `id` echoed back verbatim).
        case raw(String)
    }

    public static func object(_ fields: [(String, Value)]) -> String {
        "{" + fields.map { "\(quote($0.0)):\(encode($0.1))" }.joined(separator: ",") + "}"
    }

    static func encode(_ value: Value) -> String {
        switch value {
        case let .string(s): return quote(s)
        case let .int(i): return String(i)
        case let .number(d): return d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)) : "null"
        case let .bool(b): return b ? "true" : "false"
        case let .strings(list): return "[" + list.map(quote).joined(separator: ",") + "]"
        case .null: return "null"
        case let .raw(text): return text
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
