import Dispatch
import Testing
@testable import JSON
import YAML

/// The tape's reads stay inside its document and inside the memory it owns. Meant to run under
/// AddressSanitizer as well (`swift test -Xswiftc -sanitize=address`): the tape allocates its
/// bytes and tokens at their exact size, so a read one byte before a string (the old decoder's
/// quote) or past the last byte is reported there, and debug builds check every slice.
struct JSONTapeBoundsTests {
    /// Documents whose tokens sit at the edges of the buffer: a string as the first byte, a
    /// string whose closing quote is the last byte, empty strings, escapes first and last.
    static let edges: [String] = [
        #""abc""#,
        #""""#,
        #""\"""#,
        #""\\""#,
        #""a\"b""#,
        #""\u00e9\n""#,
        #""café""#,
        #""x\ud83d\ude00""#,
        #"["", "\"", "end"]"#,
        #"{"": ""}"#,
        #"{"\"k\"": "\\v\\"}"#,
        #"{"a": "b", "last": "\u0041"}"#,
        #"["é", "\t\\"]"#,
        "0",
        "[-1.5e3]",
        "[true,false,null]",
    ]

    @Test(arguments: edges)
    func edgeTokensDecodeAsTheReaderReadsThem(text: String) throws {
        let expected = try Node(json: Array(text.utf8), marks: false)
        let view = try JSONTape(json: Array(text.utf8)).root
        #expect(view.node == expected)
        #expect(view.scalarText == expected.scalarText)
        #expect(view.string == expected.string)
        #expect(view.scalarEquals(expected) == (expected.entries == nil && expected.sequence == nil))
        for (item, node) in zip(view.elements, expected.sequence ?? []) {
            #expect(item.node == node && item.string == node.string && item.scalarText == node.scalarText)
            #expect(item.scalarEquals(node))
        }
        for (member, entry) in zip(view.members, expected.entries ?? []) {
            #expect(member.key.string == entry.key)
            #expect(view[entry.key]?.node == entry.value)
            #expect(member.value.scalarEquals(entry.value))
        }
    }

    @Test func plainStringReadsStayInsideTheirToken() throws {
        let view = try JSONTape(json: Array(#"["", "f:", "f:x", ".", "f"]"#.utf8)).root
        let (dots, names, empty) = view.withCursor { cursor -> ([Bool], [String?], [Bool]) in
            let items = Array(cursor.elements)
            return (items.map { $0.isPlainString(".") }, items.map { $0.plainString(droppingPrefix: "f:") }, items.map { $0.isPlainString("") })
        }
        #expect(dots == [false, false, false, true, false])
        #expect(names == [nil, "", "x", nil, nil])
        #expect(empty == [true, false, false, false, false])
    }

    @Test func escapedKeysAndEmptyKeysAreFound() throws {
        let text = #"{"": 1, "\"": 2, "a\\": 3, "\u0041": 4, "x": {"": {"y": "\\"}}}"#
        let node = try Node(json: Array(text.utf8), marks: false)
        let view = try JSONTape(json: Array(text.utf8)).root
        for key in ["", "\"", "a\\", "A", "x", "missing"] { #expect(view[key]?.node == node[key], "\(key)") }
        #expect(view[path: ["x", "", "y"]]?.string == "\\")
    }

    /// A view, and a cursor let out of `withCursor`, keep the memory they read alive after the
    /// tape and the caller's byte array are gone; the memory is freed once the last of them is.
    @Test func viewsAndCursorsKeepTheirTapeAlive() throws {
        weak var weakTape: TapeStorage?
        var view: JSONView?
        do {
            var bytes = Array(#"{"items": [{"name": "a", "note": "\"q\""}, {"name": "b"}]}"#.utf8)
            let tape = try JSONTape(json: bytes)
            weakTape = tape.storage
            view = tape.root["items"]
            bytes.replaceSubrange(0..<bytes.count, with: repeatElement(UInt8(ascii: "X"), count: bytes.count))  // the tape has its own copy
        }
        #expect(weakTape != nil)
        #expect(view?.elements.map { $0["name"]?.string } == ["a", "b"])
        do {
            let escaped = try #require(view).withCursor { $0 }  // a cursor outliving its call
            view = nil
            #expect(weakTape != nil)
            let first = Array(escaped.elements)[0]
            #expect(first["name"]?.string == "a" && first["note"]?.string == "\"q\"")
        }
        #expect(weakTape == nil)
    }

    /// Many cores reading one page through cursors at once (each `withCursor` call has its own
    /// scope; the tape is shared). Run under ThreadSanitizer too.
    @Test func onePageReadFromEveryCore() throws {
        let items = (0..<2_000).map { i in
            #"{"metadata":{"name":"o\#(i)","labels":{"app":"a\#(i % 7)"}},"spec":{"n":\#(i),"s":"\u00e9\#(i)"}}"#
        }
        let text = #"{"kind":"List","items":["# + items.joined(separator: ",") + "]}"
        let expected = try Node(json: Array(text.utf8), marks: false)["items"]?.sequence ?? []
        let views = try #require(JSONTape(json: Array(text.utf8)).root["items"]).elements
        #expect(views.count == expected.count)
        let mismatches = Mismatches()
        DispatchQueue.concurrentPerform(iterations: views.count) { i in
            let same = views[i].withCursor { cursor in
                cursor[path: ["metadata", "name"]]?.string == expected[i]["metadata"]?["name"]?.string
                    && cursor[path: ["spec", "s"]]?.string == "\u{E9}\(i)"
                    && cursor[path: ["spec", "n"]]?.scalarEquals(Node(.int(i))) == true
            }
            if !same || views[i].node != expected[i] { mismatches.add(i) }
        }
        #expect(mismatches.count == 0)
    }
}

private final class Mismatches: @unchecked Sendable {
    private let lock = DispatchQueue(label: "mismatches")
    private var indices: [Int] = []
    func add(_ index: Int) { lock.sync { indices.append(index) } }
    var count: Int { lock.sync { indices.count } }
}
