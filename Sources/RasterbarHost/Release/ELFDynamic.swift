// Just enough ELF for a pack: the libraries a binary asks for (DT_NEEDED) and
// where it looks for them (DT_RUNPATH / DT_RPATH), and rewriting that search
// path in place, so a copied engine finds the Swift runtime packed beside it
// before any toolchain installed on the machine. 64-bit little-endian only
// (x86_64 and aarch64 Linux); no patchelf needed.
import Foundation
import RasterbarCore

struct ELFDynamic {
    /// DT_NEEDED names, in order.
    var needed: [String]
    /// DT_RUNPATH (or DT_RPATH when there is no RUNPATH), if any.
    var searchPath: String?
    /// Where that string lies in the file, and how many bytes it has (without its NUL).
    var searchPathOffset: Int?
    var searchPathLength = 0

    /// Reads a file's dynamic section; throws when it is not a 64-bit
    /// little-endian ELF file with one.
    static func read(_ path: String) throws -> ELFDynamic {
        let bytes = try FileIO.read(path)
        func fail(_ why: String) -> RasterbarError { RasterbarError(.invalidArgument, "not a dynamically linked 64-bit ELF file: \(why)", at: path) }
        guard bytes.count >= 64, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46 else { throw fail("no ELF header") }
        guard bytes[4] == 2, bytes[5] == 1 else { throw fail("not 64-bit little-endian") }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
        let phoff = Int(truncatingIfNeeded: u64(0x20)), phentsize = u16(0x36), phnum = u16(0x38)
        guard phentsize >= 56, phoff > 0, phoff + phnum * phentsize <= bytes.count else { throw fail("bad program headers") }
        // Program headers: the loadable segments (to map addresses to file
        // offsets) and the dynamic segment.
        var loads: [(vaddr: UInt64, offset: UInt64, size: UInt64)] = []
        var dynamic: (offset: Int, size: Int)?
        for i in 0..<phnum {
            let at = phoff + i * phentsize
            let type = u32(at)
            let offset = u64(at + 8), vaddr = u64(at + 16), filesz = u64(at + 32)
            if type == 1 { loads.append((vaddr, offset, filesz)) }
            if type == 2 { dynamic = (Int(truncatingIfNeeded: offset), Int(truncatingIfNeeded: filesz)) }
        }
        guard let dynamic, dynamic.offset >= 0, dynamic.offset + dynamic.size <= bytes.count else { throw fail("no dynamic section") }
        func fileOffset(_ address: UInt64) -> Int? {
            guard let load = loads.first(where: { address >= $0.vaddr && address < $0.vaddr + $0.size }) else { return nil }
            return Int(truncatingIfNeeded: address - load.vaddr + load.offset)
        }
        var needed: [UInt64] = []
        var strtab: UInt64?, runpath: UInt64?, rpath: UInt64?
        var at = dynamic.offset
        while at + 16 <= dynamic.offset + dynamic.size {
            let tag = u64(at), value = u64(at + 8)
            at += 16
            switch tag {
            case 0: at = Int.max - 16 // DT_NULL
            case 1: needed.append(value)
            case 5: strtab = value
            case 15: rpath = value
            case 29: runpath = value
            default: break
            }
        }
        guard let strtab, let table = fileOffset(strtab) else { throw fail("no string table") }
        func string(_ index: UInt64) -> (String, Int, Int)? {
            let start = table + Int(truncatingIfNeeded: index)
            guard start >= 0, start < bytes.count else { return nil }
            var end = start
            while end < bytes.count, bytes[end] != 0 { end += 1 }
            return (String(decoding: bytes[start..<end], as: UTF8.self), start, end - start)
        }
        var result = ELFDynamic(needed: needed.compactMap { string($0)?.0 })
        if let index = runpath ?? rpath, let (text, offset, length) = string(index) {
            result.searchPath = text
            result.searchPathOffset = offset
            result.searchPathLength = length
        }
        return result
    }

    /// Rewrites a file's RUNPATH (or RPATH) in place to `value`, which must be
    /// no longer than the one there (the rest is filled with NULs). Throws
    /// when the file has none or `value` does not fit.
    static func setSearchPath(_ path: String, to value: String) throws {
        let dynamic = try read(path)
        guard let offset = dynamic.searchPathOffset else {
            throw RasterbarError(.invalidArgument, "has no RUNPATH to rewrite", at: path)
        }
        let new = Array(value.utf8)
        guard new.count <= dynamic.searchPathLength, !new.contains(0) else {
            throw RasterbarError(.invalidArgument, "its RUNPATH (\(dynamic.searchPath ?? "")) is too short to hold \(value)", at: path)
        }
        var bytes = try FileIO.read(path)
        bytes.replaceSubrange(offset..<offset + dynamic.searchPathLength, with: new + [UInt8](repeating: 0, count: dynamic.searchPathLength - new.count))
        try FileIO.writeAtomically(bytes, to: path, keepingModeOf: path)
    }
}
