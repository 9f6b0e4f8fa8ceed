// The demo as data: its metadata and its scenes on a timeline, read from
// demo.json with a message for every rule that names the JSON path and the
// line and column. No GL and no file watching here; the timeline issue grows
// this model (tracks, layers, musical time) without changing its shape.

/// A demo: metadata plus scenes ordered on the timeline.
public struct Demo: Sendable, Equatable {
    /// Title, output size and timing.
    public struct Meta: Sendable, Equatable {
        public var title: String
        public var resolution: PixelSize
        public var fps: Double
        public var duration: Double
    }

    /// One scene: what draws between `start` and `end` (seconds, end exclusive).
    public struct Scene: Sendable, Equatable {
        public var name: String
        public var start: Double
        public var end: Double
        /// What draws the scene: a fragment shader or a Swift script.
        public var source: Source
        /// Named numbers the scene reads (scripts through `param`).
        public var params: [String: Double] = [:]
        /// PNG paths bound to iChannel0..3 (nil: nothing bound).
        public var channels: [String?] = []
        /// PNG paths bound to sampler2D uniforms by name.
        public var textures: [NamedTexture] = []
        /// Where the scene is written in demo.json, for messages about it.
        public var origin: String

        /// True for a script scene.
        public var isScript: Bool { if case .script = source { return true } else { return false } }
    }

    /// What draws a scene.
    public enum Source: Sendable, Equatable {
        /// A fragment shader path, relative to the demo's root folder.
        case shader(String)
        /// A Swift scene script path, relative to the demo's root folder.
        case script(String)

        /// The path, whichever it is.
        public var path: String {
            switch self {
            case let .shader(p), let .script(p): return p
            }
        }
    }

    /// A texture bound to a uniform of the scene's shader by name.
    public struct NamedTexture: Sendable, Equatable {
        public var uniform: String
        public var path: String
    }

    public var meta: Meta
    public var scenes: [Scene]

    /// Every script the demo uses, once each.
    public var scripts: [String] {
        var seen: Set<String> = []
        return scenes.compactMap { if case let .script(p) = $0.source, seen.insert(p).inserted { return p } else { return nil } }
    }

    /// Every file the demo names, with where it is named (for existence checks).
    public var referencedFiles: [(path: String, field: String, origin: String)] {
        scenes.enumerated().flatMap { i, scene -> [(path: String, field: String, origin: String)] in
            [(scene.source.path, "scenes[\(i)].\(scene.isScript ? "script" : "shader")", scene.origin)]
                + scene.channels.enumerated().compactMap { c, path in path.map { ($0, "scenes[\(i)].channels[\(c)]", scene.origin) } }
                + scene.textures.map { ($0.path, "scenes[\(i)].textures.\($0.uniform)", scene.origin) }
        }
    }

    /// The scene that draws at `time`: the one whose [start, end) holds it, or
    /// the last scene at the very end of the demo so the final frame is not black.
    public func sceneIndex(at time: Double) -> Int? {
        if let i = scenes.firstIndex(where: { $0.start <= time && time < $0.end }) { return i }
        if let last = scenes.indices.last, time == scenes[last].end { return last }
        return nil
    }

    /// The frame number for `time` at the demo's frame rate (Shadertoy's iFrame).
    public func frameNumber(at time: Double) -> Int {
        Int((time * meta.fps + 1e-6).rounded(.down))
    }
}

extension Demo: Loadable {
    public static let kind = "demo"

    /// Reads demo.json through the store; a bad edit keeps the last good timeline.
    public static func load(from context: LoadContext) throws -> Demo {
        try parse(try context.read(context.key.path), file: context.key.path)
    }

    /// Reads and validates demo.json text. `file` names it in messages.
    public static func parse(_ bytes: [UInt8], file: String) throws -> Demo {
        let root: JSONValue
        do {
            root = try parseJSON(bytes)
        } catch let e as JSONSyntaxError {
            throw RasterbarError(.invalidJSON, e.message, file: file, line: e.line, column: e.column,
                                 hint: "demo.json must be valid JSON")
        }
        return try DemoReader(file: file).demo(root)
    }
}

/// Walks the JSON tree with the path in hand, so every message says where.
private struct DemoReader {
    let file: String

    func fail(_ value: JSONValue, _ path: String, _ message: String, hint: String? = nil) -> RasterbarError {
        RasterbarError(.invalidDemo, "\(path): \(message)", file: file, line: value.line, column: value.column, hint: hint)
    }

