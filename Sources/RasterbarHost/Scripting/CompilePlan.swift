// The frontend and link command lines of a script compile, derived once per
// toolchain, SDK and flags from what the driver would run (`swiftc -###`),
// and kept as a small JSON file next to the SDK. Each compile then runs
// swift-frontend and ld.lld itself: no driver planning, no
// swift-autolink-extract (the libraries an object asks for are read from its
// ELF section), no clang in front of the linker. Measured here on the particle
// script: swiftc 0.41 s, swift-frontend 0.24 s + ld.lld 0.03 s.
//
// The lines are templates: the script's source, the generated entry, the
// object, the library and the module name are placeholders filled per
// compile. Anything the derivation cannot template makes it fail, and the
// compiler uses the driver (with a warning) rather than a guess.
import Foundation
import RasterbarCore

/// A script compile as two processes: swift-frontend, then the linker.
struct CompilePlan: Codable, Equatable {
    /// Bumped when the file's meaning changes; an older file is derived again.
    static let format = 1

    var format: Int
    /// The swiftc whose `-###` this came from ($SWIFTC may name another).
    var swiftc: String
    /// The SDK folder the lines point into.
    var sdk: String
    /// swift-frontend's argument vector, executable first.
    var frontend: [String]
    /// The linker's: ld.lld itself when clang could say how it runs it, else
    /// the driver's own clang line.
    var link: [String]
    /// swift-autolink-extract's, for an object whose section cannot be read here.
    var autolinkExtract: [String]
    /// The toolchain's clang (builds the compile service).
    var clang: String

    /// What each compile fills in.
    enum Slot: String {
        case source = "@SOURCE@", entry = "@ENTRY@", object = "@OBJECT@", output = "@OUTPUT@", module = "@MODULE@"
        /// Expands to the `-l` options the object's autolink entries name.
        case libraries = "@LIBRARIES@"
        /// swift-autolink-extract's output file.
        case autolinkFile = "@AUTOLINK_FILE@"
    }

    /// The placeholders' stand-ins during derivation: file names no real path shares.
    struct Probe {
        let folder: String
        var source: String { folder + "/RasterbarPlanSource.swift" }
        var entry: String { folder + "/RasterbarPlanEntry.swift" }
        var output: String { folder + "/RasterbarPlanOutput.so" }
        var object: String { folder + "/RasterbarPlanObject.o" }
        let module = "RasterbarPlanModule"
        let libraryMark = "-lRasterbarPlanAutolinkMark"
    }

    // MARK: Using it

    /// swift-frontend's arguments (without the executable) for one compile.
    func frontendArguments(source: String, entry: String, object: String, module: String) -> [String] {
        Self.fill(Array(frontend.dropFirst()), [.source: source, .entry: entry, .object: object, .module: module])
    }

    /// The linker's arguments (without the executable) for one compile.
    func linkArguments(object: String, output: String, libraries: [String]) -> [String] {
        Array(link.dropFirst()).flatMap { $0 == Slot.libraries.rawValue ? libraries : Self.fill([$0], [.object: object, .output: output]) }
    }

    static func fill(_ arguments: [String], _ values: [Slot: String]) -> [String] {
        arguments.map { argument in Slot(rawValue: argument).flatMap { values[$0] } ?? argument }
    }

    // MARK: Deriving it

