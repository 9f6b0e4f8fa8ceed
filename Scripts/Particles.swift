// A particle fountain: state that evolves frame by frame, which no single
// shader can hold. Particles spawn from an emitter that swings across the
// screen, fall under gravity, swirl, and fade, drawn as glowing points with
// additive blending over a dark backdrop; the music's kick drum throws extra
// particles up. Edit and save while it plays: the particles in flight carry
// over to the new code.
import RasterbarSDK

final class Particles: Scene {
    struct Particle: Codable {
        var x, y, vx, vy: Float
        var age, life, hue: Float
    }

    struct State: Codable {
        var particles: [Particle] = []
        var spawnDebt: Float = 0
        var seed: UInt64 = 0x5EED
    }

    var state = State()

    init() {}

    func frame(_ context: Context) {
        let dt = Float(min(context.delta, 1.0 / 20))
        let t = Float(context.sceneTime)
        let aspect = context.resolution.x / context.resolution.y
        let rate = context.param("rate", default: 900)    // particles per second: the `rate` track
        let gravity = context.param("gravity", default: 1.6)
        var random = Random(seed: state.seed &+ UInt64(context.frameNumber))

        // Spawn from an emitter on a lissajous path near the bottom.
        let emitter = Vec2(0.6 * sin(t * 0.9), -0.55 + 0.15 * sin(t * 1.7))
        // The kick: the spectrum's lowest bins (about 20-110 Hz), 0 to 1.
        let lows = context.spectrum.isEmpty ? 0 : (context.spectrum[1] + context.spectrum[2] + context.spectrum[3] + context.spectrum[4]) / 4
        let kick = min(1, max(0, (lows - 0.86) / 0.11))
        state.spawnDebt += rate * dt * (1 + 2 * kick)
        while state.spawnDebt >= 1 {
            state.spawnDebt -= 1
            let angle = Float.pi / 2 + random.next(in: -0.45...0.45)
            let speed = random.next(in: 1.1...1.9)
            state.particles.append(Particle(
                x: emitter.x, y: emitter.y, vx: cos(angle) * speed * 0.6, vy: sin(angle) * speed,
                age: 0, life: random.next(in: 1.4...2.6), hue: mod(t * 0.05 + random.next(in: 0...0.15), 1)))
        }

        // Move: gravity, a swirl around the centre, a little drag.
        for i in state.particles.indices {
            var p = state.particles[i]
            let swirl = 0.8 * sin(t * 0.5)
            p.vx += (-p.y * swirl) * dt
            p.vy += (p.x * swirl - gravity) * dt
            p.vx *= 1 - 0.2 * dt
            p.vy *= 1 - 0.2 * dt
            p.x += p.vx * dt
            p.y += p.vy * dt
            p.age += dt
            state.particles[i] = p
        }
        state.particles.removeAll { $0.age >= $0.life || $0.y < -1.3 }

        // Draw: the backdrop, then the particles as additive glowing points.
        context.pass(clear: Vec4(0, 0, 0, 1))
        context.fullscreen(context.shader("Shaders/backdrop.frag"))
        context.blend(.add)
        let size = context.resolution.y / 720
        let vertices = state.particles.map { p -> Vertex in
            let fade = 1 - p.age / p.life
            var color = hsv(p.hue, 0.75, 1, alpha: fade * fade)
            color.w *= context.param("fade", default: 1)
            return Vertex(x: p.x / aspect, y: p.y, size: (6 + 18 * fade) * size, color: color)
        }
        context.draw(context.geometryShader("Shaders/particles.glsl"), .points, vertices)
        context.blend(.none)
    }
}
