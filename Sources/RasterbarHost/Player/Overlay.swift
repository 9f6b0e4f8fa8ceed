// What the overlay (Tab) says: time, bar:beat, scenes and transition, fps,
// state and keys. Text only; the player draws it.
import Foundation
import RasterbarCore
import RasterbarGL

/// The overlay's lines.
enum Overlay {
    static func clock(_ t: Double) -> String {
        let minutes = Int(t) / 60, seconds = t - Double(minutes * 60)
        let s = String(format: "%05.2f", seconds)
        return "\(minutes):\(s)"
    }

    static func status(_ demo: Demo, _ playback: Playback, fps: Int, fullscreen: Bool) -> [TextRenderer.Line] {
        let t = playback.time
        var first = "\(clock(t)) / \(clock(demo.meta.duration))"
        if let (bar, beat) = demo.barBeat(at: t) { first += "   bar \(bar):\(Int(beat.rounded(.down)))" }
        first += "   \(fps) fps"
        let scenes = demo.activeScenes(at: t).map { demo.scenes[$0].name }
        var second = "scene: " + (scenes.isEmpty ? "-" : scenes.joined(separator: " + "))
        if let transition = demo.activeScenes(at: t).compactMap({ demo.transition(at: t, layer: demo.scenes[$0].layer) }).first {
            second += "   (from \(demo.scenes[transition.from].name), \(Int(transition.progress(at: t) * 100))%)"
        }
        var flags: [String] = []
        if playback.paused { flags.append("paused") }
        if let range = playback.loopRange, let scene = demo.scenes.first(where: { $0.start == range.lowerBound }) {
            flags.append("looping \(scene.name)")
        }
        if playback.loops { flags.append("looping the demo") }
        if fullscreen { flags.append("fullscreen") }
        return [
            TextRenderer.Line("\(demo.meta.title)" + (demo.meta.author.map { " by \($0)" } ?? "")),
            TextRenderer.Line(first),
            TextRenderer.Line(second + (flags.isEmpty ? "" : "   [" + flags.joined(separator: ", ") + "]")),
            TextRenderer.Line("Space pause  Left/Right 1 s (Shift 10 s)  Up/Down scene  Home start  L loop  R reload  F full  Tab hide  Esc quit",
                              color: SIMD4(0.7, 0.7, 0.7, 1)),
        ]
    }
}
