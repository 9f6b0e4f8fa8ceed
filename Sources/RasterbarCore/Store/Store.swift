import Foundation

// The resource store, in the style of Rust's warmy: resources keyed by path,
// loaded by their type's loader, shared through handles whose value is swapped
// in place on reload, and reloaded by an explicit `sync()` once per frame.
//
// Better than warmy in two ways: a change reloads its dependants at every
// depth (each once, dependencies first), and every failure is reported and
// recorded on its resource while the last good value keeps working.
//
// Not thread-safe: create it, `get` from it and `sync` it on one thread (the
// GL thread, since loaders may make GL objects). Only the watcher runs beside it.
/// A type the store can load. Loaders read files and other resources through
/// the context, which records them as dependencies.
public protocol Loadable {
    /// A short word for events and messages: "shader", "texture", "demo".
    static var kind: String { get }
    /// Loads the value for `context.key`.
    static func load(from context: LoadContext) throws -> Self
    /// A stand-in while the resource has never loaded, or nil to make a
    /// failed first load throw from `get`.
    static func fallback(for key: ResourceKey) -> Self?
}

extension Loadable {
    public static func fallback(for key: ResourceKey) -> Self? { nil }
}

/// A shared handle to a loaded resource. Holders keep it: reloads replace
/// `value` in place, so nobody re-fetches.
public final class Res<T> {
    /// The last good value, or the fallback if it never loaded.
    public internal(set) var value: T
    /// 1 for the first load, +1 for each successful reload; 0 for a fallback.
    public internal(set) var generation: Int
    /// The last load's error, until a load succeeds.
    public internal(set) var error: RasterbarError?
    /// True while its new value is being prepared elsewhere (a script
    /// compiling): `value` is the last good one (or the fallback) meanwhile.
    public internal(set) var isLoading = false

    init(value: T, generation: Int, error: RasterbarError?) {
        self.value = value
        self.generation = generation
        self.error = error
    }

    /// True while `value` is the fallback, not anything loaded.
    public var isFallback: Bool { generation == 0 }
}

/// Thrown by a loader whose value is being prepared elsewhere (a script
/// compiling on a background queue): not an error. The store keeps the
/// resource as it is, marks it loading, and reloads it when the work is done
/// and calls `Store.invalidate`.
public struct StillLoading: Error, Sendable {
    public var what: String
    public init(_ what: String) { self.what = what }
}

/// What a loader reads through; it records what the resource depends on.
public final class LoadContext {
    /// The key being loaded.
    public let key: ResourceKey
    unowned let store: Store
    let changes: [String: FileSnapshot]
    var files: Set<String> = []
    var resources: Set<ResourceKey> = []

    init(key: ResourceKey, store: Store, changes: [String: FileSnapshot]) {
        self.key = key
        self.store = store
        self.changes = changes
    }

    /// The demo folder on disk.
    public var root: String { store.root }

    /// Reads a file (demo-relative) and makes the resource depend on it, also
    /// when it is missing: creating it later triggers a reload.
    public func read(_ path: String) throws -> [UInt8] {
        let path = try DemoPath.normalize(path)
        files.insert(path)
        if let snapshot = changes[path] {
            // Read by the watcher thread already.
            store.watcher?.watch(path, hash: snapshot.hash)
            if let error = snapshot.readError { throw error }
            guard let bytes = snapshot.bytes else { throw RasterbarError(.fileNotFound, "file not found", at: path) }
            return bytes
        }
        do {
            let bytes = try FileIO.read(store.root + "/" + path)
            store.watcher?.watch(path, hash: contentHash(bytes))
            return bytes
        } catch var e as RasterbarError {
            store.watcher?.watch(path, hash: nil)
            e.location = path
            throw e
        }
    }

    /// Reads a UTF-8 text file (demo-relative), as `read` does.
    public func readText(_ path: String) throws -> String {
        let bytes = try read(path)
        guard let text = String(validating: bytes, as: UTF8.self), !bytes.contains(0) else {
            throw RasterbarError(.fileUnreadable, "is not UTF-8 text (binary data?)", at: path, hint: "save it as UTF-8 text")
        }
        return text
    }

