import ReconcileCore
import Testing
import YAML

/// Policy expressions nest at most `InputLimits.maxExpressionDepth` levels: the parser, the
/// evaluator and comparisons recurse, and a policy file is repository input.
@Suite struct ExpressionLimitTests {
    let roots: [String: Node] = ["request": ["object": ["spec": ["hosts": ["a", "b"]]]]]

    func nested(_ calls: Int) -> String {
        String(repeating: "length(", count: calls) + "request.object.spec.hosts" + String(repeating: ")", count: calls)
    }

    @Test func deepFunctionNestingIsAnErrorNotACrash() throws {
        // 5,000 levels overflowed the stack of `reconcile validate` before the limit.
        do {
            _ = try PolicyExpressionProbe.evaluate(nested(5_000), roots)
            Issue.record("expected a parse error")
        } catch let error as PolicyExpression.ParseError {
            #expect(error.message == "expression nests too deeply (more than 100 levels of function calls and || operands)")
        }
    }

    @Test func longOrChainsAreLimitedToo() throws {
        let chain = Array(repeating: "request.object.spec.none", count: 5_000).joined(separator: " || ")
        #expect(throws: PolicyExpression.ParseError.self) { try PolicyExpression.parse(chain) }
        let fine = Array(repeating: "request.object.spec.none", count: 50).joined(separator: " || ") + " || 'x'"
        #expect(try PolicyExpressionProbe.evaluate(fine, roots) == "x")
    }

    @Test func nestingUpToTheLimitEvaluates() throws {
        // 99 calls around a path: height 100, the limit.
        #expect(throws: Never.self) { try PolicyExpression.parse(nested(99)) }
        #expect(throws: PolicyExpression.ParseError.self) { try PolicyExpression.parse(nested(100)) }
        #expect(throws: Never.self) { try PolicyExpression.parse(nested(100), maxDepth: 101) }
        #expect(try PolicyExpressionProbe.evaluate(nested(1), roots) == 2)
    }

    @Test func aDeepExpressionInAPolicyFileNamesFileAndLine() throws {
        let policy = """
            apiVersion: reconcile.dev/v1
            kind: Policy
            metadata:
              name: p
              annotations: {reconcile.dev/code: POL9}
            spec:
              rules:
                - name: r
                  match: {any: [{resources: {kinds: [networking.istio.io/VirtualService]}}]}
                  validate:
                    deny:
                      conditions:
                        any:
                          - key: "{{ \(nested(5_000)) }}"
                            operator: Equals
                            value: 0

            """
        do {
            _ = try renderState(["reconcile.yaml": "policies: p.yaml", "p.yaml": policy])
            Issue.record("expected a render error")
        } catch let error as RenderError {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.file == "p.yaml")
            #expect(diagnostic.mark == Mark(line: 14, column: 22))
            #expect(diagnostic.message.contains("spec.rules[0].validate.deny.conditions.any[0]: expression nests too deeply"))
        }
    }
}
