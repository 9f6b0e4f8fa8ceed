// Shader scenes as Shadertoy runs them: buffers A-D drawn before the image
// each frame, each a float target the passes read as channels, plus every
// kind of channel a pass can read (PNGs, buffers, the music and keyboard
// inputs, noise media, volumes, cubemaps) bound with its own sampling.
//
// A buffer that reads itself (or a later buffer) depends on every frame before
// it. Live, the buffers step once per new frame and start cleared when the
// scene is entered or time goes back. Offline (render, export), such a scene
// is replayed from its start on the demo's frame grid, like a script, so a
// window frame, a single render and an exported frame agree.
import RasterbarCore
import RasterbarGL

/// The buffers of one multi-pass scene: per buffer the newest contents and
/// the target the next pass draws into, swapped after each pass.
final class BufferChain {
    let size: PixelSize
    private(set) var newest: [Demo.BufferID: RenderTarget] = [:]
    private var spare: [Demo.BufferID: RenderTarget] = [:]
    /// Frames stepped since the buffers were cleared: the next step's iFrame.
    private(set) var steps = 0
    /// The scene time of the last step, and the renderer's frame that drew it (live).
    var lastTime: Double?
    var lastSerial: Int?

    /// The buffers some channel reads with a mipmap filter: only they get mipmap levels.
    let mipmapped: Set<Demo.BufferID>

    init(size: PixelSize, buffers: [Demo.BufferID], mipmapped: Set<Demo.BufferID>) throws {
        self.size = size
        self.mipmapped = mipmapped
        for id in buffers {
            newest[id] = try RenderTarget(size: size, format: .rgba32f, mipmaps: mipmapped.contains(id))
            spare[id] = try RenderTarget(size: size, format: .rgba32f, mipmaps: mipmapped.contains(id))
        }
        clear()
    }

    var buffers: Set<Demo.BufferID> { Set(newest.keys) }

    /// Back to the scene's start: every buffer transparent black.
    func clear() {
        for target in Array(newest.values) + Array(spare.values) { target.clear() }
        steps = 0
        lastTime = nil
        lastSerial = nil
    }

    /// Where the pass of `id` draws this step.
    func drawTarget(_ id: Demo.BufferID) -> RenderTarget { spare[id]! }

    /// The pass of `id` has drawn: its new contents become the newest.
    func finishPass(_ id: Demo.BufferID) {
        swap(&newest[id], &spare[id])
    }

    func finishStep(time: Double, serial: Int) {
        steps += 1
        lastTime = time
        lastSerial = serial
    }
}

extension DemoRenderer {
    /// Draws a shader scene: its buffers (stepped as the mode requires), then its image pass.
    /// `namedAt` gives the tracks and params at a time: a replayed step reads them at its own.
    func drawShaderScene(_ scene: Demo.Scene, image path: String, at time: Double, inputs: FrameInputs,
                         namedAt: (Double) -> [NamedUniform], into destination: RenderTarget) throws {
        let named = namedAt(time)
        let frameInScene = max(0, Int(((time - scene.start) * demo.meta.fps + 1e-6).rounded(.down)))
        guard !scene.buffers.isEmpty else {
            var u = uniforms(time: time, scene: scene, inputs: inputs, named: named)
            u.frame = frameInScene
            try drawPass(scene, image: path, uniforms: u, chain: nil, into: destination)
            return
        }
        let chain = try bufferChain(for: scene)
        renderer.setBlend(.none)
        if offline {
            var t = time
            if scene.hasFeedback {
                // Replayed on the frame grid from the scene's start; going back starts again.
                let step = 1 / demo.meta.fps
                if chain.steps > frameInScene + 1 { chain.clear() }
                while chain.steps <= frameInScene {
                    let stepTime = scene.start + Double(chain.steps) * step
                    try stepBuffers(scene, chain: chain, frame: chain.steps, time: stepTime, inputs: .offline(time: stepTime, demo: demo),
                                    named: namedAt(stepTime))
                }
                t = scene.start + Double(frameInScene) * step
            } else {
                // Buffers that do not feed back are a function of this frame alone.
                try stepBuffers(scene, chain: chain, frame: frameInScene, time: t, inputs: inputs, named: named)
            }
            var u = uniforms(time: t, scene: scene, inputs: .offline(time: t, demo: demo), named: t == time ? named : namedAt(t))
            u.frame = frameInScene
            try drawPass(scene, image: path, uniforms: u, chain: chain, into: destination)
            return
        }
        // Live: entered anew or gone back in time, the buffers start again;
        // paused (the same time again), they hold still as on Shadertoy.
        if chain.lastSerial.map({ $0 < drawSerial - 1 }) ?? false || chain.lastTime.map({ time < $0 }) ?? false { chain.clear() }
        if chain.lastTime != time {
            try stepBuffers(scene, chain: chain, frame: chain.steps, time: time, inputs: inputs, named: named)
        } else {
            chain.lastSerial = drawSerial
        }
        var u = uniforms(time: time, scene: scene, inputs: inputs, named: named)
        u.frame = chain.steps - 1
        try drawPass(scene, image: path, uniforms: u, chain: chain, into: destination)
    }

    /// Runs every buffer pass once, in order A-D.
    func stepBuffers(_ scene: Demo.Scene, chain: BufferChain, frame: Int, time: Double, inputs: FrameInputs, named: [NamedUniform]) throws {
        var u = uniforms(time: time, scene: scene, inputs: inputs, named: named)
        u.frame = frame
        for pass in scene.buffers {
            let program = try self.program(for: pass.shader, variant: variant(scene, pass.channels, .buffer)).value
            var passUniforms = u
            let channels = try channelTextures(pass.channels, chain: chain, uniforms: &passUniforms)
            renderer.draw(program, passUniforms, channels: channels, into: chain.drawTarget(pass.id))
            chain.finishPass(pass.id)
            if chain.mipmapped.contains(pass.id) { chain.newest[pass.id]!.generateMipmaps() }
        }
        chain.finishStep(time: time, serial: drawSerial)
    }

