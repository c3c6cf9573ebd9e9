import Testing
import JSON
import YAML

/// `JSONView.detached` copies one value of a document onto a tape of its own (issue 18: a plan
/// keeps the few live objects that differ from git and lets their LIST page go). The copy must
/// read exactly as the value did in its document, and outlive the document.
struct JSONDetachedTests {
    static let document = #"""
    {"items": [
      {"metadata": {"name": "a", "caf\u00e9": "\ud83d\ude00", "a\"b": "l\nm"},
       "n": [0, -2.5E-3, 1e+2, 9223372036854775808],
       "t": true, "f": false, "z": null, "e": {}, "l": [], "é": "\u00E9"},
      "scalar", 42, {}, []
    ]}
    """#

    @Test func aCopyReadsAsTheValueInItsDocument() throws {
        let items = try JSONTape(json: Array(Self.document.utf8)).root["items"]?.elements ?? []
        #expect(items.count == 5)
        for item in items {
            let copy = item.detached
            #expect(copy.node == item.node)
            #expect(copy.node.jsonString() == item.node.jsonString(), "same int/float kinds, same key order")
            #expect(copy.count == item.count && copy.isObject == item.isObject && copy.scalarText == item.scalarText)
        }
        let copy = items[0].detached
        #expect(copy[path: ["metadata", "café"]]?.string == "😀")
        #expect(copy[path: ["metadata", "a\"b"]]?.string == "l\nm")
        #expect(copy["é"]?.scalarEquals("é") == true)
        #expect(copy["n"]?.elements.map(\.node) == [0, -0.0025, 100.0, Node(.float(9223372036854775808))])
        #expect(copy["n"]?.elements[2].scalarEquals(100) == true)
        #expect(copy["missing"] == nil && copy["z"]?.node == Node(.null))
        // The copy of a value inside the copy is a copy too.
        #expect(copy["metadata"]?.detached.node == items[0]["metadata"]?.node)
    }

    @Test func aCopyOutlivesItsDocument() throws {
        var copies: [JSONView] = []
        var expected: [Node] = []
        do {
            let items = try JSONTape(json: Array(Self.document.utf8)).root["items"]?.elements ?? []
            copies = items.map(\.detached)
            expected = items.map(\.node)
        }
        // The document's tape is gone (nothing holds it); the copies read their own memory,
        // which AddressSanitizer checks in `scripts/sanitizers.sh`.
        #expect(copies.map(\.node) == expected)
        #expect(copies[0].withCursor { $0["metadata"]?["name"]?.string } == "a")
    }
}
