// `rasterbar import shadertoy`: a Shadertoy export in, a scene out. Pure: the
// export's JSON and demo.json's text (if there is one) go in; the pass files,
// the new demo.json text and one line for everything that could not come
// across come out. The command does the reading and the (atomic) writing, so
// a bad export or a bad demo.json writes nothing.
//
// What Shadertoy exports (its API's `GET /api/v1/shaders/ID` answers
// `{"Shader": {...}}`; the site's own JSON is `[{...}]`): a shader is
// `{"ver", "info": {"id", "name", "username", ...}, "renderpass": [...]}`; a
// pass is `{"type": "image"|"buffer"|"common"|"sound"|"cubemap", "name",
// "code", "inputs", "outputs"}`; an input is `{"channel": 0-3, "ctype" (site:
// "type"), "src" (site: "filepath"), "id", "sampler": {"filter", "wrap",
// "vflip", "srgb", "internal"}}` with the sampler's values as strings
// ("true"). Buffers are named by id: the API numbers Buffer A..D 257..260, the
// site calls them 4dXGR8, XsXGR8, 4sXGR8, XdfGR8, and an input reading one has
// the src /media/previz/buffer00.png..03. Shadertoy's media are
// /media/a/<sha256>.<ext>.
//
// Sampling: a channel entry says filter, wrap and vflip only where they
// differ from what the engine uses for that kind of channel anyway
// (Demo.Channel.defaultSampling, which is Shadertoy's own default), so the
// usual channel stays a plain string. As in Shadertoy's player a wrap other
// than "clamp" (its "mirror") repeats, a filter other than "linear" or
// "mipmap" is "nearest", and vflip is "true" or not.

/// Turns a Shadertoy export into files and a demo.json scene.
public enum ShadertoyImport {
    public struct Options: Sendable {
        /// The scene's name and the folder under Shaders/ (default: from the shader's title).
        public var name: String?
        /// Seconds (default: where the last scene ends).
        public var start: Double?
        /// Seconds (default: 20 seconds after the start).
        public var end: Double?
        /// Replace a scene of the same name in demo.json (keeping its times unless given).
        public var force = false

        public init(name: String? = nil, start: Double? = nil, end: Double? = nil, force: Bool = false) {
            self.name = name
            self.start = start
            self.end = end
            self.force = force
        }
    }

    /// A file to write, relative to the demo folder.
    public struct File: Sendable, Equatable {
        public var path: String
        public var bytes: [UInt8]
    }

    /// What an import makes.
    public struct Result: Sendable {
        /// The scene's name, also the folder under Shaders/.
        public var name: String
        /// `Shaders/<name>`.
        public var folder: String
        /// The pass files and stand-ins, all inside `folder`.
        public var files: [File]
        /// demo.json with the scene in it.
        public var demoJSON: [UInt8]
        /// The demo file, as named.
        public var demoFile: String
        /// True when there was no demo.json: `demoJSON` is a new demo.
        public var createdDemo: Bool
        public var start: Double
        public var end: Double
        /// "\"Seascape\" by TDM (https://www.shadertoy.com/view/Ms2SD1)", or what is known of it.
        public var credit: String
        /// One line each: what could not come across and what stands in, and what else changed in demo.json.
        public var notes: [String]

        /// What was made, in one line.
        public var summary: String {
            let written = files.map { $0.path.hasPrefix(folder + "/") ? String($0.path.dropFirst(folder.count + 1)) : $0.path }
            let new = createdDemo ? " (a new demo, \(newDemoResolution.width)x\(newDemoResolution.height), \(newDemoFPS) fps)" : ""
            return "imported \(credit) as the scene '\(name)' (\(TrackWriter.number(start))-\(TrackWriter.number(end)) s) of \(demoFile)\(new): "
                + "\(folder)/ \(written.joined(separator: ", "))"
        }
    }

    /// A new scene's length when neither --end nor a replaced scene says.
    public static let defaultLength = 20.0
    /// Every file name an import may write into its folder: what `--force` may
    /// remove when a new import does not write it again (files a person added stay).
    public static let fileNames = ["image.glsl", "common.glsl", "a.glsl", "b.glsl", "c.glsl", "d.glsl", "sound.glsl",
                                   "black-face.png", "black-volume.bin"]
    /// A new demo's size and frame rate.
    public static let newDemoResolution = (width: 1280, height: 720)
    public static let newDemoFPS = 60

