// The player's side of GNU Rocket: a TCP client of the editor, polled once a
// frame on the GL thread and never blocking it (non-blocking socket, connect
// and greeting spread over frames). It asks for every track the demo uses,
// turns the editor's keys into live track overrides, follows its cursor and
// pause, saves into demo.json when the editor says so, and tells the editor
// the row as the demo plays. No editor, one that goes away or one that sends
// garbage: the demo plays on with the last keys, says so once, and tries
// again every second.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RasterbarCore

/// A link to a Rocket editor. GL thread only.
public final class RocketLink {
    public let host: String
    public let port: UInt16
    var editor: String { "\(host):\(port)" }

    enum State { case down(since: Double), connecting(since: Double), greeting([UInt8], since: Double), connected }
    var state: State = .down(since: -.infinity)
    var socket: Int32 = -1
    var session = RocketSession()
    var decoder = RocketDecoder()
    /// The row last sent to the editor.
    var lastRow: Int?
    /// Why the link is down, once said (not again until it has been up).
    var toldDown = false
    /// Tracks whose keys changed since the player last asked.
    var changedTracks: Set<String> = []
    /// Tracks this link has put editor keys over (to give back to demo.json
    /// when a new connection's editor holds none for them).
    var overridden: Set<String> = []
    /// After connecting: when the editor has sent all it holds (quiet for a
    /// moment after the last GET_TRACK); then stale overrides go.
    var settleAt: Double?
    /// When to look for new columns next.
    var nextLook = 0.0
    /// The editor's address, resolved once.
    var address = sockaddr_in()
    let report: (StoreEvent) -> Void
    /// Rung from the doorbell's thread when the editor has sent something: a
    /// player waiting for its next frame wakes and draws the key at once.
    public var ring: (@Sendable () -> Void)?
    /// Watches the connected socket for the doorbell; replaced per connection.
    var doorbell: Doorbell?

