import ReconcileCore
import YAML

/// Evaluates the guardrail policies against the desired objects (Namespaces with the labels they
/// will have after the plan, and the `namespaces:` shorthand's namespaces as Namespace objects).
struct PolicyAnalyzer: Analyzer {
    var codes: [String] { [] }

    /// An object a policy sees.
    struct Subject: Sendable {
        var key: ObjectKey
        var apiVersion: String
        var body: Node
        var source: SourceLocation
    }

    func analyze(_ input: AnalysisInput) -> [Finding] {
        let subjects = PolicyAnalyzer.subjects(input)
        // Most rules are for one or two kinds: pick each kind's candidate rules once, not per object.
        var candidates: [String: [(policy: Policy, rule: Policy.Rule)]] = [:]
        for subject in subjects where candidates[subject.apiVersion + "/" + subject.key.kind] == nil {
            candidates[subject.apiVersion + "/" + subject.key.kind] = input.policies.flatMap { policy in
                policy.rules.filter { PolicyAnalyzer.kindMayMatch(subject, $0.match) }.map { (policy, $0) }
            }
        }
        // Subjects are independent of each other: evaluate them on every core, report in order.
        return subjects.concurrentMap { [candidates] subject in
            var findings: [Finding] = []
            for (policy, rule) in candidates[subject.apiVersion + "/" + subject.key.kind] ?? [] {
                if PolicyAnalyzer.selected(subject, by: rule) {
                    let roots = ["request": Node.object(["object": subject.body])]
                    if let preconditions = rule.preconditions, !PolicyAnalyzer.holds(preconditions, roots) { continue }
                    for violation in PolicyAnalyzer.violations(rule, subject: subject, roots: roots, input: input) {
                        findings.append(Finding(
                            code: policy.code, severity: policy.severity,
                            message: "\(subject.key.shortDescription): \(rule.message ?? "violates policy \(policy.name)")\(violation.detail.map { " (\($0))" } ?? "") [policy \(policy.name), rule \(rule.name)]",
                            object: subject.key,
                            source: violation.mark.map { SourceLocation(file: subject.source.file, mark: $0) } ?? subject.source,
                            hint: policy.hint ?? "change the object to satisfy policy \(policy.name) (\(policy.source)), or annotate it galley.istio.io/analyze-suppress: \(policy.code)"))
                    }
                }
            }
            return findings
        }.flatMap { $0 }
    }

    static func subjects(_ input: AnalysisInput) -> [Subject] {
        var subjects: [Subject] = []
        for object in input.desired.objects {
            var body = object.body
            if object.key.isNamespace, let labels = input.namespaceLabels[object.key.name] {
                body.set(Node(.mapping(labels.sorted { $0.key < $1.key }.map { Node.Entry(key: $0.key, value: .string($0.value)) })),
                         at: ["metadata", "labels"])
            }
            subjects.append(Subject(key: object.key, apiVersion: object.apiVersion, body: body, source: object.source))
        }
        for (name, wanted) in input.desired.namespaceInjection.sorted(by: { $0.key < $1.key }) where !wanted.fromManifest {
            // The shorthand only labels existing namespaces (a missing one is RC2001, not a policy matter).
            if let live = input.live, live.namespaces[name] == nil { continue }
            let labels = input.namespaceLabels[name] ?? wanted.injection.labels
            var body: Node = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
            for (label, value) in labels.sorted(by: { $0.key < $1.key }) { body.set(.string(value), at: ["metadata", "labels", label]) }
            if let annotations = input.live?.namespaces[name]?["metadata"]?["annotations"] { body.set(annotations, at: ["metadata", "annotations"]) }
            subjects.append(Subject(key: ObjectKey(group: "", kind: "Namespace", name: name), apiVersion: "v1", body: body, source: wanted.source))
        }
        return subjects
    }

    // MARK: - Match

    static func selected(_ subject: Subject, by rule: Policy.Rule) -> Bool {
        guard matches(subject, rule.match) else { return false }
        if let exclude = rule.exclude, matches(subject, exclude) { return false }
        return true
    }

    static func matches(_ subject: Subject, _ filter: Policy.ResourceFilter) -> Bool {
        if !filter.all.isEmpty && !filter.all.allSatisfy({ matches(subject, $0) }) { return false }
        if !filter.any.isEmpty && !filter.any.contains(where: { matches(subject, $0) }) { return false }
        return true
    }

    /// Whether a filter can select objects of the subject's kind at all (names, namespaces and
    /// labels aside).
    static func kindMayMatch(_ subject: Subject, _ filter: Policy.ResourceFilter) -> Bool {
        (filter.all.isEmpty || filter.all.allSatisfy { kindMatches(subject, $0) })
            && (filter.any.isEmpty || filter.any.contains { kindMatches(subject, $0) })
    }

