import FuzzSupport
import ReconcileCore
import YAML

/// The policy expression language (the JMESPath subset inside `{{ }}`): parse, then evaluate
/// against a small resource; the same text inside a condition of a one-rule policy, so that
/// `{{ }}` splitting and the policy loader see it too.
@main enum FuzzPolicy {
    static func main() { FuzzMain.run(test) }

    static func test(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if (try? PolicyExpression.parse(text)) != nil {
            _ = try? PolicyExpressionProbe.evaluate(text, roots)
        }
        // In a policy: the key of a deny condition, as a literal block scalar.
        let indented = text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + String(repeating: " ", count: 18))
        let policy = """
        apiVersion: reconcile.dev/v1
        kind: Policy
        metadata:
          name: fuzz
        spec:
          rules:
            - name: fuzz
              match:
                any:
                  - resources:
                      kinds: [networking.istio.io/VirtualService]
              validate:
                message: fuzz
                deny:
                  conditions:
                    any:
                      - operator: Equals
                        value: x
                        key: |-
                          {{ \(indented) }}
        """
        _ = try? Policy.parse(Array(policy.utf8), file: "policies/fuzz.yaml")
    }

    /// `request.object` and `element`, shaped like what policies read.
    static let roots: [String: Node] = {
        let object = try! Node(json: Array("""
        {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"web","namespace":"shop",
         "labels":{"app":"web","a.b/c":"d"}},"spec":{"hosts":["web","*"],"gateways":[],"http":[{"route":[{"destination":
         {"host":"web","subset":"v1"},"weight":100}]},{"match":[{"uri":{"prefix":"/"}}]}],"tls":null,"n":1.5,"t":true}}
        """.utf8), marks: false)
        return ["request": Node(.mapping([Node.Entry(key: "object", value: object)])), "element": object[path: ["spec", "http"]] ?? Node(.null)]
    }()
}