    func members(_ value: JSONValue, _ path: String, allowed: [String]) throws -> [(key: String, value: JSONValue)] {
        guard case let .object(members) = value.kind else {
            throw fail(value, path, "must be an object, found \(value.typeName)")
        }
        for m in members where !allowed.contains(m.key) {
            let close = allowed.first { editDistance($0, m.key) <= 2 }
            throw fail(m.value, path.isEmpty ? m.key : "\(path).\(m.key)", "unknown key",
                       hint: close.map { "did you mean '\($0)'?" } ?? "known keys: \(allowed.joined(separator: ", "))")
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

    func demo(_ root: JSONValue) throws -> Demo {
        _ = try members(root, "", allowed: ["$schema", "meta", "scenes"])
        let path = "meta"
        var title = "Untitled", resolution = PixelSize(width: 1280, height: 720), fps = 60.0
        var duration: Double?
        var durationValue: JSONValue?
        if let meta = root["meta"] {
            _ = try members(meta, path, allowed: ["title", "resolution", "fps", "duration"])
            if let v = meta["title"] { title = try string(v, "meta.title") }
            if let v = meta["resolution"] { resolution = try self.resolution(v, "meta.resolution") }
            if let v = meta["fps"] {
                fps = try number(v, "meta.fps")
                guard fps > 0, fps <= 1000 else { throw fail(v, "meta.fps", "must be between 0 and 1000, found \(fps)") }
            }
            if let v = meta["duration"] {
                let d = try number(v, "meta.duration")
                guard d > 0 else { throw fail(v, "meta.duration", "must be greater than 0, found \(d)") }
                duration = d
                durationValue = v
            }
        }
        guard let scenesValue = root["scenes"] else {
            throw RasterbarError(.invalidDemo, "scenes: missing", at: file, hint: "add \"scenes\": [{\"name\", \"start\", \"end\", \"shader\"}]")
        }
        guard case let .array(items) = scenesValue.kind else {
            throw fail(scenesValue, "scenes", "must be an array, found \(scenesValue.typeName)")
        }
        guard !items.isEmpty else { throw fail(scenesValue, "scenes", "must list at least one scene") }
        var scenes: [Demo.Scene] = []
        for (i, item) in items.enumerated() {
            let scene = try self.scene(item, "scenes[\(i)]")
            if let other = scenes.firstIndex(where: { $0.start < scene.end && scene.start < $0.end }) {
                let o = scenes[other]
                throw fail(item, "scenes[\(i)]", "overlaps scenes[\(other)] '\(o.name)' (\(o.start)-\(o.end))",
                           hint: "scenes on one layer must not overlap in time")
            }
            scenes.append(scene)
        }
        scenes.sort { $0.start < $1.start }
        let lastEnd = scenes.map(\.end).max() ?? 0
        if let duration, let v = durationValue, lastEnd > duration {
            throw fail(v, "meta.duration", "\(duration) ends before the last scene ends (\(lastEnd))",
                       hint: "raise meta.duration or shorten the scenes")
        }
        let meta = Demo.Meta(title: title, resolution: resolution, fps: fps, duration: duration ?? lastEnd)
        return Demo(meta: meta, scenes: scenes)
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

    func scene(_ value: JSONValue, _ path: String) throws -> Demo.Scene {
        _ = try members(value, path, allowed: ["name", "start", "end", "shader", "script", "channels", "textures", "params"])
        func required(_ key: String) throws -> JSONValue {
            guard let v = value[key] else { throw fail(value, "\(path).\(key)", "missing") }
            return v
        }
        let nameValue = try required("name")
        let name = try string(nameValue, "\(path).name")
        guard !name.isEmpty else { throw fail(nameValue, "\(path).name", "must not be empty") }
        let startValue = try required("start"), endValue = try required("end")
        let start = try number(startValue, "\(path).start")
        let end = try number(endValue, "\(path).end")
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
        if let params = value["params"] {
            guard case let .object(members) = params.kind else {
                throw fail(params, "\(path).params", "must map names to numbers, found \(params.typeName)")
            }
            for member in members { scene.params[member.key] = try number(member.value, "\(path).params.\(member.key)") }
        }
        if let channels = value["channels"] {
            guard case let .array(items) = channels.kind else {
                throw fail(channels, "\(path).channels", "must be an array of up to 4 PNG paths (or null), found \(channels.typeName)")
            }
            guard items.count <= 4 else { throw fail(channels, "\(path).channels", "has \(items.count) entries; Shadertoy has 4 channels") }
            scene.channels = try items.enumerated().map { i, item in
                if case .null = item.kind { return nil }
                return try filePath(item, "\(path).channels[\(i)]")
            }
        }
        if let textures = value["textures"] {
            guard case let .object(members) = textures.kind else {
                throw fail(textures, "\(path).textures", "must map uniform names to PNG paths, found \(textures.typeName)")
            }
            scene.textures = try members.map { member in
                let isIdentifier = member.key.first.map { $0 == "_" || $0.isLetter } == true
                    && member.key.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
                guard isIdentifier else {
                    throw fail(member.value, "\(path).textures", "'\(member.key)' is not a GLSL uniform name")
                }
                return Demo.NamedTexture(uniform: member.key, path: try filePath(member.value, "\(path).textures.\(member.key)"))
            }
        }
        return scene
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
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in 1...max(b.count, 1) where !b.isEmpty {
            let keep = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = keep
        }
    }
    return row[b.count]
}
