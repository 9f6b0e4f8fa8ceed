// A linked GL program for one scene: the fullscreen-triangle vertex stage plus
// the scene's fragment stage, with the Shadertoy uniform locations looked up
// once at link time. Compile and link failures become diagnostics that name
// the author's files and lines (ShaderSource does the mapping).
import CGL
import RasterbarCore

/// A compiled and linked scene program. Must be used on the GL thread.
public final class ShaderProgram: Loadable {
    /// The GL program object name.
    public let name: GLuint
    /// The demo-relative path of the fragment shader it came from.
    public let file: String
    let locations: UniformLocations
    /// Locations of uniforms bound by name (textures), looked up once each.
    var namedLocations: [String: GLint] = [:]

    /// Compiles and links a fullscreen program for the fragment `source`;
    /// throws `.shaderCompile` or `.shaderLink` naming the file and line.
    public convenience init(fragment source: ShaderSource, file: String) throws {
        let vertexText = Self.vertexSource(for: source)
        try self.init(vertex: ShaderSource(text: vertexText, style: .glsl, files: [0: "<rasterbar vertex stage>"]),
                      fragment: source, file: file)
    }

    /// Compiles and links two stages.
    public init(vertex vertexSource: ShaderSource, fragment source: ShaderSource, file: String) throws {
        let vertex = try Self.compile(glEnum(GL_VERTEX_SHADER), vertexSource.text, file: vertexSource.files[0] ?? file,
                                      source: vertexSource)
        defer { glDeleteShader(vertex) }
        let fragment = try Self.compile(glEnum(GL_FRAGMENT_SHADER), source.text, file: file, source: source)
        defer { glDeleteShader(fragment) }
        let program = glCreateProgram()
        glAttachShader(program, vertex)
        glAttachShader(program, fragment)
        glLinkProgram(program)
        var ok: GLint = 0
        glGetProgramiv(program, glEnum(GL_LINK_STATUS), &ok)
        guard ok != 0 else {
            let log = Self.infoLog(program, isProgram: true)
            glDeleteProgram(program)
            let diagnostics = source.diagnostics(fromLog: log, fallbackFile: file)
            throw RasterbarError(.shaderLink, "cannot link: " + diagnostics.map(\.message).joined(separator: "; "), file: file, line: nil)
        }
        self.name = program
        self.file = file
        self.locations = UniformLocations(program: program)
        self.declaredFloats = Self.activeFloatUniforms(program)
    }

    /// The float and vecN uniforms the program uses that are not built in
    /// (Shadertoy's i..., Rasterbar's rb...): what a sync editor can drive.
    public let declaredFloats: [(name: String, components: Int)]

    static func activeFloatUniforms(_ program: GLuint) -> [(name: String, components: Int)] {
        var count: GLint = 0
        glGetProgramiv(program, glEnum(GL_ACTIVE_UNIFORMS), &count)
        var found: [(name: String, components: Int)] = []
        var buffer = [GLchar](repeating: 0, count: 256)
        for index in 0..<GLuint(max(0, count)) {
            var length: GLsizei = 0, size: GLint = 0, type: GLenum = 0
            glGetActiveUniform(program, index, GLsizei(buffer.count), &length, &size, &type, &buffer)
            let name = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let components: Int
            switch Int32(type) {
            case GL_FLOAT: components = 1
            case GL_FLOAT_VEC2: components = 2
            case GL_FLOAT_VEC3: components = 3
            case GL_FLOAT_VEC4: components = 4
            default: continue
            }
            let builtIn = name.hasPrefix("gl_") || name.contains("[") || name.contains(".")
                || (name.count > 1 && name.first == "i" && name.dropFirst().first!.isUppercase)
                || (name.count > 2 && name.hasPrefix("rb") && name.dropFirst(2).first!.isUppercase)
            if size == 1, !builtIn { found.append((name, components)) }
        }
        return found.sorted { $0.name < $1.name }
    }

    deinit { glDeleteProgram(name) }

