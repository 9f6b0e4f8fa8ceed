// Finds the Swift compiler that scripts are built with: $SWIFTC, else the
// swiftc of the toolchain whose runtime this process is running on (scripts
// must match the runtime they are loaded into), else swiftc on PATH.
import Foundation
import RasterbarCore

/// The compiler scripts are built with.
public struct Toolchain: Sendable {
    /// Path of swiftc.
    public let swiftc: String
    /// Its `--version` text, part of every cache key.
    public let version: String

    /// Locates swiftc and asks its version; throws `.toolchainMissing`.
    public static func locate(environment: [String: String]) throws -> Toolchain {
        var candidates: [String] = []
        if let explicit = environment["SWIFTC"], !explicit.isEmpty { candidates.append(explicit) }
        if let runtime = runtimeLibraryPath() {
            // .../usr/lib/swift/linux/libswiftCore.so -> .../usr/bin/swiftc
            let usr = URL(fileURLWithPath: runtime).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
            candidates.append(usr.appendingPathComponent("bin/swiftc").path)
        }
        for dir in (environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(dir)/swiftc") }
        let found = environment["SWIFTC"].flatMap { $0.isEmpty ? nil : $0 } ?? candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let swiftc = found, FileManager.default.isExecutableFile(atPath: swiftc) else {
            throw RasterbarError(.toolchainMissing, "swiftc not found\(environment["SWIFTC"].map { " at SWIFTC=\($0)" } ?? ""): scripts cannot be compiled",
                                 hint: "install the Swift toolchain, or set SWIFTC to its swiftc")
        }
        let result = try Subprocess.run(swiftc, ["--version"])
        guard result.status == 0 else {
            throw RasterbarError(.toolchainMissing, "\(swiftc) --version failed: \(result.output.prefix(200))",
                                 hint: "set SWIFTC to a working swiftc")
        }
        return Toolchain(swiftc: swiftc, version: result.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Where libswiftCore was loaded from, if it is a shared library.
    static func runtimeLibraryPath() -> String? {
        guard let maps = try? FileIO.readText("/proc/self/maps") else { return nil }
        for line in maps.split(separator: "\n") where line.hasSuffix("/libswiftCore.so") {
            if let slash = line.firstIndex(of: "/") { return String(line[slash...]) }
        }
        return nil
    }
}