    static func kindMatches(_ subject: Subject, _ resources: Policy.Resources) -> Bool {
        resources.kindPatterns.contains { pattern in
            guard PolicyPattern.wildcard(pattern.kind, subject.key.kind) else { return false }
            if let group = pattern.group, !PolicyPattern.wildcard(group, subject.key.group) { return false }
            if let version = pattern.version, !PolicyPattern.wildcard(version, splitAPIVersion(subject.apiVersion).version) { return false }
            return true
        }
    }

    static func matches(_ subject: Subject, _ resources: Policy.Resources) -> Bool {
        guard kindMatches(subject, resources) else { return false }
        if !resources.names.isEmpty && !resources.names.contains(where: { PolicyPattern.wildcard($0, subject.key.name) }) { return false }
        let namespace = subject.key.isNamespace ? subject.key.name : subject.key.namespace
        if !resources.namespaces.isEmpty && !resources.namespaces.contains(where: { PolicyPattern.wildcard($0, namespace) }) { return false }
        guard !resources.matchLabels.isEmpty || resources.matchExpressions != nil else { return true }
        let labels = subject.body.labels
        for (key, value) in resources.matchLabels {
            guard let actual = labels[key], PolicyPattern.wildcard(value, actual) else { return false }
        }
        if let expressions = resources.matchExpressions, !expressions.matches(labels) { return false }
        return true
    }

    // MARK: - Conditions

    static func holds(_ conditions: Policy.Conditions, _ roots: [String: Node]) -> Bool {
        func one(_ condition: Policy.Condition) -> Bool {
            PolicyOperators.holds(condition.operator, key: condition.keyTemplate.evaluate(roots), value: condition.valueTemplate.evaluate(roots))
        }
        if let all = conditions.all, !all.allSatisfy(one) { return false }
        if let any = conditions.any, !any.contains(where: one) { return false }
        return true
    }

    // MARK: - Validate

    struct Violation {
        var detail: String?
        var mark: Mark?
    }

    static func violations(_ rule: Policy.Rule, subject: Subject, roots: [String: Node], input: AnalysisInput) -> [Violation] {
        var result: [Violation] = []
        if let pattern = rule.pattern, let failure = PolicyPattern.check(pattern, subject.body, parentMark: subject.body.mark) {
            result.append(Violation(detail: "\(failure.path): \(failure.detail)", mark: failure.mark))
        }
        if let deny = rule.deny, holds(deny, roots) {
            result.append(Violation(detail: nil, mark: denyMark(deny, roots: roots)))
        }
        for each in rule.foreach {
            let elements = PolicyOperators.list(each.listExpression.evaluate(roots))
            for (index, element) in elements.enumerated() {
                var scoped = roots
                scoped["element"] = element
                if let preconditions = each.preconditions, !holds(preconditions, scoped) { continue }
                if let pattern = each.pattern, let failure = PolicyPattern.check(pattern, element, parentMark: element.mark) {
                    result.append(Violation(detail: "\(each.list)[\(index)]\(failure.path.isEmpty ? "" : "." + failure.path): \(failure.detail)", mark: failure.mark))
                } else if let deny = each.deny, holds(deny, scoped) {
                    result.append(Violation(detail: "\(each.list)[\(index)]", mark: element.mark))
                }
            }
        }
        if let require = rule.require, !requirementMet(require, subject: subject, input: input) {
            let namespace = subject.key.isNamespace ? subject.key.name : subject.key.namespace
            let what = require.defaultDeny ? "no default-deny ingress \(require.kinds.joined(separator: " or "))" : "no \(require.kinds.joined(separator: " or "))"
            result.append(Violation(detail: "\(what) applies to namespace \(namespace)", mark: nil))
        }
        return result
    }

    /// The line of the first field a deny condition reads (`{{ request.object.spec.x }}`), if any.
    private static func denyMark(_ conditions: Policy.Conditions, roots: [String: Node]) -> Mark? {
        for condition in (conditions.all ?? []) + (conditions.any ?? []) {
            guard let text = condition.key.string, let parts = try? PolicyExpression.templateParts(text),
                  case .expression(let e)? = parts.first, var parsed = try? PolicyExpression.parse(e) else { continue }
            // The path inside `a || default` and `f(a)`.
            while true {
                if case .or(let left, _) = parsed { parsed = left } else if case .function(_, let argument, _) = parsed { parsed = argument } else { break }
            }
            guard case .path(let root, let steps) = parsed, root == "request" else { continue }
            var fields: [String] = []
            for step in steps { guard case .field(let name) = step else { break }; fields.append(name) }
            guard fields.count > 2, fields[0] == "object" else { continue }
            var node = roots["request"]?["object"]
            var mark: Mark?
            for field in fields.dropFirst() {
                guard let next = node?[field] else { break }
                mark = node?.mark(ofKey: field) ?? mark
                node = next
            }
            if let mark { return mark }
        }
        return nil
    }

