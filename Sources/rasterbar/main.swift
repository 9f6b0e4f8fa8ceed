// The `rasterbar` command: play a demo in a window, or render frames headless.
// Every failure is one line on stderr and a non-zero exit: 1 for bad input,
// 2 when there is no display to play on.
import ArgumentParser
import Foundation
import RasterbarCore
import RasterbarHost

struct RasterbarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rasterbar",
        abstract: "A live-coding demo engine: plays demo.json in a window and renders frames headless.",
        subcommands: [Play.self, Render.self, Encode.self, Check.self, TempoCommand.self, RocketCommand.self, ImportCommand.self, PackCommand.self, CacheCommand.self],
        defaultSubcommand: Play.self
    )
}

/// How long a script call may run.
struct ScriptOptions: ParsableArguments {
    @Option(name: .customLong("script-timeout"), help: "Seconds a script call (init, frame, saving state) may run before it is stopped and the scene rolls back (default 2).")
    var seconds: Double = 2

    func timeout() throws -> Double {
        guard seconds.isFinite, seconds >= 0.05, seconds <= 3600 else {
            throw RasterbarError(.invalidArgument, "--script-timeout \(seconds) is out of range", hint: "use 0.05 to 3600 seconds")
        }
        return seconds
    }
}

/// A video's encoder: codec, quality, speed.
struct VideoOptions: ParsableArguments {
    @Option(help: "Video codec: h264 (default; .mp4/.mov/.mkv), h265, or vp9 (default for .webm).")
    var codec: String?

    @Option(help: "Quality, lower is better and bigger (h264/h265 0-51, default 16/18; vp9 0-63, default 30).")
    var crf: Int?

    @Option(help: "h264/h265 speed: ultrafast ... veryslow (default medium).")
    var preset: String?

    var settings: VideoSettings { VideoSettings(codec: codec, crf: crf, preset: preset) }
}

/// The demo every command works on. `RASTERBAR_DEMO` changes the default (a pack's `run` sets it to the packed demo).
struct DemoArgument: ParsableArguments {
    @Argument(help: "demo.json, or a folder holding one.")
    var demo = ProcessInfo.processInfo.environment["RASTERBAR_DEMO"].flatMap { $0.isEmpty ? nil : $0 } ?? "demo.json"
}

struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a demo in a window, reloading every file you save.",
        discussion: """
            Keys: Space pause, Left/Right seek 1 s (Shift: 10 s), Up/Down next/previous scene,
            Home restart, L loop the current scene, R reload everything, F fullscreen,
            Tab overlay (time, bar:beat, scene, fps), Esc quit. Other keys reach scenes reading the
            "keyboard" channel; F1 hands every key to the scene (again: back to the player).
            """)

    @OptionGroup var target: DemoArgument

    @Option(help: "Start here: seconds (12.5), bar:beat (8:0) or a scene name.")
    var start: String?

    @Flag(help: "Start again at the end instead of quitting.")
    var loop = false

    @Flag(help: "Start paused (Space plays).")
    var paused = false

    @Flag(help: "Show the overlay (time, bar:beat, scene, fps) from the start; Tab toggles it.")
    var overlay = false

    @Flag(help: "No window: run the player loop on a headless GL context (for tests and tools).")
    var headless = false

    @Flag(help: "Open fullscreen on the primary monitor, in the video mode closest to the demo's resolution (F toggles).")
    var fullscreen = false

    @Flag(help: "Write every load, reload, error and reloaded frame as a JSON line on stdout.")
    var events = false

    @Flag(help: "Read commands from stdin, one JSON object per line (seek, pause, play, reload, status, setTrack, clearTrack, saveTracks, snapshot, key, quit); replies go to stdout.")
    var control = false

    @Option(help: "Write the first frame after each reload to this PNG.")
    var snapshot: String?

    @Option(help: "Quit after this many frames.")
    var frames: Int?

    @Option(help: "With --frames: write what was shown after the last frame to this PNG.")
    var screenshot: String?

    @Flag(help: "Watch files by polling instead of inotify (also: RASTERBAR_WATCH=poll).")
    var poll = false

    @OptionGroup var scripts: ScriptOptions

    @Option(help: "Milliseconds a file still open for writing must stay quiet before it reloads (a save that closes or renames the file reloads at once).")
    var debounce: Double = 12

    @Flag(help: "Run the player in this process, with no supervisor to restart it if a script takes it down.")
    var noSupervise = false

    @Flag(help: "Play the music silently (the null output): demo time still follows it.")
    var mute = false

    @Option(help: "Music volume, 0 to 1 (times meta.music.volume; default 1).")
    var volume: Double = 1

    @Option(help: ArgumentHelp("Sync tracks live with a GNU Rocket editor (default 127.0.0.1:1338).", valueName: "host:port"))
    var rocket: String?

    func run() throws {
        try reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            if !noSupervise, SupervisorLink.shouldSupervise(environment: environment) {
                // The player runs as a child of this process, which restarts it after a crash.
                let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
                let status = Supervisor(executable: executable, arguments: Array(CommandLine.arguments.dropFirst()),
                                        environment: environment, events: events).run()
                if status != 0 { throw ExitCode(status) }
                return
            }
            // Missing shaders and textures only show fallbacks while playing; fix them live.
            let folder = try DemoFolder.load(target.demo, checkFiles: false)
            var options = PlayOptions()
            if let start {
                options.start = try folder.demo.time(parsing: start, what: "--start")
                try folder.demo.checkInside(options.start, what: "--start \(start) =")
            }
            options.loop = loop
            options.paused = paused
            options.maxFrames = frames
            options.screenshot = screenshot
            options.headless = headless
            options.fullscreen = fullscreen
            options.overlay = overlay
            options.events = events
            options.control = control
            options.scriptTimeout = try scripts.timeout()
            options.snapshot = snapshot
            guard volume.isFinite, (0...1).contains(volume) else {
                throw RasterbarError(.invalidArgument, "--volume \(volume) is out of range", hint: "use 0 (silent) to 1 (full)")
            }
            options.volume = volume
            options.mute = mute
            options.rocket = rocket
            options.watch.debounce = debounce / 1000
            if poll || environment["RASTERBAR_WATCH"] == "poll" { options.watch.mode = .polling }
            guard debounce >= 0, debounce <= 10_000 else {
                throw RasterbarError(.invalidArgument, "--debounce \(debounce) is out of range", hint: "use 0 to 10000 milliseconds")
            }
            if screenshot != nil && frames == nil {
                throw RasterbarError(.invalidArgument, "--screenshot needs --frames N", hint: "e.g. --frames 10 --screenshot shot.png")
            }
            _ = try Player(folder: folder, options: options, environment: environment).run()
        }
    }
}

struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render headless (no display needed): one frame to a PNG, or a range to PNG frames or a video.",
        discussion: """
            Times are seconds (12.5), bar:beat (8:0) or a scene name (its start).
            One frame:    rasterbar render --time 12 --out frame.png
            PNG frames:   rasterbar render --from 0 --to 40 --fps 60 --out frames/
            Video:        rasterbar render --from 0 --to 40 --out demo.mp4   (or .webm; needs ffmpeg)
            """)

    @OptionGroup var target: DemoArgument

    @Option(help: "Demo time of a single frame: seconds (12.5), bar:beat (8:0) or a scene name.")
    var time: String?

    @Option(help: "Start of a range to export: seconds, bar:beat or a scene name.")
    var from: String?

    @Option(help: "End of a range to export, not included: seconds, bar:beat or a scene name (its start).")
    var to: String?

    @Option(help: "Frames per second of an export (default: the demo's).")
    var fps: Double?

    @Option(help: "Output: a .png for one frame; a folder (frames/) or a video file (.mp4, .webm, .mkv, .mov) for a range.")
    var out: String

    @Option(help: "Output size as WxH (default: the demo's resolution).")
    var size: String?

    @Flag(help: "Exported PNG frames keep their alpha channel (RGBA); by default they are RGB.")
    var alpha = false

    @Option(help: "Render only the K-th of N equal contiguous shares of the range (K/N, for splitting an export across machines).")
    var shard: String?

    @Flag(help: "Render every frame, even those a previous PNG export already wrote (an interrupted export resumes without it).")
    var force = false

    @Flag(help: "No progress on stderr.")
    var quiet = false

    @OptionGroup var video: VideoOptions

    @OptionGroup var scripts: ScriptOptions

    /// How render and export build their engine.
    func engineOptions(size: PixelSize?, environment: [String: String]) throws -> Engine.Options {
        var options = Engine.Options(mode: .offline, size: size, environment: environment)
        options.scriptTimeout = try scripts.timeout()
        return options
    }

    func run() throws {
        try reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            let pixelSize = try size.map { try PixelSize(parsing: $0) }
            switch (time, from, to) {
            case let (time?, nil, nil):
                guard fps == nil else { throw RasterbarError(.invalidArgument, "--fps is for ranges", hint: "use --from and --to") }
                guard out.lowercased().hasSuffix(".png") else {
                    throw RasterbarError(.invalidArgument, "--out '\(out)' is not a .png file", hint: "name the output like frame.png")
                }
                let folder = try DemoFolder.load(target.demo)
                let seconds = try folder.demo.time(parsing: time, what: "--time")
                let engine = try Engine(folder: folder, options: try engineOptions(size: pixelSize, environment: environment))
                try engine.validate(time: seconds)
                try engine.renderImage(at: seconds).writePNG(to: out)
            case let (nil, from?, to?):
                let destination = try ExportDestination.parse(out)
                let folder = try DemoFolder.load(target.demo)
                let range = ExportRange(from: try folder.demo.time(parsing: from, what: "--from"),
                                        to: try folder.demo.time(parsing: to, what: "--to"), fps: fps ?? folder.demo.meta.fps)
                let shard = try self.shard.map { try Shard(parsing: $0) }
                let engine = try Engine(folder: folder, options: try engineOptions(size: pixelSize, environment: environment))
                let exporter = Exporter(engine: engine, range: range, destination: destination, environment: environment)
                exporter.alpha = alpha
                exporter.shard = shard
                exporter.force = force
                exporter.video = video.settings
                exporter.note = { FileHandle.standardError.write(Data("rasterbar: \($0)\n".utf8)) }
                try exporter.validate()
                let meter = ProgressMeter(total: range.frames(shard: shard).count, label: shard.map { "shard \($0): " } ?? "", quiet: quiet)
                let count = try exporter.run { meter.update($0) }
                meter.finish(count: count, to: out)
            case (nil, nil, nil):
                throw RasterbarError(.invalidArgument, "say what to render", hint: "--time T for one frame, or --from A --to B for a range")
            default:
                throw RasterbarError(.invalidArgument, "use either --time, or --from with --to",
                                     hint: "--time T renders one frame; --from A --to B [--fps N] a range")
            }
        }
    }
}

/// Export progress on stderr: a bar redrawn in place on a terminal, a plain
/// line every few seconds otherwise (logs, CI).
final class ProgressMeter {
    let total: Int
    /// Names a shard's progress ("shard 2/4: ").
    let label: String
    let quiet: Bool
    let terminal = isatty(2) != 0
    var lastPrint = 0.0

    init(total: Int, label: String = "", quiet: Bool = false) {
        self.total = total
        self.label = label
        self.quiet = quiet
    }

    func update(_ p: ExportProgress) {
        guard !quiet else { return }
        let now = monotonicSeconds()
        guard p.done == p.total || now - lastPrint >= (terminal ? 0.1 : 2) else { return }
        lastPrint = now
        let left = Int(p.remaining.rounded())
        let clock = "\(left / 60):" + (left % 60 < 10 ? "0" : "") + "\(left % 60)"
        let rate = String(format: "%.1f", p.rate)
        if terminal {
            let width = 30, filled = Int(Double(width) * Double(p.done) / Double(max(1, p.total)))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label)[\(bar)] \(p.done)/\(p.total) frames  \(rate) fps  \(clock) left ".utf8))
        } else {
            FileHandle.standardError.write(Data("\(label)rendered \(p.done)/\(p.total) frames (\(rate) fps, \(clock) left)\n".utf8))
        }
    }

    func finish(count: Int, to out: String) {
        if terminal, !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
        print("\(label)wrote \(count) frames to \(out)")
    }
}

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assemble a folder of exported PNG frames (and its audio.wav) into a video, e.g. after a split export.",
        discussion: "rasterbar encode frames/ --out demo.mp4   (.mp4, .mov, .mkv: H.264 and AAC; .webm: VP9 and Opus)")

    @Argument(help: "The folder a PNG export wrote (frame-000000.png ..., export.json, audio.wav).")
    var folder: String

    @Option(help: "The video to write.")
    var out: String

    @Option(help: "Frames per second (default: the export's, from export.json).")
    var fps: Double?

    @OptionGroup var video: VideoOptions

    func run() throws {
        try reportingErrors {
            let result = try FrameFolderEncoder.encode(folder: folder, to: out, fps: fps, settings: video.settings,
                                                       environment: ProcessInfo.processInfo.environment)
            print("wrote \(result.frames) frames\(result.audio ? " and the soundtrack" : "") to \(out)")
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate demo.json and compile every shader and script; print every problem; exit 1 if there is any.")

    @OptionGroup var target: DemoArgument

    func run() throws {
        try reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            let folder = try DemoFolder.load(target.demo, checkFiles: false)
            let report = try DemoChecker.check(folder, environment: environment)
            for problem in report.problems {
                FileHandle.standardError.write(Data("rasterbar: \(problem)\n".utf8))
            }
            for warning in report.warnings {
                FileHandle.standardError.write(Data("rasterbar: warning: \(warning)\n".utf8))
            }
            print(report.summary)
            if !report.problems.isEmpty { throw ExitCode(1) }
        }
    }
}

