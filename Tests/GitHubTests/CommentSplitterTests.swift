import Foundation
@testable import ReconcileCore
import Testing

/// `CommentSplitter`: plan markdown into comment bodies under GitHub's limit, cut only between
/// whole blocks.
struct CommentSplitterTests {
    @Test("a plan that fits is one part, unchanged")
    func smallPlanIsOnePart() {
        let markdown = PlanMarkdown.render(objects: 3, diffLines: 5)
        #expect(CommentSplitter().split(markdown) == [markdown])
        #expect(CommentSplitter().split(markdown, instance: "mesh") == [markdown])
    }

    @Test("--instance replaces or adds the marker")
    func instanceOverridesTheMarker() {
        let markdown = PlanMarkdown.render(objects: 1, diffLines: 1)
        let renamed = CommentSplitter().split(markdown, instance: "prod")
        #expect(renamed.count == 1)
        #expect(renamed[0].hasPrefix("<!-- reconcile-plan instance=prod -->\n### reconcile plan: `mesh`"))
        let plain = CommentSplitter().split("Just text", instance: "x")
        #expect(plain == ["<!-- reconcile-plan instance=x -->\nJust text\n"])
        #expect(CommentSplitter.Marker.parse(body: plain[0]) == .init(instance: "x"))
    }

    @Test("an oversize plan splits at object boundaries into well-formed parts")
    func oversizePlanSplits() throws {
        let markdown = PlanMarkdown.render(objects: 200, diffLines: 12)
        let parts = CommentSplitter().split(markdown)
        #expect(parts.count >= 3)
        for (index, part) in parts.enumerated() {
            expectWellFormed(part)
            #expect(part.utf8.count <= 60_000)
            let marker = try #require(CommentSplitter.Marker.parse(body: part))
            #expect(marker == .init(instance: "mesh", part: index + 1, count: parts.count))
            if index == 0 {
                #expect(part.contains("### reconcile plan: `mesh` (part 1 of \(parts.count))"))
                #expect(part.contains("**Plan: 200 to create, 0 to update, 0 to delete, 0 workloads to restart.**"))
                #expect(part.contains("| # | Action | Kind | Object | Bundle | Source |"))
            } else {
                let lines = part.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines[1] == "### reconcile plan: `mesh` (continued, part \(index + 1) of \(parts.count))")
                #expect(lines[2] == "")
                #expect(lines[3].hasPrefix("<details><summary>"), "a continuation starts at an object: \(lines[3])")
            }
            #expect(!part.contains("more lines not shown"), "no object was cut")
        }
        // Nothing lost: the parts minus their added headers are the original body.
        var rebuilt = ""
        for (index, part) in parts.enumerated() {
            var lines = part.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.removeFirst() // marker
            if index > 0 { lines.removeFirst(2) } else {
                lines[0] = lines[0].replacingOccurrences(of: " (part 1 of \(parts.count))", with: "")
            }
            rebuilt += lines.joined(separator: "\n")
            if index < parts.count - 1 { rebuilt += "\n" }
        }
        let original = markdown.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""
        #expect(rebuilt == original)
    }

    @Test("one object larger than a comment is cut inside its diff, fence and details closed")
    func oversizeObjectIsTruncatedInsideItsDiff() throws {
        let markdown = PlanMarkdown.render(objects: 3, diffLines: 2_000, maxDiffLines: 100_000)
        #expect(markdown.utf8.count > 3 * 60_000)
        let parts = CommentSplitter().split(markdown)
        #expect(parts.count >= 3)
        for part in parts {
            expectWellFormed(part)
        }
        let cut = parts.filter { $0.contains("more lines not shown: this object's diff is too large for a GitHub comment") }
        #expect(cut.count == 3, "each of the three objects was cut")
        let first = try #require(cut.first)
        // The note sits between the closing fence and </details>.
        let fenceClose = try #require(first.range(of: "\n```\n\n_… "))
        let detailsClose = try #require(first.range(of: "</details>", range: fenceClose.upperBound..<first.endIndex))
        #expect(fenceClose.upperBound < detailsClose.lowerBound)
        #expect(first.contains("+    - name: route-0-match-0  #"))
    }

    @Test("a change table larger than a comment is split between rows with its header repeated")
    func hugeTableIsSplitBetweenRows() throws {
        let markdown = PlanMarkdown.render(objects: 1_200, diffLines: 0)
        #expect(markdown.utf8.count > 60_000)
        let parts = CommentSplitter(limit: 30_000).split(markdown)
        #expect(parts.count >= 3)
        var rows = 0
        for part in parts {
            #expect(part.utf8.count <= 30_000)
            #expect(part.contains("| # | Action | Kind | Object | Bundle | Source |\n|---|---|---|---|---|---|\n"))
            rows += part.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("VirtualService") }.count
        }
        #expect(rows == 1_200, "every row kept once")
    }

    @Test("blank lines and <details> inside a code fence do not end a block")
    func fencesAndDetailsStayWhole() {
        let block = "<details><summary>x</summary>\n\n```diff\n+ a\n\n+ <details>\n\n+ b\n```\n</details>\n\n"
        let text = "title\n\n" + block + "tail\n"
        let blocks = CommentSplitter.blocks(of: text)
        #expect(blocks.map { $0.lines.joined(separator: "\n") } == ["title\n", String(block.dropLast()), "tail"])
        // Four-backtick fences close only with four.
        let quad = "````diff\n```\n\n````\n\nafter\n"
        #expect(CommentSplitter.blocks(of: quad).count == 2)
    }

    @Test("marker parsing")
    func markers() {
        typealias Marker = CommentSplitter.Marker
        #expect(Marker.parse(body: "<!-- reconcile-plan instance=a -->\n") == Marker(instance: "a"))
        #expect(Marker.parse(body: "<!-- reconcile-plan instance=a part=2/3 -->") == Marker(instance: "a", part: 2, count: 3))
        #expect(Marker.parse(body: "<!-- reconcile-plan instance=a part=4/3 -->") == nil)
        #expect(Marker.parse(body: "<!-- reconcile-plan instance= -->") == nil)
        #expect(Marker.parse(body: "x\n<!-- reconcile-plan instance=a -->") == nil)
        #expect(Marker(instance: "a", part: 2, count: 3).text == "<!-- reconcile-plan instance=a part=2/3 -->")
        #expect(Marker(instance: "a").text == MarkdownPlanRenderer.marker(instance: "a"))
    }
}
