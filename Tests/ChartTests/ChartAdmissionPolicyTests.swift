import Foundation
import Testing
import YAML

/// templates/admissionpolicy.yaml: what RBAC cannot express (only `restartedAt` on workloads, only
/// the allowed label keys on Namespaces), for the chart's ServiceAccount only. The CEL itself is
/// evaluated by AdmissionPolicyCELTests; these check the objects around it.
struct ChartAdmissionPolicyTests {
    static func documents() throws -> [Node] { try ChartFiles.template("admissionpolicy.yaml") }

    static func policy(_ suffix: String) throws -> Node {
        let matching = try documents().filter {
            $0["kind"]?.string == "ValidatingAdmissionPolicy" && $0[path: ["metadata", "name"]]?.string?.hasSuffix("-\(suffix)") == true
        }
        try #require(matching.count == 1, "expected one ValidatingAdmissionPolicy *-\(suffix)")
        return matching[0]
    }

    @Test func policiesAndBindingsExist() throws {
        let documents = try Self.documents()
        let policies = documents.filter { $0["kind"]?.string == "ValidatingAdmissionPolicy" }
        let bindings = documents.filter { $0["kind"]?.string == "ValidatingAdmissionPolicyBinding" }
        #expect(policies.count == 2 && bindings.count == 2)
        for document in documents {
            #expect(document["apiVersion"]?.string == "admissionregistration.k8s.io/v1", "GA since Kubernetes 1.30")
        }
        // Each binding names a policy of the template and denies (not just warns or audits).
        let policyNames = Set(policies.compactMap { $0[path: ["metadata", "name"]]?.string })
        for binding in bindings {
            let name = try #require(binding[path: ["spec", "policyName"]]?.string)
            #expect(policyNames.contains(name), "binding refers to \(name), not one of \(policyNames.sorted())")
            #expect(binding[path: ["spec", "validationActions"]]?.strings == ["Deny"])
            #expect(binding[path: ["spec", "paramRef"]] == nil)
        }
        for policy in policies {
            #expect(policy[path: ["spec", "failurePolicy"]]?.string == "Fail")
            let validations = try #require(policy[path: ["spec", "validations"]]?.sequence)
            for validation in validations {
                #expect(validation["message"] != nil || validation["messageExpression"] != nil, "\(validation)")
            }
        }
    }

    /// Both policies apply to the chart's ServiceAccount only, named through the chart's helper.
    @Test func policiesMatchTheServiceAccount() throws {
        let text = try ChartFiles.text("templates/admissionpolicy.yaml")
        let condition = #"expression: {{ printf "request.userInfo.username == 'system:serviceaccount:%s:%s'" .Release.Namespace (include "reconcile.serviceAccountName" .) | quote }}"#
        #expect(text.components(separatedBy: condition).count - 1 == 2, "both policies match system:serviceaccount:<release namespace>:<serviceAccountName>")
        for suffix in ["workloads", "namespaces"] {
            let conditions = try #require(try Self.policy(suffix)[path: ["spec", "matchConditions"]]?.sequence)
            #expect(conditions.count == 1)
        }
    }

    @Test func workloadPolicyCoversCreateUpdateDelete() throws {
        let rules = try #require(try Self.policy("workloads")[path: ["spec", "matchConstraints", "resourceRules"]]?.sequence)
        #expect(rules.count == 1)
        #expect(rules[0]["apiGroups"]?.strings == ["apps"])
        #expect(rules[0]["operations"]?.strings == ["CREATE", "UPDATE", "DELETE"])
        #expect(Set(rules[0]["resources"]?.strings ?? []) == ["deployments", "statefulsets", "daemonsets"])
        let namespaces = try #require(try Self.policy("namespaces")[path: ["spec", "matchConstraints", "resourceRules"]]?.sequence)
        #expect(namespaces.first?["resources"]?.strings == ["namespaces"] && namespaces.first?["apiGroups"]?.strings == [""])
        #expect(namespaces.first?["operations"]?.strings == ["CREATE", "UPDATE", "DELETE"])
    }

    /// The Namespace policy and the `--allow-namespace-labels/-annotations` flags read the same
    /// values, with the same defaults as `Scope.defaultNamespaceLabelKeys` / `…AnnotationKeys`.
    @Test func namespaceKeysComeFromTheFlagsValues() throws {
        let policy = try ChartFiles.text("templates/admissionpolicy.yaml")
        #expect(policy.contains(#"concat (list "istio-injection" "istio.io/rev" "reconcile.dev/*") .Values.scope.namespaceLabels"#))
        #expect(policy.contains(#"concat (list "reconcile.dev/*") .Values.scope.namespaceAnnotations"#))
        let deployment = try ChartFiles.text("templates/deployment.yaml")
        #expect(deployment.contains("{{- with .Values.scope.namespaceLabels }}\n            - --allow-namespace-labels"))
        #expect(deployment.contains("{{- with .Values.scope.namespaceAnnotations }}\n            - --allow-namespace-annotations"))
    }

    /// On by default, behind one value, and refused (not silently skipped) before Kubernetes 1.30.
    @Test func enabledByDefault() throws {
        let values = try ChartFiles.yaml("values.yaml")
        #expect(values[path: ["admissionPolicy", "enabled"]]?.bool == true)
        let lines = try ChartFiles.text("templates/admissionpolicy.yaml").split(separator: "\n")
        #expect(lines.first == "{{- if .Values.admissionPolicy.enabled }}")
        #expect(lines.contains { $0.contains("semverCompare \"<1.30-0\" .Capabilities.KubeVersion.Version") })
    }
}
