// Where the soundtrack is heard. A real device through SDL's audio when the
// machine has one; otherwise (no sound card, a busy or broken device, CI,
// `play --headless`, `--mute`) a silent output that consumes the music at
// exactly real time, so demo time still follows the music everywhere. Opening
// never fails the player and never holds it for long: a device is opened on a
// thread of its own with a time limit, one that cannot be opened is reported
// once and the null output plays instead, and devices close off the GL thread.
//
// Why our own null output rather than SDL's "dummy" driver: SDL 2 paces its
// dummy driver with a whole-millisecond SDL_Delay after each block, so it
// consumes audio measurably off real time (BENCHMARKS.md, "Music"); the null
// output here waits for absolute deadlines on the monotonic clock and does not drift.
import CSDL2
import Foundation
import RasterbarCore
import Synchronization

/// An open audio output pulling a `MusicStream`.
public protocol AudioOutput: AnyObject {
    /// What plays: SDL's driver ("pulseaudio", "alsa", ...) or "null".
    var name: String { get }
    var stream: MusicStream { get }
    /// Stops pulling; the stream is left as it is.
    func close()
}

/// Which output a live engine plays its music through.
public enum AudioChoice: Sendable, Equatable {
    /// The machine's default device, or the null output where there is none.
    case device
    /// Silent, at real time (CI, headless, --mute).
    case null
}

/// Opens outputs.
public enum AudioOutputs {
    /// Block length asked of outputs: about 23 ms at 44.1 kHz.
    static let blockFrames = 1024
    /// How long opening a device may take before the player gives up on it.
    static let openLimit = 2.0
    /// Why the sound device cannot be used, once that is known: the player
    /// says so once and uses the null output from then on.
    nonisolated(unsafe) static var deviceFailure: String?

    /// Opens `choice` for `clip`'s format. The first time a device cannot be
    /// opened gives the null output and a `warning` saying why; later opens go
    /// straight to the null output.
    public static func open(_ choice: AudioChoice, for clip: AudioClip,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> (output: AudioOutput, warning: String?) {
        guard choice == .device, deviceFailure == nil else { return (NullAudioOutput(clip: clip), nil) }
        let result = noDevice(environment).map { Result<SDLAudioOutput, SDLFailure>.failure(SDLFailure($0)) }
            ?? SDLAudioOutput.open(rate: clip.rate, channels: clip.channels, clip: clip, limit: openLimit)
        switch result {
        case let .success(output): return (output, nil)
        case let .failure(why):
            deviceFailure = why.description
            return (NullAudioOutput(clip: clip), "no sound device (\(why)): playing on the silent null output; demo time still follows the music")
        }
    }

    /// Why there is plainly no device to try, or nil: no ALSA card and no
    /// PulseAudio or PipeWire server. (SDL would try ALSA anyway, and ALSA
    /// prints a paragraph to stderr before failing.) An explicit
    /// SDL_AUDIODRIVER is always tried: the person asked for it.
    static func noDevice(_ environment: [String: String]) -> String? {
        if environment["SDL_AUDIODRIVER"] != nil { return nil }
        let cards = (try? FileManager.default.contentsOfDirectory(atPath: "/dev/snd"))?.contains { $0.hasPrefix("pcm") } ?? false
        let runtime = environment["XDG_RUNTIME_DIR"] ?? "/run/user/\(getuid())"
        let server = environment["PULSE_SERVER"] != nil
            || ["pulse/native", "pipewire-0"].contains { FileManager.default.fileExists(atPath: runtime + "/" + $0) }
        return cards || server ? nil : "no ALSA card in /dev/snd and no PulseAudio or PipeWire server"
    }
}

/// A silent output consuming `blockFrames` frames at each block's deadline on the monotonic clock.
final class NullAudioOutput: AudioOutput {
    let name = "null"
    let stream: MusicStream
    /// Cleared to stop the thread (a class, so the thread can hold it).
    final class Running: Sendable { let flag = Atomic<Bool>(true) }
    let running = Running()
    let thread: Thread

    init(clip: AudioClip) {
        let stream = MusicStream(clip: clip, rate: clip.rate, channels: clip.channels, blockFrames: AudioOutputs.blockFrames)
        self.stream = stream
        let running = self.running
        thread = Thread {
            let frames = AudioOutputs.blockFrames
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: frames * stream.channels)
            defer { buffer.deallocate() }
            let period = Double(frames) / stream.rate
            var deadline = monotonicSeconds()
            while running.flag.load(ordering: .relaxed) {
                stream.render(into: buffer, frames: frames, at: deadline)
                deadline += period
                // Asleep for a long while (a stopped debugger): start again from now rather than catch up in a burst.
                if monotonicSeconds() - deadline > 0.5 { deadline = monotonicSeconds() }
                sleepUntil(monotonic: deadline)
            }
        }
        thread.name = "rasterbar null audio"
        thread.qualityOfService = .userInteractive
        thread.start()
    }

