// The script cache on disk (`$RASTERBAR_CACHE`, else ~/.cache/rasterbar): its
// size, a cap with least-recently-used eviction, and which of its files live
// processes use, so that eviction and `rasterbar cache clean` never remove a
// library a running player has loaded, whichever process does the removing.
//
// What it holds:
//   engine-<key>/           one engine build per SDK, toolchain and ABI: the SDK
//                           (sdk/), the compile plan, the compile service,
//                           scratch work, and
//   engine-<key>/scripts/   the script libraries built against it
//   sources/<hash>/         the SDK sources the engine carries, written out
//   modules/                clang's module cache (the compiler manages it)
//   in-use/                 one list per live process (below)
//   .cache-lock             taken by everyone who registers a use (shared) or
//                           removes anything (exclusive)
//   ...tmp-PID..., ...removing-PID
//                           what a process is writing or removing (below)
//
// Temporaries: a library is linked to `X.so.tmp-PID` (and by lld through its
// own `X.so.tmp-PID.tmpXXXXXX`), SDK sources are written to
// `sources/<hash>.tmp-PID-RAND`, a folder being removed is first renamed to
// `X.removing-PID`. While PID lives they are never removed; once it has ended
// a trim or a clean removes them. Anything else in the cache's folder that
// Rasterbar does not make (RASTERBAR_CACHE may name a folder others use too)
// is counted and reported, never removed.
//
// In use: each process that uses the cache keeps one list in in-use/ naming
// every library and engine folder it asked for, and holds an exclusive
// flock on that list as long as it lives. The kernel drops the lock when the
// process ends however it ends (a crash, SIGKILL), so a list whose lock can
// be taken is a dead process's and is removed; no pid is ever trusted.
// Registering a use (shared lock) and removing files (exclusive lock)
// exclude each other, so a library cannot be removed between a process
// finding it and naming it. Libraries are never unloaded (see
// ScriptLibrary.swift), so a process keeps every generation it loaded in use
// until it exits.
//
// Recency: a use sets the file's access time to now (a folder's: its .used
// file's; modification times stay when things were built); eviction removes
// the least recently used library first, then whole engine folders nothing
// uses any more (another engine version's or toolchain's, with their
// libraries), until the cache fits. The module cache is counted but left to
// clang (it prunes itself); `cache clean` empties it when no process uses the cache.
import Foundation
import RasterbarCore
import Synchronization

/// The script cache folder: size, cap, eviction, uses. Thread-safe.
public final class ScriptCache: Sendable {
    /// The cache folder.
    public let root: String
    /// Bytes it may hold (disk usage, as `du` counts it); nil: no cap.
    public let limit: Int64?

    /// 512 MiB.
    public static let defaultLimit: Int64 = 512 << 20

    public init(root: String, limit: Int64?) {
        self.root = root
        self.limit = limit
    }

    /// The cap from the environment: `RASTERBAR_CACHE_LIMIT` (bytes, or with a
    /// K, M or G suffix, powers of 1024; 0 or "none" for no cap), default 512 MiB.
    public static func limit(environment: [String: String]) throws -> Int64? {
        guard let text = environment["RASTERBAR_CACHE_LIMIT"], !text.isEmpty else { return defaultLimit }
        if text == "none" { return nil }
        guard let bytes = parseSize(text) else {
            throw RasterbarError(.invalidArgument, "RASTERBAR_CACHE_LIMIT=\(text) is not a size",
                                 hint: "bytes, or a number with K, M or G (powers of 1024): 512M, 2G; 0 or none for no cap")
        }
        return bytes == 0 ? nil : bytes
    }

