// Reads frames back without waiting for them: each frame's pixels go into a
// pixel buffer object (glReadPixels returns at once), and are mapped a few
// frames later, when the GPU (or llvmpipe) has long finished them. Export
// uses it so that rendering, readback and encoding overlap.
import CGL
import RasterbarCore

/// A ring of pixel buffer objects for one target size. GL thread only.
public final class AsyncReadback {
    let size: PixelSize
    var buffers: [GLuint]
    /// Frames read into a buffer and not yet taken, oldest first: (buffer index, tag).
    var pending: [(slot: Int, tag: Int)] = []
    var next = 0

    /// `depth` frames can be in flight before the oldest must be taken.
    public init(size: PixelSize, depth: Int = 3) {
        self.size = size
        buffers = [GLuint](repeating: 0, count: depth)
        glGenBuffers(GLsizei(depth), &buffers)
        for name in buffers {
            glBindBuffer(glEnum(GL_PIXEL_PACK_BUFFER), name)
            glBufferData(glEnum(GL_PIXEL_PACK_BUFFER), size.width * size.height * 4, nil, glEnum(GL_STREAM_READ))
        }
        glBindBuffer(glEnum(GL_PIXEL_PACK_BUFFER), 0)
    }

    deinit { glDeleteBuffers(GLsizei(buffers.count), buffers) }

    /// True when the ring is full: take the oldest frame before starting another.
    public var isFull: Bool { pending.count == buffers.count }
    /// True when frames are waiting to be taken.
    public var hasPending: Bool { !pending.isEmpty }

    /// Starts reading `target` (rows bottom-up, RGBA8); `tag` comes back with the pixels.
    public func start(_ target: RenderTarget, tag: Int) {
        precondition(!isFull, "take the oldest frame first")
        precondition(target.size == size, "the readback was made for another size")
        let slot = next
        next = (next + 1) % buffers.count
        glBindFramebuffer(glEnum(GL_READ_FRAMEBUFFER), target.framebuffer)
        glBindBuffer(glEnum(GL_PIXEL_PACK_BUFFER), buffers[slot])
        glPixelStorei(glEnum(GL_PACK_ALIGNMENT), 1)
        glReadPixels(0, 0, GLsizei(size.width), GLsizei(size.height), glEnum(GL_RGBA), glEnum(GL_UNSIGNED_BYTE), nil)
        glBindBuffer(glEnum(GL_PIXEL_PACK_BUFFER), 0)
        pending.append((slot, tag))
    }

    /// Copies the oldest frame's pixels (bottom-up rows) into `buffer` and returns its tag.
    public func takeOldest(into buffer: inout [UInt8]) -> Int? {
        guard let (slot, tag) = pending.first else { return nil }
        pending.removeFirst()
        let count = size.width * size.height * 4
        if buffer.count != count { buffer = [UInt8](unsafeUninitializedCapacity: count) { _, n in n = count } }
        glBindBuffer(glEnum(GL_PIXEL_PACK_BUFFER), buffers[slot])
        if let mapped = glMapBufferRange(glEnum(GL_PIXEL_PACK_BUFFER), 0, count, GLbitfield(GL_MAP_READ_BIT)) {
            buffer.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: mapped, byteCount: count) }
            glUnmapBuffer(glEnum(GL_PIXEL_PACK_BUFFER))
        }
        glBindBuffer(glEnum(GL_PIXEL_PACK_BUFFER), 0)
        return tag
    }
}
