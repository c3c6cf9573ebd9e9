public import YAML

/// A guardrail policy: a subset of Kyverno's `ClusterPolicy` (`match`/`exclude`, `preconditions`,
/// `validate.pattern`, `validate.deny.conditions`, `validate.foreach`) under
/// `apiVersion: reconcile.dev/v1`, `kind: Policy`, plus the reconcile extension `require` for
/// cross-object rules. docs/policies.md describes exactly which subset.
public struct Policy: Sendable {
    public static let apiVersion = "reconcile.dev/v1"
    public static let severityAnnotation = "reconcile.dev/severity"
    public static let codeAnnotation = "reconcile.dev/code"
    public static let hintAnnotation = "reconcile.dev/hint"

    public var name: String
    public var code: String
    public var severity: Finding.Severity
    public var rules: [Rule]
    /// The fix hint findings carry (`reconcile.dev/hint`).
    public var hint: String?
    /// Where the policy was defined (`policies/x.yaml:3`, or `shipped:policies/x.yaml:3`).
    public var source: SourceLocation

    public struct Rule: Sendable {
        public var name: String
        public var match: ResourceFilter
        public var exclude: ResourceFilter?
        public var preconditions: Conditions?
        public var message: String?
        public var pattern: Node?
        public var deny: Conditions?
        public var foreach: [ForEach]
        public var require: Requirement?
    }

    /// `match` / `exclude`: `any` (one must match) and `all` (every one must match) of resource
    /// descriptions; a bare `resources:` is one `any` entry.
    public struct ResourceFilter: Sendable {
        public var any: [Resources]
        public var all: [Resources]
    }

    public struct Resources: Sendable {
        /// `Kind`, `group/Kind` or `group/version/Kind`; `*` wildcards allowed.
        public var kinds: [String] { didSet { kindPatterns = Resources.split(kinds) } }
        /// `kinds` split at their slashes once (every object a policy may select is matched against them).
        package private(set) var kindPatterns: [(group: String?, version: String?, kind: String)] = []
        public var names: [String]
        public var namespaces: [String]
        /// `matchLabels` values may use `*` and `?` wildcards.
        public var matchLabels: [String: String]
        public var matchExpressions: LabelSelector?

        init(kinds: [String], names: [String], namespaces: [String], matchLabels: [String: String], matchExpressions: LabelSelector?) {
            self.kinds = kinds
            self.names = names
            self.namespaces = namespaces
            self.matchLabels = matchLabels
            self.matchExpressions = matchExpressions
            kindPatterns = Resources.split(kinds)
        }

        private static func split(_ kinds: [String]) -> [(group: String?, version: String?, kind: String)] {
            kinds.map { kind in
                let parts = kind.split(separator: "/").map(String.init)
                switch parts.count {
                case 0: return (nil, nil, "")
                case 1: return (nil, nil, parts[0])
                case 2: return (parts[0], nil, parts[1])
                default: return (parts[0], parts[1], parts[2])
                }
            }
        }
    }

    /// Kyverno conditions: every `all` condition holds and, when `any` is present, one `any` holds.
    public struct Conditions: Sendable {
        public var any: [Condition]?
        public var all: [Condition]?
    }

    public struct Condition: Sendable {
        public var key: Node
        public var `operator`: String
        public var value: Node
        public var mark: Mark?
        /// `key` and `value` compiled once (conditions run for every object a rule selects).
        package let keyTemplate: PolicyExpression.Template
        package let valueTemplate: PolicyExpression.Template

        init(key: Node, operator: String, value: Node, mark: Mark?) {
            self.key = key
            self.operator = `operator`
            self.value = value
            self.mark = mark
            keyTemplate = PolicyExpression.Template(key)
            valueTemplate = PolicyExpression.Template(value)
        }
    }

    /// `foreach` over a list (a JMESPath subset expression); `element` is each item.
    public struct ForEach: Sendable {
        public var list: String
        /// `list` parsed once, at load (rules run for every object they select).
        package var listExpression: PolicyExpression
        public var preconditions: Conditions?
        public var pattern: Node?
        public var deny: Conditions?
    }

    /// reconcile extension: another object must exist for each matched object.
    public struct Requirement: Sendable {
        public var kinds: [String]
        /// `match`: in the matched object's namespace (the Namespace itself when it is one).
        public var inNamespaceOfMatch: Bool
        public var defaultDeny: Bool
    }

    public static let operators: Set<String> = ["Equals", "NotEquals", "In", "NotIn", "AnyIn", "AllIn", "AnyNotIn", "AllNotIn",
                                               "GreaterThan", "GreaterThanOrEquals", "LessThan", "LessThanOrEquals"]
}

extension Policy {
    /// Parses one policy file (one or more YAML documents, each a Policy). Throws `Diagnostic`
    /// pointing at the first problem.
    public static func parse(_ bytes: [UInt8], file: String, limits: InputLimits = .default) throws -> [Policy] {
        let documents = try YAMLParser.parse(bytes, file: file, limits: limits)
        let reader = FieldReader(file: file, source: String(decoding: bytes, as: UTF8.self), limits: limits)
        return try documents.map { try parse($0.root, file: file, reader: reader) }
    }

