// The store with a real inotify watcher on real files: every way editors save,
// dependency chains and diamonds, errors keeping the last good value.
import Foundation
import XCTest
@testable import RasterbarCore

final class StoreTests: XCTestCase {
    func testEverySaveStyleReloadsExactlyOnce() throws {
        for style in SaveStyle.allCases {
            let h = try StoreHarness(self, files: ["notes.txt": "one"])
            let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
            XCTAssertEqual(res.value.text, "one")
            try style.save("two, saved \(style)", to: h.path("notes.txt"))
            XCTAssertEqual(h.syncUntilChange().map(\.description), ["notes.txt"], "\(style)")
            XCTAssertEqual(res.value.text, "two, saved \(style)", "the handle holds the new value in place (\(style))")
            XCTAssertEqual(res.generation, 2)
            XCTAssertEqual(h.syncQuietly(), [], "one save, one reload (\(style))")
        }
    }

    func testSavingTheSameBytesReloadsNothing() throws {
        let h = try StoreHarness(self, files: ["notes.txt": "same"])
        _ = try h.store.get(try .file("notes.txt"), as: TextResource.self)
        for style in SaveStyle.allCases { try style.save("same", to: h.path("notes.txt")) }
        XCTAssertEqual(h.syncQuietly(for: 0.3), [])
        XCTAssertEqual(h.reloads(), ["notes.txt#1"], "only the first load")
    }

    func testChainsReloadEveryLevelOnceInOrder() throws {
        let h = try StoreHarness(self, files: ["a": "use b\nA", "b": "use c\nB", "c": "C"])
        let a = try h.store.get(try BundleResource.key("a"), as: BundleResource.self)
        XCTAssertEqual(a.value.text, "C+B+A")
        let mark = h.events.count
        try SaveStyle.inPlace.save("C2", to: h.path("c"))
        h.syncUntilChange()
        XCTAssertEqual(a.value.text, "C2+B+A")
        XCTAssertEqual(h.reloads(since: mark), ["bundle:c#2", "bundle:b#2", "bundle:a#2"], "dependencies first, each once")
        XCTAssertEqual(h.syncQuietly(), [])
    }

    func testDiamondsReloadTheSharedDependantOnce() throws {
        let h = try StoreHarness(self, files: ["top": "use left\nuse right", "left": "use base\nL", "right": "use base\nR", "base": "X"])
        let top = try h.store.get(try BundleResource.key("top"), as: BundleResource.self)
        XCTAssertEqual(top.value.text, "X+L+X+R")
        let mark = h.events.count
        try SaveStyle.tempAndRename.save("Y", to: h.path("base"))
        h.syncUntilChange()
        XCTAssertEqual(top.value.text, "Y+L+Y+R")
        let reloads = h.reloads(since: mark)
        XCTAssertEqual(reloads.sorted(), ["bundle:base#2", "bundle:left#2", "bundle:right#2", "bundle:top#2"])
        XCTAssertEqual(reloads.first, "bundle:base#2")
        XCTAssertEqual(reloads.last, "bundle:top#2")
    }

    func testAFailedReloadKeepsTheLastGoodValueAndAFixRecovers() throws {
        let h = try StoreHarness(self, files: ["top": "use mid\nT", "mid": "M"])
        let top = try h.store.get(try BundleResource.key("top"), as: BundleResource.self)
        let mid = try h.store.get(try BundleResource.key("mid"), as: BundleResource.self)
        let mark = h.events.count
        try Data([0xC3, 0x28, 0x00]).write(to: URL(fileURLWithPath: h.path("mid"))) // not UTF-8
        h.syncUntilChange()
        XCTAssertEqual(mid.value.text, "M", "the last good value stays")
        XCTAssertEqual(mid.error?.kind, .fileUnreadable)
        XCTAssertEqual(h.errors(since: mark).map(\.kind), [.fileUnreadable])
        XCTAssertEqual(h.reloads(since: mark), [], "a failed dependency does not reload its dependants")
        try SaveStyle.inPlace.save("M2", to: h.path("mid"))
        h.syncUntilChange()
        XCTAssertNil(mid.error, "a good save clears the error")
        XCTAssertEqual(top.value.text, "M2+T")
    }

