// Reads demo.json into a Demo, checking every rule, each failure naming the
// JSON path, the line and column, and what to do about it:
// `demo.json:12:16: scenes[2].end: must be after start (12.0), found 4.0`.
// Times are seconds (a number) or musical time "bar:beat" (from 0, needs
// meta.bpm): "8:0" is bar 8, beat 0; "8:2.5" half-way through beat 2.

struct DemoReader {
    let file: String

    /// Identifiers Rasterbar declares in every shader: tracks and params may not take them.
    static let reservedNames: Set<String> = [
        "iResolution", "iTime", "iTimeDelta", "iFrameRate", "iFrame", "iChannelTime", "iChannelResolution",
        "iMouse", "iDate", "iSampleRate", "iChannel0", "iChannel1", "iChannel2", "iChannel3",
        "rbDemoTime", "rbSceneProgress", "rbBeat", "main", "mainImage",
    ]

    func fail(_ value: JSONValue, _ path: String, _ message: String, hint: String? = nil) -> RasterbarError {
        RasterbarError(.invalidDemo, "\(path): \(message)", file: file, line: value.line, column: value.column, hint: hint)
    }

    func members(_ value: JSONValue, _ path: String, allowed: [String]) throws -> [(key: String, value: JSONValue)] {
        guard case let .object(members) = value.kind else {
            throw fail(value, path.isEmpty ? "demo.json" : path, "must be an object, found \(value.typeName)")
        }
        for m in members where !allowed.contains(m.key) {
            throw fail(m.value, path.isEmpty ? m.key : "\(path).\(m.key)", "unknown key",
                       hint: closest(m.key, in: allowed).map { "did you mean '\($0)'?" } ?? "known keys: \(allowed.joined(separator: ", "))")
        }
        return members
    }

    func number(_ value: JSONValue, _ path: String) throws -> Double {
        guard case let .number(n) = value.kind else { throw fail(value, path, "must be a number, found \(value.typeName)") }
        return n
    }

    func string(_ value: JSONValue, _ path: String) throws -> String {
        guard case let .string(s) = value.kind else { throw fail(value, path, "must be a string, found \(value.typeName)") }
        return s
    }

    func array(_ value: JSONValue, _ path: String, of what: String) throws -> [JSONValue] {
        guard case let .array(items) = value.kind else { throw fail(value, path, "must be an array of \(what), found \(value.typeName)") }
        return items
    }

    func identifier(_ name: String, _ value: JSONValue, _ path: String, what: String) throws {
        let valid = name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        guard valid, !name.hasPrefix("gl_") else {
            throw fail(value, path, "'\(name)' cannot be a \(what): use letters, digits and _ (not starting with a digit or gl_)")
        }
        guard !Self.reservedNames.contains(name) else {
            throw fail(value, path, "'\(name)' is a uniform Rasterbar already declares", hint: "choose another name")
        }
    }

    // MARK: Time

    /// A time: seconds, or "bar:beat" with the demo's bpm.
    func time(_ value: JSONValue, _ path: String, _ meta: Demo.Meta) throws -> Double {
        switch value.kind {
        case let .number(n):
            guard n.isFinite, abs(n) <= Demo.longestTime else {
                throw fail(value, path, "must be at most \(Int(Demo.longestTime)) seconds, found \(n)")
            }
            return n
        case let .string(s):
            guard let beats = Demo.Meta.beats(parsing: s) else {
                throw fail(value, path, "\"\(s)\" is neither seconds nor bar:beat", hint: "write seconds (12.5) or musical time (\"8:0\", bar 8 beat 0)")
            }
            guard let bpm = meta.bpm else {
                throw fail(value, path, "musical time \"\(s)\" needs meta.bpm", hint: "add \"bpm\" (and \"beatsPerBar\", default 4) to meta")
            }
            let seconds = (Double(beats.bar) * Double(meta.beatsPerBar) + beats.beat) * 60 / bpm
            guard seconds <= Demo.longestTime else {
                throw fail(value, path, "\"\(s)\" is more than \(Int(Demo.longestTime)) seconds into the demo")
            }
            return seconds
        default:
            throw fail(value, path, "must be seconds (a number) or \"bar:beat\", found \(value.typeName)")
        }
    }