    /// Imports `export` (its file named `exportName` in messages) into `demo`,
    /// the text of `demoFile`, or into a new demo when `demo` is nil.
    public static func transform(export: [UInt8], exportName: String, demo: [UInt8]?, demoFile: String,
                                 options: Options = Options()) throws -> Result {
        let shader = try Export(bytes: export, name: exportName)
        let existing = try demo.map { try Demo.parse($0, file: demoFile) }
        let name = try sceneName(options.name, shader: shader, exportName: exportName)
        var importer = Importer(shader: shader, folder: "Shaders/\(name)", demoHasMusic: existing?.meta.music != nil)
        let scene = try importer.scene()
        var editor = DemoEditor(name: name, scene: scene, demoFile: demoFile, options: options)
        let text: [UInt8]
        if let demo, let existing {
            text = try editor.insert(into: demo, existing)
        } else {
            text = try editor.newDemo(title: shader.title ?? name, author: shader.author)
        }
        // Read back: whatever was written must load and hold the scene as made.
        let check = try Demo.parse(text, file: demoFile)
        guard let made = check.scenes.first(where: { $0.name == name }), made.start == editor.start, made.end == editor.end,
              made.buffers.count == scene.buffers.count else {
            throw RasterbarError(.invalidDemo, "the imported scene did not read back as written", at: demoFile,
                                 hint: "this is a bug in Rasterbar; nothing was written")
        }
        return Result(name: name, folder: importer.folder, files: importer.files, demoJSON: text, demoFile: demoFile, createdDemo: demo == nil,
                      start: editor.start, end: editor.end, credit: shader.credit, notes: importer.notes + editor.notes)
    }

    /// The scene name: --name as given, or the title made into a folder name ("Seascape II" -> "seascape-ii").
    static func sceneName(_ given: String?, shader: Export, exportName: String) throws -> String {
        if let given {
            let allowed = given.first.map { $0.isASCII && ($0.isLetter || $0.isNumber) } == true
                && given.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
            guard allowed, given.count <= 64 else {
                throw RasterbarError(.invalidArgument, "--name '\(given)' cannot name a scene and its folder",
                                     hint: "use up to 64 letters, digits, '-', '_' and '.', starting with a letter or digit")
            }
            return given
        }
        var slug = ""
        for c in (shader.title ?? "").lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) { slug.append(c) } else if !slug.isEmpty, slug.last != "-" { slug.append("-") }
        }
        slug = String(slug.prefix(40))
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty, let id = shader.id, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), !id.isEmpty { slug = "shadertoy-" + id.lowercased() }
        guard !slug.isEmpty else {
            throw RasterbarError(.invalidArgument, "the shader has no title to name the scene after", at: exportName, hint: "name it: --name NAME")
        }
        return slug
    }
}

// MARK: Reading the export

extension ShadertoyImport {
    /// The parts of a Shadertoy export the import uses, checked.
    struct Export {
        struct Input {
            var channel: Int
            var kind: String
            var src: String?
            var id: String?
            var sampler: JSONValue?
            var path: String
        }

        struct Pass {
            var type: String
            var name: String?
            var code: String
            var inputs: [Input]
            var outputIDs: [String]
            var path: String
        }

        var passes: [Pass]
        var id: String?
        var title: String?
        var author: String?
        let name: String

        /// A mistake at `path` in the export (at `value`'s line and column when there is one).
        static func failure(_ value: JSONValue?, _ path: String, _ message: String, hint: String? = nil, in file: String) -> RasterbarError {
            RasterbarError(.invalidJSON, "\(path): \(message)", file: file, line: value?.line, column: value?.column,
                           hint: hint ?? "export the shader again from Shadertoy (its JSON, as the API or a browser export gives it)")
        }

        func fail(_ value: JSONValue?, _ path: String, _ message: String, hint: String? = nil) -> RasterbarError {
            Self.failure(value, path, message, hint: hint, in: name)
        }

        init(bytes: [UInt8], name: String) throws {
            self.name = name
            let root: JSONValue
            do {
                root = try parseJSON(bytes)
            } catch let e as JSONSyntaxError {
                throw RasterbarError(.invalidJSON, "not JSON: \(e.message)", file: name, line: e.line, column: e.column,
                                     hint: "give the JSON file of a Shadertoy export")
            }
            var shader = root, shaderPath = ""
            switch root.kind {
            case .array(let items):
                guard items.count == 1 else {
                    throw RasterbarError(.invalidJSON, "holds \(items.count) shaders, not one", at: name,
                                         hint: items.isEmpty ? "export a shader from Shadertoy" : "import them one at a time")
                }
                shader = items[0]
                shaderPath = "[0]"
            case .object:
                if let wrapped = root["Shader"] {
                    shader = wrapped
                    shaderPath = "Shader"
                } else if let error = root["Error"] {
                    let text = if case let .string(s) = error.kind { s } else { "?" }
                    throw RasterbarError(.invalidJSON, "is Shadertoy's answer '\(text)', not a shader", at: name,
                                         hint: "the API only gives shaders published as \"public+api\"; check the shader's id")
                }
            default:
                break
            }
            guard let passList = shader["renderpass"] else {
                throw RasterbarError(.invalidJSON, "not a Shadertoy export: it has no \"renderpass\" list", at: name,
                                     hint: "give the JSON of a Shadertoy shader: {\"Shader\": {\"info\": ..., \"renderpass\": [...]}}")
            }
            let prefix = shaderPath.isEmpty ? "" : shaderPath + "."
            guard case let .array(items) = passList.kind else { throw Self.failure(passList, "\(prefix)renderpass", "must be a list of passes", in: name) }
            let info = shader["info"]
            id = info?["id"].flatMap(Self.text)
            title = info?["name"].flatMap(Self.text)
            author = info?["username"].flatMap(Self.text)
            passes = []
            for (i, item) in items.enumerated() {
                passes.append(try pass(item, "\(prefix)renderpass[\(i)]"))
            }
            guard passes.contains(where: { $0.type == "image" }) else {
                throw RasterbarError(.invalidJSON, "has no image pass", at: name,
                                     hint: "a Shadertoy shader's renderpass list has one pass of type \"image\"; export the shader again")
            }
            if passes.filter({ $0.type == "image" }).count > 1 {
                let second = passes.filter { $0.type == "image" }[1]
                throw fail(nil, second.path, "a second image pass", hint: "a Shadertoy shader has one image pass")
            }
        }

