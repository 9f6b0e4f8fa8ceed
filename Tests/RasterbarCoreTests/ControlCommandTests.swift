// The control channel's language, parsed without a player: every command, the
// sender's id, and every mistake as an invalidCommand error that says what
// the command wants.
import Foundation
import XCTest
@testable import RasterbarCore
import RasterbarTestSupport

final class ControlCommandTests: XCTestCase {
    func parse(_ line: String) throws -> ControlRequest { try ControlRequest.parse(line) }

    func testEveryCommandParses() throws {
        XCTAssertEqual(try parse(#"{"command":"seek","time":12.5}"#).command, .seek("12.5"))
        XCTAssertEqual(try parse(#"{"command":"seek","time":"8:0"}"#).command, .seek("8:0"))
        XCTAssertEqual(try parse(#"{"command":"seek","time":"tunnel"}"#).command, .seek("tunnel"))
        XCTAssertEqual(try parse(#"{"command":"pause"}"#).command, .pause)
        XCTAssertEqual(try parse(#"{"command":"play"}"#).command, .play)
        XCTAssertEqual(try parse(#"{"command":"reload"}"#).command, .reload)
        XCTAssertEqual(try parse(#" {"command":"status"} "#).command, .status)
        XCTAssertEqual(try parse(#"{"command":"clearTrack","name":"fade"}"#).command, .clearTrack("fade"))
        XCTAssertEqual(try parse(#"{"command":"saveTracks"}"#).command, .saveTracks)
        XCTAssertEqual(try parse(#"{"command":"snapshot","path":"out/f.PNG"}"#).command, .snapshot("out/f.PNG"))
        XCTAssertEqual(try parse(#"{"command":"quit"}"#).command, .quit)
        guard case let .setTrack(name, keys) = try parse(#"{"command":"setTrack","name":"glow","keys":[[0,1],["1:0",2,"smooth"]]}"#).command else {
            return XCTFail("not a setTrack")
        }
        XCTAssertEqual(name, "glow")
        guard case let .array(items) = keys.kind else { return XCTFail("keys are not the array") }
        XCTAssertEqual(items.count, 2)
        // With a type, the keys arrive in the object form demo.json uses for vectors.
        guard case let .setTrack(_, typed) = try parse(#"{"command":"setTrack","name":"cam","type":"vec2","keys":[[0,[1,2]]]}"#).command else {
            return XCTFail("not a setTrack")
        }
        XCTAssertNotNil(typed["type"])
        XCTAssertNotNil(typed["keys"])
    }

    func testTheIdComesBackAsWritten() throws {
        XCTAssertEqual(try parse(#"{"command":"status","id":7}"#).id, "7")
        XCTAssertEqual(try parse(#"{"id": {"n": [1, "x"]}, "command":"status"}"#).id, #"{"n": [1, "x"]}"#)
        XCTAssertNil(try parse(#"{"command":"status"}"#).id)
    }

    func testMistakesSayWhatTheCommandWants() {
        let cases: [(String, String)] = [
            ("status", "not JSON"),
            (#"{"command":"status""#, "not JSON"),
            ("[1, 2]", "a command must be a JSON object, found an array"),
            (#"{"cmd":"status"}"#, #"the object has no "command" string"#),
            (#"{"command":"sek"}"#, "unknown command 'sek' (did you mean 'seek'?)"),
            (#"{"command":"seek"}"#, #"seek needs "time""#),
            (#"{"command":"seek","time":true}"#, #"seek: "time" must be seconds, "bar:beat" or a scene name, found a boolean"#),
            (#"{"command":"seek","tim":3}"#, #"seek has no member "tim" (did you mean "time"?)"#),
            (#"{"command":"pause","now":true}"#, #"pause has no member "now""#),
            (#"{"command":"setTrack","keys":[]}"#, #"setTrack needs "name""#),
            (#"{"command":"setTrack","name":"x"}"#, #"setTrack needs "keys""#),
            (#"{"command":"clearTrack","name":""}"#, #"clearTrack: "name" must be a non-empty string, found a string"#),
            (#"{"command":"snapshot","path":"x.jpg"}"#, #"snapshot: "path" must end in .png, found 'x.jpg'"#),
        ]
        for (line, message) in cases {
            let e = assertRasterbarError(.invalidCommand) { try parse(line) }
            XCTAssertTrue(e?.message.hasPrefix(message) == true, "\(line): \(e?.message ?? "no error")")
            XCTAssertNotNil(e?.hint, "\(line) says how to write it")
        }
    }
}
