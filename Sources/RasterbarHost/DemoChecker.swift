// `rasterbar check`: everything that can be wrong with a demo, found at once,
// without playing it. For CI and for editors (each problem is one
// `file:line:column: message` line).
import Foundation
import RasterbarCore
import RasterbarGL

/// The outcome of checking a demo.
public struct CheckReport: Sendable {
    /// Every problem, one line each.
    public var problems: [RasterbarError]
    /// What looks wrong but plays (a bpm that disagrees with the music), one line each.
    public var warnings: [String] = []
    /// What was checked and how it went, for a person.
    public var summary: String
}

/// Checks demos.
public enum DemoChecker {
    /// Validates the demo, then loads every shader, script (compiled, loaded,
    /// its ABI checked, but not run) and texture it names.
    public static func check(_ folder: DemoFolder, environment: [String: String]) throws -> CheckReport {
        var problems: [RasterbarError] = []
        do { try folder.checkFilesExist() } catch let e as RasterbarError { problems.append(e) }
        let engine = try Engine(folder: folder, options: Engine.Options(mode: .offline, environment: environment))
        let renderer = engine.renderer, store = engine.store
        let demo = renderer.demo
        // Every pass of a shader scene compiles as that scene wraps it, every
        // script once; a scene with a missing file was reported above.
        var seen: Set<String> = []
        let present = Set(demo.referencedFiles.map(\.path).filter { FileIO.isFile(folder.path(of: $0)) })
        for (i, scene) in demo.scenes.enumerated() where demo.referencedFiles(ofScene: i).allSatisfy({ present.contains($0) }) {
            let errors = scene.isScript ? [try renderer.sourceError(scene)].compactMap { $0 } + (try renderer.channelErrors(scene))
                                        : try renderer.passErrors(scene)
            problems += errors.filter { seen.insert($0.description).inserted }
        }
        // Scripts ask for shaders by path while they run, so check every shader
        // file in the demo folder too: `.frag` files as fullscreen shaders,
        // `.glsl` files with an RB_VERTEX_SHADER section as geometry shaders.
        var shaderFiles = Set(demo.scenes.flatMap { scene -> [String] in
            guard case let .shader(p) = scene.source else { return [] }
            return [p] + scene.buffers.map(\.shader) + (scene.common.map { [$0] } ?? [])
        })
        // A sound shader and its Common compile as the music (below), not as fullscreen shaders.
        if let music = demo.meta.music, music.isShader { shaderFiles.formUnion([music.file] + (music.common.map { [$0] } ?? [])) }
        for file in shaderFilesUnder(folder.root) where !shaderFiles.contains(file) {
            shaderFiles.insert(file)
            let geometry = file.hasSuffix(".glsl")
            if geometry, !((try? FileIO.readText(folder.path(of: file)))?.contains("RB_VERTEX_SHADER") ?? false) { continue }
            let key = geometry ? try ShaderProgram.geometryKey(for: file) : try ShaderProgram.key(for: file)
            if let e = try store.get(key, as: ShaderProgram.self).error { problems.append(e) }
        }
        let textures = demo.imagePaths
        var warnings: [String] = []
        if let music = demo.meta.music, FileIO.isFile(folder.path(of: music.file)) {
            do {
                if let (music, clip) = try renderer.validMusic(), let bpm = demo.meta.bpm {
                    warnings += tempoWarning(bpm: bpm, music: music, clip: clip)
                }
            } catch let e as RasterbarError {
                problems.append(e)
            }
        }
        let summary = "\(folder.file): " + [count(demo.scenes.count, "scene"), count(shaderFiles.count, "shader"),
                                            count(demo.scripts.count, "script"), count(textures.count, "texture")].joined(separator: ", ")
            + (demo.meta.music.map { $0.isShader ? ", 1 sound shader" : ", 1 music file" } ?? "")
            + ": " + (problems.isEmpty ? "no problems" : count(problems.count, "problem"))
            + (warnings.isEmpty ? "" : ", " + count(warnings.count, "warning"))
        return CheckReport(problems: problems, warnings: warnings, summary: summary)
    }

    /// A warning when meta.bpm and the music's detected tempo differ by more than 1%.
    static func tempoWarning(bpm: Double, music: Demo.Music, clip: AudioClip) -> [String] {
        guard let found = try? Tempo.estimate(clip, name: music.file) else {
            return ["\(music.origin): meta.bpm \(String(format2: bpm)) could not be checked: no steady beat found in \(music.file)"]
        }
        guard !found.agrees(with: bpm) else { return [] }
        return ["\(music.origin): meta.bpm \(String(format2: bpm)) disagrees with \(music.file), which plays at \(String(format2: found.bpm)) bpm "
                + "(first beat at \(String(format2: found.firstBeat)) s): musical times (\"8:0\") will drift off the music; "
                + "set \"bpm\": \(String(format2: found.bpm))" + (music.isShader ? "" : " or see `\(RasterbarError.command) tempo \(music.file)`")]
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// Demo-relative paths of `.frag` and `.glsl` files, skipping hidden folders.
    static func shaderFilesUnder(_ root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let path = walker.nextObject() as? String {
            if path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                walker.skipDescendants()
                continue
            }
            if path.hasSuffix(".frag") || path.hasSuffix(".glsl") { files.append(path) }
        }
        return files.sorted()
    }
}