        /// A string, or a number written as its shortest text (ids are either).
        static func text(_ value: JSONValue) -> String? {
            switch value.kind {
            case let .string(s): return s
            case let .number(n): return n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
            default: return nil
            }
        }

        func pass(_ value: JSONValue, _ path: String) throws -> Pass {
            guard case .object = value.kind else { throw fail(value, path, "must be an object, found \(value.typeName)") }
            guard let typeValue = value["type"], let type = Self.text(typeValue) else {
                throw fail(value["type"] ?? value, "\(path).type", "missing", hint: "a pass has a type: image, buffer, common, sound or cubemap")
            }
            guard let codeValue = value["code"], case let .string(code) = codeValue.kind else {
                throw fail(value["code"] ?? value, "\(path).code", value["code"] == nil ? "missing" : "must be a string, found \(value["code"]!.typeName)")
            }
            var inputs: [Input] = []
            if let list = value["inputs"] {
                guard case let .array(items) = list.kind else { throw fail(list, "\(path).inputs", "must be a list, found \(list.typeName)") }
                var used: [Int: String] = [:]
                for (i, item) in items.enumerated() {
                    let input = try self.input(item, "\(path).inputs[\(i)]")
                    if let other = used[input.channel] {
                        throw fail(item, input.path, "channel \(input.channel) is also \(other)'s", hint: "a pass has one input per channel")
                    }
                    used[input.channel] = input.path
                    inputs.append(input)
                }
            }
            var outputIDs: [String] = []
            if case let .array(items)? = value["outputs"]?.kind {
                outputIDs = items.compactMap { $0["id"].flatMap(Self.text) }
            }
            return Pass(type: type, name: value["name"].flatMap(Self.text), code: code, inputs: inputs, outputIDs: outputIDs, path: path)
        }

        func input(_ value: JSONValue, _ path: String) throws -> Input {
            guard case .object = value.kind else { throw fail(value, path, "must be an object, found \(value.typeName)") }
            guard let channelValue = value["channel"], case let .number(n) = channelValue.kind, n == n.rounded(), (0...3).contains(n) else {
                throw fail(value["channel"] ?? value, "\(path).channel", value["channel"] == nil ? "missing" : "must be 0, 1, 2 or 3")
            }
            guard let kindValue = value["ctype"] ?? value["type"], let kind = Self.text(kindValue) else {
                throw fail(value, "\(path).ctype", "missing", hint: "an input has a ctype: texture, buffer, keyboard, music, cubemap, volume, ...")
            }
            let src = (value["src"] ?? value["filepath"]).flatMap(Self.text).flatMap { $0.isEmpty ? nil : $0 }
            return Input(channel: Int(n), kind: kind, src: src, id: value["id"].flatMap(Self.text), sampler: value["sampler"], path: path)
        }

        /// `"Seascape" by TDM (https://www.shadertoy.com/view/Ms2SD1)`, or what is known of it.
        var credit: String {
            var text = title.map { "\"\($0)\"" } ?? "a Shadertoy shader"
            if let author { text += " by \(author)" }
            if let url { text += " (\(url))" }
            return text
        }

        var url: String? {
            guard let id, !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
            return "https://www.shadertoy.com/view/\(id)"
        }
    }
}

// MARK: Passes and channels

extension ShadertoyImport {
    /// A channel entry as the scene will say it.
    enum ChannelEntry: Equatable {
        case source(Demo.Channel, Demo.Sampling)
        /// Stand-in cubemap faces (the same black square six times).
        case cubemap(String)
    }

    /// The scene being made, before it is written as JSON.
    struct Scene {
        var shader: String
        var common: String?
        var buffers: [(id: Demo.BufferID, shader: String, channels: [ChannelEntry?])] = []
        var channels: [ChannelEntry?] = []
        var sound: (shader: String, common: String?)?
    }

