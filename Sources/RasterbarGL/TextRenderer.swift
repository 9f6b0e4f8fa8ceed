// Text for the player's overlay and error panel: the printable ASCII glyphs
// of a monospaced font, rendered once by FreeType into an atlas texture, then
// drawn as textured quads in one call. The font comes from Debian's packages
// (fonts-dejavu-core); without one the player runs without an overlay.
import CFreeType
import CGL
import RasterbarCore

/// Draws lines of text into the bound framebuffer. GL thread only.
public final class TextRenderer {
    /// Where fonts are looked for: `RASTERBAR_FONT`, then common monospaced fonts.
    public static func fontPath(environment: [String: String]) -> String? {
        if let explicit = environment["RASTERBAR_FONT"], !explicit.isEmpty { return explicit }
        return ["/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
                "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
                "/usr/share/fonts/truetype/freefont/FreeMono.ttf"].first { FileIO.isFile($0) }
    }

    struct Glyph { var u0, v0, u1, v1: Float; var width, height, left, top: Float }

    let texture: GLuint
    let program: ShaderProgram
    /// Glyph quads: position and atlas uv in one vec4, colour in the other (rb_vertex's layout).
    let quads = GeometryBuffer()
    var glyphs: [Glyph] = []
    /// Pixels from one character to the next, and from one line to the next.
    public let advance: Float
    public let lineHeight: Float
    let ascent: Float
    /// A fully covered texel in the atlas, for solid boxes.
    var solid: (u: Float, v: Float) = (0, 0)

