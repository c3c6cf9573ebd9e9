import Foundation
import Testing
@testable import JSON
import YAML

/// JSON reading (with marks and precise errors) and writing (with exact escaping).
struct JSONTests {
    func json(_ text: String) throws -> Node { try Node(json: Array(text.utf8), file: "in.json") }

    func jsonError(_ text: String) -> Diagnostic? {
        do {
            _ = try json(text)
            Issue.record("expected an error for \(text)")
            return nil
        } catch {
            return error as? Diagnostic
        }
    }

    /// The writer recurses; it must survive the deepest tree the readers accept (YAML's alias
    /// expansion can build one from a short file).
    @Test func writerSurvivesTheDeepestAcceptedTree() throws {
        let depth = InputLimits.maxSafeNestingDepth - 10
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let node = try Node(json: Array(text.utf8))
        #expect(node.jsonBytes().count == 2 * depth)
    }

    @Test func parsesAllValueKinds() throws {
        let node = try json(#"{"s":"x","i":-12,"f":1.5,"e":1e3,"t":true,"n":null,"a":[1,[],{}],"o":{"k":false}}"#)
        #expect(node == ["s": "x", "i": -12, "f": 1.5, "e": 1000.0, "t": true, "n": nil, "a": [1, [], [:]], "o": ["k": false]])
        #expect(sameKind(try #require(node["i"]).value, .int(-12)))
        #expect(sameKind(try #require(node["e"]).value, .float(1000)))
        #expect(node.entries?.map(\.key) == ["s", "i", "f", "e", "t", "n", "a", "o"])
    }

    static let numbers: [(String, Node.Value)] = [
        ("0", .int(0)), ("-0", .int(0)), ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
        ("9223372036854775808", .float(9_223_372_036_854_775_808)), ("123456789012345678901234567890", .float(1.2345678901234568e29)),
        ("1.0", .float(1)), ("-2.5E-3", .float(-0.0025)), ("1e+2", .float(100)),
    ]

    @Test(arguments: numbers)
    func numberKinds(text: String, expected: Node.Value) throws {
        #expect(sameKind(try json(text).value, expected))
    }

    static let strings: [(String, String)] = [
        (#""a\"b""#, "a\"b"), (#""a\\b""#, "a\\b"), (#""a\/b""#, "a/b"), (#""l\nm""#, "l\nm"),
        (#""\b\f\r\t""#, "\u{8}\u{C}\r\t"), (#""caf\u00e9""#, "café"), (#""\u00E9""#, "é"),
        (#""\ud83d\ude80""#, "🚀"), (#""\ud83d""#, "\u{FFFD}"), (#""\ude80x""#, "\u{FFFD}x"), (#""é✓""#, "é✓"),
        (#""\u0000""#, "\u{0}"),
    ]

    @Test(arguments: strings)
    func stringEscapes(text: String, expected: String) throws {
        #expect(try json(text).string == expected)
    }

    static let errors: [(String, String, Int, Int)] = [
        ("", "unexpected end of JSON input", 1, 1),
        ("{\n  \"a\": 1,\n  \"b\" 2\n}", "expected ':' after an object key", 3, 7),
        ("[1, 2,]", "unexpected character ']' where a JSON value was expected", 1, 7),
        ("{\"a\": tru}", "invalid JSON literal (expected true)", 1, 7),
        ("[01]", "expected ',' or ']'", 1, 3),
        ("{\"a\": 1} x", "expected end of input", 1, 10),
        ("\"abc", "unterminated JSON string", 1, 5),
        ("\"a\\qb\"", "invalid escape sequence \\q", 1, 3),
        ("\"tab\there\"", "control character 0x09 must be escaped", 1, 5),
        ("{\"a\": 1, \"a\": 2}", "duplicate key \"a\" (first defined at line 1)", 1, 10),
        ("{'a': 1}", "expected a string key", 1, 2),
        ("[1.]", "expected a digit after the decimal point", 1, 4),
        ("-", "expected a digit", 1, 2),
        ("\"é\u{1}\"", "control character 0x01", 1, 3),
    ]

    @Test(arguments: errors)
    func errorsCarryLineAndColumn(text: String, fragment: String, line: Int, column: Int) throws {
        let diagnostic = try #require(jsonError(text))
        #expect(diagnostic.message.contains(fragment), "\(diagnostic.message)")
        #expect(diagnostic.mark == Mark(line: line, column: column))
        #expect(diagnostic.description.hasPrefix("in.json:\(line):\(column): "))
    }

    /// API responses are read without marks; the values are the same, and an error still says
    /// where it is.
    @Test(arguments: errors)
    func withoutMarksErrorsStillCarryLineAndColumn(text: String, fragment: String, line: Int, column: Int) throws {
        do {
            _ = try Node(json: Array(text.utf8), file: "in.json", marks: false)
            Issue.record("no error for \(text)")
        } catch let diagnostic as Diagnostic {
            // Without marks, where a duplicate key was first defined is not known.
            let expected = fragment.replacingOccurrences(of: " (first defined at line 1)", with: "")
            #expect(diagnostic.message.contains(expected), "\(diagnostic.message)")
            #expect(diagnostic.mark == Mark(line: line, column: column))
        }
    }

    @Test func withoutMarksTheValueIsTheSameAndUnmarked() throws {
        let text = "{\n  \"a\": [1, {\"k\": \"v\"}],\n  \"b\": null\n}"
        let marked = try Node(json: Array(text.utf8))
        let plain = try Node(json: Array(text.utf8), marks: false)
        #expect(plain == marked)
        #expect(plain.mark == nil && plain["a"]?.mark == nil && plain.entries?.first?.keyMark == nil)
        #expect(throws: Diagnostic.self) { try Node(json: Array("{\"a\": 1, \"a\": 2}".utf8), marks: false) }
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: Diagnostic.self) { try Node(json: [0x22, 0xFF, 0x22]) }
    }

    @Test func marksOnValuesAndKeys() throws {
        let node = try json("{\n  \"é\": [1,\n    {\"k\": \"v\"}]\n}")
        #expect(node.mark == Mark(line: 1, column: 1))
        #expect(node.entries?.first?.keyMark == Mark(line: 2, column: 3))
        #expect(node["é"]?.mark == Mark(line: 2, column: 8))
        let inner = try #require(node["é"]?.sequence?[1])
        #expect(inner.mark == Mark(line: 3, column: 5))
        #expect(inner["k"]?.mark == Mark(line: 3, column: 11))
    }

    @Test func compactAndPrettyOutput() {
        let node = Node.mapping([
            Node.Entry(key: "b", value: [1, 2.5, nil]),
            Node.Entry(key: "a", value: ["x": true, "e": [], "o": [:]]),
        ])
        #expect(node.jsonString() == #"{"b":[1,2.5,null],"a":{"x":true,"e":[],"o":{}}}"#)
        #expect(node.jsonString(pretty: true) == """
            {
              "b": [
                1,
                2.5,
                null
              ],
              "a": {
                "x": true,
                "e": [],
                "o": {}
              }
            }
            """)
    }

    static let escapes: [(String, String)] = [
        ("a\"b", #""a\"b""#), ("a\\b", #""a\\b""#), ("l\nm", #""l\nm""#), ("\r\t\u{8}\u{C}", #""\r\t\b\f""#),
        ("\u{0}\u{1F}", #""\u0000\u001f""#), ("é✓🚀", "\"é✓🚀\""), ("\u{2028}\u{2029}", #""\u2028\u2029""#),
        ("\u{2026}\u{20AC}", "\"\u{2026}\u{20AC}\""), ("/", "\"/\""),
    ]

    @Test(arguments: escapes)
    func stringEscaping(text: String, expected: String) throws {
        let written = Node.string(text).jsonString()
        #expect(written == expected)
        #expect(try json(written).string == text)
    }

    @Test func nonFiniteFloatsBecomeNull() {
        #expect(Node(.sequence([Node(.float(.nan)), Node(.float(.infinity)), 1e100])).jsonString() == "[null,null,1e+100]")
    }

    @Test func roundTripKeepsValuesAndOrder() throws {
        let text = #"{"z":{"deep":[1,-2,3.25,"s\"q",null,true,false,{}]},"a":"é\n","big":1e+300,"n":-9223372036854775808}"#
        let node = try json(text)
        #expect(node.jsonString() == text)
        #expect(try json(node.jsonString(pretty: true)) == node)
    }

    @Test func yamlAndJSONAgree() throws {
        let text = #"{"apiVersion": "v1", "kind": "List", "items": [{"a": 1, "b": [true, null, 2.5]}]}"#
        #expect(try json(text) == YAMLParser.parse(text, file: "test.yaml")[0].root)
    }

    @Test func deepJSONNestingIsRejected() {
        let text = String(repeating: "[", count: 2_000) + String(repeating: "]", count: 2_000)
        #expect(jsonError(text)?.message == "JSON nesting is too deep")
    }
}