    /// `address`: "HOST:PORT", "HOST", "PORT" or ":PORT" (127.0.0.1:1338 by default).
    public init(address: String?, report: @escaping (StoreEvent) -> Void) throws {
        let (host, port) = try Self.parse(address ?? "")
        self.host = host
        self.port = port
        self.report = report
        // Resolved once, here: a name lookup on the GL thread every second could stall frames.
        var hints = addrinfo(ai_flags: AI_NUMERICSERV, ai_family: AF_INET, ai_socktype: Int32(SOCK_STREAM.rawValue), ai_protocol: 0,
                             ai_addrlen: 0, ai_addr: nil, ai_canonname: nil, ai_next: nil)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
            throw RasterbarError(.invalidArgument, "--rocket: cannot resolve '\(host)'", hint: "give the editor's machine as an IP address or a name this machine resolves")
        }
        defer { freeaddrinfo(found) }
        first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { self.address = $0.pointee }
    }

    /// A thread that waits for the editor's bytes and rings, once per batch
    /// (the GL thread reads them and re-arms it). It polls its own duplicate
    /// of the socket, closed when it ends, so a closed and reused descriptor
    /// number is never polled.
    final class Doorbell: @unchecked Sendable {
        let condition = NSCondition()
        var armed = true
        var stopped = false

        init(socket: Int32, ring: @escaping @Sendable () -> Void) {
            let watched = dup(socket)
            Thread.detachNewThread { [self] in
                defer { close(watched) }
                while true {
                    condition.lock()
                    while !armed && !stopped { condition.wait() }
                    let stop = stopped
                    condition.unlock()
                    if stop { return }
                    var p = pollfd(fd: watched, events: Int16(POLLIN), revents: 0)
                    guard poll(&p, 1, 50) > 0 else { continue }
                    if p.revents & Int16(POLLNVAL | POLLHUP | POLLERR) != 0 {
                        ring()
                        return
                    }
                    condition.lock()
                    armed = false
                    condition.unlock()
                    ring()
                }
            }
        }

        func rearm() { condition.lock(); armed = true; condition.signal(); condition.unlock() }
        func stop() { condition.lock(); stopped = true; condition.signal(); condition.unlock() }
    }

    static func parse(_ address: String) throws -> (String, UInt16) {
        // A bare number is a port on this machine.
        let parts = (UInt16(address) != nil ? ":" + address : address).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let host = parts.first.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        guard parts.count <= 2, let port = parts.count == 2 ? UInt16(parts[1]) : RocketProtocol.defaultPort, port > 0 else {
            throw RasterbarError(.invalidArgument, "--rocket '\(address)' is not HOST:PORT", hint: "e.g. --rocket 127.0.0.1:1338 (the editor's default)")
        }
        return (host, port)
    }

    public var isConnected: Bool { if case .connected = state { return true } else { return false } }

    /// Once a frame, before time advances: connects or reconnects, reads what
    /// the editor sent and applies it to `engine`.
    public func update(_ engine: Engine) {
        let now = monotonicSeconds()
        switch state {
        case let .down(since):
            if now - since >= 1 { startConnecting(now) }
        case let .connecting(since):
            finishConnecting(engine, now: now, since: since)
        case let .greeting(received, since):
            if now - since > 2 { return fail("what answered did not greet like a Rocket editor within 2 s", now: now) }
            readGreeting(engine, received, since: since)
        case .connected:
            // New columns (a shader that gained a uniform, a script asking for a
            // new track) are looked for a few times a second, not every frame.
            if now >= nextLook {
                nextLook = now + 0.25
                askForNewTracks(engine)
            }
            readCommands(engine)
            if let settle = settleAt, now >= settle { giveBackStaleTracks(engine) }
        }
    }

    /// After time advanced: tells the editor the row the demo is at.
    public func follow(_ engine: Engine) {
        guard isConnected, let bpm = engine.demo.meta.bpm else { return }
        let row = RocketSession.row(at: engine.playback.time, meta: engine.demo.meta, bpm: bpm)
        guard row != lastRow else { return }
        lastRow = row
        send(RocketProtocol.setRow(row))
    }

    // MARK: Connecting

    func startConnecting(_ now: Double) {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return fail("no socket: \(String(cString: strerror(errno)))", now: now) }
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if started != 0, errno != EINPROGRESS {
            return fail("no editor (\(String(cString: strerror(errno))))", now: now)
        }
        state = .connecting(since: now)
    }

    func finishConnecting(_ engine: Engine, now: Double, since: Double) {
        var p = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
        guard poll(&p, 1, 0) > 0 else {
            if now - since > 2 { fail("no editor (it did not answer within 2 s)", now: now) }
            return
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else { return fail("no editor (\(String(cString: strerror(error))))", now: now) }
        guard send(RocketProtocol.clientGreeting) else { return }
        state = .greeting([], since: now)
        readGreeting(engine, [], since: now)
    }

    func readGreeting(_ engine: Engine, _ received: [UInt8], since: Double) {
        guard let bytes = receive() else { return }
        let all = received + bytes
        let expected = RocketProtocol.serverGreeting
        guard all.count >= expected.count else {
            state = .greeting(all, since: since)
            return
        }
        guard Array(all.prefix(expected.count)) == expected else {
            return fail("what answered is not a Rocket editor", now: monotonicSeconds())
        }
        state = .connected
        toldDown = false
        if let ring { doorbell = Doorbell(socket: socket, ring: ring) }
        lastRow = nil
        decoder = RocketDecoder()
        _ = session.reconnect()
        // Keys the last connection set stay live until this editor has sent what it holds.
        askForNewTracks(engine)
        guard isConnected else { return }
        settleAt = monotonicSeconds() + Self.settleTime
        report(.rocket(.connected(editor: editor, tracks: session.columns.count)))
        if all.count > expected.count { applyKeys(apply(Array(all.dropFirst(expected.count)), engine), engine) }
    }

    /// How long an editor may stay quiet after the demo's questions before what it sent counts as all it holds.
    static let settleTime = 0.5

    /// Tracks the last connection's editor set keys on, and this one has none
    /// for: demo.json's keys again.
    func giveBackStaleTracks(_ engine: Engine) {
        settleAt = nil
        let held = Set(session.keys.filter { !$0.value.isEmpty }.keys.map(RocketSession.trackName(of:)))
        for name in overridden.subtracting(held) {
            engine.trackOverrides.clear(name)
            overridden.remove(name)
            changedTracks.insert(name)
        }
    }

    /// Asks for every column the demo has that this connection has not asked for yet.
    func askForNewTracks(_ engine: Engine) {
        for column in RocketSession.columns(for: engine.demo, extra: engine.renderer.undefinedTrackNames) {
            guard session.ask(column).isNew else { continue }
            if !send(RocketProtocol.getTrack(column)) { return }
            if settleAt != nil { settleAt = monotonicSeconds() + Self.settleTime }
        }
    }

    // MARK: Commands

    func readCommands(_ engine: Engine) {
        // Keys of a whole read are applied once (an editor sends thousands on connecting).
        var changed: Set<String> = []
        while isConnected, let bytes = receive(), !bytes.isEmpty {
            changed.formUnion(apply(bytes, engine))
            if settleAt != nil { settleAt = monotonicSeconds() + Self.settleTime }
        }
        applyKeys(changed, engine)
        doorbell?.rearm()
    }

    /// Applies the commands in `bytes`; returns the tracks whose keys changed and are not applied yet.
    func apply(_ bytes: [UInt8], _ engine: Engine) -> Set<String> {
        let commands: [RocketCommand]
        do { commands = try decoder.feed(bytes) } catch {
            let e = error as? RasterbarError
            fail("dropped the connection: \(e?.message ?? "\(error)")", now: monotonicSeconds())
            return []
        }
        var changed: Set<String> = []
        for command in commands {
            switch command {
            case .setKey, .deleteKey:
                guard let track = session.apply(command) else { continue }
                changed.insert(track)
                if case let .setKey(index, row, value, interpolation) = command {
                    report(.rocket(.key(track: session.columns[index], row: row, value: value, interpolation: interpolation)))
                } else if case let .deleteKey(index, row) = command {
                    report(.rocket(.key(track: session.columns[index], row: row, value: nil, interpolation: nil)))
                }
            case let .setRow(row):
                guard let bpm = engine.demo.meta.bpm else { continue }
                lastRow = row
                engine.seek(to: RocketSession.time(ofRow: Double(row), meta: engine.demo.meta, bpm: bpm))
            case let .pause(paused):
                engine.setPaused(paused)
            case .saveTracks:
                // Everything the editor holds is live before it is written.
                applyKeys(changed.union(session.keys.keys.map(RocketSession.trackName(of:))), engine)
                changed = []
                do {
                    report(.rocket(.saved(tracks: try engine.saveTracks())))
                } catch {
                    report(.rocket(.saveFailed(message: (error as? RasterbarError)?.description ?? "\(error)")))
                }
            }
        }
        return changed
    }

    /// The tracks the editor changed since the last call (the next frame shows them).
    public func takeChangedTracks() -> [String] {
        defer { changedTracks = [] }
        return changedTracks.sorted()
    }

    /// Puts the editor's version of `tracks` over demo.json's (or gives them back to it).
    func applyKeys(_ tracks: Set<String>, _ engine: Engine) {
        guard let bpm = engine.demo.meta.bpm else { return }
        changedTracks.formUnion(tracks)
        let undefined = engine.renderer.undefinedTrackNames
        for name in tracks {
            let components = engine.demo.track(named: name)?.components ?? undefined.first { $0.name == name }?.components
                ?? RocketSession.components(of: name, columns: session.columns)
            if let track = session.track(name, components: max(1, components), over: engine.demo, bpm: bpm) {
                engine.trackOverrides.set(track)
                overridden.insert(name)
            } else {
                engine.trackOverrides.clear(name)
                overridden.remove(name)
            }
        }
    }

    // MARK: The socket

    /// Bytes waiting (empty if none yet), or nil when the link broke.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        if n > 0 { return Array(buffer.prefix(n)) }
        if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return [] }
        fail(n == 0 ? "the editor closed the connection" : "the connection broke (\(String(cString: strerror(errno))))", now: monotonicSeconds())
        return nil
    }

    /// Sends all of `bytes`; false (and the link down) if it cannot.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                // A full send buffer means an editor not reading: give it a moment.
                var p = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                if poll(&p, 1, 100) > 0 { continue }
            }
            fail("the connection broke while sending (\(String(cString: strerror(errno))))", now: monotonicSeconds())
            return false
        }
        return true
    }

    /// Closes the link; says why unless it was already said; tries again in a second.
    func fail(_ reason: String, now: Double) {
        doorbell?.stop()
        doorbell = nil
        settleAt = nil
        if socket >= 0 { close(socket) }
        socket = -1
        state = .down(since: now)
        if !toldDown {
            toldDown = true
            report(.rocket(.disconnected(editor: editor, reason: reason)))
        }
    }
}
