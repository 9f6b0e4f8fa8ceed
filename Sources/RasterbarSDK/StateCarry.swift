// Carrying a scene's state over to new code field by field.
//
// Swift's synthesised Codable ignores default values: decoding a struct fails
// as a whole when one field is missing from the saved JSON, so adding a field
// to `State` (the most common live edit) would throw the whole state away.
// When the plain decode fails, the saved JSON is made to fit and decoded again:
// each DecodingError names the member that does not fit, and that member
// alone takes the new code's default (taken from a fresh instance's `state`),
// until the state decodes or nothing more can be done.
//
// - A missing member (a new field) takes its default; in an array of structs,
//   from the default's first element. An array whose default has no element
//   to take the new field from restarts as a whole.
// - A member whose type changed takes its default.
// - An array element that no longer fits (an enum case that is gone) is
//   dropped, a few at most, then the array restarts.
// - Members the new code does not have are dropped by the decoder; they are
//   found by comparing the saved JSON with the new state encoded.
// - Nothing fits (the top-level type changed): the caller starts fresh.
//
// Everything here is internal: scripts type-check against none of it.
/// A JSON value. Numbers keep the text the encoder wrote, so carrying a value
/// through this type loses nothing (a UInt64 stays exact).
enum JSON: Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// Which JSON kind: a member of another kind than before changed type.
    var kind: Int {
        switch self {
        case .null: 0
        case .bool: 1
        case .number: 2
        case .string: 3
        case .array: 4
        case .object: 5
        }
    }

    /// Parses JSON text; nil if it is not exactly one JSON value.
    static func parse(_ bytes: [UInt8]) -> JSON? {
        var reader = Reader(bytes: bytes)
        guard let value = try? reader.value(depth: 0) else { return nil }
        reader.skipSpace()
        return reader.index == reader.bytes.count ? value : nil
    }

    /// What kind of JSON value, for messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case let .bool(b): out += Array((b ? "true" : "false").utf8)
        case let .number(text): out += Array(text.utf8)
        case let .string(s): JSON.write(string: s, into: &out)
        case let .array(elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.write(string: key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func write(string: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    struct Malformed: Error {}

    struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func expect(_ text: String) throws {
            for byte in text.utf8 {
                guard index < bytes.count, bytes[index] == byte else { throw Malformed() }
                index += 1
            }
        }

        mutating func value(depth: Int) throws -> JSON {
            guard depth < 512 else { throw Malformed() }
            skipSpace()
            guard index < bytes.count else { throw Malformed() }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [String: JSON] = [:]
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while true {
                    skipSpace()
                    let key = try string()
                    skipSpace()
                    try expect(":")
                    members[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard index < bytes.count else { throw Malformed() }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "}") { return .object(members) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { throw Malformed() }
                }
            case UInt8(ascii: "["):
                index += 1
                var elements: [JSON] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                while true {
                    elements.append(try value(depth: depth + 1))
                    skipSpace()
                    guard index < bytes.count else { throw Malformed() }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "]") { return .array(elements) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { throw Malformed() }
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default:
                let start = index
                while index < bytes.count, (bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9"))
                    || [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
                    index += 1
                }
                guard index > start else { throw Malformed() }
                return .number(String(decoding: bytes[start..<index], as: UTF8.self))
            }
        }

        mutating func string() throws -> String {
            try expect("\"")
            var out: [UInt8] = []
            while true {
                guard index < bytes.count else { throw Malformed() }
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
                guard index < bytes.count else { throw Malformed() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), index + 1 < bytes.count,
                       bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        scalar = (0xDC00..<0xE000).contains(low) ? 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                    }
                    out += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
                default: out.append(escape) // \" \\ \/
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                throw Malformed()
            }
            index += 4
            return v
        }
    }
}

/// Makes a saved state fit new code, member by member, and says what it changed.
struct StateCarry {
    /// One step of a path into a JSON value.
    enum Step: Equatable {
        case key(String)
        case index(Int)
    }

    /// The saved state, being made to fit.
    var value: JSON
    /// The new code's default state.
    let defaults: JSON
    /// "path (why)", in the order found.
    var restarted: [String] = []
    var restartedPaths: Set<String> = []
    /// Members the new code no longer has, and arrays that lost elements.
    var dropped: [String] = []
    var droppedPaths: Set<String> = []
    var droppedElements: [String: Int] = [:]
    /// Members removed (a nil default) or elements dropped under each parent.
    var removals: [String: Int] = [:]

    /// How many fixes at most before giving up; each one costs a decode.
    static let attempts = 100
    /// How many elements or entries of one array or object are dropped one by
    /// one before it restarts as a whole.
    static let removalsPerParent = 8

    /// `type`'s value from `data`, carried over member by member where a plain
    /// decode fails, with a line saying what restarted and what was dropped
    /// (nil when nothing did). Nil when the state cannot be carried at all.
    static func restore<T: Codable>(_ type: T.Type, from bytes: [UInt8], defaults: T) -> (state: T, report: String?)? {
        guard let old = JSON.parse(bytes) else { return nil }
        func droppedMembers(_ carry: inout StateCarry, _ state: T) {
            guard let now = try? StateCoding.tree(state) else { return }
            carry.findDropped(old, now, path: [])
        }
        let defaultJSON = try? StateCoding.tree(defaults)
        if let plain = try? StateCoding.decode(T.self, from: old) {
            // Encoding the whole state again to find what the decoder dropped
            // costs as much as the decode: only done when the saved state has a
            // member the defaults lack (a removed field, or an optional that is
            // nil by default).
            var carry = StateCarry(value: .null, defaults: .null)
            if let defaultJSON, Self.hasMembers(old, notIn: defaultJSON) { droppedMembers(&carry, plain) }
            return (plain, carry.report)
        }
        guard let defaultJSON else { return nil }
        var carry = StateCarry(value: old, defaults: defaultJSON)
        for _ in 0..<attempts {
            do {
                let state = try StateCoding.decode(T.self, from: carry.value)
                droppedMembers(&carry, state)
                // A scene that had no state before has nothing to report.
                if case let .object(members) = old, members.isEmpty { return (state, nil) }
                return (state, carry.report)
            } catch let error as DecodingError {
                guard carry.fit(error) else { return nil }
            } catch {
                return nil
            }
        }
        return nil
    }

    /// What to tell the player, or nil if nothing restarted or was dropped.
    var report: String? {
        var parts = ["state carried over"]
        if !restarted.isEmpty { parts.append("restarted from their defaults: " + restarted.joined(separator: ", ")) }
        let elements = droppedElements.sorted { $0.key < $1.key }.map { "\($0.value) element\($0.value == 1 ? "" : "s") of \($0.key) that no longer fit" }
        if !dropped.isEmpty || !elements.isEmpty { parts.append("dropped: " + (dropped + elements).joined(separator: ", ")) }
        return parts.count > 1 ? parts.joined(separator: "; ") : nil
    }

    // MARK: Fitting

    /// Changes the one member `error` is about (or the nearest enclosing one
    /// that can change). False when nothing can.
    mutating func fit(_ error: DecodingError) -> Bool {
        let keys: [CodingKey], missing: Bool, typeLevel: Bool
        switch error {
        case let .keyNotFound(key, context): (keys, missing, typeLevel) = (context.codingPath + [key], true, true)
        case let .typeMismatch(_, context): (keys, missing, typeLevel) = (context.codingPath, false, true)
        case let .valueNotFound(_, context): (keys, missing, typeLevel) = (context.codingPath, false, false)
        case let .dataCorrupted(context): (keys, missing, typeLevel) = (context.codingPath, false, false)
        @unknown default: return false
        }
        let full = steps(keys)
        let failing = Self.get(value, full[...])
        let why = missing ? "new" : "type changed"
        for n in stride(from: full.count, through: 1, by: -1) {
            let prefix = full[..<n]
            let exact = n == full.count
            let path = Self.display(prefix)
            let reason = exact ? why : "as a whole: \(Self.display(full[...])) \(missing ? "is new" : "changed type")"
            let parent = Self.display(prefix.dropLast())
            if let template = template(prefix) {
                // Type-level errors apply to every element of the arrays on the
                // way: they all had the old type.
                let changed = update(prefix, everyElement: typeLevel) { node in
                    if exact && missing {
                        guard node == nil else { return false }
                    } else if exact && typeLevel {
                        guard let current = node, current.kind == failing?.kind else { return false }
                    } else {
                        guard node != nil else { return false }
                    }
                    guard node != template else { return false }
                    node = template
                    return true
                }
                if changed {
                    note(path, reason)
                    return true
                }
            } else if case let .index(i)? = prefix.last {
                // An element with nothing to take a default from: dropped, unless
                // every element has the problem (a type-level one) or too many did.
                guard !typeLevel, removals[parent, default: 0] < Self.removalsPerParent,
                      Self.get(value, prefix) != nil else { continue }
                removals[parent, default: 0] += 1
                _ = update(prefix.dropLast(), everyElement: false) { node in
                    guard case var .array(elements)? = node, i < elements.count else { return false }
                    elements.remove(at: i)
                    node = .array(elements)
                    return true
                }
                droppedElements[parent, default: 0] += 1
                return true
            } else if Self.get(value, prefix) != nil, removals[parent, default: 0] < Self.removalsPerParent {
                // A member with no default (an optional that is nil by default, a
                // dictionary's entry): removed.
                removals[parent, default: 0] += 1
                _ = update(prefix, everyElement: typeLevel) { node in
                    guard node != nil else { return false }
                    node = nil
                    return true
                }
                note(path, reason)
                return true
            }
        }
        return false
    }

    mutating func note(_ path: String, _ reason: String) {
        guard restartedPaths.insert(path).inserted else { return }
        restarted.append("\(path) (\(reason))")
        droppedElements[path] = nil // an array that restarts as a whole says so once
    }

    /// The decoder's coding path as steps into `value`.
    func steps(_ keys: [CodingKey]) -> [Step] {
        var node: JSON? = value
        var steps: [Step] = []
        for key in keys {
            switch node {
            case let .array(elements)? where key.intValue != nil:
                let i = key.intValue!
                steps.append(.index(i))
                node = i >= 0 && i < elements.count ? elements[i] : nil
            case let .object(members)?:
                steps.append(.key(key.stringValue))
                node = members[key.stringValue]
            default:
                steps.append(key.intValue != nil && key.stringValue.hasPrefix("Index ") ? .index(key.intValue!) : .key(key.stringValue))
                node = nil
            }
        }
        return steps
    }

    /// The default for the member at `path`: inside arrays, from the default's
    /// first element when it is an object.
    func template(_ path: ArraySlice<Step>) -> JSON? {
        var node = defaults
        for step in path {
            switch (step, node) {
            case let (.key(key), .object(members)):
                guard let next = members[key] else { return nil }
                node = next
            case let (.index, .array(elements)):
                guard let first = elements.first, case .object = first else { return nil }
                node = first
            default:
                return nil
            }
        }
        return node
    }

    static func get(_ root: JSON, _ path: ArraySlice<Step>) -> JSON? {
        var node = root
        for step in path {
            switch (step, node) {
            case let (.key(key), .object(members)):
                guard let next = members[key] else { return nil }
                node = next
            case let (.index(i), .array(elements)):
                guard i >= 0, i < elements.count else { return nil }
                node = elements[i]
            default:
                return nil
            }
        }
        return node
    }

    /// Runs `body` on the member at `path` (nil when missing; setting nil
    /// removes it), at every element of the arrays on the way when
    /// `everyElement`. True when `body` changed something.
    mutating func update(_ path: ArraySlice<Step>, everyElement: Bool, _ body: (inout JSON?) -> Bool) -> Bool {
        var root: JSON? = value
        value = .null // so that the arrays and objects below are changed in place
        let changed = Self.update(&root, path, everyElement: everyElement, body)
        value = root ?? .null
        return changed
    }

    static func update(_ node: inout JSON?, _ path: ArraySlice<Step>, everyElement: Bool, _ body: (inout JSON?) -> Bool) -> Bool {
        guard let step = path.first else { return body(&node) }
        let rest = path.dropFirst()
        switch (step, node) {
        case (let .key(key), .object(var members)?):
            node = nil
            var child = members.removeValue(forKey: key)
            let changed = update(&child, rest, everyElement: everyElement, body)
            members[key] = child
            node = .object(members)
            return changed
        case (let .index(i), .array(var elements)?):
            node = nil
            var changed = false
            var removed: [Int] = []
            for j in everyElement ? Array(elements.indices) : (i >= 0 && i < elements.count ? [i] : []) {
                var child: JSON? = elements[j]
                elements[j] = .null
                if update(&child, rest, everyElement: everyElement, body) { changed = true }
                if let child { elements[j] = child } else { removed.append(j) }
            }
            for j in removed.reversed() { elements.remove(at: j) }
            node = .array(elements)
            return changed
        default:
            return false
        }
    }

    // MARK: Reporting

    /// Whether `old` has an object member that `defaults` lacks where
    /// `defaults` shows the shape (inside arrays: its first element, if an object).
    static func hasMembers(_ old: JSON, notIn defaults: JSON) -> Bool {
        switch (old, defaults) {
        case let (.object(members), .object(known)):
            return members.contains { key, value in known[key].map { hasMembers(value, notIn: $0) } ?? true }
        case let (.array(elements), .array(known)):
            guard let first = known.first, case .object = first else { return false }
            return elements.contains { hasMembers($0, notIn: first) }
        default:
            return false
        }
    }

    /// Notes the members of `old` that `now` (the carried state, encoded) no longer has.
    mutating func findDropped(_ old: JSON, _ now: JSON, path: [Step]) {
        switch (old, now) {
        case let (.object(before), .object(after)):
            for key in before.keys.sorted() {
                let member = path + [.key(key)]
                if let next = after[key] {
                    findDropped(before[key]!, next, path: member)
                } else {
                    let shown = Self.display(member[...])
                    if !restartedPaths.contains(shown), droppedPaths.insert(shown).inserted { dropped.append(shown) }
                }
            }
        case let (.array(before), .array(after)) where before.count == after.count:
            for i in before.indices { findDropped(before[i], after[i], path: path + [.index(i)]) }
        default:
            break
        }
    }

    /// A path as the player shows it: `particles[].age`, `inner.speed`.
    static func display(_ path: ArraySlice<Step>) -> String {
        var text = ""
        for step in path {
            switch step {
            case let .key(key): text += text.isEmpty ? key : "." + key
            case .index: text += "[]"
            }
        }
        return text
    }

    /// A coding path as the player shows it.
    static func display(_ keys: [CodingKey]) -> String {
        display(keys.map { $0.intValue != nil && $0.stringValue.hasPrefix("Index ") ? Step.index($0.intValue!) : .key($0.stringValue) }[...])
    }
}