    /// A service registered on the store (e.g. the script compiler).
    public func service<T: AnyObject>(_ type: T.Type) -> T? { store.service(type) }

    /// Tells the person something that is not an error (a warning event).
    public func warn(_ message: String) { store.onEvent(.warning(message: message)) }

    /// Gets another resource and makes this one depend on it.
    public func get<T: Loadable>(_ key: ResourceKey, as type: T.Type = T.self) throws -> Res<T> {
        resources.insert(key)
        return try store.get(key, as: type)
    }
}

/// Resources keyed by path under one demo root.
public final class Store {
    /// One loaded resource, type-erased.
    final class Entry {
        let key: ResourceKey
        let kind: String
        var files: Set<String> = []
        var resources: Set<ResourceKey> = []
        /// Loads again and swaps the value into the handle; throws on failure.
        let reload: (LoadContext) throws -> Int
        /// Records a failure on the handle.
        let fail: (RasterbarError) -> Void
        let handle: AnyObject

        init(key: ResourceKey, kind: String, handle: AnyObject, reload: @escaping (LoadContext) throws -> Int,
             fail: @escaping (RasterbarError) -> Void) {
            self.key = key
            self.kind = kind
            self.handle = handle
            self.reload = reload
            self.fail = fail
        }
    }

    /// The demo folder every key is relative to.
    public let root: String
    /// Where change notices come from; nil for a store that never reloads (one-off renders).
    public let watcher: FileWatcher?
    /// Receives every load, reload, error and warning.
    public var onEvent: (StoreEvent) -> Void

    var entries: [ResourceKey: Entry] = [:]
    var fileDependants: [String: Set<ResourceKey>] = [:]
    var dependants: [ResourceKey: Set<ResourceKey>] = [:]
    /// Loads in progress, innermost last (cycle detection, dependency hand-off).
    var loading: [LoadContext] = []
    var forced: Set<String> = []
    /// Files the engine wrote itself and already applied, with when: the
    /// watcher's report of the same content (if it read the file before the
    /// store told it the new hash) is not an edit. Kept a few seconds at most.
    var ownWrites: [String: (hash: UInt64, at: Double)] = [:]
    var services: [ObjectIdentifier: AnyObject] = [:]

    /// Makes `service` available to loaders (e.g. the script compiler).
    public func register<T: AnyObject>(_ service: T) {
        services[ObjectIdentifier(T.self)] = service
    }

    /// The registered service of type `T`.
    public func service<T: AnyObject>(_ type: T.Type) -> T? {
        services[ObjectIdentifier(T.self)] as? T
    }

    /// A store over `root`. Pass a watcher to reload on change.
    public init(root: String, watcher: FileWatcher?, onEvent: @escaping (StoreEvent) -> Void = { _ in }) {
        self.root = root
        self.watcher = watcher
        self.onEvent = onEvent
    }

    /// The number of resources loaded.
    public var count: Int { entries.count }

