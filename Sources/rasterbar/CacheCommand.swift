// `rasterbar cache`: the script cache's size and what fills it; `cache clean`
// empties it, `cache trim` applies its cap now. Neither removes what a
// running player uses (ScriptCache.swift says how that is known).
import ArgumentParser
import Foundation
import RasterbarCore
import RasterbarHost

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Show the script cache's size; `cache clean` empties it, `cache trim` applies its cap now.",
        discussion: """
            The cache ($RASTERBAR_CACHE, else $XDG_CACHE_HOME/rasterbar or ~/.cache/rasterbar) holds compiled
            scripts and the SDK they build against. It is capped at RASTERBAR_CACHE_LIMIT (default 512M;
            K, M, G are powers of 1024; 0 or none: no cap): after each compile the least recently used
            libraries go first. A library a running player has loaded is never removed, by either.
            """,
        subcommands: [Show.self, Clean.self, Trim.self],
        defaultSubcommand: Show.self)

    static func open() throws -> ScriptCache {
        let environment = ProcessInfo.processInfo.environment
        return ScriptCache(root: ScriptCompiler.defaultCacheRoot(environment: environment), limit: try ScriptCache.limit(environment: environment))
    }

    static func users(_ processes: [Int32]) -> String {
        processes.isEmpty ? "no running process uses it"
            : "\(processes.count) running process\(processes.count == 1 ? "" : "es") use\(processes.count == 1 ? "s" : "") it (pid \(processes.map(String.init).joined(separator: ", ")))"
    }

    static func report(_ removal: ScriptCache.Removal, verb: String) {
        let libraries = removal.removed.filter { $0.kind == .library }.count
        print("\(verb) \(formatBytes(removal.removedBytes)) (\(libraries) script librar\(libraries == 1 ? "y" : "ies")"
              + "\(removal.removed.contains { $0.kind == .engine } ? ", engine builds" : "")"
              + "\(removal.removed.contains { $0.kind == .modules } ? ", the module cache" : "")): "
              + "\(formatBytes(removal.before)) -> \(formatBytes(removal.after))")
        if !removal.kept.isEmpty {
            let keptLibraries = removal.kept.filter { $0.kind == .library }.count
            print("kept \(formatBytes(removal.keptBytes)) in use (\(keptLibraries) script librar\(keptLibraries == 1 ? "y" : "ies") loaded): "
                  + users(removal.processes))
        }
        if !removal.unknown.isEmpty {
            print("left \(removal.unknown.count) entr\(removal.unknown.count == 1 ? "y" : "ies") Rasterbar did not make (remove them yourself if they are no one's): "
                  + removal.unknown.map { ($0.path as NSString).lastPathComponent }.joined(separator: ", "))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the cache's folder, size, cap and what fills it (the default).")

        func run() throws {
            try reportingErrors {
                let cache = try CacheCommand.open()
                guard FileManager.default.fileExists(atPath: cache.root) else {
                    print("\(cache.root): empty (nothing compiled yet); cap \(cache.limit.map(formatBytes) ?? "none")")
                    return
                }
                let inventory = cache.inventory()
                let inUse = inventory.items.filter { $0.inUse && $0.kind == .library }
                print("\(cache.root): \(formatBytes(inventory.bytes)) of \(cache.limit.map(formatBytes) ?? "no cap")"
                      + (cache.limit == nil ? "" : " (RASTERBAR_CACHE_LIMIT)"))
                print("  script libraries: \(inventory.count(.library)), \(formatBytes(inventory.bytes(.library)))"
                      + " (\(inUse.count) loaded by running players)")
                print("  engine builds (SDK, compile plan, compile service): \(inventory.count(.engine)), \(formatBytes(inventory.bytes(.engine)))")
                print("  SDK sources: \(formatBytes(inventory.bytes(.sources))); module cache: \(formatBytes(inventory.bytes(.modules)))"
                      + (inventory.bytes(.temporary) > 0 ? "; being written: \(formatBytes(inventory.bytes(.temporary)))" : "")
                      + (inventory.bytes(.other) > 0 ? "; other: \(formatBytes(inventory.bytes(.other)))" : ""))
                if inventory.count(.unknown) > 0 {
                    print("  not Rasterbar's (never removed): \(inventory.count(.unknown)), \(formatBytes(inventory.bytes(.unknown)))")
                }
                print("  \(CacheCommand.users(inventory.processes))")
            }
        }
    }

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Empty the cache: everything but what running players use (their libraries, SDK and, while any runs, the module cache).")

        func run() throws {
            try reportingErrors {
                let cache = try CacheCommand.open()
                guard FileManager.default.fileExists(atPath: cache.root) else { return print("\(cache.root): already empty") }
                CacheCommand.report(cache.clean(), verb: "removed")
            }
        }
    }

    struct Trim: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the cap now: least recently used libraries first, never one a running player has loaded.")

        @Option(help: "The size to trim to (default: RASTERBAR_CACHE_LIMIT, else 512M).")
        var limit: String?

        func run() throws {
            try reportingErrors {
                let cache = try CacheCommand.open()
                var bytes = cache.limit
                if let limit {
                    guard let parsed = ScriptCache.parseSize(limit) else {
                        throw RasterbarError(.invalidArgument, "--limit \(limit) is not a size", hint: "bytes, or a number with K, M or G: 256M")
                    }
                    bytes = parsed
                }
                guard let bytes else { return print("the cache has no cap (RASTERBAR_CACHE_LIMIT=\(ProcessInfo.processInfo.environment["RASTERBAR_CACHE_LIMIT"] ?? ""))") }
                guard FileManager.default.fileExists(atPath: cache.root) else { return print("\(cache.root): empty") }
                CacheCommand.report(cache.trim(to: bytes), verb: "trimmed")
            }
        }
    }
}
