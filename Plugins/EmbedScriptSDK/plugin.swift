// Embeds what the engine needs to compile scripts at run time (the SDK's Swift
// sources, the C ABI header, the compile service's C source) into the
// RasterbarHost module, so that a built `rasterbar` copied anywhere (a pack,
// another machine) still compiles scripts without this source tree.
// The generated file is rebuilt whenever one of these files changes.
import Foundation
import PackagePlugin

@main
struct EmbedScriptSDK: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let sources = context.package.directory.appending("Sources")
        // Paths relative to Sources/: the layout RASTERBAR_SOURCES names too.
        var files: [String] = []
        for folder in ["RasterbarSDK", "RasterbarABI/include", "RasterbarCompileService", "RasterbarCompileService/include"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: sources.appending(subpath: folder).string)
            files += names.filter { [".swift", ".h", ".c"].contains(where: $0.hasSuffix) }.sorted().map { folder + "/" + $0 }
        }
        let output = context.pluginWorkDirectory.appending("EmbeddedScriptSources.swift")
        return [.buildCommand(
            displayName: "Embedding the script SDK sources",
            executable: try context.tool(named: "EmbedScriptSDKTool").path,
            arguments: [output.string, sources.string] + files,
            inputFiles: files.map { sources.appending(subpath: $0) },
            outputFiles: [output])]
    }
}