    /// Shadertoy's media other than the noise, by the hash in their file names, for messages.
    static let knownMedia: [String: String] = [
        "52d2a8f514c4fd2d9866587f4d7b2a5bfa1a11a0e772077d7682deb8b3b517e5": "'Abstract 1' texture",
        "bd6464771e47eed832c5eb2cd85cdc0bfc697786b903bfd30f890f9d4fc36657": "'Abstract 2' texture",
        "8979352a182bde7c3c651ba2b2f4e0615de819585cc37b7175bcefbca15a6683": "'Abstract 3' texture",
        "85a6d68622b36995ccb98a89bbb119edf167c914660e4450d313de049320005c": "'Bayer' texture",
        "08b42b43ae9d3c0605da11d0eac86618ea888e62cdd9518ee8b9097488b31560": "'Font 1' texture",
        "fb918796edc3d2221218db0811e240e72e340350008338b0c07a52bd353666a6": "'Lichen' texture",
        "8de3a3924cb95bd0e95a443fff0326c869f9d4979cd1d5b6e94e2a01f5be53e9": "'London' texture",
        "cbcbb5a6cfb55c36f8f021fbb0e3f69ac96339a39fa85cd96f2017a2192821b5": "'Nyancat' texture",
        "cd4c518bc6ef165c39d4405b347b51ba40f8d7a065ab0e8d2e4f422cbc1e8a43": "'Organic 1' texture",
        "92d7758c402f0927011ca8d0a7e40251439fba3a1dac26f5b8b62026323501aa": "'Organic 2' texture",
        "79520a3d3a0f4d3caa440802ef4362e99d54e12b1392973e4ea321840970a88a": "'Organic 3' texture",
        "3871e838723dd6b166e490664eead8ec60aedd6b8d95bc8e2fe3f882f0fd90f0": "'Organic 4' texture",
        "ad56fba948dfba9ae698198c109e71f118a54d209c0ea50d77ea546abad89c57": "'Pebbles' texture",
        "10eb4fe0ac8a7dc348a2cc282ca5df1759ab8bf680117e4047728100969e7b43": "'Rock Tiles' texture",
        "95b90082f799f48677b4f206d856ad572f1d178c676269eac6347631d4447258": "'Rusty Metal' texture",
        "e6e5631ce1237ae4c05b3563eda686400a401df4548d0f9fad40ecac1659c46c": "'Stars' texture",
        "1f7dca9c22f324751f2a5a59c9b181dfe3b5564a04b724c657732d0bf09c99db": "'Wood' texture",
        "94284d43be78f00eb6b298e6d78656a1b34e2b91b34940d02f1ca8b22310e8a0": "'Forest' cubemap",
        "0681c014f6c88c356cf9c0394ffe015acc94ec1474924855f45d22c3e70b5785": "'Forest Blurred' cubemap",
        "488bd40303a2e2b9a71987e48c66ef41f5e937174bf316d3ed0e86410784b919": "'St. Peter's Basilica' cubemap",
        "550a8cce1bf403869fde66dddf6028dd171f1852f4a704a465e1b80d23955663": "'St. Peter's Basilica Blurred' cubemap",
        "585f9546c092f53ded45332b343144396c0b2d70d9965f585ebc172080d8aa58": "'Uffizi Gallery' cubemap",
        "793a105653fbdadabdc1325ca08675e1ce48ae5f12e37973829c87bea4be3232": "'Uffizi Gallery Blurred' cubemap",
    ]

    /// How the API and the site name Buffers A..D (outputs, and the inputs reading them).
    static let bufferIDs: [String: Demo.BufferID] = [
        "257": .A, "258": .B, "259": .C, "260": .D,
        "4dXGR8": .A, "XsXGR8": .B, "4sXGR8": .C, "XdfGR8": .D,
    ]
    /// How the site names the Cube A pass.
    static let cubemapPassID = "4dX3Rr"

    /// Makes the scene and its files from the export's passes.
    struct Importer {
        let shader: Export
        let folder: String
        let demoHasMusic: Bool
        var files: [File] = []
        var notes: [String] = []
        /// Each buffer pass's letter, by index into shader.passes.
        var letters: [Int: Demo.BufferID] = [:]

        init(shader: Export, folder: String, demoHasMusic: Bool) {
            self.shader = shader
            self.folder = folder
            self.demoHasMusic = demoHasMusic
        }