    static func parse(_ root: Node, file: String, reader: FieldReader) throws -> Policy {
        guard root.isMapping else { throw reader.error(root.mark, "a policy must be a mapping, got a \(root.typeName)") }
        try reader.expectKeys(root, ["apiVersion", "kind", "metadata", "spec"], in: "policy")
        guard root.apiVersion == apiVersion, root.kind == "Policy" else {
            throw reader.error(root.mark, "expected apiVersion: \(apiVersion) and kind: Policy, got \(root.apiVersion ?? "no apiVersion") \(root.kind ?? "no kind")")
        }
        guard let name = root.name else { throw reader.error(root.mark, "policy without metadata.name") }
        let annotations = root.annotations
        guard let code = annotations[codeAnnotation], !code.isEmpty else {
            throw reader.error(root["metadata"]?.mark, "policy \(name): missing annotation \(codeAnnotation) (the finding code, e.g. POL100)")
        }
        let severityText = annotations[severityAnnotation] ?? "error"
        guard let severity = Finding.Severity(rawValue: severityText) else {
            throw reader.error(root[path: ["metadata", "annotations"]]?.mark(ofKey: severityAnnotation),
                               "policy \(name): \(severityAnnotation) must be error, warning or info, got \"\(severityText)\"")
        }
        let spec = root["spec"] ?? Node(.mapping([]))
        try reader.expectKeys(spec, ["rules", "validationFailureAction", "background"], in: "spec")
        var rules: [Rule] = []
        for (index, item) in try (spec["rules"].map { try reader.sequence($0, field: "spec.rules") } ?? []).enumerated() {
            rules.append(try parseRule(item, field: "spec.rules[\(index)]", reader: reader))
        }
        return Policy(name: name, code: code, severity: severity, rules: rules, hint: annotations[hintAnnotation], source: SourceLocation(file: file, mark: root.mark))
    }

    private static func parseRule(_ node: Node, field: String, reader: FieldReader) throws -> Rule {
        try reader.expectKeys(node, ["name", "match", "exclude", "preconditions", "validate", "require"], in: field)
        let name = try node["name"].map { try reader.string($0, field: "\(field).name") } ?? field
        guard let match = node["match"] else { throw reader.error(node.mark, "\(field) (\(name)): missing match") }
        var rule = Rule(name: name, match: try parseFilter(match, field: "\(field).match", reader: reader),
                        exclude: try node["exclude"].map { try parseFilter($0, field: "\(field).exclude", reader: reader) },
                        preconditions: try node["preconditions"].map { try parseConditions($0, field: "\(field).preconditions", reader: reader) },
                        message: nil, pattern: nil, deny: nil, foreach: [], require: nil)
        if let validate = node["validate"] {
            try reader.expectKeys(validate, ["message", "pattern", "deny", "foreach"], in: "\(field).validate")
            rule.message = try validate["message"].map { try reader.string($0, field: "\(field).validate.message") }
            rule.pattern = validate["pattern"]
            if let deny = validate["deny"] { rule.deny = try parseDeny(deny, field: "\(field).validate.deny", reader: reader) }
            for (index, item) in try (validate["foreach"].map { try reader.sequence($0, field: "\(field).validate.foreach") } ?? []).enumerated() {
                let f = "\(field).validate.foreach[\(index)]"
                try reader.expectKeys(item, ["list", "preconditions", "pattern", "deny"], in: f)
                guard let list = item["list"] else { throw reader.error(item.mark, "\(f): missing list") }
                let expression = try reader.string(list, field: "\(f).list")
                let parsed: PolicyExpression
                do { parsed = try PolicyExpression.parse(expression, maxDepth: reader.limits.maxExpressionDepth) } catch let error as PolicyExpression.ParseError {
                    throw reader.error(list.mark, "\(f).list: \(error.message)")
                }
                rule.foreach.append(ForEach(list: expression, listExpression: parsed,
                                            preconditions: try item["preconditions"].map { try parseConditions($0, field: "\(f).preconditions", reader: reader) },
                                            pattern: item["pattern"],
                                            deny: try item["deny"].map { try parseDeny($0, field: "\(f).deny", reader: reader) }))
            }
        }
        if let require = node["require"] {
            try reader.expectKeys(require, ["kinds", "inNamespaceOf", "where"], in: "\(field).require")
            let kinds = try require["kinds"].map { try reader.stringOrList($0, field: "\(field).require.kinds") } ?? []
            guard !kinds.isEmpty else { throw reader.error(require.mark, "\(field).require: kinds must name at least one kind") }
            let scope = try require["inNamespaceOf"].map { try reader.string($0, field: "\(field).require.inNamespaceOf") }
            if let scope, scope != "match" { throw reader.error(require["inNamespaceOf"]?.mark, "\(field).require.inNamespaceOf must be \"match\", got \"\(scope)\"") }
            var defaultDeny = false
            if let condition = require["where"] {
                try reader.expectKeys(condition, ["defaultDeny"], in: "\(field).require.where")
                defaultDeny = try condition["defaultDeny"].map { try reader.bool($0, field: "\(field).require.where.defaultDeny") } ?? false
            }
            rule.require = Requirement(kinds: kinds, inNamespaceOfMatch: scope == "match", defaultDeny: defaultDeny)
        }
        if rule.pattern == nil && rule.deny == nil && rule.foreach.isEmpty && rule.require == nil {
            throw reader.error(node.mark, "\(field) (\(name)): a rule needs validate.pattern, validate.deny, validate.foreach or require")
        }
        return rule
    }

