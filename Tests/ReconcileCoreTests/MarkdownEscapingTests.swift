import Testing
import YAML
@testable import ReconcileCore

/// Hostile file paths and names in the markdown plan: they show as text and break out of no code
/// span, table cell, `<details>` block or code fence.
@Suite struct MarkdownEscapingTests {
    static let hostilePath = "a`</details><img src=x>.yaml"

    func plan(path: String, bundle: String = "mesh", diff: String = "+a: 1\n") -> Plan {
        var plan = Plan(mode: .base, instance: "mesh", environment: nil)
        let key = ObjectKey(group: "networking.istio.io", kind: "VirtualService", namespace: "shop", name: "reviews")
        var change = PlannedChange(key: key, apiVersion: "networking.istio.io/v1", action: .create, bundle: bundle,
                                   source: SourceLocation(file: path, mark: Mark(line: 1, column: 1)), diff: diff)
        change.step = 1
        plan.changes.append(change)
        return plan
    }

    @Test func hostileFileNameCannotBreakOut() {
        let markdown = MarkdownPlanRenderer().render(plan(path: Self.hostilePath, bundle: "*b*|[x](y)"))
        #expect(!markdown.contains("<img"), "\(markdown)")
        #expect(markdown.components(separatedBy: "</details>").count == markdown.components(separatedBy: "<details>").count)
        let row = markdown.split(separator: "\n").first { $0.hasPrefix("| 1 |") }.map(String.init) ?? ""
        #expect(row.contains(#"<code>a\`&lt;/details&gt;&lt;img src=x&gt;.yaml:1</code>"#), "\(row)")
        #expect(row.contains("\\*b\\*\\|\\[x\\](y)"), "\(row)")
        // Seven cells: no `|` from the names split the row.
        #expect(row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == 7, "\(row)")
    }

    @Test func escapingContexts() {
        #expect(MarkdownEscaping.code("mesh/routes.yaml") == "`mesh/routes.yaml`")
        #expect(MarkdownEscaping.code("a|b") == "<code>a\\|b</code>")
        #expect(MarkdownEscaping.code("x & y") == "<code>x &amp; y</code>")
        #expect(MarkdownEscaping.text("# _a_ [l](u) <b>") == "\\# \\_a\\_ \\[l\\](u) &lt;b&gt;")
        #expect(MarkdownEscaping.html("</summary><script>\"") == "&lt;/summary&gt;&lt;script&gt;&quot;")
        #expect(MarkdownEscaping.fence(for: ["+ ````"]) == "`````")
        #expect(MarkdownEscaping.fence(for: ["+a"]) == "```")
    }

    @Test func diffCannotCloseItsFence() {
        let markdown = MarkdownPlanRenderer().render(plan(path: "x.yaml", diff: " ````\n+</details>\n"))
        #expect(markdown.contains("`````diff\n ````\n+</details>\n`````\n"), "\(markdown)")
    }
}
