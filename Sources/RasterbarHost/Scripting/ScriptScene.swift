// One script scene on the timeline: which generation of its library runs,
// its instance and its state, and what happens when a generation traps.
//
// - A new generation takes over at a frame boundary: the running instance
//   saves its state, is destroyed, and the new one is created from that state.
//   The SDK carries it over field by field and logs (through the context) the
//   fields that restarted; when nothing can be carried it reports
//   RB_STATE_INCOMPATIBLE and the new one starts fresh, saying so.
// - Every call into the script runs under the crash guard. A trap marks that
//   generation failed, reports the signal and the runtime's message, and rolls
//   back to the last generation that drew a frame (recreated from the state
//   saved at the last swap), or to a clearly marked placeholder if there is none.
// - Offline (render, export), a frame depends only on its time: the scene is
//   run from its start at the demo's frame rate up to the frame asked for.
import Foundation
import RasterbarABI
import RasterbarCore
import RasterbarGL

/// A script scene's generations and instance. Render thread only.
final class ScriptScene {
    struct Running {
        let library: ScriptLibrary
        let generation: Int
        let instance: UnsafeMutableRawPointer?
    }

    let script: String
    let key: ResourceKey
    let library: Res<ScriptLibrary>
    let host: ScriptHost
    let report: (StoreEvent) -> Void
    let watchdog: Watchdog?
    /// Told each time a generation takes over (the supervisor blames the newest after a crash).
    var onGeneration: ((_ script: String, _ library: String, _ generation: Int) -> Void)?

    private(set) var running: Running?
    private(set) var lastGood: (library: ScriptLibrary, generation: Int)?
    /// The state saved at the last swap: what a new or rolled-back instance starts from.
    private(set) var state: [UInt8]?
    private var failed: Set<ObjectIdentifier> = []
    /// The last trap, until a generation draws a frame again.
    private(set) var trap: RasterbarError?

    init(script: String, library: Res<ScriptLibrary>, host: ScriptHost, watchdog: Watchdog?, report: @escaping (StoreEvent) -> Void) throws {
        self.script = script
        self.key = try ScriptLibrary.key(for: script)
        self.library = library
        self.host = host
        self.watchdog = watchdog
        self.report = report
    }

    // MARK: Live

    /// Draws one live frame: adopts a new generation if one loaded, then runs it.
    /// Returns false when there is nothing to run (draw a placeholder).
    func draw(_ uniforms: FrameUniforms, params: [String: Double]) -> Bool {
        adoptNewGeneration(uniforms, params: params)
        guard let running else { return false }
        return runFrame(running, uniforms, params: params)
    }

    func adoptNewGeneration(_ uniforms: FrameUniforms, params: [String: Double]) {
        let candidate = library.value
        guard !candidate.isPlaceholder, candidate !== running?.library,
              !failed.contains(ObjectIdentifier(candidate)) else { return }
        host.beginFrame(uniforms, params: params)
        if let current = running {
            // An instance whose save trapped or timed out is abandoned, not destroyed.
            if let saved = save(current) {
                state = saved
                destroy(current)
            }
            running = nil
        }
        start(candidate, generation: library.generation, uniforms, params: params)
    }

    /// Creates an instance of `library` from the saved state.
    @discardableResult
    func start(_ library: ScriptLibrary, generation: Int, _ uniforms: FrameUniforms, params: [String: Double], fresh: Bool = false) -> Bool {
        guard let script = library.script else { return false }
        // A new instance: handles given to any earlier one go stale.
        host.newTable()
        host.beginFrame(uniforms, params: params)
        // Out-values the call writes go through raw memory, never `&` on a Swift
        // variable: an inout access is recorded by the runtime's exclusivity
        // checks for the duration of the call, and a call the guard leaves by a
        // jump would leave that record dangling (the next access crashes).
        let restoredSlot = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        restoredSlot.initialize(to: 0)
        defer { restoredSlot.deallocate() }
        var instance: UnsafeMutableRawPointer?
        let given = fresh ? nil : state
        let context = host.context
        let signal = guarded("create", library) {
            if let given {
                given.withUnsafeBytes { instance = script.pointee.create(context, $0.baseAddress, $0.count, restoredSlot) }
            } else {
                instance = script.pointee.create(context, nil, 0, restoredSlot)
            }
        }
        let restored = restoredSlot.pointee
        host.endFrame()
        if signal != 0 {
            fail(library, generation: generation, signal: signal, during: "create", uniforms, params: params)
            return false
        }
        running = Running(library: library, generation: generation, instance: instance)
        onGeneration?(self.script, library.path, generation)
        if restored == Int32(RB_STATE_INCOMPATIBLE.rawValue) {
            state = nil
            report(.warning(message: "\(script.pointee.name.map { String(cString: $0) } ?? self.script) in \(self.script): the saved state no longer fits the new code (generation \(generation)), so it starts fresh"))
        }
        return true
    }

    func runFrame(_ current: Running, _ uniforms: FrameUniforms, params: [String: Double]) -> Bool {
        guard let script = current.library.script else { return false }
        host.beginFrame(uniforms, params: params)
        let context = host.context
        let signal = guarded("frame", current.library) { script.pointee.frame(current.instance, context) }
        host.endFrame()
        if signal != 0 {
            fail(current.library, generation: current.generation, signal: signal, during: "frame", uniforms, params: params)
            return running != nil && running!.library !== current.library ? runFrame(running!, uniforms, params: params) : false
        }
        if lastGood?.library !== current.library { lastGood = (current.library, current.generation) }
        trap = nil
        return true
    }

