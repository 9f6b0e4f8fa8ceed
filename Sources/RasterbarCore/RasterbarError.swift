// The one error type the engine reports to people: what went wrong, where, and
// how to fix it, plus a stable `kind` that tests and tools match on instead of
// message text (sokol's log ids, in Swift).

import Foundation

/// An error with a stable kind, a location and a hint for fixing it.
public struct RasterbarError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Stable identifiers for every error the engine reports.
    public enum Kind: String, Sendable, CaseIterable {
        case fileNotFound
        case fileUnreadable
        case invalidJSON
        case invalidDemo
        case shaderCompile
        case shaderLink
        case invalidArgument
        case timeOutOfRange
        case outputNotWritable
        case invalidImage
        case noDisplay
        case graphicsUnavailable
        case includeCycle
        case scriptCompile
        case scriptLoad
        case scriptTrap
        /// A script call ran past the time limit and was ended.
        case scriptTimeout
        case abiMismatch
        case toolchainMissing
        /// A control channel line that is not a command the player knows.
        case invalidCommand
        /// A music file that is missing, empty, corrupt or not audio, or an offset past its end.
        case invalidMusic
    }

    /// Which error this is; stable across releases.
    public var kind: Kind
    /// What went wrong, in one sentence.
    public var message: String
    /// Where: a path, `path:line:column`, or a JSON path inside a file.
    public var location: String?
    /// How to fix it, when there is something to say.
    public var hint: String?
    /// The file the error is in, when it is about one file's contents.
    public var file: String?
    /// 1-based line in `file`.
    public var line: Int?
    /// 1-based column in `file`.
    public var column: Int?

    /// Creates an error; `location` and `hint` are optional.
    public init(_ kind: Kind, _ message: String, at location: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.hint = hint
    }

    /// An error at a place in a file: `location` becomes `file:line:column`.
    public init(_ kind: Kind, _ message: String, file: String, line: Int?, column: Int? = nil, hint: String? = nil) {
        self.init(kind, message, at: [file, line.map(String.init), line == nil ? nil : column.map(String.init)]
            .compactMap { $0 }.joined(separator: ":"), hint: hint)
        self.file = file
        self.line = line
        self.column = line == nil ? nil : column
    }

    /// One line: `location: message (hint)`.
    public var description: String {
        var line = location.map { "\($0): \(message)" } ?? message
        if let hint { line += " (\(hint))" }
        return line
    }
}

extension RasterbarError {
    /// How hints name the engine: `rasterbar`, or what a pack's launcher was
    /// called as (it sets RASTERBAR_COMMAND: `./run`), quoted for sh.
    public static var command: String {
        guard let shown = ProcessInfo.processInfo.environment["RASTERBAR_COMMAND"], !shown.isEmpty else { return "rasterbar" }
        return shellWord(shown)
    }

    /// Text as a person would type it into sh: as it is when that is safe, else in single quotes.
    public static func shellWord(_ text: String) -> String {
        let safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@%="
        if !text.isEmpty, text.allSatisfy({ safe.contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