    /// Derives the plan from `swiftc -###` run on `driverArguments(probe)`
    /// (the compiler's own argument list for a script), then asks clang how
    /// it would run ld.lld. `folder` is a scratch folder. Throws a
    /// `.scriptCompile` error saying what could not be derived.
    static func derive(swiftc: String, sdk: String, folder: String,
                       driverArguments: (Probe) -> [String]) throws -> CompilePlan {
        let probe = Probe(folder: folder)
        func fail(_ why: String) -> RasterbarError {
            RasterbarError(.scriptCompile, "cannot derive the direct compile lines from \(swiftc) -###: \(why)")
        }
        let printed = try Subprocess.run(swiftc, ["-###"] + driverArguments(probe), directory: folder)
        guard printed.status == 0 else { throw fail("it failed: \(printed.output.prefix(500))") }
        let jobs = printed.output.split(separator: "\n").map { splitCommandLine(String($0)) }.filter { !$0.isEmpty }
        defer { for job in jobs { removeDriverScratch(job) } }
        func named(_ name: String) -> [[String]] { jobs.filter { ($0[0] as NSString).lastPathComponent == name } }
        guard jobs.count == 3, let frontendJob = named("swift-frontend").first, frontendJob.dropFirst().prefix(2) == ["-frontend", "-c"],
              let autolinkJob = named("swift-autolink-extract").first, let linkJob = jobs.last, linkJob != frontendJob, linkJob != autolinkJob else {
            throw fail("expected a frontend, an autolink and a link job, got: \(jobs.map { ($0[0] as NSString).lastPathComponent })")
        }
        // The driver's scratch files: the object the frontend writes, the autolink list.
        guard let objectIndex = frontendJob.firstIndex(of: "-o"), objectIndex + 1 < frontendJob.count else { throw fail("the frontend names no output") }
        let driverObject = frontendJob[objectIndex + 1]
        guard let autolinkIndex = autolinkJob.firstIndex(of: "-o"), autolinkIndex + 1 < autolinkJob.count else { throw fail("swift-autolink-extract names no output") }
        let driverAutolink = autolinkJob[autolinkIndex + 1]
        let scratch = (driverObject as NSString).deletingLastPathComponent

        var stand: [String: String] = [probe.source: Slot.source.rawValue, probe.entry: Slot.entry.rawValue,
                                       probe.output: Slot.output.rawValue, probe.module: Slot.module.rawValue,
                                       driverObject: Slot.object.rawValue, driverAutolink: Slot.autolinkFile.rawValue]
        stand["@" + driverAutolink] = Slot.libraries.rawValue
        func template(_ job: [String], _ what: String) throws -> [String] {
            let out = job.map { stand[$0] ?? $0 }
            if let leftover = out.first(where: { $0.contains(scratch) || $0.contains(probe.folder) }) {
                throw fail("the \(what) line uses a scratch path the plan cannot fill in: \(leftover)")
            }
            return out
        }
        let frontend = try template(frontendJob, "frontend")
        let autolinkExtract = try template(autolinkJob, "autolink")
        let clangLink = try template(linkJob, "link")
        for slot in [Slot.source, .entry, .object, .module] where !frontend.contains(slot.rawValue) {
            throw fail("the frontend line has no \(slot.rawValue)")
        }
        for slot in [Slot.object, .output, .libraries] where !clangLink.contains(slot.rawValue) {
            throw fail("the link line has no \(slot.rawValue)")
        }
        let clang = (clangLink[0] as NSString).lastPathComponent.hasPrefix("clang")
            ? clangLink[0] : ((frontend[0] as NSString).deletingLastPathComponent + "/clang")
        let link = lldLine(clangLink: clangLink, probe: probe) ?? clangLink
        return CompilePlan(format: format, swiftc: swiftc, sdk: sdk, frontend: frontend, link: link,
                           autolinkExtract: autolinkExtract, clang: clang)
    }

    /// The ld.lld line clang runs for the driver's link line with
    /// `-fuse-ld=lld`, templated; nil if clang does not say (then the clang
    /// line itself is used).
    static func lldLine(clangLink: [String], probe: Probe) -> [String]? {
        guard (clangLink[0] as NSString).lastPathComponent.hasPrefix("clang") else { return nil }
        // clang checks that its inputs exist, even for -###.
        guard FileManager.default.createFile(atPath: probe.object, contents: Data()) else { return nil }
        defer { try? FileManager.default.removeItem(atPath: probe.object) }
        let arguments = ["-###", "-fuse-ld=lld"] + Array(clangLink.dropFirst()).map { argument -> String in
            switch Slot(rawValue: argument) {
            case .object?: return probe.object
            case .output?: return probe.output
            case .libraries?: return probe.libraryMark
            default: return argument
            }
        }
        guard let printed = try? Subprocess.run(clangLink[0], arguments), printed.status == 0 else { return nil }
        guard let line = printed.output.split(separator: "\n").map({ splitCommandLine(String($0)) })
            .last(where: { !$0.isEmpty && ($0[0] as NSString).lastPathComponent == "ld.lld" }) else { return nil }
        let stand = [probe.object: Slot.object.rawValue, probe.output: Slot.output.rawValue, probe.libraryMark: Slot.libraries.rawValue]
        let out = line.map { stand[$0] ?? $0 }
        guard FileManager.default.isExecutableFile(atPath: out[0]),
              [Slot.object, .output, .libraries].allSatisfy({ out.contains($0.rawValue) }),
              !out.contains(where: { $0.contains(probe.folder) }) else { return nil }
        return out
    }

