// Keys of the resource store: a namespace and a path relative to the demo
// root, normalised, so `Shaders/./a.frag` and `Shaders/a.frag` are one
// resource. A key that would leave the root cannot be made.

/// Names one resource in the store.
public struct ResourceKey: Hashable, Sendable, CustomStringConvertible {
    /// What kind of thing the key names beyond its file (e.g. "program"); empty for plain files.
    public let namespace: String
    /// The normalised path relative to the demo root.
    public let path: String

    private init(namespace: String, path: String) {
        self.namespace = namespace
        self.path = path
    }

    /// The resource loaded from the file at `path`.
    public static func file(_ path: String) throws -> ResourceKey {
        ResourceKey(namespace: "", path: try DemoPath.normalize(path))
    }

    /// A resource that is not one file (a program made of stages, a parameterised
    /// resource) but is still identified by a path inside the demo.
    public static func logical(_ namespace: String, _ path: String) throws -> ResourceKey {
        precondition(!namespace.isEmpty && !namespace.contains(":"), "logical keys need a plain namespace")
        return ResourceKey(namespace: namespace, path: try DemoPath.normalize(path))
    }

    public var description: String { namespace.isEmpty ? path : "\(namespace):\(path)" }
}
