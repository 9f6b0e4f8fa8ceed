// Decoding a soundtrack takes long enough (a five-minute OGG: around half a
// second) to stall the picture if the GL thread did it, at start and at every
// save of a new mix; so does rendering a sound shader. A live engine registers
// this service with its store: the music then decodes (or renders) on a queue
// of its own, the last good mix (or silence) plays meanwhile, and the finished
// work reloads the resource like any other save. Renders and checks register
// nothing and decode inline.
import Dispatch
import Synchronization

/// Decodes music files in the background for the store.
public final class MusicDecoder: Sendable {
    struct State {
        /// Finished decodes not yet taken by the store, by key, with the hash of the bytes they decoded.
        var finished: [ResourceKey: (hash: UInt64, result: Result<AudioClip, RasterbarError>)] = [:]
        /// Bytes being decoded now, by key.
        var running: [ResourceKey: UInt64] = [:]
    }

    let state = Mutex(State())
    let queue = DispatchQueue(label: "rasterbar.music-decoder", qos: .userInitiated)
    /// Told (from the decoder's queue) when a decode has finished: the store's `invalidate`.
    let finishedDecoding: @Sendable (ResourceKey) -> Void

    public init(whenFinished: @escaping @Sendable (ResourceKey) -> Void) {
        finishedDecoding = whenFinished
    }

    /// The clip of `bytes` if it is decoded; otherwise starts decoding it and throws `StillLoading`.
    public func clip(of bytes: [UInt8], key: ResourceKey) throws -> AudioClip {
        try clip(key: key, hash: contentHash(bytes), doing: "decoding") { try AudioClip.decode(bytes, name: key.path) }
    }

    /// The clip `make` makes for the content identified by `hash` if it is made;
    /// otherwise starts making it on the decoder's queue and throws `StillLoading`.
    public func clip(key: ResourceKey, hash: UInt64, doing: String, make: @escaping @Sendable () throws -> AudioClip) throws -> AudioClip {
        let ready = state.withLock { s -> Result<AudioClip, RasterbarError>? in
            if let done = s.finished[key], done.hash == hash {
                s.finished[key] = nil
                return done.result
            }
            if s.running[key] != hash {
                s.running[key] = hash
                queue.async { [self] in
                    let result = Result { try make() }.mapError {
                        $0 as? RasterbarError ?? RasterbarError(.invalidMusic, "\($0)", at: key.path)
                    }
                    state.withLock { s in
                        // A newer save's decode supersedes this one.
                        guard s.running[key] == hash else { return }
                        s.running[key] = nil
                        s.finished[key] = (hash, result)
                    }
                    finishedDecoding(key)
                }
            }
            return nil
        }
        guard let ready else { throw StillLoading("\(doing) \(key.path)") }
        return try ready.get()
    }

    /// True while some music is being decoded.
    public var isBusy: Bool { state.withLock { !$0.running.isEmpty } }
}