    /// Renders the glyphs of the font at `path`, `pixels` tall.
    public init(fontPath path: String, pixels: Int) throws {
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0, let library else {
            throw RasterbarError(.graphicsUnavailable, "FreeType did not start")
        }
        defer { FT_Done_FreeType(library) }
        var face: FT_Face?
        guard FT_New_Face(library, path, 0, &face) == 0, let face else {
            throw RasterbarError(.fileUnreadable, "not a font FreeType can read", at: path)
        }
        defer { FT_Done_Face(face) }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixels))
        let metrics = face.pointee.size.pointee.metrics
        ascent = Float(metrics.ascender) / 64
        lineHeight = Float(metrics.height) / 64
        // Render every printable ASCII glyph into one row-packed 8-bit atlas.
        let atlasWidth = 1024
        var atlas = [UInt8](repeating: 0, count: atlasWidth * 256)
        var x = 2, y = 2, rowHeight = 0
        var maxAdvance: Float = 0
        // A solid 2x2 block at the corner, for boxes.
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] { atlas[dy * atlasWidth + dx] = 255 }
        var placed: [Glyph] = []
        for code in 32..<127 {
            guard FT_Load_Char(face, FT_ULong(code), Int32(FT_LOAD_RENDER)) == 0 else {
                placed.append(Glyph(u0: 0, v0: 0, u1: 0, v1: 0, width: 0, height: 0, left: 0, top: 0))
                continue
            }
            let slot = face.pointee.glyph.pointee
            let bitmap = slot.bitmap
            let w = Int(bitmap.width), h = Int(bitmap.rows)
            maxAdvance = max(maxAdvance, Float(slot.advance.x) / 64)
            if x + w + 1 >= atlasWidth { x = 2; y += rowHeight + 1; rowHeight = 0 }
            for row in 0..<h where y + row < 256 {
                for col in 0..<w {
                    atlas[(y + row) * atlasWidth + x + col] = bitmap.buffer[row * Int(bitmap.pitch) + col]
                }
            }
            placed.append(Glyph(u0: Float(x) / Float(atlasWidth), v0: Float(y) / 256, u1: Float(x + w) / Float(atlasWidth),
                                v1: Float(y + h) / 256, width: Float(w), height: Float(h),
                                left: Float(slot.bitmap_left), top: Float(slot.bitmap_top)))
            x += w + 1
            rowHeight = max(rowHeight, h)
        }
        glyphs = placed
        advance = maxAdvance
        solid = (1.0 / Float(atlasWidth), 1.0 / 256)

        var tex: GLuint = 0
        glGenTextures(1, &tex)
        texture = tex
        glBindTexture(glEnum(GL_TEXTURE_2D), tex)
        glPixelStorei(glEnum(GL_UNPACK_ALIGNMENT), 1)
        glTexImage2D(glEnum(GL_TEXTURE_2D), 0, GL_R8, GLsizei(atlasWidth), 256, 0, glEnum(GL_RED), glEnum(GL_UNSIGNED_BYTE), atlas)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_MIN_FILTER), GL_NEAREST)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_MAG_FILTER), GL_NEAREST)

        program = try ShaderProgram(
            vertex: ShaderSource(text: Self.vertexSource, style: .glsl, files: [0: "<rasterbar text>"]),
            fragment: ShaderSource(text: Self.fragmentSource, style: .glsl, files: [0: "<rasterbar text>"]),
            file: "<rasterbar text>")
    }

    deinit {
        var tex = texture
        glDeleteTextures(1, &tex)
    }

    static let vertexSource = """
        #version 410 core
        layout(location = 0) in vec4 aPosition;   // xy: pixels from the top left, zw: atlas uv
        layout(location = 1) in vec4 aColor;
        uniform vec2 uViewport;
        out vec2 vUV;
        out vec4 vColor;
        void main() {
            vec2 p = aPosition.xy / uViewport * 2.0 - 1.0;
            gl_Position = vec4(p.x, -p.y, 0.0, 1.0);
            vUV = aPosition.zw;
            vColor = aColor;
        }
        """

    static let fragmentSource = """
        #version 410 core
        uniform sampler2D uAtlas;
        in vec2 vUV;
        in vec4 vColor;
        out vec4 fragColor;
        void main() { fragColor = vec4(vColor.rgb, vColor.a * texture(uAtlas, vUV).r); }
        """

    /// One line to draw, and its colour.
    public struct Line {
        public var text: String
        public var color: SIMD4<Float>
        public init(_ text: String, color: SIMD4<Float> = SIMD4(1, 1, 1, 1)) {
            self.text = text
            self.color = color
        }
    }

    /// Draws `lines` in a box whose top-left corner is at (x, y) pixels from the
    /// top-left of a viewport of `size`, over a translucent `background`.
    /// Lines longer than the viewport are cut.
    public func draw(_ lines: [Line], x: Float, y: Float, size: PixelSize, background: SIMD4<Float>) {
        guard !lines.isEmpty else { return }
        let pad: Float = 6
        let columns = max(1, Int((Float(size.width) - x - 2 * pad) / advance))
        let width = Float(min(columns, lines.map(\.text.count).max() ?? 0)) * advance + 2 * pad
        let height = Float(lines.count) * lineHeight + 2 * pad
        var vertices: [Float] = []
        func quad(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, _ u0: Float, _ v0: Float, _ u1: Float, _ v1: Float, _ c: SIMD4<Float>) {
            for (px, py, u, v) in [(x0, y0, u0, v0), (x1, y0, u1, v0), (x1, y1, u1, v1), (x0, y0, u0, v0), (x1, y1, u1, v1), (x0, y1, u0, v1)] {
                vertices += [px, py, u, v, c.x, c.y, c.z, c.w]
            }
        }
        quad(x, y, x + width, y + height, solid.u, solid.v, solid.u, solid.v, background)
        for (row, line) in lines.enumerated() {
            var penX = x + pad
            let baseline = y + pad + Float(row) * lineHeight + ascent
            for scalar in line.text.unicodeScalars.prefix(columns) {
                let code = Int(scalar.value)
                let glyph = (32..<127).contains(code) ? glyphs[code - 32] : glyphs[Int(UInt8(ascii: "?")) - 32]
                if glyph.width > 0 {
                    let gx = penX + glyph.left, gy = baseline - glyph.top
                    quad(gx, gy, gx + glyph.width, gy + glyph.height, glyph.u0, glyph.v0, glyph.u1, glyph.v1, line.color)
                }
                penX += advance
            }
        }
        glViewport(0, 0, GLsizei(size.width), GLsizei(size.height))
        program.use()
        [Float(size.width), Float(size.height)].withUnsafeBufferPointer { program.setUniform("uViewport", floats: $0) }
        program.setUniform("uAtlas", int: 0)
        glActiveTexture(glEnum(GL_TEXTURE0))
        glBindTexture(glEnum(GL_TEXTURE_2D), texture)
        glEnable(glEnum(GL_BLEND))
        glBlendFunc(glEnum(GL_SRC_ALPHA), glEnum(GL_ONE_MINUS_SRC_ALPHA))
        vertices.withUnsafeBytes { quads.draw($0.baseAddress!, count: vertices.count / 8, mode: glEnum(GL_TRIANGLES)) }
        glDisable(glEnum(GL_BLEND))
    }
}