    /// The handle for `key`, loading it on first use. A failed first load
    /// throws, unless the type has a fallback: then the handle holds the
    /// fallback and the error, and a later good save loads it for real.
    public func get<T: Loadable>(_ key: ResourceKey, as type: T.Type = T.self) throws -> Res<T> {
        if let entry = entries[key] {
            guard let res = entry.handle as? Res<T> else {
                throw RasterbarError(.invalidArgument, "'\(key)' is already loaded as a \(entry.kind), not a \(T.kind)")
            }
            return res
        }
        if let start = loading.firstIndex(where: { $0.key == key }) {
            let cycle = (loading[start...].map(\.key) + [key]).map(\.description).joined(separator: " -> ")
            throw RasterbarError(.includeCycle, "resources depend on each other in a cycle: \(cycle)", at: key.path)
        }
        let parent = loading.last
        let context = LoadContext(key: key, store: self, changes: parent?.changes ?? [:])
        let started = monotonicSeconds()
        loading.append(context)
        defer { loading.removeLast() }
        let res: Res<T>
        var failure: RasterbarError?
        do {
            res = Res(value: try T.load(from: context), generation: 1, error: nil)
        } catch {
            if error is StillLoading, let fallback = T.fallback(for: key) {
                // Not ready yet (compiling in the background): the fallback
                // stands in, and the finished work invalidates the key.
                res = Res(value: fallback, generation: 0, error: nil)
                res.isLoading = true
                let entry = makeEntry(key, res)
                entries[key] = entry
                record(entry, context)
                return res
            }
            let e = Self.asRasterbarError(error, key: key)
            guard let fallback = T.fallback(for: key) else {
                // Not kept, so nothing would watch the files it tried: the
                // resource that asked for it watches them instead, and retries.
                parent?.files.formUnion(context.files)
                throw e
            }
            res = Res(value: fallback, generation: 0, error: e)
            failure = e
        }
        let entry = makeEntry(key, res)
        entries[key] = entry
        record(entry, context)
        if let failure {
            onEvent(.error(kind: T.kind, key: key, error: failure))
        } else {
            onEvent(.reload(kind: T.kind, key: key, generation: 1, milliseconds: (monotonicSeconds() - started) * 1000))
        }
        return res
    }

    func makeEntry<T: Loadable>(_ key: ResourceKey, _ res: Res<T>) -> Entry {
        Entry(key: key, kind: T.kind, handle: res, reload: { [unowned res] context in
            do {
                res.value = try T.load(from: context)
            } catch let loading as StillLoading {
                res.isLoading = true
                throw loading
            }
            res.isLoading = false
            res.generation += 1
            res.error = nil
            return res.generation
        }, fail: { [unowned res] error in
            res.isLoading = false
            res.error = error
        })
    }

    /// Applies the changes the watcher has seen: every resource depending on a
    /// changed file, directly or through others, reloads once, dependencies
    /// first. Returns the keys that reloaded successfully. Nearly free when
    /// nothing changed.
    @discardableResult
    public func sync() -> [ResourceKey] {
        let invalidated = takeInvalidated()
        if let watcher {
            for warning in watcher.takeWarnings() { onEvent(.warning(message: warning)) }
        }
        var changes = watcher?.takeChanges() ?? [:]
        if !ownWrites.isEmpty {
            let now = monotonicSeconds()
            for (path, own) in ownWrites {
                if let snapshot = changes[path] {
                    ownWrites[path] = nil
                    if snapshot.hash == own.hash { changes[path] = nil }
                } else if now - own.at > 5 {
                    ownWrites[path] = nil // the watcher already knew the content: no echo came
                }
            }
        }
        // Forced reloads (R) read every file again, the engine's own writes too.
        if !forced.isEmpty {
            for path in forced where changes[path] == nil {
                changes[path] = FileSnapshot(bytes: try? FileIO.read(root + "/" + path))
            }
            forced.removeAll()
        }
        return apply(changes, quiet: false, invalidated: invalidated)
    }

    private let invalidationLock = NSLock()
    private var invalidations: Set<ResourceKey> = []

    /// Reloads `key` (and what depends on it) at the next `sync()`, though no
    /// file changed: work done elsewhere finished (a script's compile). Any
    /// thread; wakes a loop waiting on the watcher.
    public func invalidate(_ key: ResourceKey) {
        invalidationLock.lock()
        invalidations.insert(key)
        invalidationLock.unlock()
        watcher?.wake()
    }

    func takeInvalidated() -> Set<ResourceKey> {
        invalidationLock.lock()
        defer { invalidationLock.unlock() }
        let keys = invalidations
        invalidations.removeAll()
        return keys
    }

