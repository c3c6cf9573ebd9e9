import Testing
@testable import YAML

/// Documents, anchors, merge keys and marks: the structural side of the parser.
struct StreamAndStructureTests {
    @Test func multiDocumentStreamSkipsEmptyDocuments() throws {
        let text = """
            ---
            # only a comment
            ---
            kind: A
            ---
            ---
            kind: B
            ...
            --- 42
            """
        let documents = try YAMLParser.parse(text, file: "s.yaml")
        #expect(documents.map(\.root) == [["kind": "A"], ["kind": "B"], 42])
        #expect(documents.map(\.index) == [1, 3, 4])
        #expect(documents.map(\.mark) == [Mark(line: 3, column: 1), Mark(line: 6, column: 1), Mark(line: 9, column: 1)])
    }

    @Test(arguments: ["", "\n\n", "# nothing\n", "---\n", "---\n...\n---\n# c\n"])
    func streamsWithoutContent(text: String) throws {
        #expect(try YAMLParser.parse(text, file: "e.yaml").isEmpty)
    }

    @Test func leadingDocumentMarkerAndImplicitFirstDocument() throws {
        let leading = try YAMLParser.parse("---\na: 1\n", file: "x")
        #expect(leading.count == 1)
        #expect(leading[0].index == 0)
        let implicit = try YAMLParser.parse("# header\na: 1\n---\nb: 2\n", file: "x")
        #expect(implicit.map(\.root) == [["a": 1], ["b": 2]])
        #expect(implicit[0].mark == Mark(line: 2, column: 1))
    }

    @Test func explicitNullDocumentIsKept() throws {
        let documents = try YAMLParser.parse("--- null\n", file: "x")
        #expect(documents.count == 1)
        #expect(documents[0].root.isNull)
    }

    @Test func anchorsAndAliases() throws {
        let root = try parseOne("""
            base: &b
              image: nginx
              ports: [80, 443]
            copy: *b
            list: &l [1, 2]
            again: *l
            name: &n hello
            greeting: *n
            """)
        #expect(root["copy"] == root["base"])
        #expect(root["again"] == [1, 2])
        #expect(root["greeting"] == "hello")
        // An alias node carries the alias's position; nodes inside keep their original marks.
        #expect(root["copy"]?.mark == Mark(line: 4, column: 7))
        #expect(root["copy"]?["image"]?.mark == Mark(line: 2, column: 10))
    }

    @Test func anchorsAreRedefinableAndScopedToTheirDocument() throws {
        let root = try parseOne("a: &x 1\nb: &x 2\nc: *x\n")
        #expect(root["c"] == 2)
        let diagnostic = try #require(parseError("a: &x 1\n---\nb: *x\n"))
        #expect(diagnostic.message == "unknown alias \"x\"")
        #expect(diagnostic.mark == Mark(line: 3, column: 4))
    }

    static let merges: [(String, String, Node)] = [
        ("single", "base: &b {a: 1, b: 2}\nm:\n  <<: *b\n  c: 3\n", ["a": 1, "b": 2, "c": 3]),
        ("override", "base: &b {a: 1, b: 2}\nm:\n  b: 20\n  <<: *b\n", ["a": 1, "b": 20]),
        ("override after", "base: &b {a: 1, b: 2}\nm:\n  <<: *b\n  b: 20\n", ["a": 1, "b": 20]),
        ("list, earlier wins", "x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nm:\n  <<: [*x, *y]\n  d: 4\n",
         ["a": 1, "b": 1, "c": 2, "d": 4]),
        ("inline", "m:\n  <<: {a: 1}\n  b: 2\n", ["a": 1, "b": 2]),
        ("nested merge", "a: &a {p: 1}\nb: &b {<<: *a, q: 2}\nm:\n  <<: *b\n", ["p": 1, "q": 2]),
        ("quoted is a key", "m:\n  '<<': {a: 1}\n", ["<<": ["a": 1]]),
    ]

    @Test(arguments: merges)
    func mergeKeys(name: String, text: String, expected: Node) throws {
        let root = try parseOne(text)
        #expect(root["m"] == expected, "\(name)")
    }

    @Test func mergeKeepsExplicitOrderAndSplicesMergedKeysInPlace() throws {
        let root = try parseOne("b: &b {p: 1, q: 2}\nm:\n  a: 0\n  <<: *b\n  q: 3\n")
        #expect(root["m"]?.entries?.map(\.key) == ["a", "p", "q"])
        #expect(root["m"]?["q"] == 3)
    }

    @Test(arguments: [("m:\n  <<: 5\n", "merge key \"<<\" needs a mapping or a list of mappings, not a integer"),
                      ("m:\n  <<: [{a: 1}, x]\n", "merge key \"<<\" needs mappings, but the list holds a string")])
    func badMergeValues(text: String, message: String) throws {
        let diagnostic = try #require(parseError(text))
        #expect(diagnostic.message == message)
        #expect(diagnostic.mark?.line == 2)
    }

    @Test func marksOfNestedNodes() throws {
        let root = try parseOne("""
            apiVersion: v1
            kind: Pod
            spec:
              containers:
                - name: web
                  args: ["a", 'b']
                  env: {K: V}
            """)
        #expect(root.mark == Mark(line: 1, column: 1))
        #expect(root.mark(ofKey: "kind") == Mark(line: 2, column: 1))
        #expect(root["kind"]?.mark == Mark(line: 2, column: 7))
        let containers = try #require(root[path: ["spec", "containers"]])
        #expect(containers.mark == Mark(line: 5, column: 5))
        let first = try #require(containers.sequence?.first)
        #expect(first.mark == Mark(line: 5, column: 7))
        #expect(first.mark(ofKey: "args") == Mark(line: 6, column: 7))
        #expect(first["args"]?.mark == Mark(line: 6, column: 13))
        #expect(first["args"]?.sequence?[1].mark == Mark(line: 6, column: 19))
        #expect(first["env"]?.mark == Mark(line: 7, column: 12))
        #expect(first["env"]?.entries?.first?.keyMark == Mark(line: 7, column: 13))
    }

    @Test func marksCountUnicodeScalarsNotBytes() throws {
        let root = try parseOne("é✓: x\nk: [é, y]\n")
        #expect(root["é✓"]?.mark == Mark(line: 1, column: 5))
        #expect(root["k"]?.sequence?[1].mark == Mark(line: 2, column: 8))
    }

    @Test func bareScalarAndSequenceDocuments() throws {
        let documents = try YAMLParser.parse("hello\n---\n- 1\n- two\n", file: "x")
        #expect(documents.map(\.root) == ["hello", [1, "two"]])
    }

    @Test func bytesAndTextEntryPointsAgree() throws {
        let text = "a: [1, {b: c}]\n"
        let fromBytes = try YAMLParser.parse(Array(text.utf8), file: "x")
        let fromText = try YAMLParser.parse(text, file: "x")
        #expect(fromBytes.map(\.root) == fromText.map(\.root))
    }

    @Test func utf8ByteOrderMarkIsAccepted() throws {
        let documents = try YAMLParser.parse([0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8), file: "bom.yaml")
        #expect(documents.map(\.root) == [["a": 1]])
    }

    @Test func deepNestingIsRejectedWithoutCrashing() throws {
        let text = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        let diagnostic = try #require(parseError(text))
        #expect(diagnostic.message.contains("nesting is too deep"))
    }
}