    func close() { running.flag.store(false, ordering: .relaxed) }
    deinit { close() }
}

/// A device opened through SDL's audio subsystem (its callback pulls the stream).
final class SDLAudioOutput: AudioOutput {
    let name: String
    let stream: MusicStream
    let device: SDL_AudioDeviceID
    let box: StreamBox

    /// What the callback's user data points at (kept alive by the output until the device is closed).
    final class StreamBox: @unchecked Sendable { var stream: MusicStream? }

    init(name: String, stream: MusicStream, device: SDL_AudioDeviceID, box: StreamBox) {
        self.name = name
        self.stream = stream
        self.device = device
        self.box = box
    }

    /// Opens the default device on a thread of its own and waits at most
    /// `limit` seconds for it (SDL can hang in a sound server's handshake).
    static func open(rate: Double, channels: Int, clip: AudioClip, limit: Double) -> Result<SDLAudioOutput, SDLFailure> {
        let attempt = OpenAttempt()
        let thread = Thread {
            let result = openNow(rate: rate, channels: channels, clip: clip)
            if !attempt.deliver(result), case let .success(late) = result { late.close() }
        }
        thread.name = "rasterbar audio open"
        thread.start()
        return attempt.wait(limit) ?? .failure(SDLFailure("the sound device did not answer within \(Int(limit)) s"))
    }

    /// Hands the result of an open from its thread to the waiting one; a result
    /// that comes too late is refused (and the device it opened closed).
    final class OpenAttempt: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        let lock = NSLock()
        var result: Result<SDLAudioOutput, SDLFailure>?
        var abandoned = false

        func deliver(_ result: Result<SDLAudioOutput, SDLFailure>) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            guard !abandoned else { return false }
            self.result = result
            done.signal()
            return true
        }

        func wait(_ limit: Double) -> Result<SDLAudioOutput, SDLFailure>? {
            let arrived = done.wait(timeout: .now() + limit) == .success
            lock.lock()
            defer { lock.unlock() }
            if !arrived { abandoned = true }
            return result
        }
    }

    static func openNow(rate: Double, channels: Int, clip: AudioClip) -> Result<SDLAudioOutput, SDLFailure> {
        // SDL's audio brings its event subsystem, which would take SIGINT and
        // SIGTERM for itself: the player and its supervisor handle those.
        SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1")
        if SDL_WasInit(SDL_INIT_AUDIO) == 0, SDL_InitSubSystem(SDL_INIT_AUDIO) != 0 {
            return .failure(SDLFailure(String(cString: SDL_GetError())))
        }
        // Output channels: what the clip has, at most stereo (SDL converts to the device).
        let outChannels = min(2, max(1, channels))
        var want = SDL_AudioSpec()
        want.freq = Int32(rate)
        want.format = SDL_AudioFormat(AUDIO_F32SYS)
        want.channels = UInt8(outChannels)
        want.samples = UInt16(AudioOutputs.blockFrames)
        want.callback = { user, bytes, length in
            guard let stream = Unmanaged<StreamBox>.fromOpaque(user!).takeUnretainedValue().stream else {
                memset(bytes!, 0, Int(length))
                return
            }
            let frames = Int(length) / (MemoryLayout<Float>.size * stream.channels)
            bytes!.withMemoryRebound(to: Float.self, capacity: frames * stream.channels) {
                stream.render(into: $0, frames: frames, at: monotonicSeconds())
            }
        }
        // The stream's latency needs the block SDL grants, which only the open
        // says; the callback finds the stream through a box filled in before
        // the device is unpaused.
        let box = StreamBox()
        want.userdata = Unmanaged.passUnretained(box).toOpaque()
        var have = SDL_AudioSpec()
        let device = SDL_OpenAudioDevice(nil, 0, &want, &have, 0)
        guard device != 0 else { return .failure(SDLFailure(String(cString: SDL_GetError()))) }
        let block = Int(have.samples)
        // SDL keeps one block queued besides the one being filled.
        let stream = MusicStream(clip: clip, rate: rate, channels: outChannels, blockFrames: block, extraLatencyFrames: block)
        box.stream = stream
        let driver = SDL_GetCurrentAudioDriver().map { String(cString: $0) } ?? "sdl"
        let output = SDLAudioOutput(name: driver, stream: stream, device: device, box: box)
        SDL_PauseAudioDevice(device, 0)
        return .success(output)
    }

    var closed = false

    /// Closes the device on a thread of its own: SDL waits for its audio
    /// thread, which a stuck device can hold forever; the GL thread must not.
    func close() {
        guard !closed else { return }
        closed = true
        let device = self.device, box = self.box
        Thread.detachNewThread { withExtendedLifetime(box) { SDL_CloseAudioDevice(device) } }
    }

    deinit { close() }
}

struct SDLFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description.isEmpty ? "SDL could not open audio" : description }
}
