// An offscreen colour target: RGBA8, RGBA16F for scripts' HDR passes
// (feedback, accumulation), or RGBA32F with mipmap levels for Shadertoy's buffers. The demo always renders into an RGBA8 one at the
// demo's resolution: the window scales it onto the screen, headless reads it
// back. One code path for both.
import CGL
import RasterbarCore

/// A framebuffer object with one colour texture attached. GL thread only.
public final class RenderTarget {
    /// What a target's texture holds.
    public enum Format: Sendable {
        case rgba8, rgba16f
        /// 32-bit float (Shadertoy's buffers).
        case rgba32f

        var internalFormat: GLenum {
            switch self {
            case .rgba8: return glEnum(GL_RGBA8)
            case .rgba16f: return glEnum(GL_RGBA16F)
            case .rgba32f: return glEnum(GL_RGBA32F)
            }
        }
    }

    public let size: PixelSize
    public let framebuffer: GLuint
    public let texture: GLuint
    /// Reused by readImage: a fresh 4 MB buffer per frame costs more in page faults than the copy.
    var staging: [UInt8] = []

    public let format: Format
    /// Mipmap levels of the texture: 1, or a full chain when asked for.
    public let levels: Int

    /// Allocates the target, with room for mipmaps if `mipmaps` (something reads
    /// it with a mipmap filter); throws when the driver cannot make it complete.
    public init(size: PixelSize, format: Format = .rgba8, mipmaps: Bool = false) throws {
        self.size = size
        self.format = format
        levels = mipmaps ? Int.bitWidth - max(size.width, size.height).leadingZeroBitCount : 1
        var tex: GLuint = 0
        glGenTextures(1, &tex)
        glBindTexture(glEnum(GL_TEXTURE_2D), tex)
        glTexStorage2D(glEnum(GL_TEXTURE_2D), GLsizei(levels), format.internalFormat, GLsizei(size.width), GLsizei(size.height))
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_MIN_FILTER), GL_LINEAR)
        glTexParameteri(glEnum(GL_TEXTURE_2D), glEnum(GL_TEXTURE_MAG_FILTER), GL_LINEAR)
        var fbo: GLuint = 0
        glGenFramebuffers(1, &fbo)
        glBindFramebuffer(glEnum(GL_FRAMEBUFFER), fbo)
        glFramebufferTexture2D(glEnum(GL_FRAMEBUFFER), glEnum(GL_COLOR_ATTACHMENT0), glEnum(GL_TEXTURE_2D), tex, 0)
        let status = glCheckFramebufferStatus(glEnum(GL_FRAMEBUFFER))
        texture = tex
        framebuffer = fbo
        guard status == glEnum(GL_FRAMEBUFFER_COMPLETE) else {
            throw RasterbarError(.graphicsUnavailable, "the GL driver cannot render to a \(size) \(format) target (status 0x\(String(status, radix: 16)))",
                                 hint: "try a smaller --size")
        }
    }

    /// Clears the whole target to transparent black.
    public func clear() {
        glBindFramebuffer(glEnum(GL_FRAMEBUFFER), framebuffer)
        glClearColor(0, 0, 0, 0)
        glClear(GLbitfield(GL_COLOR_BUFFER_BIT))
    }

    /// Rebuilds the smaller mipmap levels from level 0 (after drawing, before a mipmapped read).
    public func generateMipmaps() {
        guard levels > 1 else { return }
        glBindTexture(glEnum(GL_TEXTURE_2D), texture)
        glGenerateMipmap(glEnum(GL_TEXTURE_2D))
    }

    deinit {
        var fbo = framebuffer, tex = texture
        glDeleteFramebuffers(1, &fbo)
        glDeleteTextures(1, &tex)
    }

    /// Reads the pixels in GL's row order (bottom row first) into `buffer`,
    /// which is resized to width*height*4 bytes. Reuse the buffer across frames.
    public func readPixels(into buffer: inout [UInt8]) {
        let count = size.width * size.height * 4
        if buffer.count != count { buffer = [UInt8](repeating: 0, count: count) }
        glBindFramebuffer(glEnum(GL_READ_FRAMEBUFFER), framebuffer)
        glPixelStorei(glEnum(GL_PACK_ALIGNMENT), 1)
        buffer.withUnsafeMutableBytes {
            glReadPixels(0, 0, GLsizei(size.width), GLsizei(size.height), glEnum(GL_RGBA), glEnum(GL_UNSIGNED_BYTE), $0.baseAddress)
        }
    }

    /// Reads the pixels as a top-down image. The GL rows land in a staging
    /// buffer kept between calls, so only the image itself is allocated.
    public func readImage() -> Image {
        readPixels(into: &staging)
        return Image(width: size.width, height: size.height, bottomUpRows: staging)
    }

    /// Draws the target scaled to fit, centred with black bars, into the
    /// window's back buffer (framebuffer 0) of `frame` pixels.
    public func present(intoDefaultFramebufferOf frame: PixelSize) {
        let box = Letterbox(fitting: size, into: frame)
        glBindFramebuffer(glEnum(GL_DRAW_FRAMEBUFFER), 0)
        glViewport(0, 0, GLsizei(frame.width), GLsizei(frame.height))
        glClearColor(0, 0, 0, 1)
        glClear(GLbitfield(GL_COLOR_BUFFER_BIT))
        glBindFramebuffer(glEnum(GL_READ_FRAMEBUFFER), framebuffer)
        glBlitFramebuffer(0, 0, GLint(size.width), GLint(size.height),
                          GLint(box.x), GLint(box.y), GLint(box.x + box.width), GLint(box.y + box.height),
                          GLbitfield(GL_COLOR_BUFFER_BIT), glEnum(GL_LINEAR))
    }
}

/// Reads the window's back buffer (framebuffer 0) of `size` pixels, top-down.
public func readDefaultBackBuffer(size: PixelSize) -> Image {
    var pixels = [UInt8](repeating: 0, count: size.width * size.height * 4)
    glBindFramebuffer(glEnum(GL_READ_FRAMEBUFFER), 0)
    glReadBuffer(glEnum(GL_BACK))
    glPixelStorei(glEnum(GL_PACK_ALIGNMENT), 1)
    pixels.withUnsafeMutableBytes {
        glReadPixels(0, 0, GLsizei(size.width), GLsizei(size.height), glEnum(GL_RGBA), glEnum(GL_UNSIGNED_BYTE), $0.baseAddress)
    }
    return Image(width: size.width, height: size.height, bottomUpRows: pixels)
}