    /// The engine wrote `bytes` to `path` (demo-relative) itself: what depends
    /// on it reloads now, without reload events (it is not an edit), and the
    /// watcher's later report of the same content is ignored. Errors are still
    /// reported. Returns the keys that reloaded.
    @discardableResult
    public func adoptOwnWrite(_ bytes: [UInt8], at path: String) -> [ResourceKey] {
        ownWrites[path] = (contentHash(bytes), monotonicSeconds())
        return apply([path: FileSnapshot(bytes: bytes)], quiet: true)
    }

    /// Reloads what depends on `changes` or was invalidated, dependencies first, each once.
    func apply(_ changes: [String: FileSnapshot], quiet: Bool, invalidated: Set<ResourceKey> = []) -> [ResourceKey] {
        guard !changes.isEmpty || !invalidated.isEmpty else { return [] }
        let changed = Set(changes.keys)

        // Everything reachable from the changed files and the invalidated keys through dependants.
        var affected: Set<ResourceKey> = []
        var queue = changed.flatMap { fileDependants[$0] ?? [] } + invalidated.filter { entries[$0] != nil }
        while let key = queue.popLast() {
            guard affected.insert(key).inserted else { continue }
            queue.append(contentsOf: dependants[key] ?? [])
        }

        var reloaded: [ResourceKey] = []
        var succeeded: Set<ResourceKey> = []
        for key in dependencyOrder(affected) {
            guard let entry = entries[key] else { continue }
            // Reload only for a real reason: an own file changed, or a dependency
            // reloaded with a new value. A failed dependency keeps its old value.
            guard !entry.files.isDisjoint(with: changed) || !entry.resources.isDisjoint(with: succeeded) || invalidated.contains(key) else { continue }
            let context = LoadContext(key: key, store: self, changes: changes)
            let started = monotonicSeconds()
            loading.append(context)
            do {
                let generation = try entry.reload(context)
                loading.removeLast()
                record(entry, context)
                succeeded.insert(key)
                reloaded.append(key)
                if !quiet {
                    onEvent(.reload(kind: entry.kind, key: key, generation: generation, milliseconds: (monotonicSeconds() - started) * 1000))
                }
            } catch {
                loading.removeLast()
                // Keep watching what it used to depend on as well as what it reached this time.
                context.files.formUnion(entry.files)
                context.resources.formUnion(entry.resources)
                record(entry, context)
                if error is StillLoading { continue } // the finished work invalidates it
                let e = Self.asRasterbarError(error, key: key)
                entry.fail(e)
                onEvent(.error(kind: entry.kind, key: key, error: e))
            }
        }
        return reloaded
    }

    /// Reloads every resource on the next `sync`, changed or not (the R key).
    public func reloadAll() {
        for entry in entries.values { forced.formUnion(entry.files) }
    }

    /// `keys` ordered so that each comes after the affected resources it depends on.
    func dependencyOrder(_ keys: Set<ResourceKey>) -> [ResourceKey] {
        var order: [ResourceKey] = []
        var visited: Set<ResourceKey> = []
        func visit(_ key: ResourceKey) {
            guard visited.insert(key).inserted else { return }
            for dep in (entries[key]?.resources ?? []).sorted(by: { $0.description < $1.description }) where keys.contains(dep) {
                visit(dep)
            }
            order.append(key)
        }
        for key in keys.sorted(by: { $0.description < $1.description }) { visit(key) }
        return order
    }

    /// Replaces `entry`'s dependencies with what `context` saw.
    func record(_ entry: Entry, _ context: LoadContext) {
        for file in entry.files { fileDependants[file]?.remove(entry.key) }
        for dep in entry.resources { dependants[dep]?.remove(entry.key) }
        entry.files = context.files
        entry.resources = context.resources
        for file in entry.files { fileDependants[file, default: []].insert(entry.key) }
        for dep in entry.resources { dependants[dep, default: []].insert(entry.key) }
    }

    static func asRasterbarError(_ error: Error, key: ResourceKey) -> RasterbarError {
        if let e = error as? RasterbarError { return e }
        return RasterbarError(.fileUnreadable, "\(error)", at: key.path)
    }
}