    // MARK: The demo

    func demo(_ root: JSONValue) throws -> Demo {
        _ = try members(root, "", allowed: ["$schema", "meta", "scenes", "tracks", "transitions"])
        var meta = Demo.Meta(title: "Untitled", author: nil, resolution: PixelSize(width: 1280, height: 720), fps: 60,
                             duration: 0, bpm: nil, beatsPerBar: 4)
        var durationValue: JSONValue?
        if let m = root["meta"] {
            _ = try members(m, "meta", allowed: ["title", "author", "resolution", "fps", "duration", "bpm", "beatsPerBar", "rowsPerBeat", "music"])
            if let v = m["music"] { meta.music = try music(v) }
            if let v = m["title"] { meta.title = try string(v, "meta.title") }
            if let v = m["author"] { meta.author = try string(v, "meta.author") }
            if let v = m["resolution"] { meta.resolution = try resolution(v, "meta.resolution") }
            if let v = m["fps"] {
                meta.fps = try number(v, "meta.fps")
                guard meta.fps > 0, meta.fps <= 1000 else { throw fail(v, "meta.fps", "must be between 0 and 1000, found \(meta.fps)") }
            }
            if let v = m["bpm"] {
                let bpm = try number(v, "meta.bpm")
                guard bpm > 0, bpm <= 1000 else { throw fail(v, "meta.bpm", "must be between 0 and 1000, found \(bpm)") }
                meta.bpm = bpm
            }
            if let v = m["beatsPerBar"] {
                let n = try number(v, "meta.beatsPerBar")
                guard n >= 1, n <= 64, n.rounded() == n else { throw fail(v, "meta.beatsPerBar", "must be a whole number from 1 to 64, found \(n)") }
                meta.beatsPerBar = Int(n)
            }
            if let v = m["rowsPerBeat"] {
                let n = try number(v, "meta.rowsPerBeat")
                guard n >= 1, n <= 256, n.rounded() == n else { throw fail(v, "meta.rowsPerBeat", "must be a whole number from 1 to 256, found \(n)") }
                meta.rowsPerBeat = Int(n)
            }
            if let v = m["duration"] {
                let d = try time(v, "meta.duration", meta)
                guard d > 0 else { throw fail(v, "meta.duration", "must be greater than 0, found \(d)") }
                meta.duration = d
                durationValue = v
            }
        }

        guard let scenesValue = root["scenes"] else {
            throw fail(root, "scenes", "missing", hint: "add \"scenes\": [{\"name\", \"start\", \"end\", \"shader\"}]")
        }
        let items = try array(scenesValue, "scenes", of: "scenes")
        guard !items.isEmpty else { throw fail(scenesValue, "scenes", "must list at least one scene") }
        var scenes: [(scene: Demo.Scene, value: JSONValue, path: String)] = []
        for (i, item) in items.enumerated() {
            let path = "scenes[\(i)]"
            let scene = try self.scene(item, path, meta)
            if let other = scenes.first(where: { $0.scene.name == scene.name }) {
                throw fail(item["name"] ?? item, "\(path).name", "'\(scene.name)' is already the name of \(other.path)",
                           hint: "scene names must be unique: transitions refer to them")
            }
            if let other = scenes.first(where: { $0.scene.layer == scene.layer && $0.scene.start < scene.end && scene.start < $0.scene.end }) {
                throw fail(item, path, "overlaps \(other.path) '\(other.scene.name)' (\(other.scene.start)-\(other.scene.end)) on layer \(scene.layer)",
                           hint: "scenes on one layer must not overlap; put one on another \"layer\"")
            }
            scenes.append((scene, item, path))
        }
        let lastEnd = scenes.map(\.scene.end).max() ?? 0
        if let v = durationValue, lastEnd > meta.duration {
            throw fail(v, "meta.duration", "\(meta.duration) ends before the last scene ends (\(lastEnd))",
                       hint: "raise meta.duration or shorten the scenes")
        }
        if durationValue == nil { meta.duration = lastEnd }
        let ordered = scenes.sorted { ($0.scene.start, $0.scene.layer) < ($1.scene.start, $1.scene.layer) }
        var demo = Demo(meta: meta, scenes: ordered.map(\.scene))

        if let t = root["tracks"] {
            demo.tracks = try tracks(t, meta).sorted { $0.name < $1.name }
            for scene in ordered {
                for param in scene.scene.params.keys where demo.track(named: param) != nil {
                    throw fail(scene.value["params"] ?? scene.value, "\(scene.path).params.\(param)",
                               "'\(param)' is also the name of a track", hint: "a uniform can have one value: rename one of them")
                }
            }
        }
        if let t = root["transitions"] {
            demo.transitions = try transitions(t, demo, paths: Dictionary(uniqueKeysWithValues: ordered.map { ($0.scene.name, $0.path) }))
        }
        return demo
    }

