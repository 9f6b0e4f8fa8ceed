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
        subcommands: [Play.self, Render.self],
        defaultSubcommand: Play.self
    )
}

struct Play: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a demo in a window (Esc quits, Space pauses, Left/Right seek 1 s).")

    @Argument(help: "demo.json, or a folder holding one.")
    var demo = "demo.json"

    @Option(help: "Start at this demo time, in seconds.")
    var start: Double = 0

    @Flag(help: "Start again at the end instead of quitting.")
    var loop = false

    @Flag(help: "Start paused (Space plays).")
    var paused = false

    @Option(help: "Quit after this many frames.")
    var frames: Int?

    @Option(help: "With --frames: write what the window shows after the last frame to this PNG.")
    var screenshot: String?

    func run() throws {
        try reportingErrors {
            let folder = try DemoFolder.load(demo)
            var options = PlayOptions()
            options.start = start
            options.loop = loop
            options.paused = paused
            options.maxFrames = frames
            options.screenshot = screenshot
            if screenshot != nil && frames == nil {
                throw RasterbarError(.invalidArgument, "--screenshot needs --frames N", hint: "e.g. --frames 10 --screenshot shot.png")
            }
            _ = try Player(folder: folder, options: options, environment: ProcessInfo.processInfo.environment).run()
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