    /// Draws the image pass of a shader scene.
    func drawPass(_ scene: Demo.Scene, image path: String, uniforms: FrameUniforms, chain: BufferChain?, into destination: RenderTarget) throws {
        var u = uniforms
        let channels = try channelTextures(scene.channels, chain: chain, uniforms: &u)
        let textures = try scene.textures.map { (uniform: $0.uniform, texture: try texture(for: $0.path).value) }
        renderer.draw(try program(for: path, variant: variant(scene, scene.channels, .image)).value, u,
                      channels: channels, named: textures, into: destination)
    }

    /// How a pass of `scene` reading `channels` is wrapped.
    func variant(_ scene: Demo.Scene, _ channels: [Demo.ChannelInput?], _ pass: PassKind) -> ShaderProgram.PassVariant {
        ShaderProgram.PassVariant(common: scene.common,
                                  samplers: channels.map { SamplerKind(rawValue: $0?.source.samplerType ?? "sampler2D")! },
                                  pass: pass)
    }

    /// The buffers of a scene at the output size (made again, cleared, when the size or the buffers change).
    func bufferChain(for scene: Demo.Scene) throws -> BufferChain {
        let ids = scene.buffers.map(\.id)
        let mipmapped = Set(scene.allChannels.compactMap { input -> Demo.BufferID? in
            if case let .buffer(id) = input.source, input.sampling.filter == .mipmap { return id } else { return nil }
        })
        if let chain = chains[scene.name], chain.size == renderer.size, chain.buffers == Set(ids), chain.mipmapped == mipmapped {
            return chain
        }
        chains[scene.name] = nil // its targets go before the new ones are made
        let chain = try BufferChain(size: renderer.size, buffers: ids, mipmapped: mipmapped)
        chains[scene.name] = chain
        return chain
    }

    /// Lets go of the buffers of scenes this frame did not draw: entering a
    /// scene again starts it cleared anyway (live) or replays it (offline), and
    /// float targets are large (two per buffer, 15 MB each at 1280x720).
    func releaseBuffers(at time: Double) {
        guard !chains.isEmpty else { return }
        let names = Set(scenesDrawn(at: time).map { demo.scenes[$0].name })
        for name in chains.keys where !names.contains(name) { chains[name] = nil }
    }

    /// The textures behind a pass's channels; sets iChannelTime for music channels.
    func channelTextures(_ inputs: [Demo.ChannelInput?], chain: BufferChain?, uniforms u: inout FrameUniforms) throws -> [ChannelTexture?] {
        try inputs.enumerated().map { unit, input -> ChannelTexture? in
            guard let input else { return nil }
            switch input.source {
            case let .image(png):
                return ChannelTexture(try texture(for: png, flipped: input.sampling.vflip).value, sampling: input.sampling)
            case .music:
                u.channelTime[unit] = Float(u.musicTime)
                return ChannelTexture(music.texture(showing: u.music), sampling: input.sampling)
            case let .buffer(id):
                guard let target = chain?.newest[id] else { return nil }
                return ChannelTexture(target, sampling: input.sampling)
            case .keyboard:
                return ChannelTexture(keyboardTexture(), sampling: input.sampling)
            case let .noise(name):
                return ChannelTexture(try noiseTexture(name, flipped: input.sampling.vflip), sampling: input.sampling)
            case let .volume(path):
                return ChannelTexture(try volume(for: path).value, sampling: input.sampling)
            case let .cubemap(faces):
                // Faces that do not fit together sample black (channelErrors reports why).
                return (try? cubemap(faces)).map { ChannelTexture($0, sampling: input.sampling) }
            }
        }
    }

    /// The keyboard texture showing this frame's keys.
    func keyboardTexture() -> Texture {
        if keyboardUpload?.serial != drawSerial || keyboardUpload?.state != keyboard {
            keyboardTextureObject.replace(singleChannel: keyboard.bytes)
            keyboardUpload = (drawSerial, keyboard)
        }
        return keyboardTextureObject
    }

    /// Problems with what a scene's passes read: programs, PNGs, volumes, cubemap faces.
    func passErrors(_ scene: Demo.Scene) throws -> [RasterbarError] {
        guard case let .shader(path) = scene.source else { return [] }
        var errors: [RasterbarError] = []
        if let e = try program(for: path, variant: variant(scene, scene.channels, .image)).error { errors.append(e) }
        for pass in scene.buffers {
            if let e = try program(for: pass.shader, variant: variant(scene, pass.channels, .buffer)).error { errors.append(e) }
        }
        return errors + (try channelErrors(scene))
    }

    /// Problems with the files a scene's channels and named textures read.
    func channelErrors(_ scene: Demo.Scene) throws -> [RasterbarError] {
        var errors: [RasterbarError] = []
        for input in scene.allChannels {
            switch input.source {
            case let .image(png): if let e = try texture(for: png, flipped: input.sampling.vflip).error { errors.append(e) }
            case let .volume(path): if let e = try volume(for: path).error { errors.append(e) }
            case let .cubemap(faces):
                let faceErrors = try faces.compactMap { try cubeFace($0).error }
                errors += faceErrors
                if faceErrors.isEmpty {
                    do { _ = try cubemap(faces) } catch let e as RasterbarError { errors.append(e) }
                }
            default: break
            }
        }
        for named in scene.textures {
            if let e = try texture(for: named.path).error { errors.append(e) }
        }
        return errors
    }
}
