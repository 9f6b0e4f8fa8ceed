// A script's state across edits of its type, with real swiftc: carried over
// field by field, and the player names what restarted. Each script logs its
// state every frame ("state = ..."), which the tests read back.
import XCTest
@testable import RasterbarHost

/// A scene script declaring `types` (at least `struct State`), running `step`
/// every frame, then logging "state = " followed by `show` (interpolations of `state`).
func stateScript(_ types: String, step: String = "state.count += 1", show: String) -> String {
    """
    import RasterbarSDK

    final class Counter: Scene {
        \(types)
        var state = State()
        init() {}
        func frame(_ context: Context) {
            \(step)
            context.log("state = \(show)")
        }
    }
    """
}

final class ScriptStateTests: XCTestCase {
    let logPrefix = "Scripts/Counter.swift: state = "

    /// Draws a frame and returns what the script logged of its state.
    func drawState(_ s: LiveDemo) throws -> String? {
        let mark = s.harness.events.count
        try s.draw()
        return s.warnings(since: mark).last { $0.hasPrefix(logPrefix) }.map { String($0.dropFirst(logPrefix.count)) }
    }

    /// Saves `script`, draws, and returns the state logged and the other warnings.
    func reload(_ s: LiveDemo, _ script: String) throws -> (state: String?, warnings: [String]) {
        let mark = s.harness.events.count
        try s.save(script)
        let state = try drawState(s)
        return (state, s.warnings(since: mark).filter { !$0.hasPrefix(logPrefix) })
    }

