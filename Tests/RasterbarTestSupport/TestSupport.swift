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

/// SplitMix64: small, seedable, the same sequence on every machine, so a
/// failing fuzz case or simulation replays.
public struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in low..<high.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }
}
