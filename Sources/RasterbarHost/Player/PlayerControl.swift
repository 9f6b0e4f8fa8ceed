// What the player does with each control command, and how it answers: every
// command gets one reply event naming it (with the sender's `id`), a bad one an
// `error` event, and the player plays on whatever arrives.
import Foundation
import RasterbarCore

extension Player {
    /// Parses and performs one control line.
    func handleControl(_ line: String) {
        var name: String?
        var id: String?
        do {
            let request = try ControlRequest.parse(line)
            name = request.name
            id = request.id
            try perform(request)
        } catch {
            let e = error as? RasterbarError ?? RasterbarError(.invalidCommand, "\(error)")
            // Name the command and echo its id even when the line did not parse as one.
            let bytes = Array(line.utf8)
            if name == nil, let value = try? parseJSON(bytes) {
                if case let .string(s)? = value["command"]?.kind { name = s }
                id = value["id"].map { String(decoding: bytes[$0.start..<$0.end], as: UTF8.self) }
            }
            replyError(e, name: name, id: id, input: line)
        }
    }

    func perform(_ request: ControlRequest) throws {
        let demo = engine.demo
        switch request.command {
        case let .seek(text):
            let time = try demo.time(parsing: text, what: "seek")
            try engine.validate(time: time)
            engine.seek(to: time)
            replyStatus(request)
        case .pause:
            engine.setPaused(true)
            replyStatus(request)
        case .play:
            engine.setPaused(false)
            replyStatus(request)
        case .status:
            replyStatus(request)
        case .reload:
            engine.apply(.reloadAll)
            reply([("event", .string("ok")), ("command", .string(request.name))], id: request.id)
        case let .setTrack(name, keys):
            // The object form (with a type) names its own "keys" member in paths.
            let track = try demo.readTrack(named: name, keys, file: "control", path: keys["keys"] == nil ? "setTrack.keys" : "setTrack")
            engine.trackOverrides.set(track)
            reply([("event", .string("track")), ("command", .string(request.name)), ("name", .string(name)),
                   ("keys", .int(track.keys.count))], id: request.id)
        case let .clearTrack(name):
            let cleared = engine.trackOverrides.clear(name)
            reply([("event", .string("track")), ("command", .string(request.name)), ("name", .string(name)),
                   ("cleared", .bool(cleared))], id: request.id)
        case .saveTracks:
            let names = try engine.saveTracks()
            reportEvents() // a write that did not read back cleanly reports its error first
            reply([("event", .string("saved")), ("command", .string(request.name)), ("file", .string(folder.demoKey)),
                   ("tracks", .strings(names))], id: request.id)
        case .snapshot:
            pendingSnapshots.append(request)
        case let .key(code, down):
            engine.apply(.key(code: code, down: down))
            reply([("event", .string("ok")), ("command", .string(request.name)), ("code", .int(code)), ("down", .bool(down))], id: request.id)
        case .quit:
            quitRequested = true
            reply([("event", .string("quit")), ("command", .string(request.name)), ("frame", .int(frames)),
                   ("time", .number(rounded(engine.playback.time)))], id: request.id)
        }
    }

    /// Writes the frame just drawn for every snapshot command waiting for it.
    func writeSnapshots() {
        guard !pendingSnapshots.isEmpty else { return }
        let image = engine.target.readImage()
        for request in pendingSnapshots {
            guard case let .snapshot(path) = request.command else { continue }
            do {
                try image.writePNG(to: path)
                reply([("event", .string("snapshot")), ("command", .string(request.name)), ("path", .string(path)),
                       ("frame", .int(frames)), ("time", .number(rounded(engine.playback.time)))], id: request.id)
            } catch {
                replyError(error as? RasterbarError ?? RasterbarError(.outputNotWritable, "\(error)", at: path), name: request.name, id: request.id)
            }
        }
        pendingSnapshots.removeAll()
    }

    /// Answers snapshot commands that will get no frame.
    func refuseSnapshots(because why: String) {
        for request in pendingSnapshots {
            replyError(RasterbarError(.invalidCommand, why, at: "control", hint: "send snapshot while the demo plays"), name: request.name, id: request.id)
        }
        pendingSnapshots.removeAll()
    }

    /// `{"event":"error", ...}` for a command, and the same for people on stderr.
    func replyError(_ e: RasterbarError, name: String?, id: String?, input: String? = nil) {
        var fields: [(String, JSONLine.Value)] = [("event", .string("error")), ("error", .string(e.kind.rawValue))]
        fields.append(("command", name.map { .string($0) } ?? .null))
        fields.append(("message", .string(e.message)))
        if let hint = e.hint { fields.append(("hint", .string(hint))) }
        if let input { fields.append(("input", .string(String(input.prefix(200))))) }
        reply(fields, id: id)
        output.human("control: \(e.message)" + (e.hint.map { " (\($0))" } ?? "") + "; the command was ignored")
    }

    /// `{"event":"status", ...}`: where the player is.
    func replyStatus(_ request: ControlRequest) {
        let demo = engine.demo, playback = engine.playback
        let scene = demo.sceneIndex(at: playback.time).map { demo.scenes[$0].name }
        let barBeat = demo.barBeat(at: playback.time)
        reply([("event", .string("status")), ("command", .string(request.name)),
               ("time", .number(rounded(playback.time))), ("paused", .bool(playback.paused)),
               ("scene", scene.map { .string($0) } ?? .null),
               ("bar", barBeat.map { .int($0.bar) } ?? .null), ("beat", barBeat.map { .number(rounded($0.beat)) } ?? .null),
               ("frame", .int(frames)), ("duration", .number(rounded(demo.meta.duration))),
               ("tracksEdited", .strings(engine.trackOverrides.edited.keys.sorted()))], id: request.id)
    }

    /// One reply line on the events stream (always: a command deserves an answer,
    /// even without --events).
    func reply(_ fields: [(String, JSONLine.Value)], id: String?) {
        output.event(JSONLine.object(fields + (id.map { [("id", .raw($0))] } ?? [])))
    }

    func rounded(_ t: Double) -> Double { (t * 1000).rounded() / 1000 }
}