    func resolution(_ value: JSONValue, _ path: String) throws -> PixelSize {
        switch value.kind {
        case let .string(s):
            do { return try PixelSize(parsing: s) } catch let e as RasterbarError {
                throw fail(value, path, e.message)
            }
        case let .array(items) where items.count == 2:
            let w = try number(items[0], path + "[0]"), h = try number(items[1], path + "[1]")
            guard let size = PixelSize(width: w, height: h) else {
                throw fail(value, path, "must be two whole numbers from 1 to \(PixelSize.maxDimension), found [\(w), \(h)]")
            }
            return size
        default:
            throw fail(value, path, "must be [width, height] or \"WxH\", found \(value.typeName)")
        }
    }

    // MARK: Scenes

    func scene(_ value: JSONValue, _ path: String, _ meta: Demo.Meta) throws -> Demo.Scene {
        _ = try members(value, path, allowed: ["name", "start", "end", "shader", "script", "layer", "blend", "channels", "textures", "params",
                                               "common", "buffers"])
        func required(_ key: String) throws -> JSONValue {
            guard let v = value[key] else { throw fail(value, "\(path).\(key)", "missing") }
            return v
        }
        let nameValue = try required("name")
        let name = try string(nameValue, "\(path).name")
        guard !name.isEmpty else { throw fail(nameValue, "\(path).name", "must not be empty") }
        let startValue = try required("start"), endValue = try required("end")
        let start = try time(startValue, "\(path).start", meta)
        let end = try time(endValue, "\(path).end", meta)
        guard start >= 0 else { throw fail(startValue, "\(path).start", "must be 0 or more, found \(start)") }
        guard end > start else { throw fail(endValue, "\(path).end", "must be after start (\(start)), found \(end)") }
        let source: Demo.Source
        let sourceValue: JSONValue
        switch (value["shader"], value["script"]) {
        case let (shader?, nil):
            source = .shader(try filePath(shader, "\(path).shader"))
            sourceValue = shader
        case let (nil, script?):
            let scriptPath = try filePath(script, "\(path).script")
            guard scriptPath.hasSuffix(".swift") else {
                throw fail(script, "\(path).script", "'\(scriptPath)' is not a .swift file", hint: "scripts live in Scripts/Name.swift")
            }
            source = .script(scriptPath)
            sourceValue = script
        case (_?, _?):
            throw fail(value, path, "has both a shader and a script", hint: "a scene is drawn by one of them")
        case (nil, nil):
            throw fail(value, "\(path).shader", "missing", hint: "give the scene a \"shader\" or a \"script\"")
        }
        var scene = Demo.Scene(name: name, start: start, end: end, source: source,
                               origin: "\(file):\(sourceValue.line):\(sourceValue.column)")
        if let v = value["layer"] {
            let layer = try number(v, "\(path).layer")
            guard layer >= 0, layer <= 100, layer.rounded() == layer else {
                throw fail(v, "\(path).layer", "must be a whole number from 0 to 100, found \(layer)")
            }
            scene.layer = Int(layer)
        }
        if let v = value["blend"] {
            let name = try string(v, "\(path).blend")
            guard let blend = Demo.Blend(rawValue: name) else {
                throw fail(v, "\(path).blend", "unknown blend '\(name)'",
                           hint: closest(name, in: Demo.Blend.allCases.map(\.rawValue)).map { "did you mean '\($0)'?" } ?? "use over or add")
            }
            scene.blend = blend
        }
        if let params = value["params"] {
            for member in try members(params, "\(path).params", allowed: params.objectKeys) {
                try identifier(member.key, member.value, "\(path).params.\(member.key)", what: "parameter name")
                scene.params[member.key] = try number(member.value, "\(path).params.\(member.key)")
            }
        }
        if let channels = value["channels"] { scene.channels = try self.channels(channels, "\(path).channels") }
        if let v = value["common"] {
            guard !scene.isScript else { throw fail(v, "\(path).common", "only shader scenes have a Common file", hint: "a script shares code through Swift files") }
            scene.common = try filePath(v, "\(path).common")
        }
        if let v = value["buffers"] {
            guard !scene.isScript else { throw fail(v, "\(path).buffers", "only shader scenes have buffers", hint: "a script draws into its own targets") }
            let ids = Demo.BufferID.allCases.map(\.rawValue)
            scene.buffers = try members(v, "\(path).buffers", allowed: ids).map { member in
                let bufferPath = "\(path).buffers.\(member.key)"
                _ = try members(member.value, bufferPath, allowed: ["shader", "channels"])
                guard let shader = member.value["shader"] else {
                    throw fail(member.value, "\(bufferPath).shader", "missing", hint: "name the buffer's Shadertoy-style shader file")
                }
                var pass = Demo.BufferPass(id: Demo.BufferID(rawValue: member.key)!, shader: try filePath(shader, "\(bufferPath).shader"))
                if let c = member.value["channels"] { pass.channels = try channels(c, "\(bufferPath).channels") }
                return pass
            }.sorted { $0.id < $1.id }
        }
        // Every buffer a channel names must be one of the scene's.
        let defined = Set(scene.buffers.map(\.id))
        let passes = [(path, scene.channels, value["channels"])]
            + scene.buffers.map { ("\(path).buffers.\($0.id)", $0.channels, value["buffers"]?[$0.id.rawValue]?["channels"]) }
        for (passPath, passChannels, json) in passes {
            for (i, input) in passChannels.enumerated() {
                guard case let .buffer(id)? = input?.source, !defined.contains(id) else { continue }
                var item = json ?? value
                if case let .array(items)? = json?.kind { item = items[i] }
                throw fail(item, "\(passPath).channels[\(i)]", "buffer \(id) is not one of this scene's buffers",
                           hint: defined.isEmpty ? "add \"buffers\": {\"\(id)\": {\"shader\": ...}} to the scene"
                                                 : "the scene has \(defined.sorted().map { "buffer:\($0)" }.joined(separator: ", "))")
            }
        }
        if let textures = value["textures"] {
            guard case let .object(members) = textures.kind else {
                throw fail(textures, "\(path).textures", "must map uniform names to PNG paths, found \(textures.typeName)")
            }
            scene.textures = try members.map { member in
                try identifier(member.key, member.value, "\(path).textures", what: "GLSL uniform name")
                return Demo.NamedTexture(uniform: member.key, path: try filePath(member.value, "\(path).textures.\(member.key)"))
            }
        }
        return scene
    }

