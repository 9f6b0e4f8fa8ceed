// Reading and writing whole files with errors that say what and where.
// Writes are atomic (a temporary file in the same folder, then rename), so an
// interrupted or failed write never leaves half a file behind.
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and atomic writes.
public enum FileIO {
    /// Reads a whole file.
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT {
                throw RasterbarError(.fileNotFound, "file not found", at: path)
            }
            throw RasterbarError(.fileUnreadable, "cannot read: \(errorText(code))", at: path)
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw RasterbarError(.fileUnreadable, "is a folder, not a file", at: path)
        }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RasterbarError(.fileUnreadable, "cannot read: \(errorText(errno))", at: path)
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Reads a UTF-8 text file; invalid UTF-8 is an error, not mojibake.
    public static func readText(_ path: String) throws -> String {
        let bytes = try read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RasterbarError(.fileUnreadable, "is not UTF-8 text", at: path, hint: "save it as UTF-8")
        }
        if bytes.contains(0) {
            throw RasterbarError(.fileUnreadable, "contains NUL bytes: not a text file", at: path)
        }
        return text
    }

    /// Writes `bytes` to `path` through a temporary file and a rename.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        try writeAtomically(bytes, to: path, mode: 0o644)
    }

    /// Replaces the file at `path`, which exists, keeping what the user set up:
    /// its permissions, and a symbolic link stays a link (the file it points
    /// to is replaced). For files people edit, like demo.json.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, keepingModeOf original: String) throws {
        var target = path
        if let resolved = realpath(original, nil) {
            target = String(cString: resolved)
            free(resolved)
        }
        var info = stat()
        let mode = stat(target, &info) == 0 ? mode_t(info.st_mode & 0o7777) : 0o644
        try writeAtomically(bytes, to: target, mode: mode)
    }

    /// What names this process's temporary files: the host and the pid, so a
    /// folder shared between machines (NFS, a cluster's volume) never mistakes
    /// another machine's running process for a dead one here.
    public static let temporaryTag: String = {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let host = String(cString: name).replacingOccurrences(of: "/", with: "_")
        return "\(host.isEmpty ? "host" : host)-\(getpid())"
    }()

    /// Removes temporary files in `dir` that a process of this host left when
    /// it was killed (`.NAME.tmp-HOST-PID...` whose process is gone), for the
    /// NAMEs `matching` accepts; returns how many.
    @discardableResult
    public static func removeStaleTemporaries(in dir: String, matching: (String) -> Bool) -> Int {
        let marker = ".tmp-" + temporaryTag.dropLast(String(getpid()).count + 1) + "-"
        guard let stream = opendir(dir) else { return 0 }
        var entries: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") { entries.append(name) }
        }
        closedir(stream)
        var removed = 0
        for entry in entries {
            // ".NAME.tmp-HOST-PID...": the last occurrence of the marker, as NAME may hold anything.
            let characters = Array(entry), pattern = Array(marker)
            guard let at = stride(from: characters.count - pattern.count, through: 1, by: -1)
                .first(where: { Array(characters[$0..<$0 + pattern.count]) == pattern }) else { continue }
            let name = String(characters[1..<at])
            guard matching(name), let pid = Int32(String(characters[(at + pattern.count)...].prefix { $0.isNumber })), pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            if unlink(dir + "/" + entry) == 0 { removed += 1 }
        }
        return removed
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else {
            throw RasterbarError(.outputNotWritable, "output path names a folder, not a file", at: path)
        }
        let temp = "\(dir.isEmpty ? "" : dir)/.\(name).tmp-\(temporaryTag)-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw RasterbarError(.outputNotWritable, "cannot write: \(errorText(errno))", at: path,
                                 hint: "check that the folder '\(dir)' exists and is writable")
        }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        // open() applies the umask; the mode asked for is the one wanted.
        if failure == 0 && fchmod(fd, mode) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temp, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temp)
            throw RasterbarError(.outputNotWritable, "cannot write: \(errorText(failure))", at: path)
        }
    }

    /// True when `path` names an existing regular file.
    public static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
