// How a video export encodes: the codec, its quality (CRF) and speed (preset),
// with defaults fit for a demo release (H.264 high profile, yuv420p, CRF 16:
// smooth gradients stay free of banding), and the soundtrack's codec for the
// container (AAC, or Opus in WebM). One place for a direct export and for
// `rasterbar encode`, so both write the same video.

import RasterbarCore

/// A video's encoder settings.
public struct VideoSettings: Sendable, Equatable {
    /// h264, h265 or vp9; nil: the container's default (vp9 for .webm, h264 otherwise).
    public var codec: String?
    /// Constant rate factor: lower is better and bigger (x264/x265 0-51, vp9 0-63).
    public var crf: Int?
    /// x264/x265 speed preset, ultrafast ... veryslow.
    public var preset: String?

    public init(codec: String? = nil, crf: Int? = nil, preset: String? = nil) {
        self.codec = codec
        self.crf = crf
        self.preset = preset
    }

    static let containers = ["mp4", "mov", "mkv", "webm"]
    static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"]

    /// ffmpeg's video arguments for a file with extension `ext`, or an error
    /// naming what does not fit (an unknown codec, a codec the container cannot hold, ...).
    public func videoArguments(for ext: String) throws -> [String] {
        guard Self.containers.contains(ext) else {
            throw RasterbarError(.invalidArgument, "'.\(ext)' is not a video container Rasterbar writes", hint: "use .mp4, .mov, .mkv or .webm")
        }
        let codec = self.codec ?? (ext == "webm" ? "vp9" : "h264")
        switch (codec, ext) {
        case ("h264", "webm"), ("h265", "webm"):
            throw RasterbarError(.invalidArgument, "--codec \(codec) does not go in .webm", hint: "use --codec vp9, or write .mp4/.mkv")
        case ("vp9", "mov"):
            throw RasterbarError(.invalidArgument, "--codec vp9 does not go in .mov", hint: "write .webm, .mkv or .mp4")
        default: break
        }
        let crfRange: ClosedRange<Int>
        var arguments: [String]
        switch codec {
        case "h264":
            crfRange = 0...51
            arguments = ["-c:v", "libx264", "-profile:v", "high", "-preset", preset ?? "medium", "-crf", String(crf ?? 16)]
        case "h265":
            crfRange = 0...51
            arguments = ["-c:v", "libx265", "-preset", preset ?? "medium", "-crf", String(crf ?? 18)] + (ext == "mp4" || ext == "mov" ? ["-tag:v", "hvc1"] : [])
        case "vp9":
            crfRange = 0...63
            if preset != nil { throw RasterbarError(.invalidArgument, "--preset is for h264 and h265", hint: "leave it out for vp9") }
            arguments = ["-c:v", "libvpx-vp9", "-crf", String(crf ?? 30), "-b:v", "0", "-row-mt", "1"]
        default:
            throw RasterbarError(.invalidArgument, "unknown --codec '\(codec)'", hint: "use h264, h265 or vp9")
        }
        if let crf, !crfRange.contains(crf) {
            throw RasterbarError(.invalidArgument, "--crf \(crf) is out of range for \(codec)", hint: "use \(crfRange.lowerBound) to \(crfRange.upperBound) (lower is better and bigger)")
        }
        if let preset, !Self.presets.contains(preset) {
            throw RasterbarError(.invalidArgument, "unknown --preset '\(preset)'", hint: "use one of \(Self.presets.joined(separator: ", "))")
        }
        return arguments + ["-pix_fmt", "yuv420p"] + (ext == "mp4" || ext == "mov" ? ["-movflags", "+faststart"] : [])
    }

    /// ffmpeg's audio arguments for the soundtrack in a file with extension `ext`.
    public static func audioArguments(for ext: String) -> [String] {
        ext == "webm" ? ["-c:a", "libopus", "-b:a", "160k", "-ar", "48000"] : ["-c:a", "aac", "-b:a", "192k"]
    }
}
