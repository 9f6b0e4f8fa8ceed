// PNG textures for scenes (iChannel0..3 or by uniform name), loaded through
// the store so that saving the PNG updates the running demo.
import CGL
import RasterbarCore

/// An RGBA8 2D texture with mipmaps, repeating. GL thread only.
public final class Texture: Loadable {
    public let name: GLuint
    public let size: PixelSize

    /// Uploads `image`. Rows are flipped so that texture coordinate (0, 0) is
    /// the image's bottom-left corner, as on Shadertoy.
    public init(image: Image) {
        size = PixelSize(width: image.width, height: image.height)
        var tex: GLuint = 0
        glGenTextures(1, &tex)
        name = tex
        let bottomUp = Image(width: image.width, height: image.height, bottomUpRows: image.pixels)
        glBindTexture(glEnum(GL_TEXTURE_2D), tex)
        glPixelStorei(glEnum(GL_UNPACK_ALIGNMENT), 1)
        bottomUp.pixels.withUnsafeBytes {
            glTexImage2D(glEnum(GL_TEXTURE_2D), 0, GL_RGBA8, GLsizei(image.width), GLsizei(image.height), 0,
                         glEnum(GL_RGBA), glEnum(GL_UNSIGNED_BYTE), $0.baseAddress)
        }
        glGenerateMipmap(glEnum(GL_TEXTURE_2D))
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_MIN_FILTER), GL_LINEAR_MIPMAP_LINEAR)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_MAG_FILTER), GL_LINEAR)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_WRAP_S), GL_REPEAT)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_WRAP_T), GL_REPEAT)
    }

    /// A single-channel (R8) texture, linearly filtered and clamped, whose
    /// bytes are replaced every frame: Shadertoy's music input.
    public init(singleChannelWidth width: Int, height: Int) {
        size = PixelSize(width: width, height: height)
        var tex: GLuint = 0
        glGenTextures(1, &tex)
        name = tex
        glBindTexture(glEnum(GL_TEXTURE_2D), tex)
        glTexImage2D(glEnum(GL_TEXTURE_2D), 0, GL_R8, GLsizei(width), GLsizei(height), 0, glEnum(GL_RED), glEnum(GL_UNSIGNED_BYTE), nil)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_MIN_FILTER), GL_LINEAR)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_MAG_FILTER), GL_LINEAR)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_WRAP_S), GL_CLAMP_TO_EDGE)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_WRAP_T), GL_CLAMP_TO_EDGE)
    }

    /// Replaces a single-channel texture's bytes (rows bottom-up: row 0 is texture y 0).
    public func replace(singleChannel bytes: [UInt8]) {
        precondition(bytes.count == size.width * size.height, "a texture's bytes must cover it exactly")
        glBindTexture(glEnum(GL_TEXTURE_2D), name)
        glPixelStorei(glEnum(GL_UNPACK_ALIGNMENT), 1)
        bytes.withUnsafeBytes {
            glTexSubImage2D(glEnum(GL_TEXTURE_2D), 0, 0, 0, GLsizei(size.width), GLsizei(size.height),
                            glEnum(GL_RED), glEnum(GL_UNSIGNED_BYTE), $0.baseAddress)
        }
    }

    deinit {
        var tex = name
        glDeleteTextures(1, &tex)
    }

    public static let kind = "texture"

    /// Decodes the PNG at the key's path.
    public static func load(from context: LoadContext) throws -> Texture {
        Texture(image: try Image(pngData: try context.read(context.key.path), name: context.key.path))
    }

    /// Until the PNG has loaded once: a magenta and black checkerboard.
    public static func fallback(for key: ResourceKey) -> Texture? {
        var image = Image(width: 8, height: 8)
        for y in 0..<8 {
            for x in 0..<8 where (x + y) % 2 == 0 {
                image.pixels.replaceSubrange((y * 8 + x) * 4..<(y * 8 + x) * 4 + 4, with: [255, 0, 255, 255])
            }
            for x in 0..<8 where (x + y) % 2 == 1 {
                image.pixels[(y * 8 + x) * 4 + 3] = 255
            }
        }
        return Texture(image: image)
    }
}
