// Shadertoy's GPU sound: `vec2 mainSound(int samp, float time)` evaluated for
// every sample of the soundtrack, block by block, into a float target, then
// read back as a stereo clip that plays, analyses and exports like a file.
// How the pass is wrapped (which pixel holds which sample) is ShaderSource's
// `sound` contract; this draws it.
import CGL
import RasterbarCore

/// Renders sound shaders into audio clips. GL thread only.
public enum SoundShaderRenderer {
    /// Samples per second, as on Shadertoy.
    public static let rate = 44100.0
    /// Pixels per side of one block (Shadertoy renders 512x512 samples at a time).
    static let blockSide = 512

    /// Renders `seconds` of the sound pass `source` (the file `file`) into a stereo clip.
    public static func render(_ source: ShaderSource, file: String, seconds: Double) throws -> AudioClip {
        let program = try ShaderProgram(fragment: source, file: file)
        let target = try RenderTarget(size: PixelSize(width: blockSide, height: blockSide), format: .rgba32f)
        let total = max(0, AudioClip.frameIndex(at: seconds, rate: rate))
        var samples = [Float](repeating: 0, count: total * 2)
        var block = [Float](repeating: 0, count: blockSide * blockSide * 4)
        var emptyVertexArray: GLuint = 0
        glGenVertexArrays(1, &emptyVertexArray)
        defer { glDeleteVertexArrays(1, &emptyVertexArray) }
        glBindFramebuffer(glEnum(GL_FRAMEBUFFER), target.framebuffer)
        glViewport(0, 0, GLsizei(blockSide), GLsizei(blockSide))
        glDisable(glEnum(GL_BLEND))
        program.use()
        program.setUniform("iSampleRate", floats: [Float(rate)])
        program.setUniform("rbSoundWidth", int: Int32(blockSide))
        var base = 0
        while base < total {
            let count = min(blockSide * blockSide, total - base)
            let rows = (count + blockSide - 1) / blockSide
            program.setUniform("iSampleOffset", int: Int32(base))
            program.setUniform("iTimeOffset", floats: [Float(Double(base) / rate)])
            glBindVertexArray(emptyVertexArray)
            glDrawArrays(glEnum(GL_TRIANGLES), 0, 3)
            glPixelStorei(glEnum(GL_PACK_ALIGNMENT), 4)
            block.withUnsafeMutableBytes {
                glReadPixels(0, 0, GLsizei(blockSide), GLsizei(rows), glEnum(GL_RGBA), glEnum(GL_FLOAT), $0.baseAddress)
            }
            for i in 0..<count {
                samples[(base + i) * 2] = block[i * 4]
                samples[(base + i) * 2 + 1] = block[i * 4 + 1]
            }
            base += count
        }
        return AudioClip(rate: rate, channels: 2, samples: samples)
    }
}

extension ShaderProgram {
    /// Sets float uniforms from an array (see `setUniform(_:floats:)`).
    func setUniform(_ uniform: String, floats: [Float]) {
        floats.withUnsafeBufferPointer { setUniform(uniform, floats: $0) }
    }
}
