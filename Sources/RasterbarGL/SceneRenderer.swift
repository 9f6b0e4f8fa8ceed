// Draws one frame of a scene into the render target: binds the program, sets
// the Shadertoy uniforms and draws the fullscreen triangle. Which scene and
// which time is the host's business; this only draws what it is given.
import CGL
import RasterbarCore

/// Everything a shader scene reads for one frame (Shadertoy's uniforms).
public struct FrameUniforms: Sendable, Equatable {
    /// Output size in pixels (iResolution.xy; z is the pixel aspect, 1).
    public var resolution: PixelSize
    /// Seconds since the scene started (iTime).
    public var sceneTime: Double
    /// Seconds since the demo started (rbDemoTime).
    public var demoTime: Double
    /// 0 at the scene's start, 1 at its end (rbSceneProgress).
    public var sceneProgress: Double
    /// Seconds since the previous frame (iTimeDelta).
    public var timeDelta: Double
    /// Frames per second the demo runs at (iFrameRate).
    public var frameRate: Double
    /// Frame number (iFrame).
    public var frame: Int
    /// Shadertoy's iMouse, in pixels of the render target.
    public var mouse: SIMD4<Float>
    /// Shadertoy's iDate: year, month (0-11), day (1-31), seconds since midnight.
    public var date: SIMD4<Float>
    /// Beats since the demo started (rbBeat; 0 without a bpm).
    public var beat: Double = 0
    /// The music's sample rate (iSampleRate): the file's, 44100 without music.
    public var sampleRate: Double = 44100
    /// Seconds into the music file (demo time plus meta.music.offset; demo time without music).
    public var musicTime: Double = 0
    /// The music's spectrum and waveform at this frame's time (silent without music).
    public var music: MusicFrame = .silent
    /// Playback time of each channel's media (iChannelTime): the music time for a music channel.
    public var channelTime: SIMD4<Float> = .zero
    /// Sync tracks and scene params, set as uniforms of the same name where a program declares them.
    public var named: [NamedUniform] = []

    public init(resolution: PixelSize, sceneTime: Double, demoTime: Double, sceneProgress: Double, timeDelta: Double,
                frameRate: Double, frame: Int, mouse: SIMD4<Float> = .zero, date: SIMD4<Float>) {
        self.resolution = resolution
        self.sceneTime = sceneTime
        self.demoTime = demoTime
        self.sceneProgress = sceneProgress
        self.timeDelta = timeDelta
        self.frameRate = frameRate
        self.frame = frame
        self.mouse = mouse
        self.date = date
    }
}

/// How draws combine with what the target holds.
public enum BlendMode: Sendable { case none, alpha, add }

/// What geometry vertices make.
public enum PrimitiveMode: Sendable { case points, lines, lineStrip, triangles, triangleStrip }

/// A uniform set by name: a sync track (float to vec4) or a scene parameter.
public struct NamedUniform: Sendable, Equatable {
    public var name: String
    public var components: Int
    public var value: SIMD4<Float>

    public init(name: String, components: Int, value: SIMD4<Float>) {
        self.name = name
        self.components = components
        self.value = value
    }
}

/// A texture bound to a channel (iChannel0..3), with how it is sampled.
public struct ChannelTexture {
    public var name: GLuint
    /// GL_TEXTURE_2D, GL_TEXTURE_CUBE_MAP or GL_TEXTURE_3D.
    public var target: GLenum
    /// Width, height and depth (iChannelResolution).
    public var resolution: SIMD3<Float>
    public var sampling: Demo.Sampling
    /// False for a texture without mipmap levels: a mipmap filter reads level 0 linearly.
    public var hasMipmaps: Bool

    public init(_ texture: Texture, sampling: Demo.Sampling) {
        self.init(name: texture.name, target: texture.target,
                  resolution: SIMD3(Float(texture.size.width), Float(texture.size.height), Float(texture.depth)),
                  sampling: sampling, hasMipmaps: texture.hasMipmaps)
    }

    public init(_ target: RenderTarget, sampling: Demo.Sampling) {
        self.init(name: target.texture, target: glEnum(GL_TEXTURE_2D),
                  resolution: SIMD3(Float(target.size.width), Float(target.size.height), 1),
                  sampling: sampling, hasMipmaps: target.levels > 1)
    }

    public init(name: GLuint, target: GLenum, resolution: SIMD3<Float>, sampling: Demo.Sampling, hasMipmaps: Bool) {
        self.name = name
        self.target = target
        self.resolution = resolution
        self.sampling = sampling
        self.hasMipmaps = hasMipmaps
    }
}