        mutating func scene() throws -> Scene {
            try assignBufferLetters()
            let commonPasses = shader.passes.filter { $0.type == "common" }
            var common: String?
            if let pass = commonPasses.first {
                common = write("common.glsl", pass, what: "Common")
                for extra in commonPasses.dropFirst() { notes.append("\(extra.path): a second Common pass cannot come; the first is common.glsl") }
            }
            let image = shader.passes.first { $0.type == "image" }!
            var scene = Scene(shader: write("image.glsl", image, what: "Image"), common: common)
            scene.channels = try channels(of: image, label: "Image")
            for (index, pass) in shader.passes.enumerated() {
                switch pass.type {
                case "image", "common":
                    continue
                case "buffer":
                    let id = letters[index]!
                    let file = write("\(id.rawValue.lowercased()).glsl", pass, what: "Buffer \(id.rawValue)")
                    scene.buffers.append((id, file, try channels(of: pass, label: "Buffer \(id.rawValue)")))
                case "sound":
                    guard scene.sound == nil else {
                        notes.append("\(pass.path): a second Sound pass cannot come; the first is sound.glsl")
                        continue
                    }
                    let file = write("sound.glsl", pass, what: "Sound")
                    if !pass.inputs.isEmpty {
                        notes.append("Sound: its \(pass.inputs.count == 1 ? "input" : "\(pass.inputs.count) inputs") cannot come (a sound shader has no channels here); nothing stands in")
                    }
                    if demoHasMusic {
                        notes.append("Sound: \(file) was written but is not the demo's music: the demo already has meta.music "
                                     + "(to hear it instead, set \"music\": {\"shader\": \"\(file)\"\(common.map { ", \"common\": \"\($0)\"" } ?? "")})")
                    } else {
                        scene.sound = (file, common)
                    }
                case "cubemap":
                    notes.append("Cube A: a cubemap pass cannot come (Rasterbar has no cubemap passes); channels reading it get a black cubemap")
                default:
                    notes.append("\(pass.path): a pass of type '\(pass.type)' cannot come; it was left out")
                }
            }
            scene.buffers.sort { $0.id < $1.id }
            return scene
        }

        /// Each buffer pass's letter: from its output id (what inputs name), else its name ("Buffer B", "Buf B"), else the first free one.
        mutating func assignBufferLetters() throws {
            let buffers = shader.passes.indices.filter { shader.passes[$0].type == "buffer" }
            guard buffers.count <= 4 else {
                throw shader.fail(nil, shader.passes[buffers[4]].path, "a fifth buffer pass", hint: "Shadertoy has four buffers, A to D")
            }
            for index in buffers {
                let pass = shader.passes[index]
                var letter = pass.outputIDs.lazy.compactMap { ShadertoyImport.bufferIDs[$0] }.first
                if letter == nil, let name = pass.name, name.lowercased().hasPrefix("buf"),
                   let last = name.last(where: { $0 != " " }), let id = Demo.BufferID(rawValue: String(last).uppercased()) {
                    letter = id
                }
                if let letter, let other = letters.first(where: { $0.value == letter }) {
                    throw shader.fail(nil, pass.path, "writes buffer \(letter.rawValue), as \(shader.passes[other.key].path) does",
                                      hint: "each buffer pass writes its own buffer")
                }
                if let letter { letters[index] = letter }
            }
            for index in buffers where letters[index] == nil {
                letters[index] = Demo.BufferID.allCases.first { id in !letters.values.contains(id) }
            }
        }

        /// Writes a pass's code to `file` in the folder, under a line saying where it came from; returns its demo path.
        mutating func write(_ file: String, _ pass: Export.Pass, what: String) -> String {
            var code = pass.code
            // A byte order mark would sit after the first line now (Mesa drops everything after one).
            if code.hasPrefix("\u{FEFF}") { code.removeFirst() }
            let path = "\(folder)/\(file)"
            files.append(File(path: path, bytes: Array("// \(what) of \(shader.credit)\n\(code)\(code.hasSuffix("\n") ? "" : "\n")".utf8)))
            return path
        }

        /// A pass's channel entries, null where nothing is bound, up to the last one used.
        mutating func channels(of pass: Export.Pass, label: String) throws -> [ChannelEntry?] {
            var entries: [ChannelEntry?] = []
            for input in pass.inputs.sorted(by: { $0.channel < $1.channel }) {
                let entry = try channel(input, label: "\(label) iChannel\(input.channel)")
                while entries.count <= input.channel { entries.append(nil) }
                entries[input.channel] = entry
            }
            while let last = entries.last, last == nil { entries.removeLast() }
            return entries
        }

        /// One input as a channel entry, and a note when it cannot come as it is.
        mutating func channel(_ input: Export.Input, label: String) throws -> ChannelEntry? {
            let src = input.src ?? "(no file)"
            let hash = src.split(separator: "/").last.flatMap { $0.split(separator: ".").first }.map { String($0).lowercased() } ?? ""
            let known = ShadertoyImport.knownMedia[hash]
            // A Sound pass the demo takes as its music counts: the channel hears it.
            let musicComing = demoHasMusic || shader.passes.contains { $0.type == "sound" }
            let demoMusic = musicComing ? "the demo's own music stands in (\"music\")"
                                         : "the demo's own music stands in (\"music\"), silent until the demo has meta.music"
            switch input.kind {
            case "buffer":
                guard let id = bufferLetter(input) else {
                    notes.append("\(label): the buffer it reads (\(input.id ?? src)) is no buffer pass of this export; nothing stands in (it reads black)")
                    return nil
                }
                return sampled(.buffer(id), input, label: label)
            case "keyboard":
                return sampled(.keyboard, input, label: label)
            case "music":
                notes.append("\(label): Shadertoy's music track \(src) cannot come; \(demoMusic)")
                return sampled(.music, input, label: label)
            case "musicstream":
                notes.append("\(label): a SoundCloud music stream (\(src)) cannot come; \(demoMusic)")
                return sampled(.music, input, label: label)
            case "mic":
                notes.append("\(label): the microphone cannot come; \(demoMusic)")
                return sampled(.music, input, label: label)
            case "texture":
                if let medium = NoiseMedium(shadertoySource: src), !medium.is3D {
                    return sampled(.noise(medium.rawValue), input, label: label)
                }
                let what = known.map { "Shadertoy's \($0)" } ?? "the texture \(src)"
                notes.append("\(label): \(what) cannot come (only Shadertoy's noise textures are built in); nothing stands in (it reads black): "
                             + "put a PNG in \(folder)/ and name it in the channel")
                return nil
            case "volume":
                if let medium = NoiseMedium(shadertoySource: src), medium.is3D {
                    return sampled(.noise(medium.rawValue), input, label: label)
                }
                notes.append("\(label): the volume \(src) cannot come; a black volume stands in (\(standInVolume())): put a Shadertoy .bin volume in \(folder)/ and name it in the channel")
                return .source(.volume(standInVolume()), Demo.Channel.volume("").defaultSampling)
            case "cubemap":
                let face = try standInFace()
                if input.id == ShadertoyImport.cubemapPassID || src.contains("/media/previz/cubemap")
                    || shader.passes.contains(where: { $0.type == "cubemap" && input.id.map($0.outputIDs.contains) == true }) {
                    notes.append("\(label): it reads the Cube A pass, which cannot come; a black cubemap stands in (\(face))")
                } else {
                    let what = known.map { "Shadertoy's \($0) (photos)" } ?? "the cubemap \(src)"
                    notes.append("\(label): \(what) cannot come; a black cubemap stands in (\(face)): give the channel {\"cubemap\": [six PNG faces]}")
                }
                return .cubemap(face)
            case "video":
                notes.append("\(label): the video \(src) cannot come; nothing stands in (it reads black): put a PNG still in \(folder)/ and name it in the channel")
                return nil
            case "webcam":
                notes.append("\(label): the webcam cannot come; nothing stands in (it reads black)")
                return nil
            default:
                notes.append("\(label): an input of type '\(input.kind)' cannot come; nothing stands in (it reads black)")
                return nil
            }
        }

        /// Which buffer an input reads: the pass whose output it names, else Shadertoy's ids for A..D, else its preview src.
        func bufferLetter(_ input: Export.Input) -> Demo.BufferID? {
            var letter: Demo.BufferID?
            if let id = input.id {
                letter = letters.first { shader.passes[$0.key].outputIDs.contains(id) }?.value ?? ShadertoyImport.bufferIDs[id]
            }
            if letter == nil, let src = input.src, let range = src.range(of: "/media/previz/buffer0"), let digit = src[range.upperBound...].first,
               let n = Int(String(digit)), n < 4 {
                letter = Demo.BufferID.allCases[n]
            }
            guard let letter, letters.values.contains(letter) else { return nil }
            return letter
        }

        /// The entry with Shadertoy's sampler, noting what of it cannot come.
        mutating func sampled(_ source: Demo.Channel, _ input: Export.Input, label: String) -> ChannelEntry {
            var sampling = source.defaultSampling
            func flag(_ key: String) -> Bool? {
                switch input.sampler?[key]?.kind {
                case let .bool(b)?: return b
                case let .string(s)?: return s == "true"
                default: return nil
                }
            }
            if let filter = input.sampler?["filter"].flatMap(Export.text) {
                sampling.filter = filter == "linear" ? .linear : filter == "mipmap" ? .mipmap : .nearest
            }
            if let wrap = input.sampler?["wrap"].flatMap(Export.text) {
                sampling.wrap = wrap == "clamp" ? .clamp : .repeat
            }
            // Shadertoy flips textures' rows only; a volume's vflip means nothing there.
            let flips = if case let .noise(name) = source { NoiseMedium(rawValue: name)?.is3D == false } else { source.canFlip }
            if flips, let vflip = flag("vflip") { sampling.vflip = vflip }
            if flag("srgb") == true, flips {
                notes.append("\(label): sRGB decoding cannot come; the texture is read as its bytes are")
            }
            return .source(source, sampling)
        }

        /// A 1x1 black PNG, used for all six faces of a cubemap that cannot come.
        mutating func standInFace() throws -> String {
            let path = "\(folder)/black-face.png"
            if !files.contains(where: { $0.path == path }) {
                files.append(File(path: path, bytes: try Image(width: 1, height: 1, pixels: [0, 0, 0, 255]).pngData()))
            }
            return path
        }

        /// A 1x1x1 black volume in Shadertoy's .bin format, for a volume that cannot come.
        mutating func standInVolume() -> String {
            let path = "\(folder)/black-volume.bin"
            if !files.contains(where: { $0.path == path }) {
                // Signature, 1x1x1, one channel of bytes, then the texel.
                files.append(File(path: path, bytes: Array("BIN\0".utf8) + [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]))
            }
            return path
        }
    }
}

