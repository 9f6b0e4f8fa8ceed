// Helpers for store tests: the ways editors save, a store that records its
// events, and waiting for a reload with a deadline (never a fixed sleep).
import Foundation
import XCTest
@testable import RasterbarCore
@testable import RasterbarHost

/// How an editor writes a file.
enum SaveStyle: CaseIterable {
    /// Truncate and write the same file (nano, many IDEs).
    case inPlace
    /// Write a temporary file, rename it over the original (vim, VS Code, JetBrains).
    case tempAndRename
    /// Delete, then create the file again.
    case deleteAndRecreate
    /// Several writes in a burst: truncate, then the content in pieces.
    case burst

    func save(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        switch self {
        case .inPlace:
            try Data(text.utf8).write(to: url)
        case .tempAndRename:
            let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).swp")
            try Data(text.utf8).write(to: temp)
            guard rename(temp.path, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        case .deleteAndRecreate:
            try FileManager.default.removeItem(at: url)
            try Data(text.utf8).write(to: url)
        case .burst:
            let handle = try FileHandle(forWritingTo: url)
            try handle.truncate(atOffset: 0)
            let bytes = Array(text.utf8)
            let third = max(1, bytes.count / 3)
            for start in stride(from: 0, to: bytes.count, by: third) {
                try handle.write(contentsOf: bytes[start..<min(bytes.count, start + third)])
            }
            try handle.close()
        }
    }
}

/// A store over a temporary folder with a real watcher, recording events.
/// With `engine`, the store is a whole live engine's (the player's wiring,
/// scripts compiled inline) drawing in the tests' shared GL context.
final class StoreHarness {
    let demo: TemporaryDemo
    let store: Store
    let watcher: FileWatcher
    let engine: Engine?
    var events: [StoreEvent] = []

    /// `prepare` runs once the files are written, before anything loads (binary files).
    init(_ test: XCTestCase, files: [String: String], options: FileWatcher.Options = FileWatcher.Options(), engine: Bool = false,
         scriptTimeout: Double = 2, environment: [String: String] = [:], prepare: (TemporaryDemo) throws -> Void = { _ in }) throws {
        demo = try TemporaryDemo(test, files: files)
        try prepare(demo)
        if engine {
            let made = try liveEngine(demo.demoFile, watch: options, scriptTimeout: scriptTimeout, environment: environment).engine
            self.engine = made
            store = made.store
            watcher = made.watcher!
            made.onEvent = { [unowned self] in self.events.append($0) }
        } else {
            self.engine = nil
            watcher = FileWatcher(root: demo.root.path, options: options)
            store = Store(root: demo.root.path, watcher: watcher)
            store.onEvent = { [unowned self] in self.events.append($0) }
        }
    }

    func path(_ relative: String) -> String { demo.path(relative) }

    /// Syncs until something reloads or fails, or `timeout` passes; returns the keys reloaded.
    @discardableResult
    func syncUntilChange(timeout: Double = 5) -> [ResourceKey] {
        let deadline = Date().addingTimeInterval(timeout)
        let before = events.count
        while Date() < deadline {
            let reloaded = store.sync()
            if !reloaded.isEmpty || events.count > before { return reloaded }
            usleep(2000)
        }
        return []
    }

    /// Syncs for `seconds` and returns everything that reloaded (to prove nothing more did).
    func syncQuietly(for seconds: Double = 0.25) -> [ResourceKey] {
        let deadline = Date().addingTimeInterval(seconds)
        var all: [ResourceKey] = []
        while Date() < deadline {
            all += store.sync()
            usleep(2000)
        }
        return all
    }

    /// The reload events (generation > 1 or a fallback's first load) since `index`.
    func reloads(since index: Int = 0) -> [String] {
        events[index...].compactMap {
            if case let .reload(_, key, generation, _) = $0, generation >= 1 { return "\(key)#\(generation)" }
            return nil
        }
    }

    func errors(since index: Int = 0) -> [RasterbarError] {
        events[index...].compactMap { if case let .error(_, _, e) = $0 { return e } else { return nil } }
    }
}

/// A text file as a resource: the simplest loader, for store behaviour.
final class TextResource: Loadable {
    static let kind = "text"
    let text: String
    init(text: String) { self.text = text }
    static func load(from context: LoadContext) throws -> TextResource {
        TextResource(text: try context.readText(context.key.path))
    }
}

/// A resource built from others: each line `use PATH` pulls in the bundle at
/// PATH, other lines are text. Gives resource-level chains and diamonds.
final class BundleResource: Loadable {
    static let kind = "bundle"
    let text: String
    init(text: String) { self.text = text }
    static func key(_ path: String) throws -> ResourceKey { try .logical("bundle", path) }
    static func load(from context: LoadContext) throws -> BundleResource {
        var parts: [String] = []
        for line in try context.readText(context.key.path).split(separator: "\n") {
            if line.hasPrefix("use ") {
                parts.append(try context.get(try key(String(line.dropFirst(4))), as: BundleResource.self).value.text)
            } else {
                parts.append(String(line))
            }
        }
        return BundleResource(text: parts.joined(separator: "+"))
    }
}

/// A bundle with a fallback: a failed first load still gives a handle, like shaders do.
final class LenientBundle: Loadable {
    static let kind = "lenient"
    let text: String
    init(text: String) { self.text = text }
    static func key(_ path: String) throws -> ResourceKey { try .logical("lenient", path) }
    static func load(from context: LoadContext) throws -> LenientBundle {
        LenientBundle(text: try BundleResource.load(from: context).text)
    }
    static func fallback(for key: ResourceKey) -> LenientBundle? { LenientBundle(text: "(fallback)") }
}