/// Draws scene programs into an offscreen target. GL thread only.
public final class SceneRenderer {
    public let target: RenderTarget
    /// GL core profiles need a bound vertex array even with no attributes.
    let emptyVertexArray: GLuint
    /// Where script geometry is streamed.
    let geometry = GeometryBuffer()

    /// Makes a renderer drawing at `size`.
    public init(size: PixelSize) throws {
        target = try RenderTarget(size: size)
        var vao: GLuint = 0
        glGenVertexArrays(1, &vao)
        emptyVertexArray = vao
        // GLSL ES (Shadertoy's) always filters across cube faces; desktop GL only when asked.
        glEnable(glEnum(GL_TEXTURE_CUBE_MAP_SEAMLESS))
    }

    deinit {
        var vao = emptyVertexArray
        glDeleteVertexArrays(1, &vao)
        for var sampler in samplers.values { glDeleteSamplers(1, &sampler) }
    }

    /// Sampler objects by (filter, wrap, mipmapped): a channel's sampling
    /// overrides the texture's own, so one texture can be read two ways.
    var samplers: [Int: GLuint] = [:]

    func sampler(_ sampling: Demo.Sampling, mipmapped: Bool) -> GLuint {
        let filter = sampling.filter == .mipmap && !mipmapped ? .linear : sampling.filter
        let id = (Demo.Sampling.Filter.allCases.firstIndex(of: filter)! << 1) | (sampling.wrap == .repeat ? 1 : 0)
        if let s = samplers[id] { return s }
        var s: GLuint = 0
        glGenSamplers(1, &s)
        let (minFilter, magFilter): (Int32, Int32)
        switch filter {
        case .nearest: (minFilter, magFilter) = (GL_NEAREST, GL_NEAREST)
        case .linear: (minFilter, magFilter) = (GL_LINEAR, GL_LINEAR)
        case .mipmap: (minFilter, magFilter) = (GL_LINEAR_MIPMAP_LINEAR, GL_LINEAR)
        }
        glSamplerParameteri(s, glEnum(GL_TEXTURE_MIN_FILTER), minFilter)
        glSamplerParameteri(s, glEnum(GL_TEXTURE_MAG_FILTER), magFilter)
        let wrap = sampling.wrap == .repeat ? GL_REPEAT : GL_CLAMP_TO_EDGE
        for axis in [GL_TEXTURE_WRAP_S, GL_TEXTURE_WRAP_T, GL_TEXTURE_WRAP_R] { glSamplerParameteri(s, glEnum(axis), wrap) }
        samplers[id] = s
        return s
    }

    public var size: PixelSize { target.size }

    /// Draws `program` with `uniforms` and textures (`channels` on units 0-3
    /// as iChannel0..3, `named` after them), or clears to black when there is no scene.
    public func draw(_ program: ShaderProgram?, _ uniforms: FrameUniforms, channels: [ChannelTexture?] = [],
                     named: [(uniform: String, texture: Texture)] = [], into destination: RenderTarget? = nil) {
        bind(destination ?? target)
        guard let program else {
            clear(to: SIMD4(0, 0, 0, 1))
            return
        }
        glUseProgram(program.name)
        setFrameUniforms(program, uniforms, size: size)
        bindChannels(program, channels)
        bindNamed(program, named.map { ($0.uniform, $0.texture.name) })
        drawFullscreenTriangle()
        // Other draws (the compositor, scripts, text) sample with their textures' own settings.
        for unit in 0..<4 { glBindSampler(GLuint(unit), 0) }
    }

    // MARK: Steps, shared with script scenes

    /// Draws into `target` from now on.
    public func bind(_ target: RenderTarget) {
        glBindFramebuffer(glEnum(GL_FRAMEBUFFER), target.framebuffer)
        glViewport(0, 0, GLsizei(target.size.width), GLsizei(target.size.height))
    }

    /// Clears the bound target.
    public func clear(to color: SIMD4<Float>) {
        glClearColor(color.x, color.y, color.z, color.w)
        glClear(GLbitfield(GL_COLOR_BUFFER_BIT))
    }