    func save(_ current: Running) -> [UInt8]? {
        guard let script = current.library.script else { return nil }
        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        // In raw memory, not passed with `&`: see `start`.
        let writer = UnsafeMutablePointer<rb_state_writer>.allocate(capacity: 1)
        writer.initialize(to: rb_state_writer(host: Unmanaged.passUnretained(sink).toOpaque()) { host, bytes, size in
            guard let host, let bytes else { return }
            Unmanaged<Sink>.fromOpaque(host).takeUnretainedValue().bytes += UnsafeRawBufferPointer(start: bytes, count: size)
        })
        defer { writer.deallocate() }
        let context = host.context
        let signal = guarded("save_state", current.library) { script.pointee.save_state(current.instance, context, writer) }
        if signal != 0 {
            // Its instance may be inconsistent now: never run this generation again.
            failed.insert(ObjectIdentifier(current.library))
            let what = signal == Guard.timeout ? "timed out (more than \(watchdog.map { Watchdog.seconds($0.limit) } ?? "?") s)"
                                               : "\(Guard.name(signal))"
            report(.error(kind: ScriptLibrary.kind, key: key,
                          error: RasterbarError(signal == Guard.timeout ? .scriptTimeout : .scriptTrap,
                                                "\(what) while saving its state (generation \(current.generation)); the state from before is kept",
                                                file: self.script, line: nil)))
            return nil
        }
        return sink.bytes
    }

    func destroy(_ current: Running) {
        guard let script = current.library.script else { return }
        let context = host.context
        _ = guarded("destroy", current.library) { script.pointee.destroy(current.instance, context) }
    }

    /// A generation trapped: never use it again, report, roll back.
    func fail(_ library: ScriptLibrary, generation: Int, signal: Int32, during call: String, _ uniforms: FrameUniforms, params: [String: Double]) {
        failed.insert(ObjectIdentifier(library))
        // The trapped instance is abandoned, not destroyed: its memory may be inconsistent.
        running = nil
        let runtime = lastRuntimeMessage()
        var rollback = "no other generation has drawn a frame: showing the placeholder until the next good save"
        if let good = lastGood, !failed.contains(ObjectIdentifier(good.library)) {
            if start(good.library, generation: good.generation, uniforms, params: params) {
                rollback = "rolled back to generation \(good.generation)"
            }
        }
        let message: String
        if signal == Guard.timeout {
            let limit = watchdog.map { Watchdog.seconds($0.limit) } ?? "?"
            message = "timed out: \(call) ran for more than \(limit) s and was stopped (generation \(generation); an endless loop?); \(rollback)"
        } else {
            message = "\(Guard.name(signal)) in \(call) (generation \(generation))\(runtime.map { ": \($0)" } ?? ""); \(rollback)"
        }
        let error = RasterbarError(signal == Guard.timeout ? .scriptTimeout : .scriptTrap, message, file: script, line: nil)
        trap = error
        report(.error(kind: ScriptLibrary.kind, key: key, error: error))
    }

    var tapMark = 0

    func guarded(_ call: String, _ library: ScriptLibrary, _ body: @escaping () -> Void) -> Int32 {
        let serial = watchdog?.begin("\(script) \(call)") ?? 0
        defer { watchdog?.end() }
        if let tap = StderrTap.shared { tapMark = tap.mark() }
        return Guard.call(serial: serial, body)
    }

    /// The Swift runtime's message for the last trap ("Fatal error: ..."), if stderr is tapped.
    func lastRuntimeMessage() -> String? {
        guard let tap = StderrTap.shared else { return nil }
        let lines = tap.text(since: tapMark).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard var line = lines.first(where: { $0.contains("Fatal error") || $0.contains("fatal error") }) ?? lines.last(where: { !$0.isEmpty }) else {
            return nil
        }
        // The runtime names the file by its compiled module ("Script_Name_1a2b3c4d/Name.swift:9"): say the script instead.
        let file = (script.split(separator: "/").last.map(String.init) ?? script) + ":"
        if let start = line.range(of: "Script_"), let end = line.range(of: "/" + file, range: start.upperBound..<line.endIndex) {
            line.replaceSubrange(start.lowerBound..<end.upperBound, with: script + ":")
        }
        return String(line.prefix(300))
    }

    // MARK: Offline

    /// Draws the frame at `time` as if the scene had played from its start at
    /// `fps`: the same time always gives the same pixels. Scripts step on the
    /// demo's frame grid, so a time between two grid frames shows the last grid
    /// frame at or before it; rendering forward continues where the last render
    /// stopped, going back replays from the start.
    func drawOffline(at time: Double, scene: Demo.Scene, fps: Double, uniforms: (Double) -> FrameUniforms) -> Bool {
        let step = 1 / fps
        let target = max(0, Int(((time - scene.start) / step + 1e-6).rounded(.down)))
        let candidate = library.value
        let stale = running.map { $0.library !== candidate } ?? true
        // Drawing the same grid frame again, or an earlier one, replays from the
        // start: a script's frame both draws and steps its state.
        if stale || simulatedFrame == nil || simulatedFrame! >= target {
            if let current = running { destroy(current) }
            running = nil
            simulatedFrame = nil
            guard !candidate.isPlaceholder, !failed.contains(ObjectIdentifier(candidate)),
                  start(candidate, generation: library.generation, uniforms(scene.start), params: scene.params, fresh: true) else { return false }
        }
        var index = simulatedFrame.map { $0 + 1 } ?? 0
        while index <= target {
            guard let current = running, runFrame(current, uniforms(scene.start + Double(index) * step), params: scene.params),
                  running?.library === current.library else {
                simulatedFrame = nil
                return false
            }
            simulatedFrame = index
            index += 1
        }
        return true
    }

    /// The grid frame last simulated offline.
    private var simulatedFrame: Int?}