// MARK: Writing demo.json

extension ShadertoyImport {
    /// Puts the scene into demo.json text, keeping every other byte as it was.
    struct DemoEditor {
        let name: String
        let scene: Scene
        let demoFile: String
        let options: Options
        var start = 0.0
        var end = 0.0
        var notes: [String] = []

        init(name: String, scene: Scene, demoFile: String, options: Options) {
            self.name = name
            self.scene = scene
            self.demoFile = demoFile
            self.options = options
        }

        /// The times: as given, else a replaced scene's, else from where the last scene ends; 20 seconds long.
        mutating func chooseTimes(after lastEnd: Double, replacing old: Demo.Scene?) throws {
            start = options.start ?? old?.start ?? lastEnd
            end = options.end ?? (options.start == nil ? old?.end : nil) ?? start + ShadertoyImport.defaultLength
            guard start.isFinite, start >= 0 else {
                throw RasterbarError(.invalidArgument, "--start \(TrackWriter.number(start)) is before the demo starts", hint: "give seconds from 0")
            }
            guard end.isFinite, end > start, end <= Demo.longestTime else {
                throw RasterbarError(.invalidArgument, "--end \(TrackWriter.number(end)) must be after the start (\(TrackWriter.number(start)) s)"
                                     + " and at most \(Int(Demo.longestTime)) s", hint: "times are seconds: --start 20 --end 40")
            }
        }