    // Uniforms are set with glProgramUniform (GL 4.1): on this program, bound or
    // not, so setting one never changes which program the next draw uses.

    /// Sets a float uniform (1 to 4 components) by name; unknown names are ignored.
    public func setUniform(_ uniform: String, floats: UnsafeBufferPointer<Float>) {
        let l = location(of: uniform)
        guard l >= 0, let p = floats.baseAddress else { return }
        switch floats.count {
        case 1: glProgramUniform1fv(name, l, 1, p)
        case 2: glProgramUniform2fv(name, l, 1, p)
        case 3: glProgramUniform3fv(name, l, 1, p)
        case 4: glProgramUniform4fv(name, l, 1, p)
        default: break
        }
    }

    /// Sets an int uniform by name; unknown names are ignored.
    public func setUniform(_ uniform: String, int value: Int32) {
        let l = location(of: uniform)
        guard l >= 0 else { return }
        glProgramUniform1i(name, l, value)
    }

    /// Makes this the program the next draws use.
    public func use() { glUseProgram(name) }

    /// The location of the uniform `uniform`, or -1 when the shader does not use it.
    func location(of uniform: String) -> GLint {
        if let l = namedLocations[uniform] { return l }
        let l = glGetUniformLocation(name, uniform)
        namedLocations[uniform] = l
        return l
    }

    // MARK: Loading through the store

    public static let kind = "shader"

    /// The program for a shader file, reading it and its includes through the
    /// store so that editing any of them reloads it. Key `program:PATH`: a
    /// fullscreen fragment shader; `geometry:PATH`: a geometry shader file.
    public static func load(from context: LoadContext) throws -> ShaderProgram {
        let path = context.key.path
        if context.key.namespace == geometryNamespace {
            let vertex = try ShaderSource.geometry(true, file: path) { try context.readText($0) }
            let fragment = try ShaderSource.geometry(false, file: path) { try context.readText($0) }
            return try ShaderProgram(vertex: vertex, fragment: fragment, file: path)
        }
        if let variant = PassVariant(namespace: context.key.namespace) {
            let source = try ShaderSource.load(path, common: variant.common, samplers: variant.samplers, pass: variant.pass) { try context.readText($0) }
            return try ShaderProgram(fragment: source, file: path)
        }
        return try ShaderProgram(fragment: try ShaderSource.load(path) { try context.readText($0) }, file: path)
    }

    /// How a Shadertoy pass is wrapped beyond the plain image pass: its
    /// Common file, its channels' sampler types, image or buffer.
    public struct PassVariant: Hashable, Sendable {
        public var common: String?
        public var samplers: [SamplerKind]
        public var pass: PassKind

        public init(common: String?, samplers: [SamplerKind], pass: PassKind) {
            self.common = common
            self.samplers = samplers
            self.pass = pass
        }

        /// The plain image pass every single-pass scene has.
        var isPlain: Bool { common == nil && pass == .image && samplers.allSatisfy { $0 == .texture2D } }

        /// Written into the key's namespace (no ':'), so the store keeps one program per variant.
        var namespace: String {
            ["program", pass == .buffer ? "buffer" : "image", samplers.map(\.rawValue).joined(separator: ","), common ?? ""]
                .joined(separator: "|")
        }

        init?(namespace: String) {
            let parts = namespace.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, parts[0] == "program" else { return nil }
            pass = parts[1] == "buffer" ? .buffer : .image
            samplers = parts[2].split(separator: ",").compactMap { SamplerKind(rawValue: String($0)) }
            common = parts[3].isEmpty ? nil : parts[3]
        }
    }

    static let geometryNamespace = "geometry"

    /// The store key of the geometry program in a shader file.
    public static func geometryKey(for shader: String) throws -> ResourceKey {
        try .logical(geometryNamespace, shader)
    }

    /// Until a shader has compiled once: magenta and black stripes that crawl,
    /// so a broken scene is unmistakable (black would look like a dark scene).
    public static func fallback(for key: ResourceKey) -> ShaderProgram? {
        try? ShaderProgram(fragment: ShaderSource.fragment(errorPatternSource, file: "<rasterbar error pattern>"),
                           file: key.path)
    }