    /// Up to four channel entries (null: nothing bound).
    func channels(_ value: JSONValue, _ path: String) throws -> [Demo.ChannelInput?] {
        let items = try array(value, path, of: "up to 4 channels: PNG paths, \"buffer:A\", \"music\", \"keyboard\", noise media, volumes, cubemaps or null")
        guard items.count <= 4 else { throw fail(value, path, "has \(items.count) entries; Shadertoy has 4 channels") }
        return try items.enumerated().map { i, item in
            if case .null = item.kind { return nil }
            return try channel(item, "\(path)[\(i)]")
        }
    }

    /// One channel: a string form, or an object with "source" or "cubemap" and the sampling.
    func channel(_ value: JSONValue, _ path: String) throws -> Demo.ChannelInput {
        guard case .object = value.kind else { return Demo.ChannelInput(try channelSource(value, path)) }
        _ = try members(value, path, allowed: ["source", "cubemap", "filter", "wrap", "vflip"])
        let source: Demo.Channel
        switch (value["source"], value["cubemap"]) {
        case let (s?, nil):
            source = try channelSource(s, "\(path).source")
        case let (nil, c?):
            let faces = try array(c, "\(path).cubemap", of: "six PNG paths (+X, -X, +Y, -Y, +Z, -Z)")
            guard faces.count == 6 else { throw fail(c, "\(path).cubemap", "has \(faces.count) faces; a cubemap has 6 (+X, -X, +Y, -Y, +Z, -Z)") }
            source = .cubemap(try faces.enumerated().map { try filePath($1, "\(path).cubemap[\($0)]") })
        case (_?, _?):
            throw fail(value, path, "has both a source and a cubemap", hint: "a channel reads one of them")
        case (nil, nil):
            throw fail(value, "\(path).source", "missing", hint: "give the channel a \"source\" (a PNG, \"buffer:A\", ...) or a \"cubemap\"")
        }
        var sampling = source.defaultSampling
        if let v = value["filter"] {
            let name = try string(v, "\(path).filter")
            guard let filter = Demo.Sampling.Filter(rawValue: name) else {
                throw fail(v, "\(path).filter", "unknown filter '\(name)'", hint: "use nearest, linear or mipmap")
            }
            sampling.filter = filter
        }
        if let v = value["wrap"] {
            let name = try string(v, "\(path).wrap")
            guard let wrap = Demo.Sampling.Wrap(rawValue: name) else {
                throw fail(v, "\(path).wrap", "unknown wrap '\(name)'", hint: "use clamp or repeat")
            }
            sampling.wrap = wrap
        }
        if let v = value["vflip"] {
            guard case let .bool(flip) = v.kind else { throw fail(v, "\(path).vflip", "must be true or false, found \(v.typeName)") }
            guard source.canFlip || !flip else {
                throw fail(v, "\(path).vflip", "only PNG and noise textures can be flipped", hint: "remove \"vflip\"")
            }
            sampling.vflip = flip
        }
        return Demo.ChannelInput(source, sampling: sampling)
    }

