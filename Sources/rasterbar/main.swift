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
        subcommands: [Play.self, Render.self, Check.self],
        defaultSubcommand: Play.self
    )
}

struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a demo in a window, reloading every file you save (Esc quits, Space pauses, Left/Right seek 1 s, R reloads all).")

    @Argument(help: "demo.json, or a folder holding one.")
    var demo = "demo.json"

    @Option(help: "Start at this demo time, in seconds.")
    var start: Double = 0

    @Flag(help: "Start again at the end instead of quitting.")
    var loop = false

    @Flag(help: "Start paused (Space plays).")
    var paused = false

    @Flag(help: "No window: run the player loop on a headless GL context (for tests and tools).")
    var headless = false

    @Flag(help: "Write every load, reload, error and reloaded frame as a JSON line on stdout.")
    var events = false

    @Option(help: "Write the first frame after each reload to this PNG.")
    var snapshot: String?

    @Option(help: "Quit after this many frames.")
    var frames: Int?

    @Option(help: "With --frames: write what was shown after the last frame to this PNG.")
    var screenshot: String?

    @Flag(help: "Watch files by polling instead of inotify (also: RASTERBAR_WATCH=poll).")
    var poll = false

    @Option(help: "Milliseconds a file must stay quiet after a change before it reloads.")
    var debounce: Double = 12

    func run() throws {
        try reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            // Missing shaders and textures only show fallbacks while playing; fix them live.
            let folder = try DemoFolder.load(demo, checkFiles: false)
            var options = PlayOptions()
            options.start = start
            options.loop = loop
            options.paused = paused
            options.maxFrames = frames
            options.screenshot = screenshot
            options.headless = headless
            options.events = events
            options.snapshot = snapshot
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
    static let configuration = CommandConfiguration(abstract: "Render one frame headless to a PNG (no display needed).")

    @Argument(help: "demo.json, or a folder holding one.")
    var demo = "demo.json"

    @Option(help: "Demo time of the frame, in seconds.")
    var time: Double

    @Option(help: "Output PNG file.")
    var out: String

    @Option(help: "Output size as WxH (default: the demo's resolution).")
    var size: String?

    func run() throws {
        try reportingErrors {
            guard out.lowercased().hasSuffix(".png") else {
                throw RasterbarError(.invalidArgument, "--out '\(out)' is not a .png file", hint: "name the output like frame.png")
            }
            let pixelSize = try size.map { try PixelSize(parsing: $0) }
            let folder = try DemoFolder.load(demo)
            let renderer = try HeadlessRenderer(folder: folder, size: pixelSize, environment: ProcessInfo.processInfo.environment)
            try renderer.validate(time: time)
            try renderer.renderImage(at: time).writePNG(to: out)
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate demo.json and compile every shader and script; print every problem; exit 1 if there is any.")

    @Argument(help: "demo.json, or a folder holding one.")
    var demo = "demo.json"

    func run() throws {
        try reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            let folder = try DemoFolder.load(demo, checkFiles: false)
            let report = try DemoChecker.check(folder, environment: environment)
            for problem in report.problems {
                FileHandle.standardError.write(Data("rasterbar: \(problem)\n".utf8))
            }
            print(report.summary)
            if !report.problems.isEmpty { throw ExitCode(1) }
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

RasterbarCommand.main()
