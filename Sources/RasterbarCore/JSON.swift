// A small JSON reader that remembers where every value starts, so demo.json
// errors can say `demo.json:7:14` and not just "invalid data". Foundation's
// reader gives neither positions for values nor a clean Bool/number split.
// It reads; it does not write.
//
// It follows RFC 8259 and passes JSONTestSuite's parsing corpus (every y_
// file read, every n_ file refused with its line and column, no input traps:
// JSONSuiteTests). Where the RFC leaves the choice to us (the suite's i_ files):
// - Numbers are Doubles. One too large for a Double (1e400) is refused, since
//   nothing in a demo can use infinity; one too small becomes 0; a huge integer
//   becomes the nearest Double.
// - Strings are Unicode: a \u escape of an unpaired or inverted UTF-16
//   surrogate, and bytes that are not UTF-8 (overlong forms, Latin-1, UTF-16
//   text), are refused with their place. A UTF-8 byte order mark is skipped.
// - Nesting is limited to 512 arrays and objects, refused beyond that rather
//   than risking the stack (500 levels read fine).

/// A parsed JSON value with the line and column where it starts (1-based).
public struct JSONValue: Sendable, Equatable {
    /// The value itself.
    public enum Kind: Sendable, Equatable {
        case object([(key: String, value: JSONValue)])
        case array([JSONValue])
        case string(String)
        case number(Double)
        case bool(Bool)
        case null

        public static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case let (.object(x), .object(y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            case let (.array(x), .array(y)): return x == y
            case let (.string(x), .string(y)): return x == y
            case let (.number(x), .number(y)): return x == y
            case let (.bool(x), .bool(y)): return x == y
            case (.null, .null): return true
            default: return false
            }
        }
    }

    public var kind: Kind
    public var line: Int
    public var column: Int
    /// Byte offsets of the value's text in the input (end exclusive), so an
    /// edit can replace one value and keep every other byte of the file.
    public var start: Int
    public var end: Int

    /// The member named `key` of an object, if this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = kind { return members.last { $0.key == key }?.value }
        return nil
    }

    /// A short name for the value's type, for messages.
    public var typeName: String {
        switch kind {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

/// A JSON syntax error with its position.
public struct JSONSyntaxError: Error, Sendable, Equatable {
    public var message: String
    public var line: Int
    public var column: Int
}

/// Parses UTF-8 JSON text (RFC 8259) into a positioned value tree.
public func parseJSON(_ bytes: [UInt8]) throws -> JSONValue {
    var reader = JSONReader(bytes: bytes)
    reader.skipWhitespace()
    let value = try reader.readValue(depth: 0)
    reader.skipWhitespace()
    if reader.index < bytes.count { throw reader.error("unexpected text after the end of the JSON value") }
    return value
}

private struct JSONReader {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var lineStart = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte order mark is tolerated: some editors write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3; lineStart = 3 }
    }

    var column: Int { index - lineStart + 1 }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, line: line, column: column)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A: index += 1; line += 1; lineStart = index
            default: return
            }
        }
    }

    func describeNext() -> String {
        guard index < bytes.count else { return "the end of the file" }
        let b = bytes[index]
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16)
    }

    mutating func readValue(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw error("nesting is too deep") }
        guard index < bytes.count else { throw error("expected a value but found the end of the file") }
        let (l, c, s) = (line, column, index)
        let kind: JSONValue.Kind
        switch bytes[index] {
        case UInt8(ascii: "{"): kind = try readObject(depth: depth)
        case UInt8(ascii: "["): kind = try readArray(depth: depth)
        case UInt8(ascii: "\""): kind = .string(try readString())
        case UInt8(ascii: "t"): try expectWord("true"); kind = .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); kind = .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); kind = .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): kind = .number(try readNumber())
        default: throw error("expected a value but found \(describeNext())")
        }
        return JSONValue(kind: kind, line: l, column: c, start: s, end: index)
    }

    mutating func expectWord(_ word: String) throws {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else {
            throw error("expected a value but found \(describeNext())")
        }
        index += w.count
    }

    mutating func readObject(depth: Int) throws -> JSONValue.Kind {
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a member name in double quotes but found \(describeNext())")
            }
            let key = try readString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after \"\(key)\" but found \(describeNext())")
            }
            index += 1
            skipWhitespace()
            members.append((key, try readValue(depth: depth + 1)))
            skipWhitespace()
            guard index < bytes.count else { throw error("expected ',' or '}' but found the end of the file") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("expected ',' or '}' but found \(describeNext())")
        }
    }

    mutating func readArray(depth: Int) throws -> JSONValue.Kind {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try readValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw error("expected ',' or ']' but found the end of the file") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw error("expected ',' or ']' but found \(describeNext())")
        }
    }

    mutating func readString() throws -> String {
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired UTF-16 surrogate in \\u escape")
                        }
                        index += 2
                        let low = try readHex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            index -= 6
                            throw error("a UTF-16 high surrogate in a \\u escape must be followed by a low one (\\uDC00 to \\uDFFF)")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else {
                        index -= 6
                        throw error("unpaired UTF-16 surrogate in \\u escape")
                    }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    index -= 1
                    throw error("unknown escape '\\\(Character(Unicode.Scalar(e)))' in string")
                }
            case 0x00..<0x20:
                throw error(b == 0x0A ? "string is missing its closing '\"'" : "control character in string (escape it)")
            default:
                out.append(b)
                index += 1
            }
        }
        throw error("string is missing its closing '\"'")
    }

    /// Four hex digits, exactly (UInt32(_:radix:) would take a sign too).
    mutating func readHex4() throws -> UInt32 {
        var v: UInt32 = 0
        for offset in 0..<4 {
            guard index + offset < bytes.count, let digit = Self.hexValue(bytes[index + offset]) else {
                index += offset
                throw error("expected four hex digits after \\u")
            }
            v = v << 4 | digit
        }
        index += 4
        return v
    }

    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    mutating func readNumber() throws -> Double {
        let start = index
        func digits() -> Int {
            let s = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - s
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0 else { throw error("expected digits in number") }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            index = integerStart
            throw error("a number cannot start with 0 followed by more digits")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("expected digits after the decimal point") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("expected digits in the exponent") }
        }
        guard let v = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else { throw error("invalid number") }
        guard v.isFinite else {
            let end = index
            index = start
            defer { index = end }
            throw error("number \(String(decoding: bytes[start..<end], as: UTF8.self)) is too large")
        }
        return v
    }
}
