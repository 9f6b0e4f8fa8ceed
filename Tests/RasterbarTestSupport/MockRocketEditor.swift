// A GNU Rocket editor as far as the wire goes, for the tests and the
// benchmark: it listens on 127.0.0.1 (a free port), accepts one demo at a
// time, answers its greeting, records what the demo sends and sends what it is told.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RasterbarCore

/// A mock Rocket editor.
public final class MockRocketEditor: @unchecked Sendable {
    let listener: Int32
    /// The port it listens on (127.0.0.1).
    public let port: UInt16
    let lock = NSLock()
    var client: Int32 = -1
    var received: [UInt8] = []
    var connections = 0
    var running = true

    public init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(listener, 4) == 0 else { throw RasterbarError(.invalidArgument, "mock editor: cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) } }
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in serve() }
    }

    /// Stops listening and hangs up; once (a second call does nothing).
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard running else { return }
        running = false
        if client >= 0 { shutdown(client, Int32(SHUT_RDWR)) }
        // Shut down, not closed: the serving thread closes the listener when accept fails,
        // so its descriptor number cannot be reused under it.
        shutdown(listener, Int32(SHUT_RDWR))
    }

    func serve() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else {
                close(listener)
                return
            }
            var greeting = [UInt8](repeating: 0, count: RocketProtocol.clientGreeting.count)
            guard recv(fd, &greeting, greeting.count, Int32(MSG_WAITALL)) == greeting.count, greeting == RocketProtocol.clientGreeting else {
                close(fd)
                continue
            }
            _ = RocketProtocol.serverGreeting.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            lock.lock()
            client = fd
            received = []
            connections += 1
            lock.unlock()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                lock.lock()
                received += buffer.prefix(n)
                lock.unlock()
            }
            lock.lock()
            if client == fd { client = -1 }
            lock.unlock()
            close(fd)
        }
    }

    /// Sends raw bytes to the connected demo.
    public func send(_ bytes: [UInt8]) {
        lock.lock()
        let fd = client
        lock.unlock()
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Closes the connection to the demo (the editor quitting).
    public func hangUp() {
        lock.lock()
        if client >= 0 { shutdown(client, Int32(SHUT_RDWR)) }
        lock.unlock()
    }

    public func setKey(_ track: Int, row: Int, value: Float, type: UInt8) {
        send([0] + be(UInt32(track)) + be(UInt32(row)) + be(value.bitPattern) + [type])
    }
    public func deleteKey(_ track: Int, row: Int) { send([1] + be(UInt32(track)) + be(UInt32(row))) }
    public func setRow(_ row: Int) { send([3] + be(UInt32(row))) }
    public func pause(_ paused: Bool) { send([4, paused ? 1 : 0]) }
    public func saveTracks() { send([5]) }

    func be(_ v: UInt32) -> [UInt8] { RocketProtocol.bigEndian(v) }

    /// What the demo sent on this connection: the tracks it asked for, in order, and the rows it reported.
    public var messages: (tracks: [String], rows: [Int]) {
        lock.lock()
        let bytes = received
        lock.unlock()
        var tracks: [String] = [], rows: [Int] = []
        var i = 0
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        while i < bytes.count {
            if bytes[i] == 2, i + 5 <= bytes.count {
                let n = u32(i + 1)
                guard i + 5 + n <= bytes.count else { break }
                tracks.append(String(decoding: bytes[(i + 5)..<(i + 5 + n)], as: UTF8.self))
                i += 5 + n
            } else if bytes[i] == 3, i + 5 <= bytes.count {
                rows.append(u32(i + 1))
                i += 5
            } else {
                break
            }
        }
        return (tracks, rows)
    }

    public var connectionCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return connections
    }
}

