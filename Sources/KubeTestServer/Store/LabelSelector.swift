import Foundation
import YAML

/// A parsed label selector: equality (`a=b`, `a==b`, `a!=b`), set-based (`a in (x,y)`,
/// `a notin (x)`) and existence (`a`, `!a`), comma-separated and all required.
struct LabelSelector: Sendable {
    enum Requirement: Sendable {
        case equals(String, String), notEquals(String, String), isIn(String, [String]), notIn(String, [String])
        case exists(String), notExists(String)
    }

    var requirements: [Requirement] = []

    init() {}

    init(parsing text: String) throws(APIError) {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if ch == "," && depth == 0 { parts.append(current); current = "" } else { current.append(ch) }
        }
        parts.append(current)
        for raw in parts {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if part.isEmpty { continue }
            if let range = part.range(of: " notin ") {
                requirements.append(.notIn(String(part[..<range.lowerBound]).trimmingCharacters(in: .whitespaces), Self.values(part[range.upperBound...])))
            } else if let range = part.range(of: " in ") {
                requirements.append(.isIn(String(part[..<range.lowerBound]).trimmingCharacters(in: .whitespaces), Self.values(part[range.upperBound...])))
            } else if let range = part.range(of: "!=") {
                requirements.append(.notEquals(Self.trim(part[..<range.lowerBound]), Self.trim(part[range.upperBound...])))
            } else if let range = part.range(of: "==") ?? part.range(of: "=") {
                requirements.append(.equals(Self.trim(part[..<range.lowerBound]), Self.trim(part[range.upperBound...])))
            } else if part.hasPrefix("!") {
                requirements.append(.notExists(Self.trim(part.dropFirst())))
            } else if part.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) {
                requirements.append(.exists(part))
            } else {
                throw APIError.badRequest("unable to parse requirement: found '\(part)', expected: in, notin, =, ==, !=, gt, lt")
            }
        }
    }

    private static func trim(_ text: Substring) -> String { text.trimmingCharacters(in: .whitespaces) }

    private static func values(_ text: Substring) -> [String] {
        text.trimmingCharacters(in: CharacterSet(charactersIn: " ()")).split(separator: ",").map { trim($0) }
    }

    func matches(_ labels: Node?) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): return labels?[key]?.string == value
            case .notEquals(let key, let value): return labels?[key]?.string != value
            case .isIn(let key, let values): return labels?[key]?.string.map(values.contains) ?? false
            case .notIn(let key, let values): return !(labels?[key]?.string.map(values.contains) ?? false)
            case .exists(let key): return labels?[key] != nil
            case .notExists(let key): return labels?[key] == nil
            }
        }
    }
}
