// Watches the files the store's resources were loaded from and reports each
// settled change once, with the new contents already read (off the GL thread).
//
// - inotify, used directly, on directories rather than files, so every way an
//   editor saves is seen: write in place, temp file renamed over, delete and
//   recreate. A file whose folder does not exist yet is watched through its
//   nearest existing ancestor until the folder appears.
// - A complete save is read at once: IN_CLOSE_WRITE (the writer closed the
//   file) or IN_MOVED_TO (a finished file renamed over it) needs no waiting.
//   Events that say a writer may still have the file open (IN_MODIFY,
//   IN_CREATE, a deletion that a recreate may follow) wait for `debounce`
//   seconds without events. Either way a path is reported only if its content
//   hash changed, and a read that an event overtook is read again, so a burst
//   of saves ends on the last content with one report per distinct content.
//   A complete save that reads as empty or missing waits for the debounce
//   too: that is usually the next save truncating or recreating the file.
// - Polling (stat: size, mtime, inode; then the hash) is the fallback for file
//   systems without inotify, and for folders beyond the inotify watch limit.
// It reports; it never loads. The store decides what reloads. A render loop
// can sleep in `waitForChange(timeout:)` instead of sleeping to its next frame
// slot: it then wakes the moment a change is ready to be taken by `sync()`.
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What a watched file holds once a change has settled.
public struct FileSnapshot: Sendable, Equatable {
    /// The contents; nil when the file is missing or unreadable.
    public var bytes: [UInt8]?
    /// Why `bytes` is nil when the file exists but cannot be read.
    public var readError: RasterbarError?

    var hash: UInt64? { bytes.map(contentHash) }
}

/// Reports settled changes to watched files under one root.
public final class FileWatcher: @unchecked Sendable {
    /// How changes are noticed.
    public enum Mode: String, Sendable { case inotify, polling }

    /// Tuning; the defaults suit live coding.
    public struct Options: Sendable {
        /// Quiet time after the last event before a file that may still be open
        /// for writing is read (coalesces bursts). A complete save (closed after
        /// writing, or renamed over) is read at once.
        public var debounce: Double = 0.012
        /// How often polled files are checked.
        public var pollInterval: Double = 0.1
        /// inotify, or polling for everything.
        public var mode: Mode = .inotify
        /// Refuse inotify watches beyond this many, as if the kernel limit
        /// (fs.inotify.max_user_watches) were reached: for testing the fallback.
        public var watchLimit: Int?
        public init() {}
    }

    let engine: WatchEngine
    let thread: Thread

    /// Starts watching nothing under `root`; `watch` adds files.
    public init(root: String, options: Options = Options()) {
        engine = WatchEngine(root: root, options: options)
        let engine = self.engine
        thread = Thread { engine.run() }
        thread.name = "rasterbar-watcher"
        thread.start()
    }

    deinit { engine.stop() }

    /// How changes are noticed (inotify falls back to polling if it cannot start).
    public var mode: Mode { engine.mode }

    /// Watches `path` (relative to the root). `hash` is the content hash the
    /// caller just read (nil: the file is missing), so only later changes count.
    public func watch(_ path: String, hash: UInt64?) {
        engine.watch(path, hash: hash)
    }

    /// Calls `settled(path, bytes)` on the watcher's thread for every change
    /// it reads, as soon as it is read (before `sync()` takes it): for work
    /// that can start early, like compiling a saved script. It must return
    /// quickly. Replaces any earlier callback.
    public func whenSettled(_ settled: @escaping @Sendable (String, [UInt8]) -> Void) {
        engine.settled.withLock { $0 = settled }
    }

    /// Changes that settled since the last call: path -> new contents. Cheap
    /// when there are none (one atomic load).
    public func takeChanges() -> [String: FileSnapshot] {
        engine.takeChanges()
    }

    /// Sleeps until changes are ready to be taken (by `takeChanges`, i.e. the
    /// store's `sync()`), or for `timeout` seconds. Returns true when changes are
    /// ready, at once if some already are; false on timeout. Any thread.
    ///
    /// For the render loop: where it would sleep until its next frame slot,
    /// `waitForChange(timeout: nextFrame - now)` sleeps just as long when
    /// nothing changes, and wakes the moment a save has been read, so the reload
    /// starts then instead of at the next slot:
    ///
    ///     let reloaded = store.sync()            // start of each frame
    ///     draw()
    ///     _ = watcher.waitForChange(timeout: nextFrame - monotonicSeconds())
    @discardableResult
    public func waitForChange(timeout: Double) -> Bool {
        engine.waitForChange(timeout: timeout)
    }

    /// Ends a `waitForChange` at once though no file changed (work the store
    /// waits for, like a script's compile, finished). Any thread.
    public func wake() {
        engine.wakeWaiters()
    }