        mutating func newDemo(title: String, author: String?) throws -> [UInt8] {
            try chooseTimes(after: 0, replacing: nil)
            var meta = ["\"title\": \(JSONLine.quote(title))"]
            if let author { meta.append("\"author\": \(JSONLine.quote(author))") }
            meta.append("\"resolution\": [\(ShadertoyImport.newDemoResolution.width), \(ShadertoyImport.newDemoResolution.height)]")
            meta.append("\"fps\": \(ShadertoyImport.newDemoFPS)")
            if let music = musicText() {
                meta.append("\"music\": \(music)")
                notes.append("Sound: it is the demo's music (meta.music)")
            }
            return Array("""
                {
                  "meta": {
                    \(meta.joined(separator: ",\n    "))
                  },
                  "scenes": [
                    \(sceneText(indent: "    "))
                  ]
                }

                """.utf8)
        }

        /// meta.music for the Sound pass, when the scene brings one the demo takes.
        func musicText() -> String? {
            guard let sound = scene.sound else { return nil }
            return "{\"shader\": \(JSONLine.quote(sound.shader))" + (sound.common.map { ", \"common\": \(JSONLine.quote($0))" } ?? "") + "}"
        }

        mutating func insert(into bytes: [UInt8], _ demo: Demo) throws -> [UInt8] {
            let root = try parseJSON(bytes)
            guard case let .object(rootMembers) = root.kind, let scenesValue = root["scenes"], case let .array(items) = scenesValue.kind,
                  let lastItem = items.last else {
                throw RasterbarError(.invalidDemo, "demo.json has no scenes list to add to", at: demoFile)
            }
            let oldIndex = demo.scenes.firstIndex { $0.name == name }
            if let oldIndex, !options.force {
                throw RasterbarError(.invalidArgument, "\(demoFile) already has a scene named '\(name)' (\(TrackWriter.number(demo.scenes[oldIndex].start))-\(TrackWriter.number(demo.scenes[oldIndex].end)) s)",
                                     hint: "import it under another --name, or replace it with --force")
            }
            let old = oldIndex.map { demo.scenes[$0] }
            try chooseTimes(after: demo.scenes.map(\.end).max() ?? 0, replacing: old)
            if let clash = demo.scenes.first(where: { $0.name != name && $0.layer == 0 && $0.start < end && start < $0.end }) {
                throw RasterbarError(.invalidArgument, "the scene (\(TrackWriter.number(start))-\(TrackWriter.number(end)) s) would overlap '\(clash.name)' (\(TrackWriter.number(clash.start))-\(TrackWriter.number(clash.end)) s)",
                                     hint: "choose times after \(TrackWriter.number(demo.scenes.map(\.end).max() ?? 0)) s, e.g. --start \(TrackWriter.number(demo.scenes.map(\.end).max() ?? 0))")
            }
            let indent = TrackWriter.indentUnit(bytes)
            var edits: [(range: Range<Int>, text: String)] = []
            // The scene: in place of the one it replaces, else after the last scene.
            if let old {
                let value = items.first { $0["name"].flatMap(Export.text) == old.name }!
                let elementIndent = TrackWriter.lineIndent(bytes, at: value.start) ?? String(repeating: " ", count: value.column - 1)
                edits.append((value.start..<value.end, sceneText(indent: elementIndent)))
                notes.append("replaced the scene '\(name)' in \(demoFile)")
            } else {
                // On a line of its own, under the last scene; after `"scenes": [{...` on the same line, lined up with it.
                let elementIndent = TrackWriter.lineIndent(bytes, at: lastItem.start) ?? String(repeating: " ", count: lastItem.column - 1)
                edits.append((lastItem.end..<lastItem.end, ",\n" + elementIndent + sceneText(indent: elementIndent)))
            }
            // meta.duration, when written, must still hold every scene.
            if let durationValue = root["meta"]?["duration"], end > demo.meta.duration {
                edits.append((durationValue.start..<durationValue.end, TrackWriter.number(end)))
                notes.append("meta.duration raised from \(TrackWriter.number(demo.meta.duration)) to \(TrackWriter.number(end)) s to hold the scene")
            }
            // The Sound pass becomes the music of a demo that has none.
            if let music = musicText() {
                if let meta = root["meta"], case let .object(members) = meta.kind {
                    if let last = members.last {
                        let memberIndent = TrackWriter.lineIndent(bytes, at: TrackWriter.keyStart(of: members.count - 1, members, in: meta, bytes))
                        edits.append((last.value.end..<last.value.end, memberIndent.map { ",\n\($0)\"music\": \(music)" } ?? ", \"music\": \(music)"))
                    } else {
                        edits.append((meta.start + 1..<meta.end - 1, "\"music\": \(music)"))
                    }
                } else {
                    let firstKey = TrackWriter.keyStart(of: 0, rootMembers, in: root, bytes)
                    let memberIndent = TrackWriter.lineIndent(bytes, at: firstKey) ?? indent
                    edits.append((firstKey..<firstKey, "\"meta\": {\"music\": \(music)},\n\(memberIndent)"))
                }
                notes.append("Sound: it is the demo's music now (meta.music), playing from demo time 0"
                             + (start > 0 ? ": the scene at \(TrackWriter.number(start)) s hears it \(TrackWriter.number(start)) s in" : ""))
            }
            var out = bytes
            for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
                out.replaceSubrange(edit.range, with: Array(edit.text.utf8))
            }
            return out
        }

