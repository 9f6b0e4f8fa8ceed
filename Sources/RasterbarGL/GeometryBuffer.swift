// Script geometry: vertices streamed into one host-owned buffer per scene
// renderer. Attribute 0 is rb_Position (vec4: xyz and point size), attribute
// 1 is rb_Color (vec4), matching rb_vertex in rasterbar.h.
import CGL

/// A streaming vertex buffer for rb_vertex data. GL thread only.
public final class GeometryBuffer {
    let vertexArray: GLuint
    let buffer: GLuint
    /// Bytes per vertex: eight floats.
    public static let stride = 32

    public init() {
        var vao: GLuint = 0, vbo: GLuint = 0
        glGenVertexArrays(1, &vao)
        glGenBuffers(1, &vbo)
        vertexArray = vao
        buffer = vbo
        glBindVertexArray(vao)
        glBindBuffer(glEnum(GL_ARRAY_BUFFER), vbo)
        glEnableVertexAttribArray(0)
        glVertexAttribPointer(0, 4, glEnum(GL_FLOAT), GLboolean(GL_FALSE), GLsizei(Self.stride), nil)
        glEnableVertexAttribArray(1)
        glVertexAttribPointer(1, 4, glEnum(GL_FLOAT), GLboolean(GL_FALSE), GLsizei(Self.stride), UnsafeRawPointer(bitPattern: 16))
        glBindVertexArray(0)
    }

    deinit {
        var vao = vertexArray, vbo = buffer
        glDeleteVertexArrays(1, &vao)
        glDeleteBuffers(1, &vbo)
    }

    /// Copies `count` vertices and draws them with the bound program as `mode` (GL_POINTS, ...).
    public func draw(_ vertices: UnsafeRawPointer, count: Int, mode: GLenum) {
        guard count > 0 else { return }
        glBindVertexArray(vertexArray)
        glBindBuffer(glEnum(GL_ARRAY_BUFFER), buffer)
        // Orphan and refill: the driver never waits on last frame's data.
        glBufferData(glEnum(GL_ARRAY_BUFFER), count * Self.stride, vertices, glEnum(GL_STREAM_DRAW))
        glEnable(glEnum(GL_PROGRAM_POINT_SIZE))
        glDrawArrays(mode, 0, GLsizei(count))
        glBindVertexArray(0)
    }
}
