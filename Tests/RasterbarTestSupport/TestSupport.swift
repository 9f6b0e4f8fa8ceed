// Shared by both test targets (core and engine): demo.json text in, a Demo
// out; errors asserted by their stable kind; where the repository is.
import Foundation
import XCTest
import RasterbarCore

/// Reads demo.json text as the engine does, named demo.json in messages.
public func parseDemo(_ text: String) throws -> Demo { try Demo.parse(Array(text.utf8), file: "demo.json") }

/// The repository root, found from this file's path.
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Asserts that `body` throws a RasterbarError of `kind`; returns it for more checks.
@discardableResult
public func assertRasterbarError<T>(_ kind: RasterbarError.Kind, file: StaticString = #filePath, line: UInt = #line,
                                    _ body: () throws -> T) -> RasterbarError? {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error, got none", file: file, line: line)
    } catch let e as RasterbarError {
        XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
        return e
    } catch {
        XCTFail("expected a RasterbarError, got \(error)", file: file, line: line)
    }
    return nil
}
