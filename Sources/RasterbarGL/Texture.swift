// Textures scenes sample: PNGs (iChannel0..3 or by uniform name) loaded
// through the store so that saving the PNG updates the running demo, and the
// textures the engine makes itself (noise media, volumes, cubemaps, the music
// and keyboard inputs). How a channel is filtered and wrapped is not the
// texture's business: the renderer binds a sampler object per channel.
import CGL
import RasterbarCore

/// A 2D, cube or 3D texture. GL thread only.
public final class Texture: Loadable {
    public let name: GLuint
    /// GL_TEXTURE_2D, GL_TEXTURE_CUBE_MAP or GL_TEXTURE_3D.
    public let target: GLenum
    public let size: PixelSize
    /// Layers of a 3D texture (1 otherwise).
    public let depth: Int

    private init(target: Int32, size: PixelSize, depth: Int = 1) {
        var tex: GLuint = 0
        glGenTextures(1, &tex)
        name = tex
        self.target = glEnum(target)
        self.size = size
        self.depth = depth
        glBindTexture(self.target, tex)
        glPixelStorei(glEnum(GL_UNPACK_ALIGNMENT), 1)
    }

    /// Uploads `image` with mipmaps. `flipped` (Shadertoy's vflip, the default)
    /// puts the image's bottom-left corner at texture coordinate (0, 0).
    public convenience init(image: Image, flipped: Bool = true) {
        self.init(target: GL_TEXTURE_2D, size: PixelSize(width: image.width, height: image.height))
        let rows = flipped ? Image(width: image.width, height: image.height, bottomUpRows: image.pixels).pixels : image.pixels
        upload2D(glEnum(GL_TEXTURE_2D), rows, channels: 4, width: image.width, height: image.height)
        glGenerateMipmap(target)
        setDefaultSampling(mipmapped: true)
    }

