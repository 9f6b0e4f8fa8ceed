// Where the player is in the demo and what the keys do to it, with no window
// and no clock: time advances only by what the caller passes in, so tests
// drive it exactly (the injectable clock of swift-nio's EmbeddedEventLoop).

/// Something the person at the keyboard asked for.
public enum PlayerCommand: Sendable, Equatable {
    case quit
    case togglePause
    case seek(by: Double)
    /// Jump to the start of the next scene.
    case nextScene
    /// Jump to the start of this scene, or of the one before when just past a start.
    case previousScene
    /// Back to the start.
    case restart
    /// Loop the scene playing now (again: stop looping).
    case toggleSceneLoop
    /// Reload every resource from disk (the player's business, not the clock's).
    case reloadAll
    case toggleFullscreen
    case toggleOverlay
    /// A key went down or up, by its browser key code: Shadertoy's keyboard texture.
    case key(code: Int, down: Bool)
    /// Every key to the scene's keyboard texture (again: the player's keys are the player's).
    case toggleSceneKeys
}

/// Demo time, pause and looping.
public struct Playback: Sendable, Equatable {
    public private(set) var time: Double
    public private(set) var paused = false
    public private(set) var quitRequested = false
    /// Set when a non-looping demo played to its end (seeking there does not count).
    public private(set) var reachedEnd = false
    public private(set) var duration: Double
    /// Start again at the end of the demo.
    public var loops: Bool
    /// The scene being looped (L), if any.
    public private(set) var loopRange: Range<Double>?

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
        if let range = loopRange, range.upperBound > duration { loopRange = nil }
    }

    /// Moves time forward by `seconds` of wall-clock time, unless paused.
    public mutating func advance(by seconds: Double) {
        guard !paused, seconds > 0 else { return }
        time += seconds
        if let range = loopRange, time >= range.upperBound {
            let length = range.upperBound - range.lowerBound
            time = range.lowerBound + (time - range.upperBound).truncatingRemainder(dividingBy: length)
            return
        }
        if time >= duration {
            if loops && duration > 0 {
                time = time.truncatingRemainder(dividingBy: duration)
            } else {
                time = duration
                reachedEnd = true
            }
        }
    }

    /// Loops `range` (a scene), as the L key does; a player restarted after a crash keeps its loop.
    public mutating func setSceneLoop(_ range: Range<Double>?) {
        loopRange = range.flatMap { $0.upperBound <= duration ? $0 : nil }
    }

    /// Jumps to `time`, clamped into the demo (a control command or a sync editor).
    public mutating func seek(to time: Double) {
        self.time = min(max(0, time), duration)
        reachedEnd = false
    }

    /// Applies a command from the keyboard; scene commands use `demo`'s timeline.
    public mutating func apply(_ command: PlayerCommand, in demo: Demo) {
        switch command {
        case .quit: quitRequested = true
        case .togglePause: paused.toggle()
        case let .seek(by: delta): time = min(max(0, time + delta), duration)
        case .nextScene:
            if let next = Self.sceneStarts(demo).first(where: { $0 > time + 1e-6 }) { time = next }
        case .previousScene:
            let starts = Self.sceneStarts(demo)
            guard let current = starts.lastIndex(where: { $0 <= time + 1e-6 }) else { time = 0; break }
            // Just past a start, go one further back, as media players do.
            time = time - starts[current] < 1 && current > 0 ? starts[current - 1] : starts[current]
        case .restart:
            time = loopRange?.lowerBound ?? 0
            reachedEnd = false
        case .toggleSceneLoop:
            if loopRange != nil {
                loopRange = nil
            } else if let index = Self.mainScene(demo, at: time) {
                loopRange = demo.scenes[index].start..<demo.scenes[index].end
            }
        case .reloadAll, .toggleFullscreen, .toggleOverlay, .key, .toggleSceneKeys: break
        }
    }

    /// Start times of the scenes on the lowest layer: the demo's main sequence.
    static func sceneStarts(_ demo: Demo) -> [Double] {
        let base = demo.scenes.map(\.layer).min() ?? 0
        return Array(Set(demo.scenes.filter { $0.layer == base }.map(\.start))).sorted()
    }

    /// The scene on the lowest layer at `time`.
    static func mainScene(_ demo: Demo, at time: Double) -> Int? {
        demo.activeScenes(at: min(time, demo.meta.duration)).first
    }
}