struct TempoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tempo",
        abstract: "Print a music file's tempo (bpm) and the time of its first beat, for meta.bpm and meta.music.offset.")

    @Argument(help: "An OGG Vorbis, WAV, FLAC or MP3 file.")
    var file: String

    func run() throws {
        try reportingErrors {
            let clip = try AudioClip.decode(try FileIO.read(file), name: file)
            let found = try Tempo.estimate(clip, name: file)
            print("\(file): \(String(format: "%.2f", found.bpm)) bpm, first beat at \(String(format: "%.3f", found.firstBeat)) s "
                  + "(\(found.beats) beats in \(String(format: "%.1f", clip.duration)) s)")
            let quoted = "\"" + file.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            print("demo.json: \"bpm\": \(String(format: "%.2f", found.bpm)), \"music\": {\"file\": \(quoted), \"offset\": \(String(format: "%.3f", found.firstBeat))} "
                  + "(the file's path relative to the demo folder)")
        }
    }
}

struct RocketCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rocket",
        abstract: "Move tracks between demo.json and a GNU Rocket editor document.",
        subcommands: [Export.self, Import.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write demo.json's tracks as a Rocket editor document (open it in the editor: File, Open).")

        @OptionGroup var target: DemoArgument

        @Option(help: "The document to write (.rocket).")
        var out: String

        func run() throws {
            try reportingErrors {
                let folder = try DemoFolder.load(target.demo, checkFiles: false)
                let (xml, tracks, keys) = try RasterbarHost.RocketDocument.export(folder.demo, file: folder.file)
                try FileIO.writeAtomically(Array(xml.utf8), to: out)
                print("wrote \(tracks) tracks (\(keys) keys) to \(out)")
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Merge a Rocket editor document's tracks into demo.json (only those tracks change).")

        @Argument(help: "The editor's document (.rocket).")
        var document: String

        @OptionGroup var target: DemoArgument

        func run() throws {
            try reportingErrors {
                let folder = try DemoFolder.load(target.demo, checkFiles: false)
                let tracks = try RasterbarHost.RocketDocument.tracks(ofDocument: try FileIO.read(document), name: document, demo: folder.demo)
                guard !tracks.isEmpty else {
                    throw RasterbarError(.invalidArgument, "the document holds no keys", at: document, hint: "set some keys in the editor and save")
                }
                // Only tracks that differ are written: every other byte of demo.json stays.
                let changed = tracks.filter { track in folder.demo.track(named: track.name).map { !TrackWriter.same($0, track) } ?? true }
                guard !changed.isEmpty else {
                    print("\(folder.file) already holds the \(tracks.count) tracks of \(document): nothing written")
                    return
                }
                let written = try TrackWriter.write(changed, into: try FileIO.read(folder.file), file: folder.file)
                try FileIO.writeAtomically(written, to: folder.file, keepingModeOf: folder.file)
                print("merged \(changed.count) of the document's \(tracks.count) tracks into \(folder.file): \(changed.map(\.name).sorted().joined(separator: ", "))")
            }
        }
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bring a piece from elsewhere into a demo as a scene.",
        subcommands: [Shadertoy.self])

    struct Shadertoy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a Shadertoy shader (its JSON export) as a scene: its passes go to Shaders/NAME/, the scene into demo.json.",
            discussion: """
                The export is the JSON of one shader: the API's answer (https://www.shadertoy.com/api/v1/shaders/ID?key=KEY) \
                or the site's own JSON. Buffers, Common, the keyboard and Shadertoy's noise media come across; what cannot \
                (photo textures, videos, the webcam, the microphone, music streams, cubemap passes) is listed with what \
                stands in for it. A Sound pass becomes the demo's music when it has none. A demo that does not exist yet \
                is made (1280x720, 60 fps).
                """)

        @Argument(help: "The Shadertoy export (.json).")
        var export: String

        @OptionGroup var target: DemoArgument

        @Option(help: "Name of the scene and of its folder under Shaders/ (default: from the shader's title).")
        var name: String?

        @Option(help: "Start of the scene in seconds (default: where the last scene ends).")
        var start: Double?

        @Option(help: "End of the scene in seconds (default: 20 seconds after its start).")
        var end: Double?

        @Flag(help: "Overwrite Shaders/NAME/ and replace a scene of that name.")
        var force = false

        func run() throws {
            try reportingErrors {
                let (demoFile, root) = DemoFolder.locate(target.demo)
                let existing = FileIO.isFile(demoFile) ? try FileIO.read(demoFile) : nil
                let result = try ShadertoyImport.transform(
                    export: try FileIO.read(export), exportName: export, demo: existing, demoFile: demoFile,
                    options: ShadertoyImport.Options(name: name, start: start, end: end, force: force))
                let folder = root + "/" + result.folder
                if FileManager.default.fileExists(atPath: folder), !force {
                    throw RasterbarError(.outputNotWritable, "\(result.folder)/ already exists", at: root,
                                         hint: "import under another --name, or overwrite it with --force")
                }
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw RasterbarError(.outputNotWritable, "cannot make the folder \(result.folder)", at: root, hint: "check that \(root) is writable")
                }
                // The pass files first, demo.json last: it never names a file that is not there yet.
                for file in result.files { try FileIO.writeAtomically(file.bytes, to: root + "/" + file.path) }
                if existing == nil {
                    try FileIO.writeAtomically(result.demoJSON, to: demoFile)
                } else {
                    try FileIO.writeAtomically(result.demoJSON, to: demoFile, keepingModeOf: demoFile)
                }
                // An earlier import's passes this one has not (its Buffer C, a stand-in) go.
                let written = Set(result.files.map { $0.path.split(separator: "/").last.map(String.init) ?? $0.path })
                for stale in ShadertoyImport.fileNames where !written.contains(stale) { try? FileManager.default.removeItem(atPath: folder + "/" + stale) }
                print(result.summary)
                for note in result.notes { print(note) }
            }
        }
    }
}

