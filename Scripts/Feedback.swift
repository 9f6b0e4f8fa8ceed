// Video feedback in several passes, which one shader cannot do: last frame's
// image is zoomed, turned and faded into a new render target, a spinning
// star is drawn on top, and the result is graded onto the
// screen. Two targets take turns (ping-pong), so each frame reads the
// previous one.
import RasterbarSDK

final class Feedback: Scene {
    struct State: Codable {
        var flip = false
    }

    var state = State()

    init() {}

    func frame(_ context: Context) {
        let t = Float(context.sceneTime)
        let previous = context.target(state.flip ? "b" : "a", hdr: true)
        let next = context.target(state.flip ? "a" : "b", hdr: true)
        state.flip.toggle()

        // 1. Last frame, zoomed in, turned and faded, into the next target.
        let warp = context.shader("Shaders/feedback_warp.frag")
        context.set(warp, "uPrevious", previous)
        context.set(warp, "uZoom", 1.0 + 0.012 * context.param("zoom", default: 1)) // the `zoom` track
        context.set(warp, "uTurn", 0.01 * sin(t * 0.4))
        context.pass(to: next, clear: context.frameNumber == 0 ? Vec4(0, 0, 0, 1) : nil)
        context.fullscreen(warp)

        // 2. A spinning star on top, its edges as thick quads (core GL has no wide lines).
        let corners = 5, turns = 2
        let radius: Float = 0.35 + 0.1 * sin(t * 1.3)
        let colour = hsv(mod(t * 0.07, 1), 0.9, 1.6)
        let aspect = context.resolution.x / context.resolution.y
        let width: Float = 0.012
        var points: [Vec2] = []
        for i in 0...corners {
            let angle = Float(i * turns) * 2 * .pi / Float(corners) + t * 0.9
            points.append(Vec2(radius * cos(angle), radius * sin(angle)))
        }
        var quads: [Vertex] = []
        for (a, b) in zip(points, points.dropFirst()) {
            let d = b - a
            let n = Vec2(-d.y, d.x) / length(d) * width
            for p in [a - n, a + n, b + n, a - n, b + n, b - n] {
                quads.append(Vertex(x: p.x / aspect, y: p.y, color: colour))
            }
        }
        context.draw(context.geometryShader("Shaders/lines.glsl"), .triangles, quads)

        // 3. Onto the screen, graded.
        let show = context.shader("Shaders/feedback_show.frag")
        context.set(show, "uImage", next)
        context.pass()
        context.fullscreen(show)
    }
}