        /// The scene as JSON: one line for a short single pass, a line per part for more.
        func sceneText(indent: String) -> String {
            var head = "{\"name\": \(JSONLine.quote(name)), \"start\": \(TrackWriter.number(start)), \"end\": \(TrackWriter.number(end)), \"shader\": \(JSONLine.quote(scene.shader))"
            let channels = scene.channels.isEmpty ? nil : "\"channels\": \(Self.channelsText(scene.channels))"
            let oneLine = head + (channels.map { ", " + $0 } ?? "") + "}"
            if scene.common == nil, scene.buffers.isEmpty, indent.count + oneLine.count <= 120 { return oneLine }
            // Further lines line up one column in, under the first key.
            let more = indent + " "
            var lines: [String] = []
            if let common = scene.common { lines.append("\"common\": \(JSONLine.quote(common))") }
            if !scene.buffers.isEmpty {
                let buffers = scene.buffers.map { buffer in
                    "\(more)  \"\(buffer.id.rawValue)\": {\"shader\": \(JSONLine.quote(buffer.shader))"
                        + (buffer.channels.isEmpty ? "" : ", \"channels\": \(Self.channelsText(buffer.channels))") + "}"
                }
                lines.append("\"buffers\": {\n" + buffers.joined(separator: ",\n") + "\n\(more)}")
            }
            if let channels { lines.append(channels) }
            head += ",\n" + lines.map { more + $0 }.joined(separator: ",\n") + "}"
            return head
        }

        static func channelsText(_ channels: [ChannelEntry?]) -> String {
            "[" + channels.map { $0.map(channelText) ?? "null" }.joined(separator: ", ") + "]"
        }

        /// A plain string when the sampling is the default for its kind, else an object with what differs.
        static func channelText(_ entry: ChannelEntry) -> String {
            switch entry {
            case let .cubemap(face):
                return "{\"cubemap\": [" + Array(repeating: JSONLine.quote(face), count: 6).joined(separator: ", ") + "]}"
            case let .source(source, sampling):
                let text: String
                switch source {
                case let .image(p), let .volume(p), let .noise(p): text = p
                case .music: text = "music"
                case .keyboard: text = "keyboard"
                case let .buffer(id): text = "buffer:\(id.rawValue)"
                case .cubemap: preconditionFailure("cubemaps are written as ChannelEntry.cubemap")
                }
                let defaults = source.defaultSampling
                guard sampling != defaults else { return JSONLine.quote(text) }
                var parts = ["\"source\": \(JSONLine.quote(text))"]
                if sampling.filter != defaults.filter { parts.append("\"filter\": \"\(sampling.filter.rawValue)\"") }
                if sampling.wrap != defaults.wrap { parts.append("\"wrap\": \"\(sampling.wrap.rawValue)\"") }
                if sampling.vflip != defaults.vflip { parts.append("\"vflip\": \(sampling.vflip)") }
                return "{" + parts.joined(separator: ", ") + "}"
            }
        }
    }
}
