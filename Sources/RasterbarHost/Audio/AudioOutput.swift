// Where the soundtrack is heard. A real device through SDL's audio when the
// machine has one; otherwise (no sound card, a busy or broken device, CI,
// `play --headless`, `--mute`) a silent output that consumes the music at
// exactly real time, so demo time still follows the music everywhere. Opening
// never blocks and never fails the player: a device that cannot be opened is
// reported once and the null output plays instead.
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
    /// What plays: "pulseaudio: Built-in Audio", "null".
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

    /// Opens `choice` for `clip`'s format. A device that cannot be opened gives
    /// the null output and a `warning` saying why.
    public static func open(_ choice: AudioChoice, for clip: AudioClip) -> (output: AudioOutput, warning: String?) {
        if choice == .device {
            switch SDLAudioOutput.open(rate: clip.rate, channels: clip.channels, clip: clip) {
            case let .success(output): return (output, nil)
            case let .failure(why):
                return (NullAudioOutput(clip: clip), "no sound device (\(why)): playing on the silent null output; demo time still follows the music")
            }
        }
        return (NullAudioOutput(clip: clip), nil)
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
    let box: Unmanaged<MusicStream>

    init(name: String, stream: MusicStream, device: SDL_AudioDeviceID, box: Unmanaged<MusicStream>) {
        self.name = name
        self.stream = stream
        self.device = device
        self.box = box
    }

    static func open(rate: Double, channels: Int, clip: AudioClip) -> Result<SDLAudioOutput, SDLFailure> {
        // SDL's audio brings its event subsystem, which would take SIGINT and
        // SIGTERM for itself: the player and its supervisor handle those.
        SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1")
        if SDL_WasInit(SDL_INIT_AUDIO) == 0, SDL_InitSubSystem(SDL_INIT_AUDIO) != 0 {
            return .failure(SDLFailure(String(cString: SDL_GetError())))
        }
        // Output channels: what the clip has, at most stereo (SDL converts to the device).
        let outChannels = min(2, max(1, channels))
        let stream = MusicStream(clip: clip, rate: rate, channels: outChannels, blockFrames: AudioOutputs.blockFrames,
                                 extraLatencyFrames: AudioOutputs.blockFrames)
        let box = Unmanaged.passRetained(stream)
        var want = SDL_AudioSpec()
        want.freq = Int32(rate)
        want.format = SDL_AudioFormat(AUDIO_F32SYS)
        want.channels = UInt8(outChannels)
        want.samples = UInt16(AudioOutputs.blockFrames)
        want.userdata = box.toOpaque()
        want.callback = { user, bytes, length in
            let stream = Unmanaged<MusicStream>.fromOpaque(user!).takeUnretainedValue()
            let frames = Int(length) / (MemoryLayout<Float>.size * stream.channels)
            bytes!.withMemoryRebound(to: Float.self, capacity: frames * stream.channels) {
                stream.render(into: $0, frames: frames, at: monotonicSeconds())
            }
        }
        var have = SDL_AudioSpec()
        // ALSA prints a paragraph to stderr when there is no card; SDL's error says it in one line.
        let device = withStderrSilenced { SDL_OpenAudioDevice(nil, 0, &want, &have, 0) }
        guard device != 0 else {
            box.release()
            return .failure(SDLFailure(String(cString: SDL_GetError())))
        }
        let driver = SDL_GetCurrentAudioDriver().map { String(cString: $0) } ?? "sdl"
        let output = SDLAudioOutput(name: driver, stream: stream, device: device, box: box)
        SDL_PauseAudioDevice(device, 0)
        return .success(output)
    }

    var closed = false

    func close() {
        guard !closed else { return }
        closed = true
        SDL_CloseAudioDevice(device)
    }

    deinit {
        close()
        box.release()
    }
}

/// Runs `body` with fd 2 pointed at /dev/null (for libraries that print instead of returning errors).
func withStderrSilenced<T>(_ body: () -> T) -> T {
    fflush(stderr)
    let saved = dup(2), null = open("/dev/null", O_WRONLY)
    guard saved >= 0, null >= 0 else { return body() }
    dup2(null, 2)
    close(null)
    defer {
        dup2(saved, 2)
        close(saved)
    }
    return body()
}

struct SDLFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description.isEmpty ? "SDL could not open audio" : description }
}
