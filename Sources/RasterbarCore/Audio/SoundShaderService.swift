// Music from a sound shader (Shadertoy's `mainSound`): the store loads it as
// an AudioClip like any music file, but rendering it takes a GL context, which
// Core does not have. The host registers this service with a renderer that
// has one; the store's key names the shader and its Common file.

/// Renders sound shaders into clips for the store. Registered by the host.
public final class SoundShaderService {
    /// What to render: the shader and its Common file, demo-relative.
    public struct Request: Sendable, Equatable {
        public var file: String
        public var common: String?

        static let namespace = "soundshader"

        /// The request a store key names, or nil for a key that is not a sound shader's.
        init?(key: ResourceKey) {
            let parts = key.namespace.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.first == Substring(Self.namespace) else { return nil }
            file = key.path
            common = parts.count > 1 ? String(parts[1]) : nil
        }
    }

    let render: (Request, LoadContext) throws -> AudioClip

    /// `render` reads the shader through the context (so saving it reloads the music) and draws it.
    public init(render: @escaping (Request, LoadContext) throws -> AudioClip) {
        self.render = render
    }

    /// The store key of a sound shader's music.
    public static func key(for music: Demo.Music) throws -> ResourceKey {
        try .logical(Request.namespace + (music.common.map { "|" + $0 } ?? ""), music.file)
    }
}