    func testDeletingAFileIsAnErrorAndRecreatingItRecovers() throws {
        let h = try StoreHarness(self, files: ["notes.txt": "here"])
        let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
        try FileManager.default.removeItem(atPath: h.path("notes.txt"))
        h.syncUntilChange()
        XCTAssertEqual(res.error?.kind, .fileNotFound)
        XCTAssertEqual(res.value.text, "here")
        try SaveStyle.inPlace.save("back", to: h.path("notes.txt"))
        h.syncUntilChange()
        XCTAssertEqual(res.value.text, "back")
        XCTAssertNil(res.error)
    }

    func testAFileReplacedByAFolderIsUnreadableAndKeepsTheLastGood() throws {
        let h = try StoreHarness(self, files: ["notes.txt": "text"])
        let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
        try FileManager.default.removeItem(atPath: h.path("notes.txt"))
        try FileManager.default.createDirectory(atPath: h.path("notes.txt"), withIntermediateDirectories: false)
        let deadline = Date().addingTimeInterval(5)
        while res.error?.kind != .fileUnreadable, Date() < deadline { h.syncUntilChange(timeout: 0.2) }
        XCTAssertEqual(res.error?.kind, .fileUnreadable)
        XCTAssertEqual(res.error?.message, "is a folder, not a file")
        XCTAssertEqual(res.value.text, "text")
    }

    func testAFolderDeletedAndRecreatedUnderTheWatcher() throws {
        let h = try StoreHarness(self, files: ["lib/deep/notes.txt": "v1"])
        let res = try h.store.get(try .file("lib/deep/notes.txt"), as: TextResource.self)
        try FileManager.default.removeItem(atPath: h.path("lib"))
        h.syncUntilChange()
        XCTAssertEqual(res.error?.kind, .fileNotFound)
        XCTAssertEqual(res.value.text, "v1")
        // Recreate folder and file at once: the watch moves back down to the new folder.
        try FileManager.default.createDirectory(atPath: h.path("lib/deep"), withIntermediateDirectories: true)
        try SaveStyle.inPlace.save("v2", to: h.path("lib/deep/notes.txt"))
        h.syncUntilChange()
        XCTAssertEqual(res.value.text, "v2")
        // And it is watched again normally afterwards.
        try SaveStyle.tempAndRename.save("v3", to: h.path("lib/deep/notes.txt"))
        h.syncUntilChange()
        XCTAssertEqual(res.value.text, "v3")
    }

    func testAMissingDependencyLoadsWhenItIsCreated() throws {
        let h = try StoreHarness(self, files: ["top": "use sub/later\nT"])
        let top = try h.store.get(try LenientBundle.key("top"), as: LenientBundle.self)
        XCTAssertTrue(top.isFallback)
        XCTAssertEqual(top.error?.kind, .fileNotFound)
        // The missing bundle was never kept, so `top` watches its file (and folder) itself.
        try FileManager.default.createDirectory(atPath: h.path("sub"), withIntermediateDirectories: true)
        try SaveStyle.inPlace.save("L", to: h.path("sub/later"))
        h.syncUntilChange()
        XCTAssertFalse(top.isFallback)
        XCTAssertNil(top.error)
        XCTAssertEqual(top.value.text, "L+T")
    }

    func testFiftyEditsInARowEndOnTheLastContent() throws {
        let h = try StoreHarness(self, files: ["notes.txt": "0"])
        let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
        for i in 1...50 {
            try SaveStyle.allCases[i % SaveStyle.allCases.count].save("edit \(i)", to: h.path("notes.txt"))
            if i % 7 == 0 { _ = h.store.sync() }
            usleep(UInt32.random(in: 0...3000))
        }
        let deadline = Date().addingTimeInterval(5)
        while res.value.text != "edit 50", Date() < deadline {
            _ = h.store.sync()
            usleep(2000)
        }
        XCTAssertEqual(res.value.text, "edit 50")
        XCTAssertNil(res.error)
        XCTAssertEqual(h.syncQuietly(), [])
    }