/// Prints an engine error as one line on stderr and exits non-zero.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as RasterbarError {
        FileHandle.standardError.write(Data("rasterbar: \(error)\n".utf8))
        throw ExitCode(error.kind == .noDisplay ? 2 : 1)
    }
}

/// `--rocket` may stand alone: it then gets the editor's default address. A
/// following word is its address unless it is an option, a file or folder
/// that exists, or a .json name, so `play --rocket demo.json` still names the demo.
func rocketArguments(_ arguments: [String]) -> [String] {
    var out: [String] = []
    var i = 0
    while i < arguments.count {
        if arguments[i] == "--" {
            out += arguments[i...]
            break
        }
        if arguments[i] == "--rocket" {
            let next = i + 1 < arguments.count ? arguments[i + 1] : nil
            if let next, !next.hasPrefix("-"), !next.hasSuffix(".json"), !FileManager.default.fileExists(atPath: next) {
                out.append("--rocket=" + next)
                i += 2
                continue
            }
            out.append("--rocket=127.0.0.1:\(RocketProtocol.defaultPort)")
        } else {
            out.append(arguments[i])
        }
        i += 1
    }
    return out
}

// A file-size limit (ulimit -f, a quota) must fail a write with an error the
// export reports, not kill the process with SIGXFSZ before it can say which frame.
signal(SIGXFSZ, SIG_IGN)
// Likewise an encoder that quits early: a write to its pipe fails instead of killing the export silently.
signal(SIGPIPE, SIG_IGN)
RasterbarCommand.main(rocketArguments(Array(CommandLine.arguments.dropFirst())))
