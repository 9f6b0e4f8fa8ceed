// The state's JSON coders, without Foundation. A module built without library
// evolution makes its clients load what it imports, even internally: with
// Foundation's JSONEncoder here, every script compile loaded Foundation and
// ICU (about 20 ms of each compile). These coders go straight between a
// `Codable` value and the `JSON` tree StateCarry works on, so a carry that has
// to fit the saved state to new code never turns it back into text.
//
// They behave as Foundation's do where StateCarry depends on it: the same
// DecodingError cases with the same coding paths ("Index N" keys in arrays),
// NaN and the infinities as "nan", "inf" and "-inf", a missing optional as nil.

enum StateCoding {
    /// `value` as JSON text.
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var out: [UInt8] = []
        try tree(value).write(into: &out)
        return out
    }

    /// `value` as a JSON tree.
    static func tree<T: Encodable>(_ value: T) throws -> JSON {
        let root = EncodedNode()
        try value.encode(to: TreeEncoder(node: root, path: nil))
        return root.json
    }

    /// A `T` from a JSON tree.
    static func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws -> T {
        try T(from: TreeDecoder(value: json, path: nil))
    }

    /// An encoding error in a line: where, and why.
    static func describe(_ error: Error) -> String {
        if case let EncodingError.invalidValue(value, context) = error {
            let path = StateCarry.display(context.codingPath)
            return "\(path.isEmpty ? "" : path + ": ")\(context.debugDescription) (\(value))"
        }
        return "\(error)"
    }

    /// A number's JSON text; NaN and the infinities as strings, as Foundation's `convertToString` writes them.
    static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) -> JSON {
        if value.isNaN { return .string("nan") }
        if value.isInfinite { return .string(value < 0 ? "-inf" : "inf") }
        return .number(value.description)
    }
}

/// A coding path as a chain of keys: a child only links to its parent, so a
/// value deep in a state costs no array copy; the array is made when asked for.
final class PathNode {
    let parent: PathNode?
    let key: CodingKey
    init(_ parent: PathNode?, _ key: CodingKey) {
        self.parent = parent
        self.key = key
    }

    static func keys(_ node: PathNode?) -> [CodingKey] {
        var keys: [CodingKey] = []
        var node = node
        while let n = node {
            keys.append(n.key)
            node = n.parent
        }
        return keys.reversed()
    }
}

/// An array element's coding key, named as Foundation names it.
struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String
    init(_ index: Int) { intValue = index; stringValue = "Index \(index)" }
    init?(intValue: Int) { self.init(intValue) }
    init?(stringValue: String) { return nil }
}

// MARK: Encoding

/// A value being encoded: containers fill it in place, so nested ones need no copying back.
final class EncodedNode {
    var leaf: JSON?
    var members: [String: EncodedNode]?
    var elements: [EncodedNode]?

    var json: JSON {
        if let leaf { return leaf }
        if let elements { return .array(elements.map(\.json)) }
        // A value that encoded nothing is an empty object, as with Foundation.
        return .object((members ?? [:]).mapValues(\.json))
    }
}

struct TreeEncoder: Encoder {
    let node: EncodedNode
    let path: PathNode?
    var codingPath: [CodingKey] { PathNode.keys(path) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.members == nil { node.members = [:] }
        return KeyedEncodingContainer(KeyedTreeEncoder(node: node, path: path))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if node.elements == nil { node.elements = [] }
        return UnkeyedTreeEncoder(node: node, path: path)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { SingleTreeEncoder(node: node, path: path) }

    /// Encodes `value` into `node`: primitives as leaves, anything else through its own `encode(to:)`.
    static func encode<T: Encodable>(_ value: T, into node: EncodedNode, at path: @autoclosure () -> PathNode?) throws {
        switch value {
        case let v as Bool: node.leaf = .bool(v)
        case let v as String: node.leaf = .string(v)
        case let v as Double: node.leaf = StateCoding.number(v)
        case let v as Float: node.leaf = StateCoding.number(v)
        case let v as Int: node.leaf = .number(String(v))
        case let v as Int8: node.leaf = .number(String(v))
        case let v as Int16: node.leaf = .number(String(v))
        case let v as Int32: node.leaf = .number(String(v))
        case let v as Int64: node.leaf = .number(String(v))
        case let v as UInt: node.leaf = .number(String(v))
        case let v as UInt8: node.leaf = .number(String(v))
        case let v as UInt16: node.leaf = .number(String(v))
        case let v as UInt32: node.leaf = .number(String(v))
        case let v as UInt64: node.leaf = .number(String(v))
        default: try value.encode(to: TreeEncoder(node: node, path: path()))
        }
    }
}

struct KeyedTreeEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodedNode
    let path: PathNode?
    var codingPath: [CodingKey] { PathNode.keys(path) }

