// Where the player is in the demo and what the keys do to it, with no window
// and no clock: time advances only by what the caller passes in, so tests
// drive it exactly (the injectable clock of swift-nio's EmbeddedEventLoop).

/// Something the person at the keyboard asked for.
public enum PlayerCommand: Sendable, Equatable {
    case quit
    case togglePause
    case seek(by: Double)
    /// Reload every resource from disk (the player's business, not the clock's).
    case reloadAll
}

/// Demo time, pause and looping.
public struct Playback: Sendable, Equatable {
    public private(set) var time: Double
    public private(set) var paused = false
    public private(set) var quitRequested = false
    /// Set when a non-looping demo played to its end (seeking there does not count).
    public private(set) var reachedEnd = false
    public private(set) var duration: Double
    public var loops: Bool

    /// Starts at `start` (clamped into the demo), playing unless `paused`.
    public init(duration: Double, start: Double = 0, loops: Bool = false, paused: Bool = false) {
        self.duration = duration
        self.loops = loops
        self.paused = paused
        time = min(max(0, start), duration)
    }


    /// Follows a reloaded timeline's new length, keeping time inside it.
    public mutating func setDuration(_ duration: Double) {
        self.duration = duration
        time = min(time, duration)
    }

    /// Moves time forward by `seconds` of wall-clock time, unless paused.
    public mutating func advance(by seconds: Double) {
        guard !paused, seconds > 0 else { return }
        time += seconds
        if time >= duration {
            if loops && duration > 0 {
                time = time.truncatingRemainder(dividingBy: duration)
            } else {
                time = duration
                reachedEnd = true
            }
        }
    }

    /// Applies a command from the keyboard.
    public mutating func apply(_ command: PlayerCommand) {
        switch command {
        case .quit: quitRequested = true
        case .togglePause: paused.toggle()
        case let .seek(by: delta): time = min(max(0, time + delta), duration)
        case .reloadAll: break
        }
    }
}