    /// A channel's string form.
    func channelSource(_ value: JSONValue, _ path: String) throws -> Demo.Channel {
        let text = try string(value, path)
        switch text {
        case "music": return .music
        case "keyboard": return .keyboard
        default: break
        }
        if text.hasPrefix("buffer:") {
            let id = String(text.dropFirst("buffer:".count))
            guard let buffer = Demo.BufferID(rawValue: id) else {
                throw fail(value, path, "unknown buffer '\(id)'", hint: "use buffer:A, buffer:B, buffer:C or buffer:D")
            }
            return .buffer(buffer)
        }
        if text.hasPrefix("noise:") || text.hasPrefix("noise3d:") {
            guard Demo.noiseMedia.contains(text) else {
                let names = Demo.noiseMedia
                throw fail(value, path, "unknown noise medium '\(text)'",
                           hint: closest(text, in: names).map { "did you mean '\($0)'?" } ?? "use one of \(names.joined(separator: ", "))")
            }
            return .noise(text)
        }
        let file = try filePath(value, path)
        if file.lowercased().hasSuffix(".bin") { return .volume(file) }
        // A bare word is a misspelt channel name rather than a file without an extension.
        guard file.contains("/") || file.contains(".") else {
            let names = ["music", "keyboard"] + Demo.BufferID.allCases.map { "buffer:\($0)" } + Demo.noiseMedia
            throw fail(value, path, "'\(file)' is neither a file nor a channel name",
                       hint: closest(file, in: names).map { "did you mean '\($0)'?" } ?? "use a PNG path, \"buffer:A\"..\"buffer:D\", \"music\", \"keyboard\", a noise medium or a .bin volume")
        }
        return .image(file)
    }

