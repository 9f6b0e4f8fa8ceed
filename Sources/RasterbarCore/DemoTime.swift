// Times as people write them, everywhere a time is asked for (`--start`,
// `render --time/--from/--to`, the control channel's seek): seconds ("12.5"),
// musical time "bar:beat" counted from 0 (needs meta.bpm), or a scene's name
// (its start).

extension Demo.Meta {
    /// "bar:beat" split into its numbers, or nil if the text is not of that form.
    public static func beats(parsing text: String) -> (bar: Int, beat: Double)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let bar = Int(parts[0]), let beat = Double(parts[1]), bar >= 0, beat >= 0, beat.isFinite else {
            return nil
        }
        return (bar, beat)
    }

    /// Seconds at bar `bar`, beat `beat`; nil without a bpm.
    public func seconds(bar: Int, beat: Double) -> Double? {
        bpm.map { (Double(bar) * Double(beatsPerBar) + beat) * 60 / $0 }
    }
}

extension Demo {
    /// The longest time a demo may name: 10,000,000 s (115 days). Frame and
    /// bar numbers of every time then fit an Int with room to spare.
    public static let longestTime = 10_000_000.0

    /// The time `text` names: seconds, "bar:beat" or a scene name. `what`
    /// names the option or field in messages (e.g. "--start").
    public func time(parsing text: String, what: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: " \t")
        if let seconds = Double(trimmed) {
            guard seconds.isFinite, abs(seconds) <= Self.longestTime else { throw RasterbarError(.invalidArgument, "\(what) \(text) is not a time", hint: Self.timeSyntax) }
            return seconds
        }
        // A scene's own name wins, even one that looks like a time.
        if let scene = scenes.first(where: { $0.name == trimmed }) { return scene.start }
        if trimmed.contains(":") {
            guard let (bar, beat) = Meta.beats(parsing: trimmed) else {
                throw RasterbarError(.invalidArgument, "\(what) '\(text)' is neither seconds, bar:beat nor a scene name", hint: Self.timeSyntax)
            }
            guard let seconds = meta.seconds(bar: bar, beat: beat) else {
                throw RasterbarError(.invalidArgument, "\(what) '\(text)' is musical time but the demo has no meta.bpm",
                                     hint: "give the time in seconds, or add \"bpm\" to demo.json's meta")
            }
            return seconds
        }
        let names = scenes.map(\.name)
        throw RasterbarError(.invalidArgument, "\(what) '\(text)' is neither a time nor a scene of this demo",
                             hint: closest(trimmed, in: names).map { "did you mean '\($0)'?" }
                                 ?? "scenes: \(names.joined(separator: ", ")); or seconds (12.5), or bar:beat (\"8:0\")")
    }

    static let timeSyntax = "write seconds (12.5), bar:beat (8:0) or a scene name"

    /// Checks that `time` lies inside the demo; `what` names it in the message.
    public func checkInside(_ time: Double, what: String) throws {
        guard time.isFinite, time >= 0, time <= meta.duration else {
            throw RasterbarError(.timeOutOfRange, "\(what) \(time) is outside the demo",
                                 hint: "choose a time from 0 to \(meta.duration) seconds")
        }
    }
}

extension Demo {
    /// A track written as in demo.json's "tracks" (`value` is its keys array, or
    /// `{"type": ..., "keys": ...}`), checked by the same rules against this
    /// demo's meta. `file` and `path` name it in messages.
    public func readTrack(named name: String, _ value: JSONValue, file: String, path: String) throws -> Track {
        let reader = DemoReader(file: file)
        if let scene = scenes.first(where: { $0.params[name] != nil }) {
            throw reader.fail(value, path, "'\(name)' is a param of scene \(scene.name) (\(scene.origin))",
                              hint: "a uniform can have one value: name the track otherwise, or rename the param in demo.json")
        }
        return try reader.track(named: name, value, path, meta)
    }
}
