import Testing
@testable import YAML

/// Every input error must come back as a `Diagnostic` pointing at the right line and column.
struct ParserErrorTests {
    @Test func duplicateKeyNamesTheFirstDefinition() throws {
        let text = """
            apiVersion: v1
            metadata:
              name: a
              labels: {}
              name: b
            """
        let diagnostic = try #require(parseError(text, file: "dup.yaml"))
        #expect(diagnostic.message == "duplicate key \"name\" (first defined at line 3)")
        #expect(diagnostic.mark == Mark(line: 5, column: 3))
        #expect(diagnostic.sourceLine == "  name: b")
        #expect(diagnostic.description.hasPrefix("dup.yaml:5:3: duplicate key"))
    }

    @Test func sameKeyInDifferentMappingsIsFine() throws {
        let root = try parseOne("a: {name: x}\nb: {name: z}\nlist:\n- name: 1\n- name: 2\n")
        #expect(root["b"]?["name"] == "z")
    }

    @Test func billionLaughsIsRejectedQuickly() throws {
        var text = "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            let items = Array(repeating: previous, count: 9).joined(separator: ",")
            text += "a\(level): &a\(level) [\(items)]\n"
        }
        let clock = ContinuousClock()
        var diagnostic: Diagnostic?
        let elapsed = clock.measure { diagnostic = parseError(text, file: "bomb.yaml") }
        #expect(diagnostic?.message.hasPrefix("document expands too many aliases (possible alias bomb)") == true)
        #expect(diagnostic?.file == "bomb.yaml")
        #expect((diagnostic?.mark?.line ?? 0) >= 4)
        #expect(elapsed < .seconds(2))
    }

    @Test func wideButHonestAliasUseIsAllowed() throws {
        // 500 aliases of a 21-node mapping: 10,500 expanded nodes, well within the ratio.
        var text = "base: &b {" + (0..<10).map { "k\($0): v" }.joined(separator: ", ") + "}\nitems:\n"
        for i in 0..<500 { text += "- {i: \(i), b: *b}\n" }
        let root = try parseOne(text)
        #expect(root["items"]?.sequence?.count == 500)
    }

    @Test func tabIndentationExplainsItself() throws {
        let diagnostic = try #require(parseError("spec:\n\treplicas: 2\n", file: "tab.yaml"))
        #expect(diagnostic.message.contains("found character that cannot start any token"))
        #expect(diagnostic.message.contains("(tabs are not allowed for indentation in YAML)"))
        #expect(diagnostic.mark == Mark(line: 2, column: 1))
        let description = diagnostic.description
        #expect(description.hasPrefix("tab.yaml:2:1: "))
        #expect(description.contains("replicas: 2"))
        #expect(description.contains("^"))
    }

    @Test func badUTF8IsReportedAtTheByte() throws {
        var bytes = Array("a: 1\nname: caf".utf8)
        bytes.append(0xE9)  // Latin-1 "é"
        bytes += Array("\n".utf8)
        do {
            _ = try YAMLParser.parse(bytes, file: "latin1.yaml")
            Issue.record("expected an error")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.message == "file is not valid UTF-8 (invalid byte 0xE9)")
            #expect(diagnostic.mark == Mark(line: 2, column: 10))
            #expect(diagnostic.description.hasPrefix("latin1.yaml:2:10: "))
        }
    }

    @Test(arguments: [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] as [[UInt8]])
    func malformedUTF8Sequences(bad: [UInt8]) throws {
        #expect(SourceText.firstInvalidUTF8Offset(Array("ok ".utf8) + bad) == 3)
    }

    @Test func validUTF8Passes() {
        #expect(SourceText.firstInvalidUTF8Offset(Array("é✓𝄞 ascii".utf8)) == nil)
    }

    static let syntaxErrors: [(String, String, Int)] = [
        ("a: 1\nb: 'unclosed\nc: 2\n", "while scanning a quoted scalar", 2),
        ("a: 1\nb: \"unclosed\n", "while scanning a quoted scalar", 2),
        ("a:\n  b: 1\n c: 2\n", "did not find expected key", 3),
        ("a: 1\n  b: 2\n", "mapping values are not allowed in this context", 2),
        ("list:\n- a\nx\n", "could not find expected ':'", 3),
        ("a: [1, 2\nb: 3\n", "did not find expected ',' or ']'", 2),
        ("a: *\n", "did not find expected alphabetic or numeric character", 1),
        ("a: 1\nb: !!int abc\n", "cannot read \"abc\" as !!int", 2),
        ("[a]: 1\n", "mapping keys must be scalars, not a list", 1),
    ]

    @Test(arguments: syntaxErrors)
    func syntaxErrorsPointAtTheRightLine(text: String, fragment: String, line: Int) throws {
        let diagnostic = try #require(parseError(text, file: "bad.yaml"))
        #expect(diagnostic.message.contains(fragment), "\(diagnostic.message)")
        #expect(diagnostic.mark?.line == line, "\(diagnostic)")
        #expect(diagnostic.sourceLine != nil)
        #expect(diagnostic.description.hasPrefix("bad.yaml:\(line):"))
    }

    @Test func controlCharactersAreRejectedWithAPosition() throws {
        let diagnostic = try #require(parseError("a: 1\nb: x\u{7}y\n"))
        #expect(diagnostic.message.contains("control characters are not allowed"))
        #expect(diagnostic.mark == Mark(line: 2, column: 5))
    }

    @Test func recursiveAliasIsUnknown() throws {
        let diagnostic = try #require(parseError("a: &a [1, *a]\n"))
        #expect(diagnostic.message == "unknown alias \"a\"")
    }
}
