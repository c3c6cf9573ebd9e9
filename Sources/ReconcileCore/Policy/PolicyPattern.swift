import YAML

/// Kyverno `validate.pattern` matching, the subset docs/policies.md lists: nested mappings,
/// `=(key)` (if present), `X(key)` (must be absent) and `(key)` conditional anchors, lists
/// matched element by element, and scalar patterns with `*`/`?` wildcards, `?*` (non-empty),
/// `!value` negation, `a | b` alternatives and `>n`, `>=n`, `<n`, `<=n` comparisons.
package enum PolicyPattern {
    package struct Failure: Sendable {
        /// `spec.mtls.mode`
        package var path: String
        package var mark: Mark?
        package var detail: String
    }

    /// Nil when `resource` matches `pattern`.
    package static func check(_ pattern: Node, _ resource: Node?, path: String = "", parentMark: Mark? = nil) -> Failure? {
        switch pattern.value {
        case .mapping(let entries):
            guard let resource, let fields = resource.entries else {
                return Failure(path: path, mark: resource?.mark ?? parentMark, detail: resource == nil ? "field is missing" : "expected a mapping")
            }
            _ = fields
            // Conditional anchors first: when one does not hold, the rest of this mapping is not checked.
            for entry in entries {
                guard let key = anchor(entry.key, "(") else { continue }
                if check(entry.value, resource[key], path: join(path, key), parentMark: resource.mark) != nil { return nil }
            }
            for entry in entries {
                if anchor(entry.key, "(") != nil { continue }
                if let key = anchor(entry.key, "=(") {
                    guard let value = resource[key] else { continue }
                    if let failure = check(entry.value, value, path: join(path, key), parentMark: resource.mark(ofKey: key)) { return failure }
                } else if let key = anchor(entry.key, "X(") {
                    if resource[key] != nil {
                        return Failure(path: join(path, key), mark: resource.mark(ofKey: key), detail: "field must not be set")
                    }
                } else {
                    let value = resource[entry.key]
                    if let failure = check(entry.value, value, path: join(path, entry.key), parentMark: resource.mark(ofKey: entry.key) ?? resource.mark) {
                        return failure
                    }
                }
            }
            return nil
        case .sequence(let patterns):
            guard let resource, let items = resource.sequence else {
                return Failure(path: path, mark: resource?.mark ?? parentMark, detail: resource == nil ? "field is missing" : "expected a list")
            }
            guard !patterns.isEmpty else { return items.isEmpty ? nil : Failure(path: path, mark: resource.mark, detail: "expected an empty list") }
            for (index, item) in items.enumerated() {
                let itemPath = "\(path)[\(index)]"
                if patterns.count == 1 {
                    if let failure = check(patterns[0], item, path: itemPath, parentMark: item.mark) { return failure }
                } else if !patterns.contains(where: { check($0, item, path: itemPath, parentMark: item.mark) == nil }) {
                    return Failure(path: itemPath, mark: item.mark, detail: "matches none of the allowed elements")
                }
            }
            return nil
        case .null:
            if resource == nil || resource?.isNull == true { return nil }
            return Failure(path: path, mark: resource?.mark ?? parentMark, detail: "must not be set")
        case .string(let text):
            guard let resource else { return Failure(path: path, mark: parentMark, detail: "field is missing (want \"\(text)\")") }
            guard let actual = resource.scalarText, !resource.isNull else {
                return Failure(path: path, mark: resource.mark, detail: "expected a value matching \"\(text)\", got a \(resource.typeName)")
            }
            if scalarMatches(text, actual) { return nil }
            return Failure(path: path, mark: resource.mark, detail: "\"\(actual)\" does not match \"\(text)\"")
        default:
            guard let resource else { return Failure(path: path, mark: parentMark, detail: "field is missing (want \(pattern.scalarText ?? ""))") }
            if resource == pattern || resource.scalarText == pattern.scalarText { return nil }
            return Failure(path: path, mark: resource.mark, detail: "\(resource.scalarText ?? resource.typeName) is not \(pattern.scalarText ?? "")")
        }
    }

    /// A scalar pattern against a value's text.
    package static func scalarMatches(_ pattern: String, _ actual: String) -> Bool {
        let alternatives: [String] = pattern.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        for alternative in alternatives where alternativeMatches(alternative, actual) { return true }
        return false
    }

    private static func alternativeMatches(_ alternative: String, _ actual: String) -> Bool {
        if alternative.hasPrefix("!") { return !wildcard(String(alternative.dropFirst()), actual) }
        for op in [">=", "<=", ">", "<"] where alternative.hasPrefix(op) {
            guard let bound = Double(String(alternative.dropFirst(op.count)).trimmingWhitespace()), let value = Double(actual) else { return false }
            switch op {
            case ">=": return value >= bound
            case "<=": return value <= bound
            case ">": return value > bound
            default: return value < bound
            }
        }
        return wildcard(alternative, actual)
    }

    /// `*` any run of characters, `?` exactly one.
    package static func wildcard(_ pattern: String, _ text: String) -> Bool {
        Wildcard.matches(pattern, text)
    }

    private static func anchor(_ key: String, _ prefix: String) -> String? {
        guard key.hasPrefix(prefix), key.hasSuffix(")") else { return nil }
        let inner = key.dropFirst(prefix.count).dropLast()
        return inner.isEmpty ? nil : String(inner)
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// Kyverno condition operators. Strings compare with wildcards in the value; everything else by
/// JSON equality. A null key is an empty list for the set operators.
package enum PolicyOperators {
    package static func holds(_ op: String, key: Node?, value: Node?) -> Bool {
        switch op {
        case "Equals": return equals(key, value)
        case "NotEquals": return !equals(key, value)
        case "In", "AllIn": return !list(key).isEmpty && list(key).allSatisfy { contains(value, $0) }
        case "NotIn": return !(!list(key).isEmpty && list(key).allSatisfy { contains(value, $0) })
        case "AnyIn": return list(key).contains { contains(value, $0) }
        case "AnyNotIn": return list(key).contains { !contains(value, $0) }
        case "AllNotIn": return !list(key).contains { contains(value, $0) }
        case "GreaterThan", "GreaterThanOrEquals", "LessThan", "LessThanOrEquals":
            guard let a = number(key), let b = number(value) else { return false }
            switch op {
            case "GreaterThan": return a > b
            case "GreaterThanOrEquals": return a >= b
            case "LessThan": return a < b
            default: return a <= b
            }
        default: return false
        }
    }

    package static func equals(_ key: Node?, _ value: Node?) -> Bool {
        let k = key ?? Node(.null), v = value ?? Node(.null)
        if let pattern = v.string, let text = k.scalarText, !k.isNull { return PolicyPattern.wildcard(pattern, text) }
        return k == v
    }

    package static func list(_ node: Node?) -> [Node] {
        guard let node, !node.isNull else { return [] }
        return node.sequence ?? [node]
    }

    package static func contains(_ collection: Node?, _ element: Node) -> Bool {
        list(collection).contains { equals(element, $0) }
    }

    package static func number(_ node: Node?) -> Double? {
        guard let node else { return nil }
        return node.double ?? node.string.flatMap(Double.init)
    }
}