    func testAFieldAddedWithADefaultTakesItAndTheOthersKeepTheirValues() throws {
        let step = #"state.count += 1; if state.count == 2 { state.name = "q\"é😀\\/" }"#
        let s = try LiveDemo.script(self, script: stateScript(
            #"struct State: Codable { var count = 0; var name = "a" }"#, step: step, show: #"\(state.count) \(state.name)"#))
        for _ in 0..<2 { try s.draw() }
        XCTAssertEqual(try drawState(s), #"3 q"é😀\/"#)
        let after = try reload(s, stateScript(
            #"struct State: Codable { var count = 0; var name = "a"; var speed: Float = 2.5; var tags: [String] = ["t"] }"#,
            step: step, show: #"\(state.count) \(state.name) \(state.speed) \(state.tags)"#))
        XCTAssertEqual(after.state, #"4 q"é😀\/ 2.5 ["t"]"#, "the count and the name kept, the new fields at their defaults")
        XCTAssertEqual(after.warnings, ["Scripts/Counter.swift: state carried over; restarted from their defaults: speed (new), tags (new)"])
    }

    func testARemovedFieldIsDroppedAndTheOthersKeepTheirValues() throws {
        let s = try LiveDemo.script(self, script: stateScript(
            "struct State: Codable { var count = 0; var old = 5; var name = \"a\" }",
            step: "state.count += 1; state.name = \"n\\(state.count)\"", show: #"\(state.count) \(state.old) \(state.name)"#))
        for _ in 0..<2 { try s.draw() }
        XCTAssertEqual(try drawState(s), "3 5 n3")
        let after = try reload(s, stateScript(
            "struct State: Codable { var count = 0; var name = \"a\" }", show: #"\(state.count) \(state.name)"#))
        XCTAssertEqual(after.state, "4 n3")
        XCTAssertEqual(after.warnings, ["Scripts/Counter.swift: state carried over; dropped: old"])
    }

    func testARetypedFieldRestartsAloneFromItsDefault() throws {
        let s = try LiveDemo.script(self, script: stateScript(
            "struct State: Codable { var count = 0; var level = 1; var hue: Float = 0 }",
            step: "state.count += 1; if state.count == 2 { state.level = 9; state.hue = 0.25 }",
            show: #"\(state.count) \(state.level) \(state.hue)"#))
        for _ in 0..<2 { try s.draw() }
        XCTAssertEqual(try drawState(s), "3 9 0.25")
        let after = try reload(s, stateScript(
            "struct State: Codable { var count = 0; var level = \"L\"; var hue: Float = 0 }",
            show: #"\(state.count) \(state.level) \(state.hue)"#))
        XCTAssertEqual(after.state, "4 L 0.25", "only the retyped field restarted")
        XCTAssertEqual(after.warnings, ["Scripts/Counter.swift: state carried over; restarted from their defaults: level (type changed)"])
    }

    func testNestedStructsAndArraysOfStructsKeepTheirValuesWhenTheirTypesGainAField() throws {
        let step = "state.count += 1; if state.count == 1 { state.inner.x = 5; state.items = [Item(x: 1), Item(x: 2)]; state.pool = [Item(x: 3)] }"
        let s = try LiveDemo.script(self, script: stateScript("""
            struct Inner: Codable { var x = 0 }
            struct Item: Codable { var x = 0 }
            struct State: Codable { var count = 0; var inner = Inner(); var items = [Item()]; var pool: [Item] = [] }
            """, step: step, show: #"\(state.count) \(state.inner.x) \(state.items.map(\.x)) \(state.pool.map(\.x))"#))
        XCTAssertEqual(try drawState(s), "1 5 [1, 2] [3]")
        let after = try reload(s, stateScript("""
            struct Inner: Codable { var x = 0; var y = 7 }
            struct Item: Codable { var x = 0; var z = 9 }
            struct State: Codable { var count = 0; var inner = Inner(); var items = [Item()]; var pool: [Item] = [] }
            """, step: step, show: #"\(state.count) \(state.inner.x) \(state.inner.y) \(state.items.map { [$0.x, $0.z] }) \(state.pool.map(\.x))"#))
        XCTAssertEqual(after.state, "2 5 7 [[1, 9], [2, 9]] []",
                       "the nested struct and the array whose default has an element keep their values, the new fields take their defaults")
        XCTAssertEqual(after.warnings, ["Scripts/Counter.swift: state carried over; restarted from their defaults: inner.y (new), items[].z (new), "
                                        + "pool (as a whole: pool[].z is new)"],
                       "an array whose default has no element to take z from restarts, and says so")
    }

    func testAnElementThatNoLongerFitsIsDroppedAndTheRestKept() throws {
        let types = "enum Shape: String, Codable { case a, b, c }\nstruct State: Codable { var count = 0; var shapes: [Shape] = []; var mode = Shape.a }"
        let step = "state.count += 1; if state.count == 1 { state.shapes = [.a, .c, .b]; state.mode = .c }"
        let show = #"\(state.count) \(state.shapes.map(\.rawValue)) \(state.mode)"#
        let s = try LiveDemo.script(self, script: stateScript(types, step: step, show: show))
        XCTAssertEqual(try drawState(s), #"1 ["a", "c", "b"] c"#)
        let after = try reload(s, stateScript(types.replacingOccurrences(of: ", c }", with: " }"), step: "state.count += 1", show: show))
        XCTAssertEqual(after.state, #"2 ["a", "b"] a"#)
        XCTAssertEqual(after.warnings, ["Scripts/Counter.swift: state carried over; restarted from their defaults: mode (type changed); "
                                        + "dropped: 1 element of shapes that no longer fit"])
    }

    func testNaNAndInfinitiesSurviveAReloadAndIntegersAreExact() throws {
        let types = "struct State: Codable { var count = 0; var f: Float = 1; var g: Double = 0; var h: Float = 0; var big: UInt64 = 0; var i = 0 }"
        let step = "state.count += 1; if state.count == 1 { state.f = .nan; state.g = -.infinity; state.h = .infinity; state.big = .max; state.i = .min }"
        let show = #"\(state.count) \(state.f) \(state.g) \(state.h) \(state.big) \(state.i)"#
        let s = try LiveDemo.script(self, script: stateScript(types, step: step, show: show))
        XCTAssertEqual(try drawState(s), "1 nan -inf inf 18446744073709551615 -9223372036854775808")
        let after = try reload(s, stateScript(types, step: step, show: show) + "\n// edited\n")
        XCTAssertEqual(after.state, "2 nan -inf inf 18446744073709551615 -9223372036854775808")
        XCTAssertEqual(after.warnings, [], "nothing restarted")
    }

    func testAStateThatCannotBeSavedIsReportedNotSilentlyDropped() throws {
        let types = """
            struct State: Codable {
                var count = 0
                init() {}
                init(from decoder: Decoder) throws { count = try decoder.container(keyedBy: K.self).decode(Int.self, forKey: .count) }
                func encode(to encoder: Encoder) throws { throw EncodingError.invalidValue(count, .init(codingPath: [K.count], debugDescription: "not today")) }
                enum K: CodingKey { case count }
            }
            """
        let s = try LiveDemo.script(self, script: stateScript(types, show: #"\(state.count)"#))
        for _ in 0..<2 { try s.draw() }
        let after = try reload(s, stateScript(types, show: #"\(state.count)"#) + "\n// edited\n")
        XCTAssertEqual(after.state, "1", "the new code starts fresh")
        XCTAssertEqual(after.warnings, ["Scripts/Counter.swift: the state cannot be saved (count: not today (2)), so the new code starts fresh"])
    }
}