    /// `"music": "Music/track.ogg"` or `{"file": ..., "offset": seconds, "volume": 0...1}`.
    func music(_ value: JSONValue) throws -> Demo.Music {
        var music = Demo.Music(file: "", origin: "\(file):\(value.line):\(value.column)")
        if case .string = value.kind {
            music.file = try filePath(value, "meta.music")
            return music
        }
        guard case .object = value.kind else {
            throw fail(value, "meta.music", "must be a file path or {\"file\", \"offset\", \"volume\"}, found \(value.typeName)",
                       hint: "for example \"music\": \"Music/track.ogg\"")
        }
        _ = try members(value, "meta.music", allowed: ["file", "shader", "common", "offset", "volume"])
        switch (value["file"], value["shader"]) {
        case let (f?, nil):
            music.file = try filePath(f, "meta.music.file")
        case let (nil, s?):
            music.file = try filePath(s, "meta.music.shader")
            music.isShader = true
        case (_?, _?):
            throw fail(value, "meta.music", "has both a file and a shader", hint: "the soundtrack comes from one of them")
        case (nil, nil):
            throw fail(value, "meta.music.file", "missing", hint: "name the music file (\"file\": \"Music/track.ogg\") or a sound shader (\"shader\": \"Shaders/sound.glsl\")")
        }
        if let v = value["common"] {
            guard music.isShader else { throw fail(v, "meta.music.common", "only a sound shader has a Common file", hint: "remove \"common\" or use \"shader\"") }
            music.common = try filePath(v, "meta.music.common")
        }
        if let v = value["offset"] {
            music.offset = try number(v, "meta.music.offset")
            guard music.offset >= 0 else { throw fail(v, "meta.music.offset", "must be 0 or more seconds into the file, found \(music.offset)") }
        }
        if let v = value["volume"] {
            music.volume = try number(v, "meta.music.volume")
            guard (0...1).contains(music.volume) else { throw fail(v, "meta.music.volume", "must be between 0 and 1, found \(music.volume)") }
        }
        return music
    }

    /// A string holding a path inside the demo folder.
    func filePath(_ value: JSONValue, _ path: String) throws -> String {
        let raw = try string(value, path)
        do {
            return try DemoPath.normalize(raw)
        } catch let e as RasterbarError {
            throw fail(value, path, e.message, hint: e.hint)
        }
    }

    // MARK: Tracks

    /// `"name": [[time, value, "interpolation"], ...]` or
    /// `"name": {"type": "vec3", "keys": [{"time": ..., "value": [...], "interpolation": ...}, ...]}`.
    func tracks(_ value: JSONValue, _ meta: Demo.Meta) throws -> [Track] {
        guard case let .object(entries) = value.kind else {
            throw fail(value, "tracks", "must map track names to their keys, found \(value.typeName)")
        }
        return try entries.map { try track(named: $0.key, $0.value, "tracks.\($0.key)", meta) }
    }