    /// Things to tell the person (the polling fallback), each once.
    public func takeWarnings() -> [String] {
        engine.takeWarnings()
    }

    /// The number of files watched.
    public var watchedCount: Int { engine.watchedCount }
}

/// The watcher's state and its thread's loop.
final class WatchEngine: @unchecked Sendable {
    struct Known { var hash: UInt64? }
    /// A path to read: when, and which event asked (a newer event makes a read in flight stale).
    struct Pending { var due: Double; var serial: UInt64; var complete = false }
    struct StatSignature: Equatable { var exists: Bool; var size: Int; var mtime: Int; var inode: UInt }

    struct State {
        var wanted: [String: Known] = [:]
        var pending: [String: Pending] = [:]
        var serial: UInt64 = 0
        var ready: [String: FileSnapshot] = [:]
        var warnings: [String] = []
        var watchOfDir: [String: Int32] = [:]
        var dirOfWatch: [Int32: String] = [:]
        var wantedDirs: Set<String> = []
        var polledDirs: Set<String> = []
        var polled: [String: StatSignature] = [:]
        var nextPoll = 0.0
        var running = true
    }

    let root: String
    let options: Options
    let state = Mutex(State())
    /// Told of each change read (see `FileWatcher.whenSettled`).
    let settled = Mutex<(@Sendable (String, [UInt8]) -> Void)?>(nil)
    let hasReady = Atomic<Bool>(false)
    /// Set by `wake()`, taken by the `waitForChange` it ends.
    let woken = Atomic<Bool>(false)
    /// Wakes `waitForChange` sleepers when `hasReady` turns true.
    let changed = ChangeSignal()
    let inotifyFD: Int32
    let wakeRead: Int32
    let wakeWrite: Int32
    let mode: FileWatcher.Mode
    typealias Options = FileWatcher.Options

    static let dirMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY
                                | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    init(root: String, options: Options) {
        self.root = root
        self.options = options
        // A self-pipe wakes the thread from poll() when a file is added or on stop.
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        var warning: String?
        if options.mode == .inotify {
            let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
            if fd < 0 { warning = "inotify is unavailable (\(String(cString: strerror(errno)))): polling files every \(Int(options.pollInterval * 1000)) ms instead" }
            inotifyFD = fd
        } else {
            inotifyFD = -1
        }
        mode = inotifyFD >= 0 ? .inotify : .polling
        if let warning { state.withLock { $0.warnings.append(warning) } }
    }

    func stop() {
        state.withLock { $0.running = false }
        wake()
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    var watchedCount: Int { state.withLock { $0.wanted.count } }

    func absolute(_ path: String) -> String { path.isEmpty ? root : root + "/" + path }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    func watch(_ path: String, hash: UInt64?) {
        state.withLock { s in
            s.wanted[path] = Known(hash: hash)
            let dir = Self.parent(path)
            s.wantedDirs.insert(dir)
            if mode == .inotify { ensureWatch(dir, &s) }
            if mode == .polling || s.polledDirs.contains(dir) { s.polled[path] = signature(path) }
        }
        wake()
    }

    /// Tells sleepers that changes are ready (outside the state lock).
    func notifyChange() {
        changed.broadcast()
    }

    func waitForChange(timeout: Double) -> Bool {
        let ready = { self.hasReady.load(ordering: .acquiring) || self.woken.exchange(false, ordering: .acquiringAndReleasing) }
        if ready() { return true }
        return changed.wait(timeout: timeout, until: ready)
    }

    /// Ends a `waitForChange` now: something other than a file is ready (the store's invalidations).
    func wakeWaiters() {
        woken.store(true, ordering: .releasing)
        changed.broadcast()
    }

    func takeChanges() -> [String: FileSnapshot] {
        guard hasReady.load(ordering: .acquiring) else { return [:] }
        return state.withLock { s in
            let ready = s.ready
            s.ready.removeAll()
            hasReady.store(false, ordering: .releasing)
            return ready
        }
    }

    func takeWarnings() -> [String] {
        state.withLock { s in
            defer { s.warnings.removeAll() }
            return s.warnings
        }
    }

    func signature(_ path: String) -> StatSignature {
        var st = stat()
        guard stat(absolute(path), &st) == 0 else { return StatSignature(exists: false, size: 0, mtime: 0, inode: 0) }
        return StatSignature(exists: true, size: Int(st.st_size),
                             mtime: Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec), inode: UInt(st.st_ino))
    }

