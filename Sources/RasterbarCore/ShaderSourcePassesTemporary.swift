// TEMPORARY stand-in for the pass wrappers being written on the glsl-compat
// branch; removed when that branch is merged.
public enum SamplerKind: String, Sendable { case texture2D = "sampler2D", cube = "samplerCube", volume = "sampler3D" }
public enum PassKind: Sendable { case image, buffer }

extension ShaderSource {
    public static func load(_ file: String, common: String?, samplers: [SamplerKind], pass: PassKind,
                            read: (String) throws -> String) throws -> ShaderSource {
        var (text, lineMap) = try expandIncludes(file, read: read)
        if lineMap.isEmpty { lineMap = text.split(separator: "\n", omittingEmptySubsequences: false).indices.map { Origin(file: file, line: $0 + 1) } }
        if let common {
            var (ctext, cmap) = try expandIncludes(common, read: read)
            if cmap.isEmpty { cmap = ctext.split(separator: "\n", omittingEmptySubsequences: false).indices.map { Origin(file: common, line: $0 + 1) } }
            text = ctext + "\n" + text
            lineMap = cmap + lineMap
        }
        var source = fragment(text, file: file)
        source.lineMap = lineMap
        for (i, kind) in samplers.enumerated() where kind != .texture2D {
            source.text = source.text.replacingFirst("uniform sampler2D iChannel\(i);", with: "uniform \(kind.rawValue) iChannel\(i);")
        }
        if pass == .buffer {
            source.text = source.text.replacingFirst("rb_FragColor = vec4(color.rgb, 1.0);", with: "rb_FragColor = color;")
        }
        return source
    }
}

extension String {
    func replacingFirst(_ a: String, with b: String) -> String {
        guard let r = firstRange(of: a) else { return self }
        var s = self
        s.replaceSubrange(r, with: b)
        return s
    }
}

extension ShaderSource {
    public static func sound(_ file: String, common: String?, read: (String) throws -> String) throws -> ShaderSource {
        var (text, _) = try expandIncludes(file, read: read)
        if let common { text = try expandIncludes(common, read: read).0 + "\n" + text }
        return ShaderSource(text: """
            #version 410 core
            uniform float iTimeOffset; uniform int iSampleOffset; uniform float iSampleRate; uniform int rbSoundWidth;
            out vec4 rb_FragColor;
            \(text)
            void main() {
                int i = int(gl_FragCoord.y) * rbSoundWidth + int(gl_FragCoord.x);
                rb_FragColor = vec4(clamp(mainSound(iSampleOffset + i, iTimeOffset + float(i) / iSampleRate), -1.0, 1.0), 0.0, 1.0);
            }
            """, style: .shadertoy, files: [0: file])
    }
}