    /// One track: `[[time, value, "interpolation"], ...]` or `{"type": "vec3", "keys": [...]}`.
    /// Also what the control channel's setTrack is checked with.
    func track(named name: String, _ value: JSONValue, _ path: String, _ meta: Demo.Meta) throws -> Track {
        try identifier(name, value, path, what: "track name (it becomes a uniform)")
        var components: Int?
        let keysValue: JSONValue
        if case .object = value.kind {
            _ = try members(value, path, allowed: ["type", "keys"])
            if let t = value["type"] {
                let type = try string(t, "\(path).type")
                let types = ["float": 1, "vec2": 2, "vec3": 3, "vec4": 4]
                guard let n = types[type] else {
                    throw fail(t, "\(path).type", "unknown type '\(type)'", hint: "use float, vec2, vec3 or vec4")
                }
                components = n
            }
            guard let k = value["keys"] else { throw fail(value, "\(path).keys", "missing") }
            keysValue = k
        } else {
            keysValue = value
        }
        let keyPath = value["keys"] == nil ? path : "\(path).keys"
        let items = try array(keysValue, keyPath, of: "keys")
        guard !items.isEmpty else { throw fail(keysValue, keyPath, "must have at least one key") }
        var keys: [Track.Key] = []
        for (i, item) in items.enumerated() {
            let key = try self.key(item, "\(keyPath)[\(i)]", meta, components: &components)
            if let previous = keys.last, key.time < previous.time {
                throw fail(item.timeValue ?? item, "\(keyPath)[\(i)].time", "\(key.time) comes before the key before it (\(previous.time))",
                           hint: "keys must be in time order")
            }
            keys.append(key)
        }
        return Track(name: name, components: components ?? 1, keys: keys)
    }

    func key(_ item: JSONValue, _ path: String, _ meta: Demo.Meta, components: inout Int?) throws -> Track.Key {
        let timeValue: JSONValue, valueValue: JSONValue
        var interpolationValue: JSONValue?
        switch item.kind {
        case let .array(parts):
            guard (2...3).contains(parts.count) else {
                throw fail(item, path, "must be [time, value] or [time, value, \"interpolation\"]")
            }
            timeValue = parts[0]
            valueValue = parts[1]
            interpolationValue = parts.count == 3 ? parts[2] : nil
        case .object:
            _ = try members(item, path, allowed: ["time", "value", "interpolation"])
            guard let t = item["time"] else { throw fail(item, "\(path).time", "missing") }
            guard let v = item["value"] else { throw fail(item, "\(path).value", "missing") }
            timeValue = t
            valueValue = v
            interpolationValue = item["interpolation"]
        default:
            throw fail(item, path, "must be [time, value, \"interpolation\"] or an object, found \(item.typeName)")
        }
        let time = try self.time(timeValue, "\(path).time", meta)
        var numbers: [Double]
        switch valueValue.kind {
        case let .number(n): numbers = [n]
        case let .array(parts):
            numbers = try parts.enumerated().map { try number($0.element, "\(path).value[\($0.offset)]") }
            guard (1...4).contains(numbers.count) else { throw fail(valueValue, "\(path).value", "must have 1 to 4 numbers, found \(numbers.count)") }
        default:
            throw fail(valueValue, "\(path).value", "must be a number or 2 to 4 numbers, found \(valueValue.typeName)")
        }
        if let expected = components, numbers.count != expected {
            throw fail(valueValue, "\(path).value", "needs \(expected) number\(expected == 1 ? "" : "s") like the track's other keys, found \(numbers.count)")
        }
        components = numbers.count
        var interpolation = Interpolation.linear
        if let v = interpolationValue {
            let name = try string(v, "\(path).interpolation")
            guard let i = Interpolation(rawValue: name) else {
                throw fail(v, "\(path).interpolation", "unknown interpolation '\(name)'",
                           hint: closest(name, in: Interpolation.allCases.map(\.rawValue)).map { "did you mean '\($0)'?" }
                               ?? "use step, linear, smooth or ramp")
            }
            interpolation = i
        }
        numbers += Array(repeating: 0, count: 4 - numbers.count)
        return Track.Key(time: time, value: SIMD4(numbers[0], numbers[1], numbers[2], numbers[3]), interpolation: interpolation)
    }