    /// `swiftc -###` makes the driver create its scratch folder
    /// (`/tmp/TemporaryDirectory.*`) and leave it behind, empty.
    static func removeDriverScratch(_ job: [String]) {
        for argument in job where argument.contains("/TemporaryDirectory.") {
            let folder = ((argument.hasPrefix("@") ? String(argument.dropFirst()) : argument) as NSString).deletingLastPathComponent
            if (folder as NSString).lastPathComponent.hasPrefix("TemporaryDirectory.") { rmdir(folder) }
        }
    }

    /// One printed command line as its argument vector, as a POSIX shell
    /// would split it: the driver quotes with single quotes, clang with
    /// double quotes and backslashes.
    static func splitCommandLine(_ line: String) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in line {
            if escaped {
                // Inside double quotes a backslash escapes only these; elsewhere anything.
                if quote == "\"", !"\"\\$`\n".contains(c) { word.append("\\") }
                word.append(c)
                escaped = false
                continue
            }
            switch (quote, c) {
            case ("'"?, "'"): quote = nil
            case ("'"?, _): word.append(c)
            case ("\""?, "\""): quote = nil
            case ("\""?, "\\"): escaped = true
            case ("\""?, _): word.append(c)
            case (nil, "'"), (nil, "\""): quote = c; inWord = true
            case (nil, "\\"): escaped = true; inWord = true
            case (nil, " "), (nil, "\t"):
                if inWord { words.append(word); word = ""; inWord = false }
            default: word.append(c); inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }

    // MARK: Libraries an object asks for

    /// The `-l` options in an ELF object's `.swift1_autolink_entries`
    /// section (what swift-autolink-extract prints), in order, once each;
    /// nil if the file is not a readable 64-bit little-endian ELF object.
    static func autolinkEntries(ofObject path: String) -> [String]? {
        guard let bytes = try? FileIO.read(path), bytes.count >= 64,
              bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46, bytes[4] == 2, bytes[5] == 1 else { return nil }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> Int? {
            let value = UInt64(u32(at)) | UInt64(u32(at + 4)) << 32
            return value < UInt64(bytes.count) ? Int(value) : nil
        }
        guard let sectionTable = u64(0x28) else { return nil }
        let entrySize = u16(0x3a), count = u16(0x3c), namesIndex = u16(0x3e)
        guard entrySize >= 40, namesIndex < count, sectionTable + count * entrySize <= bytes.count else { return nil }
        func section(_ i: Int) -> (name: Int, offset: Int, size: Int)? {
            let at = sectionTable + i * entrySize
            guard let offset = u64(at + 24) else { return nil }
            let size = Int(UInt64(u32(at + 32)) | UInt64(u32(at + 36)) << 32)
            guard size >= 0, offset + size <= bytes.count else { return nil }
            return (u32(at), offset, size)
        }
        guard let names = section(namesIndex) else { return nil }
        let wanted = Array(".swift1_autolink_entries".utf8)
        for i in 0..<count {
            guard let s = section(i) else { return nil }
            let start = names.offset + s.name
            guard start + wanted.count < names.offset + names.size,
                  Array(bytes[start..<start + wanted.count]) == wanted, bytes[start + wanted.count] == 0 else { continue }
            var seen: Set<String> = []
            return bytes[s.offset..<s.offset + s.size].split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                .filter { seen.insert($0).inserted }
        }
        return [] // no section: the object asks for nothing
    }
}
