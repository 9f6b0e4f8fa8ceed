// What tools and the benchmark may ask about running scripts, without
// reaching into the player's internals.
import RasterbarCore

/// Read-only questions about a demo renderer's script scenes, and timings.
public enum ScriptDiagnostics {
    /// The generation running in scene `index`, or nil if none is (not a
    /// script scene, still compiling, or showing the placeholder).
    public static func runningGeneration(_ renderer: DemoRenderer, scene index: Int) -> Int? {
        let scene = renderer.demo.scenes[index]
        guard case let .script(path) = scene.source, let script = try? renderer.scriptScene(for: scene, path: path) else { return nil }
        return script.running?.generation
    }

    /// Microseconds per call of scene `index`'s frame function: called
    /// directly, under the crash guard, and as a whole scene frame (guard,
    /// watchdog, frame information, GL pass state). The scene must be running.
    public static func callCost(_ renderer: DemoRenderer, scene index: Int, calls: Int) throws -> (bare: Double, guarded: Double, sceneFrame: Double) {
        let scene = renderer.demo.scenes[index]
        guard case let .script(path) = scene.source else { throw RasterbarError(.invalidArgument, "scene \(index) is not a script scene") }
        let script = try renderer.scriptScene(for: scene, path: path)
        let uniforms = renderer.uniforms(time: scene.start, scene: scene, inputs: FrameInputs(frame: 1, timeDelta: 1.0 / 60, date: .zero))
        _ = script.draw(uniforms, params: scene.params)
        guard let running = script.running, let entry = running.library.script else {
            throw RasterbarError(.scriptLoad, "the script of scene \(index) is not running")
        }
        let context = script.host.context
        func time(_ body: () -> Void) -> Double {
            let start = monotonicSeconds()
            for _ in 0..<calls { body() }
            return (monotonicSeconds() - start) / Double(calls) * 1e6
        }
        let bare = time { entry.pointee.frame(running.instance, context) }
        let guarded = time { _ = Guard.call { entry.pointee.frame(running.instance, context) } }
        let sceneFrame = time { _ = script.draw(uniforms, params: scene.params) }
        return (bare, guarded, sceneFrame)
    }
}