    func child(_ key: CodingKey) -> EncodedNode {
        let child = EncodedNode()
        node.members![key.stringValue] = child
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { child(key).leaf = .null }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try TreeEncoder.encode(value, into: child(key), at: PathNode(path, key))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: child(key), path: PathNode(path, key)).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        TreeEncoder(node: child(key), path: PathNode(path, key)).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder { TreeEncoder(node: child(SuperKey()), path: PathNode(path, SuperKey())) }
    mutating func superEncoder(forKey key: Key) -> Encoder { TreeEncoder(node: child(key), path: PathNode(path, key)) }
}

/// The key Foundation uses for `superEncoder()` and `superDecoder()`.
struct SuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { return nil }
}

struct UnkeyedTreeEncoder: UnkeyedEncodingContainer {
    let node: EncodedNode
    let path: PathNode?
    var codingPath: [CodingKey] { PathNode.keys(path) }
    var count: Int { node.elements!.count }

    /// The next element, and its index.
    func next() -> (EncodedNode, Int) {
        let child = EncodedNode()
        let index = node.elements!.count
        node.elements!.append(child)
        return (child, index)
    }

    mutating func encodeNil() throws { next().0.leaf = .null }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let (child, index) = next()
        try TreeEncoder.encode(value, into: child, at: PathNode(path, IndexKey(index)))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let (child, index) = next()
        return TreeEncoder(node: child, path: PathNode(path, IndexKey(index))).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let (child, index) = next()
        return TreeEncoder(node: child, path: PathNode(path, IndexKey(index))).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder {
        let (child, index) = next()
        return TreeEncoder(node: child, path: PathNode(path, IndexKey(index)))
    }
}

struct SingleTreeEncoder: SingleValueEncodingContainer {
    let node: EncodedNode
    let path: PathNode?
    var codingPath: [CodingKey] { PathNode.keys(path) }

    mutating func encodeNil() throws { node.leaf = .null }
    mutating func encode<T: Encodable>(_ value: T) throws { try TreeEncoder.encode(value, into: node, at: path) }
}

// MARK: Decoding

struct TreeDecoder: Decoder {
    let value: JSON
    let path: PathNode?
    var codingPath: [CodingKey] { PathNode.keys(path) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case let .object(members) = value else {
            throw Self.mismatch([String: Any].self, value, path)
        }
        return KeyedDecodingContainer(KeyedTreeDecoder(members: members, path: path))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case let .array(elements) = value else { throw Self.mismatch([Any].self, value, path) }
        return UnkeyedTreeDecoder(elements: elements, path: path)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { SingleTreeDecoder(value: value, path: path) }

    static func mismatch(_ type: Any.Type, _ value: JSON, _ path: PathNode?) -> DecodingError {
        .typeMismatch(type, DecodingError.Context(codingPath: PathNode.keys(path),
                                                  debugDescription: "Expected to decode \(type) but found \(value.typeName) instead."))
    }

    /// A `T` from `value`: primitives read from the tree, anything else through
    /// its own `init(from:)`. The path is only made for those, and for errors.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSON, at lazyPath: @autoclosure () -> PathNode?) throws -> T {
        if case .null = value, !(T.self is ExpressibleByNilLiteral.Type) {
            throw DecodingError.valueNotFound(T.self, DecodingError.Context(codingPath: PathNode.keys(lazyPath()),
                                                                            debugDescription: "Expected \(T.self) value but found null instead."))
        }
        // Cheap to ask for again: primitives build the path only when they throw.
        var made: PathNode??
        func path() -> PathNode? {
            if let made { return made }
            let node = lazyPath()
            made = .some(node)
            return node
        }
        switch type {
        case is Bool.Type:
            guard case let .bool(b) = value else { throw mismatch(T.self, value, path()) }
            return b as! T
        case is String.Type:
            guard case let .string(s) = value else { throw mismatch(T.self, value, path()) }
            return s as! T
        case is Double.Type: return try float(Double.self, value, path()) as! T
        case is Float.Type: return try float(Float.self, value, path()) as! T
        case is Int.Type: return try integer(Int.self, value, path()) as! T
        case is Int8.Type: return try integer(Int8.self, value, path()) as! T
        case is Int16.Type: return try integer(Int16.self, value, path()) as! T
        case is Int32.Type: return try integer(Int32.self, value, path()) as! T
        case is Int64.Type: return try integer(Int64.self, value, path()) as! T
        case is UInt.Type: return try integer(UInt.self, value, path()) as! T
        case is UInt8.Type: return try integer(UInt8.self, value, path()) as! T
        case is UInt16.Type: return try integer(UInt16.self, value, path()) as! T
        case is UInt32.Type: return try integer(UInt32.self, value, path()) as! T
        case is UInt64.Type: return try integer(UInt64.self, value, path()) as! T
        default: return try T(from: TreeDecoder(value: value, path: path()))
        }
    }

