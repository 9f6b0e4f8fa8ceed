// Puts rendered scenes together: a layer onto the layers below (over or
// added), and a transition from one scene's image to the next (crossfade,
// fade through black, wipe), all from render targets with small built-in
// programs. The demo's own scenes never see these.
import CGL
import RasterbarCore

/// Built-in programs that combine render targets. GL thread only.
public final class Compositor {
    /// How a transition mixes its two images.
    public enum TransitionStyle: Sendable, Equatable {
        case crossfade
        case fade
        /// The edge moves towards this direction (x, y in screen space).
        case wipe(SIMD2<Float>)
    }

    let copy: ShaderProgram
    let transition: ShaderProgram

    public init() throws {
        copy = try ShaderProgram(fragment: ShaderSource.fragment(Self.copySource, file: "<rasterbar compositor>"),
                                 file: "<rasterbar compositor>")
        transition = try ShaderProgram(fragment: ShaderSource.fragment(Self.transitionSource, file: "<rasterbar transition>"),
                                       file: "<rasterbar transition>")
    }

    static let copySource = """
        #version 410 core
        uniform sampler2D uImage;
        uniform vec3 iResolution;
        out vec4 fragColor;
        void main() { fragColor = texture(uImage, gl_FragCoord.xy / iResolution.xy); }
        """

    static let transitionSource = """
        #version 410 core
        uniform sampler2D uFrom;
        uniform sampler2D uTo;
        uniform vec3 iResolution;
        uniform float uProgress;
        uniform int uStyle;          // 0 crossfade, 1 fade through black, 2 wipe
        uniform vec2 uDirection;
        out vec4 fragColor;
        void main() {
            vec2 uv = gl_FragCoord.xy / iResolution.xy;
            vec4 a = texture(uFrom, uv), b = texture(uTo, uv);
            float p = clamp(uProgress, 0.0, 1.0);
            if (uStyle == 0) {
                fragColor = mix(a, b, p);
            } else if (uStyle == 1) {
                // Through black: the colour fades, the image stays opaque.
                fragColor = p < 0.5 ? vec4(a.rgb * (1.0 - 2.0 * p), a.a) : vec4(b.rgb * (2.0 * p - 1.0), b.a);
            } else {
                // Position along the wipe, 0 where it starts, 1 where it ends; a soft edge.
                float along = dot(uv - 0.5, uDirection) + 0.5;
                float edge = 0.02;
                float t = smoothstep(along - edge, along + edge, p * (1.0 + 2.0 * edge) - edge);
                fragColor = mix(a, b, t);
            }
        }
        """

    /// Draws `image` over whatever `renderer` has bound, with `blend`.
    public func composite(_ image: RenderTarget, blend: BlendMode, size: PixelSize, with renderer: SceneRenderer) {
        let program = copy
        program.use()
        [Float(size.width), Float(size.height), 1].withUnsafeBufferPointer { program.setUniform("iResolution", floats: $0) }
        renderer.bindNamed(program, [("uImage", image.texture)])
        renderer.setBlend(blend)
        renderer.drawFullscreenTriangle()
        renderer.setBlend(.none)
    }

    /// Draws the transition from `from` to `to` at `progress` (0-1) into what `renderer` has bound.
    public func transition(from: RenderTarget, to: RenderTarget, progress: Double, style: TransitionStyle,
                           size: PixelSize, with renderer: SceneRenderer) {
        let program = transition
        program.use()
        [Float(size.width), Float(size.height), 1].withUnsafeBufferPointer { program.setUniform("iResolution", floats: $0) }
        [Float(progress)].withUnsafeBufferPointer { program.setUniform("uProgress", floats: $0) }
        let (code, direction): (Int32, SIMD2<Float>)
        switch style {
        case .crossfade: (code, direction) = (0, .zero)
        case .fade: (code, direction) = (1, .zero)
        case let .wipe(d): (code, direction) = (2, d)
        }
        program.setUniform("uStyle", int: code)
        [direction.x, direction.y].withUnsafeBufferPointer { program.setUniform("uDirection", floats: $0) }
        renderer.bindNamed(program, [("uFrom", from.texture), ("uTo", to.texture)])
        renderer.setBlend(.none)
        renderer.drawFullscreenTriangle()
    }
}
