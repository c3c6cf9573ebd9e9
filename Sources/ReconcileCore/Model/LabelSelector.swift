import Foundation
public import YAML

/// A Kubernetes label selector, from kubectl's `-l` syntax (`tier=mesh,env!=dev,app in (a,b),!legacy`)
/// or from a `matchLabels`/`matchExpressions` object (a workload's `spec.selector`).
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    public enum Requirement: Sendable, Hashable {
        case equals(String, String)
        case notEquals(String, String)
        case `in`(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    public var requirements: [Requirement]
    /// The text it was parsed from, for messages.
    public var text: String

    public init(requirements: [Requirement], text: String = "") {
        self.requirements = requirements
        self.text = text
    }

    /// Matches everything.
    public static let everything = LabelSelector(requirements: [], text: "")

    public var description: String { text }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let k, let v): return labels[k] == v
            case .notEquals(let k, let v): return labels[k] != v
            case .in(let k, let values): return labels[k].map(values.contains) ?? false
            case .notIn(let k, let values): return !(labels[k].map(values.contains) ?? false)
            case .exists(let k): return labels[k] != nil
            case .doesNotExist(let k): return labels[k] == nil
            }
        }
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var text: String
        public var reason: String
        public var description: String { "invalid label selector \"\(text)\": \(reason)" }
    }

    /// Parses kubectl's selector syntax.
    public static func parse(_ text: String) throws -> LabelSelector {
        var requirements: [Requirement] = []
        for raw in splitTopLevel(text) {
            let part = raw.trimmingWhitespace()
            if part.isEmpty { continue }
            if part.hasPrefix("!") {
                let key = String(part.dropFirst()).trimmingWhitespace()
                guard isLabelKey(key) else { throw ParseError(text: text, reason: "\"\(key)\" is not a label key") }
                requirements.append(.doesNotExist(key))
            } else if let (key, op, values) = setRequirement(part) {
                guard isLabelKey(key) else { throw ParseError(text: text, reason: "\"\(key)\" is not a label key") }
                requirements.append(op == "in" ? .in(key, values) : .notIn(key, values))
            } else if let range = part.range(of: "!=") {
                let key = String(part[..<range.lowerBound]).trimmingWhitespace()
                let value = String(part[range.upperBound...]).trimmingWhitespace()
                guard isLabelKey(key) else { throw ParseError(text: text, reason: "\"\(key)\" is not a label key") }
                requirements.append(.notEquals(key, value))
            } else if let range = part.range(of: "==") ?? part.range(of: "=") {
                let key = String(part[..<range.lowerBound]).trimmingWhitespace()
                let value = String(part[range.upperBound...]).trimmingWhitespace()
                guard isLabelKey(key) else { throw ParseError(text: text, reason: "\"\(key)\" is not a label key") }
                requirements.append(.equals(key, value))
            } else {
                guard isLabelKey(part) else { throw ParseError(text: text, reason: "\"\(part)\" is not a label key or requirement") }
                requirements.append(.exists(part))
            }
        }
        return LabelSelector(requirements: requirements, text: text)
    }

    /// A workload's `spec.selector` (`matchLabels` and `matchExpressions`); nil when it has none.
    public init?(selectorNode node: Node?) {
        guard let node, node.isMapping else { return nil }
        var requirements: [Requirement] = []
        var parts: [String] = []
        for (key, value) in node.stringMap(at: ["matchLabels"]).sorted(by: { $0.key < $1.key }) {
            requirements.append(.equals(key, value))
            parts.append("\(key)=\(value)")
        }
        for expression in node["matchExpressions"]?.sequence ?? [] {
            guard let key = expression["key"]?.string, let op = expression["operator"]?.string else { continue }
            let values = Set((expression["values"]?.sequence ?? []).compactMap(\.string))
            switch op {
            case "In": requirements.append(.in(key, values))
            case "NotIn": requirements.append(.notIn(key, values))
            case "Exists": requirements.append(.exists(key))
            case "DoesNotExist": requirements.append(.doesNotExist(key))
            default: continue
            }
            parts.append("\(key) \(op) (\(values.sorted().joined(separator: ",")))")
        }
        guard !requirements.isEmpty else { return nil }
        self.init(requirements: requirements, text: parts.joined(separator: ","))
    }

    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    private static func setRequirement(_ part: String) -> (String, String, Set<String>)? {
        for op in [" notin ", " in "] {
            guard let range = part.range(of: op) else { continue }
            let key = String(part[..<range.lowerBound]).trimmingWhitespace()
            var rest = String(part[range.upperBound...]).trimmingWhitespace()
            guard rest.hasPrefix("("), rest.hasSuffix(")") else { return nil }
            rest = String(rest.dropFirst().dropLast())
            let values = Set(rest.split(separator: ",").map { String($0).trimmingWhitespace() })
            return (key, op.trimmingWhitespace(), values)
        }
        return nil
    }

    private static func isLabelKey(_ key: String) -> Bool {
        guard !key.isEmpty else { return false }
        return key.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_./".unicodeScalars.contains($0)) }
    }
}