    /// A 2D texture of one (R8) or four (RGBA8) channels from bytes, row 0 first, with mipmaps.
    public convenience init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        self.init(target: GL_TEXTURE_2D, size: PixelSize(width: width, height: height))
        upload2D(target, bytes, channels: channels, width: width, height: height)
        glGenerateMipmap(target)
        setDefaultSampling(mipmapped: true)
    }

    /// A 3D texture of one to four channels from bytes (x fastest, then y, then z), with mipmaps.
    /// `float`: each value is a 32-bit float rather than a byte.
    public convenience init(width: Int, height: Int, depth: Int, channels: Int, float: Bool = false, bytes: [UInt8]) {
        self.init(target: GL_TEXTURE_3D, size: PixelSize(width: width, height: height), depth: depth)
        precondition(bytes.count == width * height * depth * channels * (float ? 4 : 1), "a volume's bytes must cover it exactly")
        let (internalFormat, format) = Self.formats(channels, float: float)
        bytes.withUnsafeBytes {
            glTexImage3D(target, 0, internalFormat, GLsizei(width), GLsizei(height), GLsizei(depth), 0, format,
                         glEnum(float ? GL_FLOAT : GL_UNSIGNED_BYTE), $0.baseAddress)
        }
        glGenerateMipmap(target)
        setDefaultSampling(mipmapped: true)
    }

    /// A cubemap from six square faces in GL's order (+X, -X, +Y, -Y, +Z, -Z), rows top-down as images are.
    public convenience init(cubeFaces faces: [Image]) {
        precondition(faces.count == 6, "a cubemap has six faces")
        self.init(target: GL_TEXTURE_CUBE_MAP, size: PixelSize(width: faces[0].width, height: faces[0].height))
        for (i, face) in faces.enumerated() {
            upload2D(glEnum(GL_TEXTURE_CUBE_MAP_POSITIVE_X) + GLenum(i), face.pixels, channels: 4, width: face.width, height: face.height)
        }
        glGenerateMipmap(target)
        setDefaultSampling(mipmapped: true)
    }

    /// A single-channel (R8) texture, linearly filtered and clamped, whose
    /// bytes are replaced every frame: Shadertoy's music and keyboard inputs.
    public convenience init(singleChannelWidth width: Int, height: Int) {
        self.init(target: GL_TEXTURE_2D, size: PixelSize(width: width, height: height))
        glTexImage2D(target, 0, GL_R8, GLsizei(width), GLsizei(height), 0, glEnum(GL_RED), glEnum(GL_UNSIGNED_BYTE), nil)
        setDefaultSampling(mipmapped: false)
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

    /// True when the texture has mipmap levels (a mipmap filter needs them).
    public private(set) var hasMipmaps = false

    private func upload2D(_ face: GLenum, _ bytes: [UInt8], channels: Int, width: Int, height: Int) {
        precondition(bytes.count == width * height * channels, "a texture's bytes must cover it exactly")
        let (internalFormat, format) = Self.formats(channels)
        bytes.withUnsafeBytes {
            glTexImage2D(face, 0, internalFormat, GLsizei(width), GLsizei(height), 0, format, glEnum(GL_UNSIGNED_BYTE), $0.baseAddress)
        }
    }

    /// Internal format and pixel format for 1-4 channels of bytes or floats.
    private static func formats(_ channels: Int, float: Bool = false) -> (GLint, GLenum) {
        precondition((1...4).contains(channels), "textures have one to four channels")
        let formats = float ? [GL_R32F, GL_RG32F, GL_RGB32F, GL_RGBA32F] : [GL_R8, GL_RG8, GL_RGB8, GL_RGBA8]
        return (GLint(formats[channels - 1]), glEnum([GL_RED, GL_RG, GL_RGB, GL_RGBA][channels - 1]))
    }

    /// What a texture bound without a sampler object does: mipmapped and
    /// repeating, or linear and clamped for the per-frame inputs.
    private func setDefaultSampling(mipmapped: Bool) {
        hasMipmaps = mipmapped
        glTexParameteri(target, glEnum(GL_TEXTURE_MIN_FILTER), mipmapped ? GL_LINEAR_MIPMAP_LINEAR : GL_LINEAR)
        glTexParameteri(target, glEnum(GL_TEXTURE_MAG_FILTER), GL_LINEAR)
        let wrap = mipmapped && target == glEnum(GL_TEXTURE_2D) ? GL_REPEAT : GL_CLAMP_TO_EDGE
        for axis in [GL_TEXTURE_WRAP_S, GL_TEXTURE_WRAP_T, GL_TEXTURE_WRAP_R] { glTexParameteri(target, glEnum(axis), wrap) }
    }

    deinit {
        var tex = name
        glDeleteTextures(1, &tex)
    }

    public static let kind = "texture"

    /// Decodes the PNG at the key's path: bottom-up (Shadertoy's vflip) for a
    /// plain file key, top-down for `png-top-down:PATH`.
    public static func load(from context: LoadContext) throws -> Texture {
        let bytes = try context.read(context.key.path)
        if context.key.namespace == volumeNamespace {
            let v = try VolumeFile(parsing: bytes, name: context.key.path)
            return Texture(width: v.width, height: v.height, depth: v.depth, channels: v.channels, float: v.format == .float32, bytes: v.bytes)
        }
        return Texture(image: try Image(pngData: bytes, name: context.key.path), flipped: context.key.namespace != topDownNamespace)
    }

    static let topDownNamespace = "png-top-down"
    static let volumeNamespace = "volume"

    /// The store key of a volume file (Shadertoy's .bin) as a 3D texture.
    public static func volumeKey(for path: String) throws -> ResourceKey { try .logical(volumeNamespace, path) }

    /// The store key of a PNG texture, flipped (Shadertoy's default) or not.
    public static func key(for png: String, flipped: Bool) throws -> ResourceKey {
        flipped ? try .file(png) : try .logical(topDownNamespace, png)
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