    func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(absolute(path), &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Watches `dir`, or its nearest existing ancestor while it does not exist.
    func ensureWatch(_ dir: String, _ s: inout State) {
        var d = dir
        while true {
            if s.watchOfDir[d] != nil { return }
            if isDirectory(d) { break }
            if d.isEmpty { return }
            d = Self.parent(d)
        }
        if s.polledDirs.contains(d) { return }
        if let limit = options.watchLimit, s.watchOfDir.count >= limit {
            fallBackToPolling(d, reason: "the inotify watch limit (\(limit), testing) is reached", &s)
            return
        }
        let wd = inotify_add_watch(inotifyFD, absolute(d), Self.dirMask)
        if wd < 0 {
            let code = errno
            let reason = code == ENOSPC
                ? "the inotify watch limit is reached (raise fs.inotify.max_user_watches)"
                : "inotify cannot watch it (\(String(cString: strerror(code))))"
            fallBackToPolling(d, reason: reason, &s)
            return
        }
        s.watchOfDir[d] = wd
        s.dirOfWatch[wd] = d
        // Anything written before this watch existed must still be noticed.
        if d != dir || !s.wanted.isEmpty { markUnder(d, &s) }
    }

    func fallBackToPolling(_ dir: String, reason: String, _ s: inout State) {
        s.polledDirs.insert(dir)
        s.warnings.append("\(reason): polling \(dir.isEmpty ? "the demo folder" : dir + "/") every \(Int(options.pollInterval * 1000)) ms instead")
        for path in s.wanted.keys where Self.parent(path) == dir || path.hasPrefix(dir.isEmpty ? "" : dir + "/") {
            s.polled[path] = signature(path)
        }
    }

    /// Marks every watched file at or under `dir` as possibly changed.
    func markUnder(_ dir: String, _ s: inout State) {
        let prefix = dir.isEmpty ? "" : dir + "/"
        for path in s.wanted.keys where path.hasPrefix(prefix) { mark(path, .mayBeOpen, &s) }
    }

    /// What an event says about the file's content.
    enum Completeness {
        /// Closed after writing, or renamed over: read it now.
        case complete
        /// A writer may still have it open, or it is gone and may come back: wait for quiet.
        case mayBeOpen
        /// Only its metadata changed: read it (after the quiet time) unless a read is due anyway.
        case attributes
    }

    /// Schedules a read of `path`; any read already in flight for it is stale.
    func mark(_ path: String, _ completeness: Completeness, _ s: inout State) {
        let now = monotonicSeconds()
        switch completeness {
        case .attributes:
            // A chmod or touch after a save must not hold the save back.
            if s.pending[path] != nil { return }
            s.serial &+= 1
            s.pending[path] = Pending(due: now + options.debounce, serial: s.serial)
        case .complete, .mayBeOpen:
            s.serial &+= 1
            let complete = completeness == .complete
            s.pending[path] = Pending(due: complete ? now : now + options.debounce, serial: s.serial, complete: complete)
        }
    }

    // MARK: The watcher thread

    func run() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let timeout: Int32 = state.withLock { s in
                guard s.running else { return -2 }
                var wait = Double.infinity
                let now = monotonicSeconds()
                if let earliest = s.pending.values.map(\.due).min() { wait = min(wait, earliest - now) }
                if !s.polled.isEmpty { wait = min(wait, s.nextPoll - now) }
                return wait.isInfinite ? -1 : Int32(max(0, (wait * 1000).rounded(.up)))
            }
            if timeout == -2 { break }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, inotifyFD >= 0 ? 2 : 1, timeout)
            if fds[0].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &drain, drain.count) > 0 {}
            }
            if inotifyFD >= 0, fds[1].revents != 0 { readEvents(&buffer) }
            pollStats()
            settle(&buffer)
        }
        if inotifyFD >= 0 { close(inotifyFD) }
        close(wakeRead)
        close(wakeWrite)
    }

    func readEvents(_ buffer: inout [UInt8]) {
        while true {
            let n = buffer.withUnsafeMutableBytes { read(inotifyFD, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            state.withLock { s in
                buffer.withUnsafeBytes { raw in
                    var offset = 0
                    while offset + MemoryLayout<inotify_event>.size <= n {
                        let wd = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                        let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                        let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                        let nameStart = offset + MemoryLayout<inotify_event>.size
                        let nameBytes = raw[nameStart..<nameStart + length].prefix { $0 != 0 }
                        handle(wd: wd, mask: mask, name: String(decoding: nameBytes, as: UTF8.self), &s)
                        offset = nameStart + length
                    }
                }
            }
        }
    }

    func handle(wd: Int32, mask: UInt32, name: String, _ s: inout State) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            markUnder("", &s)
            return
        }
        guard let dir = s.dirOfWatch[wd] else { return }
        if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
            // The folder itself went away: watch its ancestor until it returns.
            if mask & UInt32(IN_MOVE_SELF) != 0 { inotify_rm_watch(inotifyFD, wd) }
            s.watchOfDir[dir] = nil
            s.dirOfWatch[wd] = nil
            markUnder(dir, &s)
            for wanted in s.wantedDirs { ensureWatch(wanted, &s) }
            return
        }
        let path = dir.isEmpty ? name : dir + "/" + name
        if mask & UInt32(IN_ISDIR) != 0 {
            // A folder appeared or vanished: files under it may have too, and
            // a watched file may have been replaced by a folder of its name.
            markUnder(path, &s)
            if s.wanted[path] != nil { mark(path, .mayBeOpen, &s) }
            for wanted in s.wantedDirs where wanted == path || wanted.hasPrefix(path + "/") { ensureWatch(wanted, &s) }
            return
        }
        guard s.wanted[path] != nil else { return }
        if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
            mark(path, .complete, &s)
        } else if mask & UInt32(IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM) != 0 {
            mark(path, .mayBeOpen, &s)
        } else {
            mark(path, .attributes, &s)
        }
    }

    func pollStats() {
        state.withLock { s in
            let now = monotonicSeconds()
            guard !s.polled.isEmpty, now >= s.nextPoll else { return }
            s.nextPoll = now + options.pollInterval
            for (path, old) in s.polled {
                let new = signature(path)
                if new != old {
                    // Polling cannot tell a finished save from one in progress.
                    s.polled[path] = new
                    mark(path, .mayBeOpen, &s)
                }
            }
        }
    }

    /// Reads files that are due (saved completely, or quiet for the debounce);
    /// reports those whose content changed.
    func settle(_ buffer: inout [UInt8]) {
        let due: [String: UInt64] = state.withLock { s in
            let now = monotonicSeconds()
            return s.pending.filter { $0.value.due <= now }.mapValues(\.serial)
        }
        guard !due.isEmpty else { return }
        // Read outside the lock: the GL thread may be calling watch or takeChanges.
        var snapshots: [String: FileSnapshot] = [:]
        for path in due.keys {
            do {
                snapshots[path] = FileSnapshot(bytes: try FileIO.read(absolute(path)))
            } catch let e as RasterbarError where e.kind == .fileNotFound {
                snapshots[path] = FileSnapshot(bytes: nil)
            } catch let e as RasterbarError {
                snapshots[path] = FileSnapshot(bytes: nil, readError: RasterbarError(e.kind, e.message, at: path, hint: e.hint))
            } catch {
                snapshots[path] = FileSnapshot(bytes: nil)
            }
        }
        // Events queued while reading (the next save truncating the file, say)
        // must be seen before deciding that what was read is the file's content.
        if inotifyFD >= 0 { readEvents(&buffer) }
        var read: [(String, [UInt8])] = []
        let any: Bool = state.withLock { s in
            var any = false
            for (path, serial) in due {
                // An event that arrived during the read makes it stale: read again when that one is due.
                guard let pending = s.pending[path], pending.serial == serial else { continue }
                s.pending[path] = nil
                guard let snapshot = snapshots[path], let known = s.wanted[path] else { continue }
                if pending.complete, snapshot.readError == nil, snapshot.bytes?.isEmpty ?? true {
                    // Empty or gone just after a complete save: most likely the next
                    // save has begun (truncated it, or deleted it to recreate it)
                    // and its event is not queued yet; on ext4 a truncate's event
                    // can follow the emptied file by milliseconds. Wait for quiet.
                    mark(path, .mayBeOpen, &s)
                    continue
                }
                if snapshot.hash != known.hash || snapshot.readError != nil {
                    s.wanted[path] = Known(hash: snapshot.hash)
                    s.ready[path] = snapshot
                    if let bytes = snapshot.bytes { read.append((path, bytes)) }
                    any = true
                }
            }
            if any { hasReady.store(true, ordering: .releasing) }
            return any
        }
        if any { notifyChange() }
        if !read.isEmpty, let settled = settled.withLock({ $0 }) {
            for (path, bytes) in read { settled(path, bytes) }
        }
    }
}

/// A condition variable on the monotonic clock: `waitForChange` sleeps on it.
final class ChangeSignal: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Wakes every waiter (they re-check their condition).
    func broadcast() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Waits until `ready()` is true or `timeout` seconds pass; returns `ready()`.
    /// Whoever makes it true must call `broadcast()` afterwards.
    func wait(timeout: Double, until ready: () -> Bool) -> Bool {
        guard timeout > 0 else { return ready() }
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let whole = timeout.rounded(.down)
        deadline.tv_sec += Int(min(whole, 86_400 * 365))
        deadline.tv_nsec += Int((timeout - whole) * 1e9)
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready() {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { return ready() }
        }
        return true
    }
}
