import Testing
@testable import YAML

/// The limits on untrusted YAML: alias expansion and nesting measured after expansion.
@Suite struct InputLimitTests {
    /// `depth` anchors, each nesting `step` more lists around the previous one: a small file that
    /// expands to a tree `depth * step` levels deep.
    func aliasChain(links: Int, step: Int) -> String {
        var text = "x0: &a0 " + String(repeating: "[", count: step) + "1" + String(repeating: "]", count: step) + "\n"
        for k in 1...links {
            text += "x\(k): &a\(k) " + String(repeating: "[", count: step) + "*a\(k - 1)" + String(repeating: "]", count: step) + "\n"
        }
        return text
    }

    /// The number of nested lists from `node` down its first items.
    func depth(_ node: Node) -> Int {
        var levels = 0
        var current = node
        while let first = current.sequence?.first {
            levels += 1
            current = first
        }
        return levels + (current.sequence != nil ? 1 : 0)
    }

    @Test func aliasesCannotNestPastTheLimit() throws {
        // 900 anchors of 10 levels each: a 9,000-deep tree from a 30 KB file (the reviewer's crash).
        let text = aliasChain(links: 900, step: 10)
        let diagnostic = try #require(parseError(text, file: "deep.yaml"))
        #expect(diagnostic.message.hasPrefix("nesting is too deep (more than 1000 levels) once alias \"a98\" is expanded"))
        // Root mapping (1) + 10 lists = 11 levels where `*a98` is used; a98 nests 990 more.
        #expect(diagnostic.message.contains("it is used 11 levels deep and its anchor nests 990 more"))
        #expect(diagnostic.file == "deep.yaml")
        #expect(diagnostic.mark == Mark(line: 100, column: 21))
        #expect(diagnostic.sourceLine?.hasPrefix("x99: &a99 [[[[[[[[[[*a98") == true)
    }

    @Test func aliasChainUpToTheLimitIsAccepted() throws {
        // 98 links: the deepest alias use is 11 + 980 = 991 levels, the tree 1 + 990 levels.
        let root = try parseOne(aliasChain(links: 98, step: 10))
        let deepest = try #require(root["x98"])
        #expect(depth(deepest) == 990)
        // Walks over the expanded tree (which recurse) survive it.
        #expect(deepest.withoutMarks == deepest)
        #expect(YAMLEmitter.emit(deepest).count > 990)
    }

    @Test func theLimitIsOneValue() throws {
        var limits = InputLimits.default
        limits.maxNestingDepth = 50
        let chain = aliasChain(links: 5, step: 10)  // 60 levels at x5
        #expect(throws: Diagnostic.self) { try YAMLParser.parse(chain, file: "c.yaml", limits: limits) }
        #expect(throws: Never.self) { try YAMLParser.parse(chain, file: "c.yaml") }
        // Written nesting is held to the same limit.
        let written = String(repeating: "[", count: 51) + String(repeating: "]", count: 51)
        #expect(throws: Diagnostic.self) { try YAMLParser.parse(written, file: "w.yaml", limits: limits) }
        // It cannot be raised past what the recursive walks are known to survive.
        limits.maxNestingDepth = 1_000_000
        #expect(limits.nestingDepth == InputLimits.maxSafeNestingDepth)
        let tooDeep = String(repeating: "[", count: 1_001) + String(repeating: "]", count: 1_001)
        #expect(throws: Diagnostic.self) { try YAMLParser.parse(tooDeep, file: "w.yaml", limits: limits) }
    }

    @Test func mergeKeysCountTheMergedTreeDepth() throws {
        var text = "base: &b {k: " + String(repeating: "[", count: 995) + String(repeating: "]", count: 995) + "}\n"
        text += "one:\n  two:\n    three:\n      four:\n        <<: *b\n"
        let diagnostic = try #require(parseError(text, file: "merge.yaml"))
        #expect(diagnostic.message.contains("once alias \"b\" is expanded"))
        #expect(diagnostic.mark?.line == 6)
    }

    @Test func expansionBudgetIsConfigurable() throws {
        // 200 copies of a 101-node list: 20,200 nodes, fine by default, over a 10,000 budget.
        var text = "a: &a [" + Array(repeating: "x", count: 100).joined(separator: ",") + "]\nb:\n"
        for _ in 0..<200 { text += "- *a\n" }
        #expect(throws: Never.self) { try YAMLParser.parse(text, file: "w.yaml") }
        var limits = InputLimits.default
        limits.maxExpandedNodes = 10_000
        do {
            _ = try YAMLParser.parse(text, file: "w.yaml", limits: limits)
            Issue.record("expected the expansion budget to be exceeded")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.message.hasPrefix("document expands too many aliases (possible alias bomb)"))
            #expect(diagnostic.message.contains("more than 10000 nodes"))
            #expect(diagnostic.mark?.line == 100)
        }
    }

    @Test func byteCountsReadAsPeopleWriteThem() {
        #expect(InputLimits.describeBytes(16 << 20) == "16 MiB")
        #expect(InputLimits.describeBytes((16 << 20) + (1 << 19)) == "16.5 MiB")
        #expect(InputLimits.describeBytes(2048) == "2 KiB")
        #expect(InputLimits.describeBytes(12) == "12 bytes")
    }
}
