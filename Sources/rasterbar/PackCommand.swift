// `rasterbar pack`: the demo as a release folder that plays on a machine with
// no Swift toolchain (Sources/RasterbarHost/Release/Packer.swift).
import ArgumentParser
import Foundation
import RasterbarCore
import RasterbarHost

struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Write a self-contained release folder: the demo, its scripts compiled ahead of time (-O), this engine and the Swift runtime, and a `run` launcher.",
        discussion: """
            rasterbar pack --out release/mydemo [--tar]
            Then: release/mydemo/run (fullscreen), run --window, run render --time 12 --out frame.png, ...
            The folder runs without swiftc and with an empty cache; it packs the engine running this
            command, so pack with a release build: swift build -c release --product rasterbar.
            """)

    @OptionGroup var target: DemoArgument

    @Option(help: "The folder to write (it must not exist, unless --force).")
    var out: String

    @Flag(help: "Also write OUT.tar.gz.")
    var tar = false

    @Flag(help: "Replace OUT if it is an earlier pack or an empty folder, and OUT.tar.gz (without --tar, an earlier OUT.tar.gz is removed).")
    var force = false

    @Flag(help: "Skip the final check (the packed engine checking the packed demo with no toolchain).")
    var noVerify = false

    func run() throws {
        try reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            let folder = try DemoFolder.load(target.demo)
            let engine = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            var options = PackOptions(out: out, engine: engine, environment: environment)
            options.tar = tar
            options.force = force
            options.verify = !noVerify
            let result = try Packer.pack(folder, options: options) { FileHandle.standardError.write(Data("rasterbar: \($0)\n".utf8)) }
            print("packed \(folder.demo.meta.title) into \(result.folder) (\(formatBytes(result.bytes))"
                  + (result.tarball.map { ", \(($0 as NSString).lastPathComponent) \(formatBytes(result.tarBytes ?? 0))" } ?? "")
                  + String(format: ", %.1f s)", result.seconds))
            let run = Packer.shellWord(result.folder + "/run")
            print("play it: \(run)   (--window for a window; \(run) render --time T --out F.png renders headless)")
        }
    }
}
