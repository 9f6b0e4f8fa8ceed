// The bundled demo.json, mutated thousands of ways (truncated, bytes flipped,
// inserted and deleted, brackets doubled and dropped, nested absurdly deep),
// through the demo reader: every input is a Demo or a RasterbarError that
// says where, never a trap. Seeded, so a failure replays.
import Foundation
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class DemoFuzzTests: XCTestCase {
    /// Reads `bytes`; fails the test unless it is a Demo or a placed error.
    func read(_ bytes: [UInt8], _ what: @autoclosure () -> String) {
        do {
            _ = try Demo.parse(bytes, file: "demo.json")
        } catch let e as RasterbarError {
            if ![.invalidJSON, .invalidDemo].contains(e.kind) || e.line == nil { XCTFail("\(what()): \(e)") }
        } catch {
            XCTFail("\(what()): not a RasterbarError: \(error)")
        }
    }

    func testMutationsOfTheBundledDemoAreValuesOrErrors() throws {
        let original = Array(try Data(contentsOf: repositoryRoot.appendingPathComponent("demo.json")))
        XCTAssertNoThrow(try Demo.parse(original, file: "demo.json"))
        // Every truncation.
        for length in 0..<original.count { read(Array(original.prefix(length)), "truncated at \(length)") }
        var random = SplitMix(seed: 2026)
        let interesting = Array("{}[]\",:0123456789.eE+-\\u tfn".utf8) + [0x00, 0x0A, 0x7F, 0x80, 0xC3, 0xED, 0xFF]
        for round in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes[at] = interesting.randomElement(using: &random)!
                case 2: bytes.insert(interesting.randomElement(using: &random)!, at: at)
                case 3: if bytes.count > 1 { bytes.remove(at: at) }
                default:
                    // Double or drop a bracket: structure that no longer matches.
                    if let b = bytes[at...].firstIndex(where: { "{}[]".utf8.contains($0) }) {
                        if Bool.random(using: &random) { bytes.insert(bytes[b], at: b) } else { bytes.remove(at: b) }
                    }
                }
            }
            read(bytes, "round \(round)")
        }
        // Absurd nesting, inside the demo and alone: refused, never a stack overflow.
        read(Array(repeating: UInt8(ascii: "["), count: 100_000), "100,000 [")
        read(Array(repeating: UInt8(ascii: "{"), count: 100_000), "100,000 {")
        let nested = Array(String(repeating: "[", count: 600).utf8) + Array(String(repeating: "]", count: 600).utf8)
        var deep = original
        deep.replaceSubrange(deep.count - 2..<deep.count - 2, with: Array(",\n  \"x\": ".utf8) + nested)
        read(deep, "600 levels inside the demo")
        // Numbers and times at the edges of what a Double and an Int hold.
        for edge in ["1e308", "-1e308", "1e-400", "9007199254740993", "99999999999999999999", "\"99999999999999999999:0\"",
                     "\"9223372036854775807:0\"", "\"0:1e300\""] {
            let text = String(decoding: original, as: UTF8.self).replacingOccurrences(of: "\"duration\": \"20:0\"", with: "\"duration\": \(edge)")
            read(Array(text.utf8), "duration \(edge)")
        }
    }
}