    /// Sets the Shadertoy uniforms of the bound `program` for a target of `size`.
    public func setFrameUniforms(_ program: ShaderProgram, _ uniforms: FrameUniforms, size: PixelSize) {
        let l = program.locations
        if l.resolution >= 0 { glUniform3f(l.resolution, Float(size.width), Float(size.height), 1) }
        if l.time >= 0 { glUniform1f(l.time, Float(uniforms.sceneTime)) }
        if l.timeDelta >= 0 { glUniform1f(l.timeDelta, Float(uniforms.timeDelta)) }
        if l.frameRate >= 0 { glUniform1f(l.frameRate, Float(uniforms.frameRate)) }
        if l.frame >= 0 { glUniform1i(l.frame, GLint(truncatingIfNeeded: uniforms.frame)) }
        if l.mouse >= 0 { glUniform4f(l.mouse, uniforms.mouse.x, uniforms.mouse.y, uniforms.mouse.z, uniforms.mouse.w) }
        if l.date >= 0 { glUniform4f(l.date, uniforms.date.x, uniforms.date.y, uniforms.date.z, uniforms.date.w) }
        if l.sampleRate >= 0 { glUniform1f(l.sampleRate, Float(uniforms.sampleRate)) }
        if l.channelTime >= 0 {
            withUnsafeBytes(of: uniforms.channelTime) { glUniform1fv(l.channelTime, 4, $0.baseAddress!.assumingMemoryBound(to: Float.self)) }
        }
        if l.demoTime >= 0 { glUniform1f(l.demoTime, Float(uniforms.demoTime)) }
        if l.sceneProgress >= 0 { glUniform1f(l.sceneProgress, Float(uniforms.sceneProgress)) }
        if l.beat >= 0 { glUniform1f(l.beat, Float(uniforms.beat)) }
        for uniform in uniforms.named {
            withUnsafeBytes(of: uniform.value) { raw in
                program.setUniform(uniform.name, floats: UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: Float.self),
                                                                            count: uniform.components))
            }
        }
    }

    /// Binds iChannel0..3 of the bound `program` (an unbound channel samples black, as on Shadertoy).
    public func bindChannels(_ program: ShaderProgram, _ channels: [ChannelTexture?]) {
        let l = program.locations
        var resolutions = [Float](repeating: 0, count: 12)
        for unit in 0..<4 {
            let channel = unit < channels.count ? channels[unit] : nil
            glActiveTexture(glEnum(GL_TEXTURE0) + GLenum(unit))
            if let channel {
                glBindTexture(channel.target, channel.name)
                glBindSampler(GLuint(unit), sampler(channel.sampling, mipmapped: channel.hasMipmaps))
                resolutions.replaceSubrange(unit * 3..<unit * 3 + 3, with: [channel.resolution.x, channel.resolution.y, channel.resolution.z])
            } else {
                for target in [GL_TEXTURE_2D, GL_TEXTURE_CUBE_MAP, GL_TEXTURE_3D] { glBindTexture(glEnum(target), 0) }
                glBindSampler(GLuint(unit), 0)
            }
            if l.channels[unit] >= 0 { glUniform1i(l.channels[unit], GLint(unit)) }
        }
        if l.channelResolution >= 0 { glUniform3fv(l.channelResolution, 4, resolutions) }
        glActiveTexture(glEnum(GL_TEXTURE0))
    }

    /// Binds GL textures to sampler uniforms of the bound `program` by name, on units 4 and up.
    public func bindNamed(_ program: ShaderProgram, _ named: [(uniform: String, texture: GLuint)]) {
        for (i, binding) in named.enumerated() {
            let location = program.location(of: binding.uniform)
            guard location >= 0 else { continue }
            glActiveTexture(glEnum(GL_TEXTURE0) + GLenum(4 + i))
            glBindTexture(glEnum(GL_TEXTURE_2D), binding.texture)
            glUniform1i(location, GLint(4 + i))
        }
        glActiveTexture(glEnum(GL_TEXTURE0))
    }

    /// Sets how the next draws blend.
    public func setBlend(_ mode: BlendMode) {
        switch mode {
        case .none:
            glDisable(glEnum(GL_BLEND))
        case .alpha:
            glEnable(glEnum(GL_BLEND))
            glBlendFunc(glEnum(GL_SRC_ALPHA), glEnum(GL_ONE_MINUS_SRC_ALPHA))
        case .add:
            glEnable(glEnum(GL_BLEND))
            glBlendFunc(glEnum(GL_SRC_ALPHA), glEnum(GL_ONE))
        }
    }

    /// Draws `count` rb_vertex values with the bound program.
    public func drawGeometry(_ vertices: UnsafeRawPointer, count: Int, as primitive: PrimitiveMode) {
        let mode: Int32
        switch primitive {
        case .points: mode = GL_POINTS
        case .lines: mode = GL_LINES
        case .lineStrip: mode = GL_LINE_STRIP
        case .triangles: mode = GL_TRIANGLES
        case .triangleStrip: mode = GL_TRIANGLE_STRIP
        }
        geometry.draw(vertices, count: count, mode: glEnum(mode))
    }

    /// The fullscreen triangle with whatever program is bound.
    public func drawFullscreenTriangle() {
        glBindVertexArray(emptyVertexArray)
        glDrawArrays(glEnum(GL_TRIANGLES), 0, 3)
    }
}