    static let errorPatternSource = """
        void mainImage(out vec4 fragColor, in vec2 fragCoord) {
            float stripe = step(0.5, fract((fragCoord.x + fragCoord.y - rbDemoTime * 40.0) / 48.0));
            fragColor = vec4(mix(vec3(0.08, 0.0, 0.08), vec3(1.0, 0.0, 1.0), stripe), 1.0);
        }
        """

    /// The store key of the program for a fragment shader file.
    public static func key(for shader: String, variant: PassVariant? = nil) throws -> ResourceKey {
        guard let variant, !variant.isPlain else { return try .logical("program", shader) }
        return try .logical(variant.namespace, shader)
    }

    /// The fullscreen triangle, no vertex buffer: positions come from gl_VertexID.
    /// It matches the fragment stage's profile (desktop core or ES). Public so
    /// the benchmark's raw C driver floor compiles exactly what the engine does.
    public static func vertexSource(for fragment: ShaderSource) -> String {
        let isES = fragment.text.split(separator: "\n", maxSplits: 8).contains { $0.hasPrefix("#version") && $0.hasSuffix(" es") }
        return """
            #version \(isES ? "300 es" : ShaderSource.wrapVersion)
            void main() {
                vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
                gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
            }
            """
    }

    static func compile(_ stage: GLenum, _ text: String, file: String, source: ShaderSource) throws -> GLuint {
        let shader = glCreateShader(stage)
        text.withCString { cstr in
            var ptr: UnsafePointer<GLchar>? = cstr
            glShaderSource(shader, 1, &ptr, nil)
        }
        glCompileShader(shader)
        var ok: GLint = 0
        glGetShaderiv(shader, glEnum(GL_COMPILE_STATUS), &ok)
        guard ok != 0 else {
            let log = infoLog(shader, isProgram: false)
            glDeleteShader(shader)
            let diagnostics = source.diagnostics(fromLog: log, fallbackFile: file)
                .filter { $0.severity == .error }
            let first = diagnostics.first
            // The first error leads (file:line:column); any others follow in the message.
            let message = ([first.map { "error: \($0.message)" } ?? "error: compile failed"]
                           + diagnostics.dropFirst().map(\.description)).joined(separator: "; ")
            throw RasterbarError(.shaderCompile, message, file: first?.file ?? file, line: first?.line, column: first?.column)
        }
        return shader
    }

    static func infoLog(_ object: GLuint, isProgram: Bool) -> String {
        var length: GLint = 0
        if isProgram { glGetProgramiv(object, glEnum(GL_INFO_LOG_LENGTH), &length) } else { glGetShaderiv(object, glEnum(GL_INFO_LOG_LENGTH), &length) }
        guard length > 1 else { return "" }
        var buffer = [GLchar](repeating: 0, count: Int(length))
        if isProgram { glGetProgramInfoLog(object, length, nil, &buffer) } else { glGetShaderInfoLog(object, length, nil, &buffer) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Where each uniform a scene may use lives in one program (-1: not used).
struct UniformLocations {
    let resolution, time, timeDelta, frameRate, frame, mouse, date, sampleRate: GLint
    let demoTime, sceneProgress, beat: GLint
    let channelResolution, channelTime: GLint
    let channels: [GLint]

    init(program: GLuint) {
        func at(_ n: String) -> GLint { glGetUniformLocation(program, n) }
        resolution = at("iResolution"); time = at("iTime"); timeDelta = at("iTimeDelta")
        frameRate = at("iFrameRate"); frame = at("iFrame"); mouse = at("iMouse"); date = at("iDate")
        sampleRate = at("iSampleRate"); demoTime = at("rbDemoTime"); sceneProgress = at("rbSceneProgress"); beat = at("rbBeat")
        channelResolution = at("iChannelResolution"); channelTime = at("iChannelTime")
        channels = (0..<4).map { at("iChannel\($0)") }
    }
}
