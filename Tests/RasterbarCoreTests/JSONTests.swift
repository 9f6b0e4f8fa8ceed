import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class JSONTests: XCTestCase {
    func testParsesNestedValuesWithPositions() throws {
        let v = try parseJSON(Array("{\n  \"a\": [1, true, null, \"x\\u00e9\"],\n  \"b\": -2.5e1\n}".utf8))
        XCTAssertEqual(v["b"]?.kind, .number(-25))
        XCTAssertEqual(v["b"]?.line, 3)
        XCTAssertEqual(v["b"]?.column, 8)
        guard case let .array(items)? = v["a"]?.kind else { return XCTFail("a is not an array") }
        XCTAssertEqual(items.map(\.kind), [.number(1), .bool(true), .null, .string("xé")])
        XCTAssertEqual(items[1].column, 12)
    }

    func testSyntaxErrorsSayWhere() {
        XCTAssertThrowsError(try parseJSON(Array("{\n  \"a\": [1, 2,, 3]\n}".utf8))) { error in
            let e = error as? JSONSyntaxError
            XCTAssertEqual(e?.line, 2)
            XCTAssertEqual(e?.column, 14)
            XCTAssertEqual(e?.message, "expected a value but found ','")
        }
        XCTAssertThrowsError(try parseJSON(Array("{\"a\": 1".utf8))) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.message, "expected ',' or '}' but found the end of the file")
        }
        XCTAssertThrowsError(try parseJSON(Array("{} x".utf8)))
        XCTAssertThrowsError(try parseJSON([0xFF, 0x00, 0x12]))
    }
}
