// The Rocket editor's document (File, Open / Save in the editor): XML with a
// <track name="..."> per column and a <key row value interpolation> per key.
// `rasterbar rocket export` writes demo.json's tracks as one, so the editor
// starts from them; `rasterbar rocket import` merges one into demo.json
// through the track writer (only those tracks change; times in the file's own
// style). The XML is read with Foundation's parser (libxml2), not by hand.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RasterbarCore

public enum RocketDocument {
    /// demo.json's tracks as an editor document. Keys must fall on rows.
    public static func export(_ demo: Demo, file: String) throws -> (xml: String, tracks: Int, keys: Int) {
        let bpm = try requireBPM(demo, file: file)
        var lines = ["<?xml version=\"1.0\" encoding=\"utf-8\"?>"]
        let lastRow = RocketSession.row(at: demo.meta.duration, meta: demo.meta, bpm: bpm)
        lines.append("<sync rows=\"\(max(lastRow + 1, 128))\">")
        lines.append("\t<tracks>")
        var keys = 0
        for track in demo.tracks {
            let columns = RocketSession.columns(ofTrack: track.name, components: track.components)
            for (c, column) in columns.enumerated() {
                lines.append("\t\t<track name=\"\(escape(column))\">")
                for key in track.keys {
                    let exact = key.time * bpm / 60 * Double(demo.meta.rowsPerBeat)
                    let row = Int(exact.rounded())
                    guard abs(exact - Double(row)) < 1e-6 else {
                        throw RasterbarError(.invalidArgument, "tracks.\(track.name): the key at \(key.time) s falls between rows (row \(String(format: "%.3f", exact)))",
                                             at: file, hint: "Rocket keys sit on rows: raise meta.rowsPerBeat or move the key onto a row")
                    }
                    let type = RocketProtocol.interpolations.firstIndex(of: key.interpolation)!
                    lines.append("\t\t\t<key row=\"\(row)\" value=\"\(number(key.value[c]))\" interpolation=\"\(type)\"/>")
                    keys += 1
                }
                lines.append("\t\t</track>")
            }
        }
        lines.append("\t</tracks>")
        lines.append("</sync>")
        return (lines.joined(separator: "\n") + "\n", demo.tracks.count, keys)
    }

    /// The tracks of an editor document, as Rasterbar tracks of `demo` (columns
    /// `name:x` ... grouped into vec tracks). `name` names the document in messages.
    public static func tracks(ofDocument bytes: [UInt8], name: String, demo: Demo) throws -> [Track] {
        let bpm = try requireBPM(demo, file: name)
        let reader = Reader()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = reader
        guard parser.parse(), reader.failure == nil else {
            let why = reader.failure ?? parser.parserError.map { "\($0.localizedDescription)" } ?? "not XML"
            throw RasterbarError(.invalidArgument, "not a Rocket document: \(why) (line \(parser.lineNumber))", at: name,
                                 hint: "save it from the Rocket editor (File, Save)")
        }
        var session = RocketSession()
        for column in reader.columns {
            // A column named twice adds to the same column, as in the editor.
            let index = session.ask(column.name).index
            for key in column.keys {
                _ = session.apply(.setKey(track: index, row: key.row, value: key.value, interpolation: key.interpolation))
            }
        }
        var seen: Set<String> = []
        return reader.columns.map { RocketSession.trackName(of: $0.name) }.filter { seen.insert($0).inserted }.compactMap { track in
            // As many components as demo.json's track has, or as the highest column suffix says.
            let components = demo.track(named: track)?.components ?? RocketSession.components(of: track, columns: reader.columns.map(\.name))
            return session.track(track, components: components, over: demo, bpm: bpm)
        }
    }

    static func requireBPM(_ demo: Demo, file: String) throws -> Double {
        guard let bpm = demo.meta.bpm else {
            throw RasterbarError(.invalidArgument, "Rocket's rows are beats: demo.json needs meta.bpm", at: file,
                                 hint: "add \"bpm\" (and \"rowsPerBeat\", default 8) to meta")
        }
        return bpm
    }

    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Collects <track> and <key> elements.
    final class Reader: NSObject, XMLParserDelegate {
        struct Column { var name: String; var keys: [(row: Int, value: Float, interpolation: Interpolation)] }
        var columns: [Column] = []
        var failure: String?

        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            switch element {
            case "track":
                guard let name = attributes["name"], !name.isEmpty else { return fail(parser, "a <track> without a name") }
                columns.append(Column(name: name, keys: []))
            case "key":
                guard !columns.isEmpty else { return fail(parser, "a <key> outside a <track>") }
                guard let row = attributes["row"].flatMap({ Int($0) }), row >= 0,
                      let value = attributes["value"].flatMap({ Float($0) }), value.isFinite,
                      let type = attributes["interpolation"].flatMap({ Int($0) }), RocketProtocol.interpolations.indices.contains(type) else {
                    return fail(parser, "a <key> in track \(columns[columns.count - 1].name) needs row, a finite value and interpolation (0-3)")
                }
                columns[columns.count - 1].keys.append((row, value, RocketProtocol.interpolations[type]))
            default: break
            }
        }

        func fail(_ parser: XMLParser, _ why: String) {
            failure = failure ?? "line \(parser.lineNumber): \(why)"
            parser.abortParsing()
        }
    }
}