    /// "512M", "2G", "1.5G", "300000", "64MiB", "64MB" (all powers of 1024); nil if not a size.
    public static func parseSize(_ text: String) -> Int64? {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where s.hasSuffix(suffix) && s.count > suffix.count {
            s.removeLast(suffix.count)
            break
        }
        var scale: Double = 1
        if let last = s.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
            scale = pow(1024, Double(power))
            s.removeLast()
        }
        guard let number = Double(s), number.isFinite, number >= 0, number * scale < 9e18 else { return nil }
        return Int64((number * scale).rounded())
    }

    // MARK: Uses

    /// One process's list of uses in one cache.
    final class Registration: Sendable {
        let list: Int32
        let lock: Int32
        /// What the list names already.
        let named = Mutex<Set<String>>([])
        init(list: Int32, lock: Int32) {
            self.list = list
            self.lock = lock
        }
    }

    /// This process's registrations, by cache folder (never held while waiting for a file lock).
    static let registrations = Mutex<[String: Registration]>([:])

    /// Marks `path` (a library, an engine folder, a sources folder) as used by
    /// this process for as long as it lives, and as used now. Best effort: a
    /// cache that cannot be written is not an error here (the compile that
    /// follows reports it).
    public func use(_ path: String) {
        let found = Self.registrations.withLock { registrations -> Registration? in
            if let existing = registrations[root] { return existing }
            let made = register()
            registrations[root] = made
            return made
        }
        guard let registration = found else { return }
        registration.named.withLock { named in
            // Shared: many processes register at once; a removal (exclusive) waits, and is waited for.
            flock(registration.lock, LOCK_SH)
            defer { flock(registration.lock, LOCK_UN) }
            if named.insert(path).inserted {
                let line = Array((path + "\n").utf8)
                _ = line.withUnsafeBufferPointer { write(registration.list, $0.baseAddress, $0.count) }
            }
            Self.touch(path)
        }
    }

    /// Opens this process's list, locked before it gets its name (so no one
    /// ever sees it unlocked).
    private func register() -> Registration? {
        let folder = root + "/in-use"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let lock = open(root + "/.cache-lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else { return nil }
        let name = "\(folder)/\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let list = open(name + ".new", O_CREAT | O_EXCL | O_WRONLY | O_APPEND | O_CLOEXEC, 0o644)
        guard list >= 0 else {
            close(lock)
            return nil
        }
        flock(list, LOCK_EX)
        guard rename(name + ".new", name + ".list") == 0 else {
            unlink(name + ".new")
            close(list)
            close(lock)
            return nil
        }
        return Registration(list: list, lock: lock)
    }

    /// Marks a file, or a folder (its `.used` file), as used now: its access
    /// time, which eviction orders by. Its modification time stays when it
    /// was built.
    static func touch(_ path: String) {
        var target = path
        if isDirectory(path) {
            target = path + "/.used"
            if !FileIO.isFile(target) { close(open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)) }
        }
        // UTIME_NOW and UTIME_OMIT (macros Swift does not import).
        var times = [timespec(tv_sec: 0, tv_nsec: (1 << 30) - 1), timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2)]
        _ = utimensat(AT_FDCWD, target, &times, 0)
    }

    /// What live processes use: every path their lists name, and their pids.
    /// Removes the lists of processes that have ended. Call under the exclusive lock
    /// (or accept that a list may be removed twice).
    func liveUses(removingStale: Bool) -> (paths: Set<String>, processes: [Int32]) {
        let folder = root + "/in-use"
        var paths: Set<String> = []
        var processes: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            let path = folder + "/" + name
            if name.hasSuffix(".new") {
                // A process that died between creating and naming its list.
                if removingStale, let age = Self.age(path), age > 3600 { unlink(path) }
                continue
            }
            guard name.hasSuffix(".list") else { continue }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            let pid = Int32(name.split(separator: "-").first ?? "") ?? 0
            // Its owner holds an exclusive lock on it while it lives (this
            // process's own list included: flock locks belong to open files).
            if flock(fd, LOCK_SH | LOCK_NB) == 0 {
                // No one holds it: its process has ended.
                if removingStale { unlink(path) }
                flock(fd, LOCK_UN)
                continue
            }
            processes.append(pid)
            if let bytes = try? FileIO.read(path) {
                for line in bytes.split(separator: UInt8(ascii: "\n")) { paths.insert(String(decoding: line, as: UTF8.self)) }
            }
        }
        return (paths, processes.sorted())
    }

    static func age(_ path: String) -> Double? {
        var s = stat()
        guard lstat(path, &s) == 0 else { return nil }
        return Date().timeIntervalSince1970 - Double(s.st_mtim.tv_sec)
    }

    /// Runs `body` holding the cache's exclusive lock (no one registers a use meanwhile).
    func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let fd = open(root + "/.cache-lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        if fd >= 0 { flock(fd, LOCK_EX) }
        defer { if fd >= 0 { flock(fd, LOCK_UN); close(fd) } }
        return try body()
    }

    // MARK: What it holds

    /// One removable part of the cache.
    public struct Item: Sendable {
        public enum Kind: String, Sendable {
            /// A script library (engine-<key>/scripts/*.so).
            case library
            /// An engine folder without its libraries: SDK, plan, compile service, scratch.
            case engine
            /// The SDK sources the engine carries, written out.
            case sources
            /// clang's module cache.
            case modules
            /// What a process is writing or removing: kept while it lives (`inUse`).
            case temporary
            /// The cache's own bookkeeping (the folder, its lock, the lists of uses): never removed.
            case other
            /// Not made by Rasterbar: counted and reported, never removed.
            case unknown
        }
        public var kind: Kind
        public var path: String
        /// Disk usage in bytes.
        public var bytes: Int64
        /// Last use (access time), seconds since 1970.
        public var used: Double
        /// A live process uses it (for an engine folder: it or a library in it).
        public var inUse: Bool
    }

    /// Everything in the cache, and who uses it.
    public struct Inventory: Sendable {
        public var items: [Item]
        /// Pids of live processes using the cache.
        public var processes: [Int32]
        public var bytes: Int64 { items.reduce(0) { $0 + $1.bytes } }
        public func bytes(_ kind: Item.Kind) -> Int64 { items.filter { $0.kind == kind }.reduce(0) { $0 + $1.bytes } }
        public func count(_ kind: Item.Kind) -> Int { items.filter { $0.kind == kind }.count }
    }

    /// Everything in the cache and who uses it, as it is now.
    public func inventory() -> Inventory { inventory(removingStale: false) }

    /// Walks the cache. `removingStale`: drops ended processes' lists and dead processes' temporaries.
    func inventory(removingStale: Bool) -> Inventory {
        let (uses, processes) = liveUses(removingStale: removingStale)
        // The folder itself and its bookkeeping count (so the total is what `du -s` says) but are never removed.
        var items: [Item] = [Item(kind: .other, path: root, bytes: Self.ownBlocks(root), used: 0, inUse: true)]
        let fm = FileManager.default
        /// A temporary's item: in use while its owner lives; nil once a dead owner's is removed.
        func temporaryItem(_ path: String, owner: Int32) -> Item? {
            let alive = Self.alive(owner)
            if !alive, removingStale, remove(path) { return nil }
            return Item(kind: .temporary, path: path, bytes: Self.diskUsage(path), used: Self.newest(path), inUse: alive)
        }
        for name in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            let path = root + "/" + name
            if let (base, owner) = Self.temporary(name), base.hasPrefix("engine-") || ["modules", "sources"].contains(base) {
                if let item = temporaryItem(path, owner: owner) { items.append(item) }
                continue
            }
            switch name {
            case ".cache-lock", "in-use":
                items.append(Item(kind: .other, path: path, bytes: Self.diskUsage(path), used: 0, inUse: true))
            case "modules":
                items.append(Item(kind: .modules, path: path, bytes: Self.diskUsage(path), used: 0, inUse: false))
            case "sources":
                for hash in ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted() {
                    let folder = path + "/" + hash
                    if let owner = Self.temporary(hash)?.owner {
                        if let item = temporaryItem(folder, owner: owner) { items.append(item) }
                        continue
                    }
                    items.append(Item(kind: .sources, path: folder, bytes: Self.diskUsage(folder), used: Self.newest(folder),
                                      inUse: uses.contains(folder)))
                }
                items.append(Item(kind: .other, path: path, bytes: Self.ownBlocks(path), used: 0, inUse: true))
            case _ where name.hasPrefix("engine-") && Self.isDirectory(path):
                var libraries: [Item] = []
                var engineBytes = Self.ownBlocks(path)
                var engineUsed = 0.0
                for entry in ((try? fm.contentsOfDirectory(atPath: path)) ?? []) {
                    let sub = path + "/" + entry
                    guard entry == "scripts" else {
                        engineBytes += Self.diskUsage(sub)
                        engineUsed = max(engineUsed, Self.newest(sub))
                        continue
                    }
                    engineBytes += Self.ownBlocks(sub)
                    for file in ((try? fm.contentsOfDirectory(atPath: sub)) ?? []) {
                        let library = sub + "/" + file
                        if let owner = Self.temporary(file)?.owner {
                            if let item = temporaryItem(library, owner: owner) { libraries.append(item) }
                            continue
                        }
                        libraries.append(Item(kind: .library, path: library, bytes: Self.diskUsage(library), used: Self.used(library),
                                              inUse: uses.contains(library)))
                    }
                }
                let prefix = path + "/"
                // In use: by a process's list, or by a process writing into it.
                let engineInUse = uses.contains(path) || uses.contains { $0.hasPrefix(prefix) }
                    || libraries.contains { $0.kind == .temporary && $0.inUse }
                items.append(Item(kind: .engine, path: path, bytes: engineBytes,
                                  used: max(engineUsed, libraries.map(\.used).max() ?? 0), inUse: engineInUse))
                items += libraries
            default:
                items.append(Item(kind: .unknown, path: path, bytes: Self.diskUsage(path), used: Self.newest(path), inUse: false))
            }
        }
        return Inventory(items: items, processes: processes)
    }

    // MARK: Eviction

    /// What a trim or a clean did.
    public struct Removal: Sendable {
        public var removed: [Item] = []
        /// Left because a live process uses them.
        public var kept: [Item] = []
        /// Left because Rasterbar did not make them.
        public var unknown: [Item] = []
        public var before: Int64 = 0
        public var after: Int64 = 0
        public var processes: [Int32] = []
        public var removedBytes: Int64 { removed.reduce(0) { $0 + $1.bytes } }
        public var keptBytes: Int64 { kept.reduce(0) { $0 + $1.bytes } }
    }

    /// Least recently used first, removes libraries no live process uses, then
    /// engine folders none uses (with what is left in them), until the cache
    /// fits under `limit` (default: the cache's). Nothing without a cap.
    @discardableResult
    public func trim(to limit: Int64? = nil) -> Removal {
        guard let limit = limit ?? self.limit else { return Removal() }
        return exclusively {
            let inventory = self.inventory(removingStale: true)
            var removal = Removal(before: inventory.bytes, processes: inventory.processes)
            var total = inventory.bytes
            // A library goes before its engine folder; an engine folder's recency is its newest library's.
            let candidates = inventory.items.filter { ($0.kind == .library || $0.kind == .engine || $0.kind == .sources) && !$0.inUse }
                .sorted { ($0.used, $0.kind == .library ? 0 : 1) < ($1.used, $1.kind == .library ? 0 : 1) }
            var gone: Set<String> = []
            for item in candidates where total > limit && !gone.contains(item.path) {
                guard remove(item.path) else { continue }
                var freed = item.bytes
                if item.kind == .engine {
                    // Its libraries go with it (none is in use, or it would be).
                    let prefix = item.path + "/"
                    for library in inventory.items where library.kind == .library && library.path.hasPrefix(prefix) && !gone.contains(library.path) {
                        freed += library.bytes
                        gone.insert(library.path)
                        removal.removed.append(library)
                    }
                }
                gone.insert(item.path)
                total -= freed
                removal.removed.append(item)
            }
            removal.kept = inventory.items.filter { $0.inUse && $0.kind != .other }
            removal.unknown = inventory.items.filter { $0.kind == .unknown }
            removal.after = total
            return removal
        }
    }

    /// What the cache held at the last trim, plus what this process wrote since, and when that trim ran.
    let estimate = Mutex<(bytes: Int64, scanned: Double)?>(nil)
    /// How long an estimate is trusted before the cache is measured again (other processes write too).
    static let estimateLifetime = 60.0

    /// Trims after a compile wrote `added` bytes, when the cache has a cap. A
    /// trim reads the whole cache under the exclusive lock, which a player's
    /// next load waits for (15 ms with a few thousand libraries): so it runs
    /// only when the running estimate passes the cap, or has grown old.
    func trimAfterWrite(added: Int64) {
        guard let limit else { return }
        let now = monotonicSeconds()
        let due = estimate.withLock { estimate -> Bool in
            guard var current = estimate, now - current.scanned < Self.estimateLifetime else { return true }
            current.bytes += added
            estimate = current
            return current.bytes > limit
        }
        guard due else { return }
        let removal = trim()
        estimate.withLock { $0 = (removal.after, now) }
    }

    /// Removes everything no live process uses (the module cache only when
    /// no process uses the cache at all), and nothing Rasterbar did not make.
    @discardableResult
    public func clean() -> Removal {
        exclusively {
            let inventory = self.inventory(removingStale: true)
            var removal = Removal(before: inventory.bytes, processes: inventory.processes)
            var total = inventory.bytes
            let idle = inventory.processes.isEmpty
            for item in inventory.items {
                let removable: Bool
                switch item.kind {
                case .library, .sources, .engine, .temporary: removable = !item.inUse
                case .modules: removable = idle
                case .other: removable = false
                case .unknown:
                    removal.unknown.append(item)
                    removable = false
                }
                if !removable {
                    if item.kind != .other && item.kind != .unknown { removal.kept.append(item) }
                    continue
                }
                if item.kind == .library, !FileManager.default.fileExists(atPath: item.path) {
                    // Went with its engine folder.
                    total -= item.bytes
                    removal.removed.append(item)
                    continue
                }
                if remove(item.path) {
                    total -= item.bytes
                    removal.removed.append(item)
                }
            }
            if FileManager.default.fileExists(atPath: root + "/sources"), ((try? FileManager.default.contentsOfDirectory(atPath: root + "/sources")) ?? []).isEmpty {
                rmdir(root + "/sources")
            }
            removal.after = total
            return removal
        }
    }

    /// Removes a file or a folder; true if it is gone.
    private func remove(_ path: String) -> Bool {
        if unlink(path) == 0 || errno == ENOENT { return true }
        // A folder: move it aside first, so no one sees it half removed.
        let aside = "\(path).removing-\(getpid())"
        guard rename(path, aside) == 0 else { return !FileManager.default.fileExists(atPath: path) }
        try? FileManager.default.removeItem(atPath: aside)
        return true
    }

    // MARK: Files

    static func isDirectory(_ path: String) -> Bool {
        var s = stat()
        return lstat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR
    }

    /// When a file was last used: its access time (set on use, and by reads).
    /// A folder's own times say nothing (walking it changes them): 0.
    static func used(_ path: String) -> Double {
        var s = stat()
        guard lstat(path, &s) == 0, (s.st_mode & S_IFMT) != S_IFDIR else { return 0 }
        return Double(s.st_atim.tv_sec) + Double(s.st_atim.tv_nsec) / 1e9
    }

    /// The blocks of the entry itself (a folder's own blocks, not its contents).
    static func ownBlocks(_ path: String) -> Int64 {
        var s = stat()
        return lstat(path, &s) == 0 ? Int64(s.st_blocks) * 512 : 0
    }

    /// Disk usage of a file or a folder and everything in it, as `du` counts it.
    static func diskUsage(_ path: String) -> Int64 {
        var s = stat()
        guard lstat(path, &s) == 0 else { return 0 }
        var total = Int64(s.st_blocks) * 512
        if (s.st_mode & S_IFMT) == S_IFDIR {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { total += diskUsage(path + "/" + entry) }
        }
        return total
    }

    /// The latest use of a file, or of any file in a folder.
    static func newest(_ path: String) -> Double {
        var latest = used(path)
        if isDirectory(path) {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { latest = max(latest, newest(path + "/" + entry)) }
        }
        return latest
    }

    /// What a temporary's name says: the name it stands for and the process
    /// writing or removing it (`X.so.tmp-PID`, lld's `X.so.tmp-PID.tmpXXXXXX`,
    /// `<hash>.tmp-PID-RAND`, `X.removing-PID`); nil if it is no temporary.
    static func temporary(_ name: String) -> (base: String, owner: Int32)? {
        for marker in [".tmp-", ".removing-"] {
            guard let range = name.range(of: marker) else { continue }
            let rest = name[range.upperBound...]
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            let after = rest.dropFirst(digits.count)
            guard let pid = Int32(digits), pid > 0, after.isEmpty || after.hasPrefix("-") || after.hasPrefix(".tmp") else { continue }
            return (String(name[..<range.lowerBound]), pid)
        }
        return nil
    }

    static func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno != ESRCH }
}

/// Sizes for people: "12.3 MiB".
public func formatBytes(_ bytes: Int64) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes), unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f", value) + " " + units[unit]
}