    static func float<F: BinaryFloatingPoint & LosslessStringConvertible>(_ type: F.Type, _ value: JSON, _ path: @autoclosure () -> PathNode?) throws -> F {
        switch value {
        case let .number(text):
            guard let f = F(text) else { throw corrupted("Parsed JSON number <\(text)> does not fit in \(F.self).", path()) }
            return f
        case .string("nan"): return .nan
        case .string("inf"): return .infinity
        case .string("-inf"): return -.infinity
        default: throw mismatch(F.self, value, path())
        }
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, _ value: JSON, _ path: @autoclosure () -> PathNode?) throws -> I {
        guard case let .number(text) = value else { throw mismatch(I.self, value, path()) }
        if let i = I(text) { return i }
        // "3.0" is an integer written as a float; anything else does not fit.
        if let d = Double(text), d.rounded() == d, let i = I(exactly: d) { return i }
        throw corrupted("Parsed JSON number <\(text)> does not fit in \(I.self).", path())
    }

    static func corrupted(_ why: String, _ path: PathNode?) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: PathNode.keys(path), debugDescription: why))
    }
}

struct KeyedTreeDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSON]
    let path: PathNode?
    var codingPath: [CodingKey] { PathNode.keys(path) }

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    func member(_ key: CodingKey) throws -> JSON {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath,
                                                                       debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try member(key) { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try TreeDecoder.decode(type, from: try member(key), at: PathNode(path, key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try TreeDecoder(value: try member(key), path: PathNode(path, key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try TreeDecoder(value: try member(key), path: PathNode(path, key)).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder { TreeDecoder(value: members["super"] ?? .null, path: PathNode(path, SuperKey())) }
    func superDecoder(forKey key: Key) throws -> Decoder { TreeDecoder(value: members[key.stringValue] ?? .null, path: PathNode(path, key)) }
}

struct UnkeyedTreeDecoder: UnkeyedDecodingContainer {
    let elements: [JSON]
    let path: PathNode?
    var codingPath: [CodingKey] { PathNode.keys(path) }
    var currentIndex = 0

    init(elements: [JSON], path: PathNode?) {
        self.elements = elements
        self.path = path
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    func current(_ type: Any.Type) throws -> JSON {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, DecodingError.Context(codingPath: PathNode.keys(elementPath), debugDescription: "Unkeyed container is at end."))
        }
        return elements[currentIndex]
    }

    var elementPath: PathNode { PathNode(path, IndexKey(currentIndex)) }

    mutating func decodeNil() throws -> Bool {
        guard case .null = try current(Any?.self) else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try current(type)
        let decoded = try TreeDecoder.decode(type, from: value, at: elementPath)
        currentIndex += 1
        return decoded
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let value = try current([String: Any].self)
        let container = try TreeDecoder(value: value, path: elementPath).container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        let value = try current([Any].self)
        let container = try TreeDecoder(value: value, path: elementPath).unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> Decoder {
        let decoder = TreeDecoder(value: try current(Any.self), path: elementPath)
        currentIndex += 1
        return decoder
    }
}

struct SingleTreeDecoder: SingleValueDecodingContainer {
    let value: JSON
    let path: PathNode?
    var codingPath: [CodingKey] { PathNode.keys(path) }

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try TreeDecoder.decode(type, from: value, at: path) }
}