    // MARK: Transitions

    func transitions(_ value: JSONValue, _ demo: Demo, paths: [String: String]) throws -> [Demo.Transition] {
        let items = try array(value, "transitions", of: "transitions")
        var result: [Demo.Transition] = []
        let names = demo.scenes.map(\.name)
        for (i, item) in items.enumerated() {
            let path = "transitions[\(i)]"
            _ = try members(item, path, allowed: ["from", "to", "type", "duration", "direction"])
            func sceneIndex(_ key: String) throws -> Int {
                guard let v = item[key] else { throw fail(item, "\(path).\(key)", "missing", hint: "name a scene") }
                let name = try string(v, "\(path).\(key)")
                guard let index = demo.scenes.firstIndex(where: { $0.name == name }) else {
                    throw fail(v, "\(path).\(key)", "no scene is named '\(name)'",
                               hint: closest(name, in: names).map { "did you mean '\($0)'?" } ?? "scenes: \(names.joined(separator: ", "))")
                }
                return index
            }
            let from = try sceneIndex("from"), to = try sceneIndex("to")
            let a = demo.scenes[from], b = demo.scenes[to]
            guard a.layer == b.layer, abs(a.end - b.start) < 1e-9 else {
                throw fail(item, path, "'\(a.name)' (\(a.start)-\(a.end), layer \(a.layer)) is not followed directly by '\(b.name)' (\(b.start)-\(b.end), layer \(b.layer))",
                           hint: "a transition joins a scene to the one that starts where it ends, on the same layer")
            }
            let typeValue = item["type"]
            let typeName = try typeValue.map { try string($0, "\(path).type") } ?? "crossfade"
            let kind: Demo.Transition.Kind
            switch typeName {
            case "crossfade": kind = .crossfade
            case "fade": kind = .fade
            case "wipe":
                var direction = Demo.Transition.WipeDirection.right
                if let d = item["direction"] {
                    let name = try string(d, "\(path).direction")
                    guard let parsed = Demo.Transition.WipeDirection(rawValue: name) else {
                        throw fail(d, "\(path).direction", "unknown direction '\(name)'", hint: "use left, right, up or down")
                    }
                    direction = parsed
                }
                kind = .wipe(direction)
            default:
                throw fail(typeValue ?? item, "\(path).type", "unknown transition '\(typeName)'",
                           hint: closest(typeName, in: ["crossfade", "fade", "wipe"]).map { "did you mean '\($0)'?" } ?? "use crossfade, fade or wipe")
            }
            if item["direction"] != nil, typeName != "wipe" {
                throw fail(item["direction"]!, "\(path).direction", "only a wipe has a direction")
            }
            guard let durationValue = item["duration"] else { throw fail(item, "\(path).duration", "missing", hint: "seconds, or \"bars:beats\"") }
            let duration = try self.time(durationValue, "\(path).duration", demo.meta)
            guard duration > 0, duration <= b.length else {
                throw fail(durationValue, "\(path).duration", "must be more than 0 and at most the length of '\(b.name)' (\(b.length)), found \(duration)")
            }
            let transition = Demo.Transition(from: from, to: to, kind: kind, start: b.start, duration: duration)
            if let other = result.firstIndex(where: { demo.scenes[$0.to].layer == b.layer && $0.start < transition.end && transition.start < $0.end }) {
                throw fail(item, path, "overlaps transitions[\(other)] in time", hint: "shorten one of them")
            }
            result.append(transition)
        }
        return result
    }
}

extension JSONValue {
    /// The keys of an object (empty for anything else).
    var objectKeys: [String] {
        if case let .object(members) = kind { return members.map(\.key) }
        return []
    }

    /// The time part of a key written as an array or an object.
    var timeValue: JSONValue? {
        if case let .array(parts) = kind { return parts.first }
        return self["time"]
    }
}