    // MARK: - require (reconcile extension)

    static let networkPolicyGroups: Set<String> = ["networking.k8s.io", "projectcalico.org", "crd.projectcalico.org"]

    static func requirementMet(_ require: Policy.Requirement, subject: Subject, input: AnalysisInput) -> Bool {
        let namespace = subject.key.isNamespace ? subject.key.name : subject.key.namespace
        for kind in require.kinds {
            let groups = kind.contains("NetworkPolicy") ? networkPolicyGroups : nil
            for item in input.items(kind: kind, groups: groups) {
                let global = item.key.namespace.isEmpty
                if require.inNamespaceOfMatch {
                    if global {
                        guard DefaultDeny.globalPolicyApplies(item.body, to: namespace) else { continue }
                    } else if item.key.namespace != namespace {
                        continue
                    }
                }
                if !require.defaultDeny { return true }
                if DefaultDeny.isDefaultDenyIngress(item.key.group == "networking.k8s.io" ? .kubernetes : .calico, item.body) { return true }
            }
        }
        return false
    }
}

/// What counts as a default-deny ingress policy for `require.where.defaultDeny` (docs/policies.md).
enum DefaultDeny {
    enum Flavour { case kubernetes, calico }

    static func isDefaultDenyIngress(_ flavour: Flavour, _ body: Node) -> Bool {
        let spec = body["spec"] ?? Node(.mapping([]))
        switch flavour {
        case .kubernetes:
            // Every pod selected, isolated for ingress; rules may only allow specific peers.
            let podSelector = spec["podSelector"]
            guard podSelector == nil || podSelector?.isNull == true || (podSelector?.entries?.allSatisfy { $0.value.entries?.isEmpty ?? $0.value.sequence?.isEmpty ?? false } ?? false) else { return false }
            let types = (spec["policyTypes"]?.sequence ?? []).compactMap(\.string)
            guard types.isEmpty || types.contains("Ingress") else { return false }
            return !(spec["ingress"]?.sequence ?? []).contains(where: kubernetesRuleAllowsAll)
        case .calico:
            let selector = spec["selector"]?.string?.trimmingWhitespace() ?? "all()"
            guard selector == "all()" || selector.isEmpty || body.kind == "GlobalNetworkPolicy" else { return false }
            let types = (spec["types"]?.sequence ?? []).compactMap(\.string)
            guard types.isEmpty || types.contains("Ingress") else { return false }
            return !(spec["ingress"]?.sequence ?? []).contains { rule in
                rule["action"]?.string == "Allow" && isEmptyPeer(rule["source"])
            }
        }
    }

    /// A rule that admits every source: `{}`, no `from`, or a peer selecting every namespace / 0.0.0.0/0.
    static func kubernetesRuleAllowsAll(_ rule: Node) -> Bool {
        guard let from = rule["from"]?.sequence, !from.isEmpty else { return true }
        return from.contains { peer in
            if peer["ipBlock"]?["cidr"]?.string == "0.0.0.0/0" { return true }
            if let namespaces = peer["namespaceSelector"], peer["podSelector"] == nil, namespaces.entries?.isEmpty ?? true { return true }
            return false
        }
    }

    static func isEmptyPeer(_ peer: Node?) -> Bool {
        guard let entries = peer?.entries else { return true }
        return entries.isEmpty
    }

    /// Whether a Calico GlobalNetworkPolicy selects endpoints of `namespace`: `selector` `all()`
    /// (or absent) or naming `projectcalico.org/namespace == 'ns'`, and `namespaceSelector` absent,
    /// `all()` or naming the namespace by `projectcalico.org/name` or `kubernetes.io/metadata.name`.
    static func globalPolicyApplies(_ body: Node, to namespace: String) -> Bool {
        let selector = body[path: ["spec", "selector"]]?.string?.trimmingWhitespace() ?? ""
        let namespaceSelector = body[path: ["spec", "namespaceSelector"]]?.string?.trimmingWhitespace() ?? ""
        let selectorOK = selector.isEmpty || selector == "all()" || names(selector, label: "projectcalico.org/namespace", namespace)
        let namespaceOK = namespaceSelector.isEmpty || namespaceSelector == "all()"
            || names(namespaceSelector, label: "projectcalico.org/name", namespace) || names(namespaceSelector, label: "kubernetes.io/metadata.name", namespace)
        return selectorOK && namespaceOK
    }

    private static func names(_ selector: String, label: String, _ namespace: String) -> Bool {
        let compact = selector.filter { $0 != " " }
        return compact.contains("\(label)=='\(namespace)'") || compact.contains("\(label)==\"\(namespace)\"")
    }
}
