// The JSON reader against JSONTestSuite's parsing corpus (the copy in
// ../shared/jsonsuite beside the repository, MIT licence): every y_ file
// parses, every n_ file is refused with a line and a column, and each i_ file
// (implementation-defined) does what JSON.swift's header says we decided.
// A crash would end the test process, so finishing is the "0 crashes" part.
import Foundation
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class JSONSuiteTests: XCTestCase {
    /// Where the corpus is: shared/ beside the repository (CI runs in a clone with shared/ beside it).
    static let corpus = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/jsonsuite/test_parsing")

    /// Our decision for every implementation-defined file: true accepts.
    static let implementationDefined: [String: Bool] = [
        // Numbers: a value too big for a Double is refused (demo.json needs finite
        // numbers); one too small becomes 0; big integers become the nearest Double.
        "i_number_double_huge_neg_exp.json": true,
        "i_number_huge_exp.json": false,
        "i_number_neg_int_huge_exp.json": false,
        "i_number_pos_double_huge_exp.json": false,
        "i_number_real_neg_overflow.json": false,
        "i_number_real_pos_overflow.json": false,
        "i_number_real_underflow.json": true,
        "i_number_too_big_neg_int.json": true,
        "i_number_too_big_pos_int.json": true,
        "i_number_very_big_negative_int.json": true,
        // Strings must be Unicode: unpaired or inverted UTF-16 surrogates in \u
        // escapes, and bytes that are not UTF-8, are refused with their place.
        "i_object_key_lone_2nd_surrogate.json": false,
        "i_string_1st_surrogate_but_2nd_missing.json": false,
        "i_string_1st_valid_surrogate_2nd_invalid.json": false,
        "i_string_incomplete_surrogate_and_escape_valid.json": false,
        "i_string_incomplete_surrogate_pair.json": false,
        "i_string_incomplete_surrogates_escape_valid.json": false,
        "i_string_invalid_lonely_surrogate.json": false,
        "i_string_invalid_surrogate.json": false,
        "i_string_inverted_surrogates_U+1D11E.json": false,
        "i_string_lone_second_surrogate.json": false,
        "i_string_UTF8_surrogate_U+D800.json": false,
        "i_string_UTF-8_invalid_sequence.json": false,
        "i_string_invalid_utf-8.json": false,
        "i_string_iso_latin_1.json": false,
        "i_string_lone_utf8_continuation_byte.json": false,
        "i_string_not_in_unicode_range.json": false,
        "i_string_overlong_sequence_2_bytes.json": false,
        "i_string_overlong_sequence_6_bytes.json": false,
        "i_string_overlong_sequence_6_bytes_null.json": false,
        "i_string_truncated-utf-8.json": false,
        // demo.json is UTF-8: UTF-16 text is refused; a UTF-8 byte order mark is skipped.
        "i_string_UTF-16LE_with_BOM.json": false,
        "i_string_utf16BE_no_BOM.json": false,
        "i_string_utf16LE_no_BOM.json": false,
        "i_structure_UTF-8_BOM_empty_object.json": true,
        // Nesting: up to 512 levels (500 is fine); deeper is refused, never a stack overflow.
        "i_structure_500_nested_arrays.json": true,
    ]

    func testTheParsingCorpus() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(names.count, 318, "the whole corpus at \(Self.corpus.path)")
        var refusedGood: [String] = [], acceptedBad: [String] = [], unplaced: [String] = [], undecided: [String] = []
        for name in names {
            let bytes = Array(try Data(contentsOf: Self.corpus.appendingPathComponent(name)))
            var accepted = true
            do { _ = try parseJSON(bytes) } catch let e as JSONSyntaxError {
                accepted = false
                if e.line < 1 || e.column < 1 { unplaced.append(name) }
            }
            switch name.prefix(2) {
            case "y_": if !accepted { refusedGood.append(name) }
            case "n_": if accepted { acceptedBad.append(name) }
            default:
                guard let expected = Self.implementationDefined[name] else { undecided.append(name); continue }
                XCTAssertEqual(accepted, expected, "\(name): \(expected ? "should be accepted" : "should be refused")")
            }
        }
        XCTAssertEqual(refusedGood, [], "y_ files refused")
        XCTAssertEqual(acceptedBad, [], "n_ files accepted")
        XCTAssertEqual(unplaced, [], "refusals without a line and column")
        XCTAssertEqual(undecided, [], "i_ files with no decision")
    }

    func testTheCorpusReachesTheDemoReaderAsErrorsNeverTraps() throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted() {
            let bytes = Array(try Data(contentsOf: Self.corpus.appendingPathComponent(name)))
            do { _ = try Demo.parse(bytes, file: "demo.json") } catch let e as RasterbarError {
                XCTAssertTrue([.invalidJSON, .invalidDemo].contains(e.kind), "\(name): \(e)")
                XCTAssertNotNil(e.line, "\(name): \(e) says where")
            }
        }
    }
}
