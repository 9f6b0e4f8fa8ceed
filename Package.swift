// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "Rasterbar",
    products: [
        .executable(name: "rasterbar", targets: ["rasterbar"]),
        .executable(name: "rasterbar-bench", targets: ["rasterbar-bench"]),
        .library(name: "Rasterbar", targets: ["RasterbarHost"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: System libraries and C shims
        // OpenGL (glvnd's libOpenGL) and EGL, plus the EGL context setup in C
        // because its entry points are extensions reached through function pointers.
        .target(
            name: "CGL",
            linkerSettings: [.linkedLibrary("OpenGL"), .linkedLibrary("EGL")]
        ),
        .systemLibrary(name: "CGLFW", pkgConfig: "glfw3", providers: [.apt(["libglfw3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // Export's PNG compression: libdeflate, several times faster than zlib at the same size.
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // The player's overlay text, from a font in Debian's packages.
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        // Music decoding (OGG Vorbis, WAV, FLAC, MP3): a well-kept decoder from Debian, never our own.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        // Music playback: SDL's audio alone, on the machine's sound device. Not through
        // pkg-config: its -D_REENTRANT is a flag SwiftPM refuses (with a warning).
        .systemLibrary(name: "CSDL2", providers: [.apt(["libsdl2-dev"])]),
        // Tempo and first-beat detection for `rasterbar tempo` and `check`.
        .systemLibrary(name: "CAubio", pkgConfig: "aubio", providers: [.apt(["libaubio-dev"])]),
        // sigsetjmp/siglongjmp around every script call, which Swift cannot express.
        .target(name: "RasterbarGuard"),
        // The versioned C ABI between host and scene scripts: the only thing that crosses.
        .target(name: "RasterbarABI"),
        // What scene scripts import. The engine builds it with swiftc at run time
        // from these sources; it is a target here only so every build checks it.
        // The host never links it.
        .target(name: "RasterbarSDK", dependencies: ["RasterbarABI"]),
        // The script compile service (sourcekitd in a helper process, beside the
        // player). The engine builds it with the toolchain's clang at run time;
        // it is a target here only so every build checks it. Nothing links it.
        .target(name: "RasterbarCompileService"),

        // MARK: Engine layers
        // Core data without GL: demo model, JSON, shader source assembly, images, music, playback clocks.
        .target(name: "RasterbarCore", dependencies: ["CPNG", "CSndFile", "CDeflate"]),
        // The OpenGL backend: programs, framebuffers, the scene renderer, EGL headless context.
        .target(name: "RasterbarGL", dependencies: ["RasterbarCore", "CGL", "CFreeType"]),
        // The host: the window, the headless renderer and the player loop.
        // The SDK's sources, rasterbar.h and the compile service's C source are
        // embedded into it (the EmbedScriptSDK plugin), so a built engine
        // compiles scripts wherever it is copied.
        .target(name: "RasterbarHost", dependencies: ["RasterbarCore", "RasterbarGL", "RasterbarABI", "RasterbarGuard", "CGLFW", "CGL", "CSDL2", "CAubio"],
                plugins: ["EmbedScriptSDK"]),
        .plugin(name: "EmbedScriptSDK", capability: .buildTool(), dependencies: ["EmbedScriptSDKTool"]),
        .executableTarget(name: "EmbedScriptSDKTool", path: "Plugins/EmbedScriptSDKTool"),

        // MARK: Executables
        .executableTarget(
            name: "rasterbar",
            dependencies: ["RasterbarHost", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Benchmarks print figures; BENCHMARKS.md records them. Never timed tests.
        .executableTarget(name: "rasterbar-bench", dependencies: ["RasterbarHost", "RawGLReference", "RasterbarTestSupport"]),
        // A raw C EGL loop drawing the same shader: the yardstick for the engine's own cost.
        .target(name: "RawGLReference", dependencies: ["CGL"]),

        // MARK: Tests
        // The core's data and rules: no GL, no window, no GPU stack needed.
        .testTarget(name: "RasterbarCoreTests", dependencies: ["RasterbarCore", "RasterbarTestSupport"]),
        // Helpers both test targets share (parsing, error assertions, paths, a mock
        // Rocket editor the benchmark uses too).
        .target(name: "RasterbarTestSupport", dependencies: ["RasterbarCore"], path: "Tests/RasterbarTestSupport"),
        .testTarget(
            name: "RasterbarTests",
            dependencies: ["RasterbarHost", "RasterbarABI", "rasterbar", "RasterbarTestSupport"],
            exclude: ["Golden"] // reference images, found through #filePath so they can be re-recorded
        ),
    ]
)