    // MARK: Complete saves need no debounce

    /// A watcher whose debounce is far longer than any reload may take here.
    static func slowDebounce(_ seconds: Double) -> FileWatcher.Options {
        var options = FileWatcher.Options()
        options.debounce = seconds
        return options
    }

    func testACompleteSaveReloadsWithoutWaitingTheDebounce() throws {
        // Every one of these ends with the writer closing the file (IN_CLOSE_WRITE)
        // or renaming a finished file over it (IN_MOVED_TO): nothing to wait for.
        for style in SaveStyle.allCases {
            let h = try StoreHarness(self, files: ["notes.txt": "one"], options: Self.slowDebounce(2))
            let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
            let saved = Date()
            try style.save("two, saved \(style)", to: h.path("notes.txt"))
            XCTAssertEqual(h.syncUntilChange(timeout: 1).map(\.description), ["notes.txt"], "\(style)")
            XCTAssertLessThan(Date().timeIntervalSince(saved), 1, "reloaded well before the 2 s debounce (\(style))")
            XCTAssertEqual(res.value.text, "two, saved \(style)")
            XCTAssertEqual(h.syncQuietly(for: 0.1), [], "\(style)")
        }
    }

    func testAWriteStillOpenWaitsForTheDebounce() throws {
        let h = try StoreHarness(self, files: ["notes.txt": "one"], options: Self.slowDebounce(0.6))
        let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: h.path("notes.txt")))
        let started = Date()
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Array("two, still open".utf8))
        // No close: the writer may not be done, so nothing is read before the quiet time.
        XCTAssertEqual(h.syncQuietly(for: 0.4), [])
        XCTAssertEqual(res.value.text, "one")
        XCTAssertEqual(h.syncUntilChange(timeout: 3).map(\.description), ["notes.txt"])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.55, "read only after the debounce")
        XCTAssertEqual(res.value.text, "two, still open")
        // Closing it later changes nothing: the same content reloads nothing.
        try handle.close()
        XCTAssertEqual(h.syncQuietly(for: 0.2), [])
        XCTAssertEqual(res.generation, 2)
    }

    func testTheBenchmarksOtherSaveStylesReloadExactlyOnce() throws {
        for (name, save) in Self.moreSaveStyles {
            let h = try StoreHarness(self, files: ["notes.txt": "one"])
            let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
            try save("two, saved by \(name)", h.path("notes.txt"))
            XCTAssertEqual(h.syncUntilChange().map(\.description), ["notes.txt"], name)
            XCTAssertEqual(res.value.text, "two, saved by \(name)", name)
            XCTAssertEqual(h.syncQuietly(), [], "one save, one reload (\(name))")
        }
    }

    /// Truncate then two writes on one descriptor; a write through a descriptor
    /// held open for 30 ms (longer than the default debounce) before it closes.
    static let moreSaveStyles: [(String, (String, String) throws -> Void)] = [
        ("truncate, then two writes", { text, path in
            let fd = open(path, O_WRONLY | O_TRUNC)
            guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
            let bytes = Array(text.utf8), half = bytes.count / 2
            _ = bytes[..<half].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            _ = bytes[half...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }),
        ("a descriptor kept open 30 ms", { text, path in
            let fd = open(path, O_WRONLY | O_TRUNC)
            guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
            _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            usleep(30_000)
            close(fd)
        }),
    ]

    func testWaitForChangeWakesWhenASaveIsReadAndOtherwiseTimesOut() throws {
        let h = try StoreHarness(self, files: ["notes.txt": "one"], options: Self.slowDebounce(2))
        let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
        var started = Date()
        XCTAssertFalse(h.watcher.waitForChange(timeout: 0.15), "nothing changed")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.14)

        let path = h.path("notes.txt")
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { try? SaveStyle.tempAndRename.save("two", to: path) }
        started = Date()
        XCTAssertTrue(h.watcher.waitForChange(timeout: 5))
        let woke = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(woke, 0.09, "woke for the save, not before")
        XCTAssertLessThan(woke, 1, "woke as soon as the save was read, not after the 2 s debounce")
        XCTAssertTrue(h.watcher.waitForChange(timeout: 0), "still ready until taken")
        XCTAssertEqual(h.store.sync().map(\.description), ["notes.txt"])
        XCTAssertEqual(res.value.text, "two")
        XCTAssertFalse(h.watcher.waitForChange(timeout: 0.05), "taken by sync")
    }

    func testKeysThatEscapeTheRootAreRefused() {
        for bad in ["../outside.txt", "/etc/passwd", "a/../../b"] {
            XCTAssertThrowsError(try ResourceKey.file(bad), bad) { error in
                XCTAssertEqual((error as? RasterbarError)?.kind, .invalidArgument)
            }
        }
        XCTAssertEqual(try ResourceKey.file("./a//b/../c.txt").path, "a/c.txt")
    }

    func testResourceCyclesAreReportedNotRecursedForever() throws {
        let h = try StoreHarness(self, files: ["a": "use b", "b": "use a"])
        XCTAssertThrowsError(try h.store.get(try BundleResource.key("a"), as: BundleResource.self)) { error in
            XCTAssertEqual((error as? RasterbarError)?.kind, .includeCycle)
            XCTAssertTrue("\(error)".contains("bundle:a -> bundle:b -> bundle:a"), "\(error)")
        }
    }

    func testOneKeyIsOneTypeOnly() throws {
        let h = try StoreHarness(self, files: ["x": "text"])
        _ = try h.store.get(try .file("x"), as: TextResource.self)
        XCTAssertThrowsError(try h.store.get(try .file("x"), as: BundleResource.self))
    }

    func testPollingFallbackSeesEverySaveStyle() throws {
        var options = FileWatcher.Options()
        options.mode = .polling
        options.pollInterval = 0.02
        for style in SaveStyle.allCases {
            let h = try StoreHarness(self, files: ["notes.txt": "one"], options: options)
            XCTAssertEqual(h.watcher.mode, .polling)
            let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
            usleep(30_000) // let the first poll record the file
            try style.save("two, longer, \(style)", to: h.path("notes.txt"))
            h.syncUntilChange()
            XCTAssertEqual(res.value.text, "two, longer, \(style)")
            XCTAssertEqual(h.syncQuietly(for: 0.15), [], "\(style)")
        }
    }

    func testWatchLimitFallsBackToPollingAndSaysSo() throws {
        var options = FileWatcher.Options()
        options.watchLimit = 0
        options.pollInterval = 0.02
        let h = try StoreHarness(self, files: ["sub/notes.txt": "one"], options: options)
        let res = try h.store.get(try .file("sub/notes.txt"), as: TextResource.self)
        _ = h.store.sync()
        let warnings = h.events.compactMap { if case let .warning(m) = $0 { return m } else { return nil } }
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains("polling sub/") == true, "\(warnings)")
        usleep(30_000)
        try SaveStyle.inPlace.save("two!", to: h.path("sub/notes.txt"))
        h.syncUntilChange()
        XCTAssertEqual(res.value.text, "two!")
    }

    func testSyncWithNothingChangedDoesNothing() throws {
        let h = try StoreHarness(self, files: ["notes.txt": "x"])
        _ = try h.store.get(try .file("notes.txt"), as: TextResource.self)
        XCTAssertEqual(h.syncQuietly(for: 0.05), [])
        XCTAssertEqual(h.events.count, 1)
    }

    func testReloadAllReloadsEvenUnchangedFiles() throws {
        let h = try StoreHarness(self, files: ["notes.txt": "x"])
        let res = try h.store.get(try .file("notes.txt"), as: TextResource.self)
        h.store.reloadAll()
        XCTAssertEqual(h.store.sync().map(\.description), ["notes.txt"])
        XCTAssertEqual(res.generation, 2)
    }
}
