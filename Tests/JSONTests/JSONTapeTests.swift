import Testing
@testable import JSON
import YAML

/// LIST pages read in place (`JSONTape`, `JSONView`, `JSONCursor`) must be indistinguishable from
/// the same JSON read by `Node(json:marks: false)`: the same values, the same lookups and
/// comparisons, the same errors.
struct JSONTapeTests {
    static let documents: [String] = [
        #"{"s":"x","i":-12,"f":1.5,"e":1e3,"t":true,"n":null,"a":[1,[],{}],"o":{"k":false}}"#,
        #"[0, -0, 9223372036854775807, 9223372036854775808, 1.0, -2.5E-3, 1e+2]"#,
        #"{"a\"b": "l\nm", "caf\u00e9": "\ud83d\ude00", "é": "\u00E9", "lone": "\ud800x"}"#,
        "{\n  \"items\": [\n    {\"metadata\": {\"name\": \"a\", \"labels\": {}}, \"spec\": {\"hosts\": [\"h\"]}},\n    {}\n  ]\n}",
        #"{"deep": [[[{"x": [[]]}]]], "after": "found"}"#,
        "  \"just a string\"  ",
        "42",
    ]

    @Test(arguments: documents)
    func decodesAsTheReaderDoes(text: String) throws {
        let expected = try Node(json: Array(text.utf8), marks: false)
        let decoded = try JSONTape(json: Array(text.utf8)).root.node
        #expect(decoded == expected)
        #expect(decoded.jsonString() == expected.jsonString())  // same int/float kinds, same key order
    }

    @Test(arguments: JSONTests.errors)
    func rejectsWhatTheReaderRejectsWithItsDiagnostic(text: String, fragment: String, line: Int, column: Int) throws {
        do {
            _ = try JSONTape(json: Array(text.utf8), file: "in.json")
            Issue.record("no error for \(text)")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.message.contains(fragment.replacingOccurrences(of: " (first defined at line 1)", with: "")), "\(diagnostic.message)")
            #expect(diagnostic.mark == Mark(line: line, column: column))
        }
    }

    @Test(arguments: [
        #"{"a": 1, "\u0061": 2}"#,  // the same key, once escaped
        "{\"\u{E9}\": 1, \"e\u{301}\": 2}",  // canonically equivalent keys are equal Swift strings
        String(repeating: "[", count: JSONReader.maxDepth + 1) + String(repeating: "]", count: JSONReader.maxDepth + 1),
        "[1] [2]", "\u{FEFF}{}", "{\"a\":1,}",
    ])
    func rejectsMoreOfWhatTheReaderRejects(text: String) {
        #expect(throws: Diagnostic.self) { try Node(json: Array(text.utf8), marks: false) }
        #expect(throws: Diagnostic.self) { try JSONTape(json: Array(text.utf8)) }
    }

    @Test func duplicateKeysInLargeObjectsAreFound() {
        let members = (0..<40).map { "\"k\($0)\": \($0)" } + ["\"k7\": 0"]
        #expect(throws: Diagnostic.self) { try JSONTape(json: Array("{\(members.joined(separator: ","))}".utf8)) }
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: Diagnostic.self) { try JSONTape(json: [0x22, 0xFF, 0x22]) }
    }

    @Test func lookupsFindWhatNodeSubscriptsFind() throws {
        let text = #"{"plain": 1, "caf\u00e9": 2, "e\u0301t\u00e9": 3, "K": 4, "nested": {"x": {"y": [5]}}, "last": 6}"#
        let node = try Node(json: Array(text.utf8), marks: false)
        let view = try JSONTape(json: Array(text.utf8)).root
        for key in ["plain", "café", "été", "\u{E9}t\u{E9}", "K", "\u{212A}", "nested", "last", "missing", "x"] {
            #expect(view[key]?.node == node[key], "\(key)")
        }
        #expect(view[path: ["nested", "x", "y"]]?.elements.first?.node == 5)
        #expect(view.members.map { $0.key.string ?? "?" } == node.entries?.map(\.key))
        #expect(view.count == 6 && view.isObject && view["nested"]?.count == 1)
        #expect(view["plain"]?["x"] == nil && view["plain"]?.members.isEmpty == true && view["plain"]?.elements.isEmpty == true)
    }

    @Test func scalarsCompareAsNodeEqualityDoes() throws {
        let text = #"[1, 1.0, 2.5, "a", "caf\u00e9", "café", true, false, null, {}, []]"#
        let values = try Node(json: Array(text.utf8), marks: false).sequence ?? []
        let views = try JSONTape(json: Array(text.utf8)).root.elements
        let candidates: [Node] = [1, 1.0, 2.5, 3, "a", "b", "café", "cafe\u{301}", true, false, nil, "1", "true", "null"]
        for (view, value) in zip(views, values) {
            for candidate in candidates {
                let scalar = value.entries == nil && value.sequence == nil
                #expect(view.scalarEquals(candidate) == (scalar && value == candidate), "\(value) vs \(candidate)")
            }
            #expect(view.scalarText == value.scalarText)
        }
    }

    @Test func cursorsReadWhatViewsRead() throws {
        let text = #"{"metadata": {"name": "a", "managedFields": [{"fieldsV1": {"f:spec": {".": {}, "f:x": {}}}}]}}"#
        let view = try JSONTape(json: Array(text.utf8)).root
        let (name, dots, names) = view.withCursor { cursor -> (String?, [Bool], [String]) in
            guard let entry = cursor[path: ["metadata", "managedFields"]].flatMap({ Array($0.elements).first }),
                  let fields = entry["fieldsV1"]?["f:spec"] else { return (nil, [], []) }
            return (cursor[path: ["metadata", "name"]]?.string, fields.members.map { $0.key.isPlainString(".") },
                    fields.members.compactMap { $0.key.plainString(droppingPrefix: "f:") })
        }
        #expect(name == "a")
        #expect(dots == [true, false])
        #expect(names == ["x"])
    }
}