    private static func parseFilter(_ node: Node, field: String, reader: FieldReader) throws -> ResourceFilter {
        try reader.expectKeys(node, ["any", "all", "resources"], in: field)
        var filter = ResourceFilter(any: [], all: [])
        if let resources = node["resources"] { filter.any.append(try parseResources(resources, field: "\(field).resources", reader: reader)) }
        for (key, target) in [("any", \ResourceFilter.any), ("all", \ResourceFilter.all)] {
            for (index, item) in try (node[key].map { try reader.sequence($0, field: "\(field).\(key)") } ?? []).enumerated() {
                try reader.expectKeys(item, ["resources"], in: "\(field).\(key)[\(index)]")
                guard let resources = item["resources"] else { throw reader.error(item.mark, "\(field).\(key)[\(index)]: missing resources") }
                filter[keyPath: target].append(try parseResources(resources, field: "\(field).\(key)[\(index)].resources", reader: reader))
            }
        }
        if filter.any.isEmpty && filter.all.isEmpty { throw reader.error(node.mark, "\(field): needs any, all or resources") }
        return filter
    }

    private static func parseResources(_ node: Node, field: String, reader: FieldReader) throws -> Resources {
        try reader.expectKeys(node, ["kinds", "names", "namespaces", "selector"], in: field)
        var resources = Resources(kinds: try node["kinds"].map { try reader.stringOrList($0, field: "\(field).kinds") } ?? [],
                                  names: try node["names"].map { try reader.stringOrList($0, field: "\(field).names") } ?? [],
                                  namespaces: try node["namespaces"].map { try reader.stringOrList($0, field: "\(field).namespaces") } ?? [],
                                  matchLabels: [:], matchExpressions: nil)
        if resources.kinds.isEmpty { throw reader.error(node.mark, "\(field): kinds must name at least one kind") }
        if let selector = node["selector"] {
            try reader.expectKeys(selector, ["matchLabels", "matchExpressions"], in: "\(field).selector")
            resources.matchLabels = try selector["matchLabels"].map { try reader.values($0, field: "\(field).selector.matchLabels") } ?? [:]
            if selector["matchExpressions"] != nil {
                resources.matchExpressions = LabelSelector(selectorNode: Node.object(["matchExpressions": selector["matchExpressions"]!]))
            }
        }
        return resources
    }

    private static func parseDeny(_ node: Node, field: String, reader: FieldReader) throws -> Conditions {
        try reader.expectKeys(node, ["conditions"], in: field)
        guard let conditions = node["conditions"] else { throw reader.error(node.mark, "\(field): missing conditions") }
        return try parseConditions(conditions, field: "\(field).conditions", reader: reader)
    }

    private static func parseConditions(_ node: Node, field: String, reader: FieldReader) throws -> Conditions {
        // A bare list is Kyverno's older form: all of them.
        if node.sequence != nil { return Conditions(any: nil, all: try parseConditionList(node, field: field, reader: reader)) }
        try reader.expectKeys(node, ["any", "all"], in: field)
        let conditions = Conditions(any: try node["any"].map { try parseConditionList($0, field: "\(field).any", reader: reader) },
                                    all: try node["all"].map { try parseConditionList($0, field: "\(field).all", reader: reader) })
        if conditions.any == nil && conditions.all == nil { throw reader.error(node.mark, "\(field): needs any or all") }
        return conditions
    }

    private static func parseConditionList(_ node: Node, field: String, reader: FieldReader) throws -> [Condition] {
        try reader.sequence(node, field: field).enumerated().map { index, item in
            let f = "\(field)[\(index)]"
            try reader.expectKeys(item, ["key", "operator", "value", "message"], in: f)
            guard let key = item["key"] else { throw reader.error(item.mark, "\(f): missing key") }
            guard let op = item["operator"]?.string else { throw reader.error(item.mark, "\(f): missing operator") }
            guard operators.contains(op) else {
                throw reader.error(item["operator"]?.mark, "\(f): unknown operator \"\(op)\" (supported: \(operators.sorted().joined(separator: ", ")))")
            }
            for side in [key, item["value"]].compactMap({ $0 }) {
                do { try PolicyExpression.validateTemplates(in: side, maxDepth: reader.limits.maxExpressionDepth) } catch let error as PolicyExpression.ParseError {
                    throw reader.error(side.mark ?? item.mark, "\(f): \(error.message)")
                }
            }
            return Condition(key: key, operator: op, value: item["value"] ?? Node(.null), mark: item.mark)
        }
    }
}
