// GNU Rocket's wire protocol, as its client library speaks it (rocket's
// lib/device.c): the demo connects to the editor and greets it, the editor
// greets back, then each message is one command byte and a big-endian
// payload. Bytes only here: the socket is the host's.

/// Messages and their encoding.
public enum RocketProtocol {
    public static let clientGreeting = Array("hello, synctracker!".utf8)
    public static let serverGreeting = Array("hello, demo!".utf8)
    public static let defaultPort: UInt16 = 1338

    /// Command bytes.
    enum Code: UInt8 {
        case setKey = 0, deleteKey = 1, getTrack = 2, setRow = 3, pause = 4, saveTracks = 5
    }

    /// Rocket's key types, in its order.
    public static let interpolations: [Interpolation] = [.step, .linear, .smooth, .ramp]

    /// GET_TRACK: ask the editor for a track's keys (its index is the order of asking).
    public static func getTrack(_ name: String) -> [UInt8] {
        let bytes = Array(name.utf8)
        return [Code.getTrack.rawValue] + bigEndian(UInt32(bytes.count)) + bytes
    }

    /// SET_ROW: the demo is at `row`.
    public static func setRow(_ row: Int) -> [UInt8] { [Code.setRow.rawValue] + bigEndian(UInt32(truncatingIfNeeded: max(0, row))) }

    /// A 32-bit value as the protocol writes it: big-endian.
    public static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
}

/// What the editor tells the demo.
public enum RocketCommand: Sendable, Equatable {
    case setKey(track: Int, row: Int, value: Float, interpolation: Interpolation)
    case deleteKey(track: Int, row: Int)
    case setRow(Int)
    case pause(Bool)
    case saveTracks
}

/// Turns the editor's byte stream into commands, however it is split into reads.
public struct RocketDecoder: Sendable {
    var pending: [UInt8] = []

    public init() {}

    /// The commands completed by `bytes`. A byte that is no command, or a key
    /// type Rocket does not have, is an error: the link is broken.
    public mutating func feed(_ bytes: [UInt8]) throws -> [RocketCommand] {
        pending += bytes
        var commands: [RocketCommand] = []
        var at = 0
        func u32(_ i: Int) -> UInt32 {
            UInt32(pending[i]) << 24 | UInt32(pending[i + 1]) << 16 | UInt32(pending[i + 2]) << 8 | UInt32(pending[i + 3])
        }
        while at < pending.count {
            guard let code = RocketProtocol.Code(rawValue: pending[at]), code != .getTrack else {
                throw RasterbarError(.invalidCommand, "the Rocket editor sent byte \(pending[at]), which is no command", at: "rocket")
            }
            let size: Int
            switch code {
            case .setKey: size = 14
            case .deleteKey: size = 9
            case .setRow: size = 5
            case .pause: size = 2
            case .saveTracks, .getTrack: size = 1
            }
            guard pending.count - at >= size else { break }
            switch code {
            case .setKey:
                let type = Int(pending[at + 13])
                guard type < RocketProtocol.interpolations.count else {
                    throw RasterbarError(.invalidCommand, "the Rocket editor sent key type \(type), which Rocket does not have", at: "rocket")
                }
                guard Float(bitPattern: u32(at + 9)).isFinite else {
                    throw RasterbarError(.invalidCommand, "the Rocket editor sent a key value that is not a finite number", at: "rocket")
                }
                commands.append(.setKey(track: Int(u32(at + 1)), row: Int(u32(at + 5)), value: Float(bitPattern: u32(at + 9)),
                                        interpolation: RocketProtocol.interpolations[type]))
            case .deleteKey: commands.append(.deleteKey(track: Int(u32(at + 1)), row: Int(u32(at + 5))))
            case .setRow: commands.append(.setRow(Int(u32(at + 1))))
            case .pause: commands.append(.pause(pending[at + 1] != 0))
            case .saveTracks, .getTrack: commands.append(.saveTracks)
            }
            at += size
        }
        pending.removeFirst(at)
        return commands
    }
}
