/// Calico's selector language (projectcalico.org/v3 `selector`, `namespaceSelector`,
/// `serviceAccountSelector`): `k == 'v'`, `k != 'v'`, `has(k)`, `!has(k)`, `k in {'a','b'}`,
/// `k not in {...}`, `k contains 's'`, `k starts with 's'`, `k ends with 's'`, `all()`,
/// `global()`, `!`, `&&`, `||` and parentheses; `&&` binds tighter than `||`. An empty selector
/// is `all()`. Parsed by recursive descent; an error names the column and what was expected.
public indirect enum CalicoSelector: Sendable, Hashable, CustomStringConvertible {
    case all
    /// `global()`: non-namespaced resources (host endpoints, global network sets), never a pod.
    case global
    case has(String)
    case equals(String, String)
    case notEquals(String, String)
    case `in`(String, Set<String>)
    case notIn(String, Set<String>)
    case contains(String, String)
    case startsWith(String, String)
    case endsWith(String, String)
    case not(CalicoSelector)
    case and(CalicoSelector, CalicoSelector)
    case or(CalicoSelector, CalicoSelector)

    public func matches(_ labels: [String: String]) -> Bool {
        switch self {
        case .all: return true
        case .global: return false
        case .has(let key): return labels[key] != nil
        case .equals(let key, let value): return labels[key] == value
        case .notEquals(let key, let value): return labels[key] != value
        case .in(let key, let values): return labels[key].map(values.contains) ?? false
        case .notIn(let key, let values): return !(labels[key].map(values.contains) ?? false)
        case .contains(let key, let part): return labels[key]?.contains(part) ?? false
        case .startsWith(let key, let prefix): return labels[key]?.hasPrefix(prefix) ?? false
        case .endsWith(let key, let suffix): return labels[key]?.hasSuffix(suffix) ?? false
        case .not(let inner): return !inner.matches(labels)
        case .and(let a, let b): return a.matches(labels) && b.matches(labels)
        case .or(let a, let b): return a.matches(labels) || b.matches(labels)
        }
    }

    public var description: String {
        func quote(_ s: String) -> String { "'\(s)'" }
        switch self {
        case .all: return "all()"
        case .global: return "global()"
        case .has(let key): return "has(\(key))"
        case .equals(let k, let v): return "\(k) == \(quote(v))"
        case .notEquals(let k, let v): return "\(k) != \(quote(v))"
        case .in(let k, let vs): return "\(k) in {\(vs.sorted().map(quote).joined(separator: ", "))}"
        case .notIn(let k, let vs): return "\(k) not in {\(vs.sorted().map(quote).joined(separator: ", "))}"
        case .contains(let k, let v): return "\(k) contains \(quote(v))"
        case .startsWith(let k, let v): return "\(k) starts with \(quote(v))"
        case .endsWith(let k, let v): return "\(k) ends with \(quote(v))"
        case .not(let inner): return "!\(inner.bracketed)"
        case .and(let a, let b): return "\(a.bracketed) && \(b.bracketed)"
        case .or(let a, let b): return "\(a) || \(b)"
        }
    }

    private var bracketed: String {
        if case .or = self { return "(\(description))" }
        return description
    }

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var text: String
        /// 1-based column in `text`.
        public var column: Int
        public var reason: String
        public var description: String { "invalid selector \"\(text)\" at column \(column): \(reason)" }
    }

    public static func parse(_ text: String) throws(ParseError) -> CalicoSelector {
        var parser = Parser(text: text)
        parser.skipSpace()
        if parser.atEnd { return .all }
        let result = try parser.expression()
        parser.skipSpace()
        guard parser.atEnd else { throw parser.error("expected && or || or the end, found \"\(parser.rest)\"") }
        return result
    }

    private struct Parser {
        let text: String
        let scalars: [Character]
        var position = 0
        var depth = 0

        init(text: String) {
            self.text = text
            scalars = Array(text)
        }

        var atEnd: Bool { position >= scalars.count }
        var rest: String { String(scalars[position...].prefix(20)) }

        func error(_ reason: String) -> ParseError { ParseError(text: text, column: position + 1, reason: reason) }

        mutating func skipSpace() { while !atEnd, scalars[position].isWhitespace { position += 1 } }

        mutating func take(_ token: String) -> Bool {
            skipSpace()
            let characters = Array(token)
            guard position + characters.count <= scalars.count, Array(scalars[position..<position + characters.count]) == characters else { return false }
            // Word operators must not run into a label key (`intent` is not `in`).
            if let last = characters.last, last.isLetter, position + characters.count < scalars.count,
               Self.isKeyCharacter(scalars[position + characters.count]) { return false }
            position += characters.count
            return true
        }

        mutating func expression() throws(ParseError) -> CalicoSelector {
            depth += 1
            defer { depth -= 1 }
            guard depth < 100 else { throw error("nested too deeply") }
            var left = try conjunction()
            while take("||") { left = .or(left, try conjunction()) }
            return left
        }

        mutating func conjunction() throws(ParseError) -> CalicoSelector {
            var left = try unary()
            while take("&&") { left = .and(left, try unary()) }
            return left
        }

        mutating func unary() throws(ParseError) -> CalicoSelector {
            if take("!") {
                depth += 1
                defer { depth -= 1 }
                guard depth < 100 else { throw error("nested too deeply") }
                return .not(try unary())
            }
            if take("(") {
                let inner = try expression()
                guard take(")") else { throw error("expected ) to close the parenthesis") }
                return inner
            }
            if take("all()") { return .all }
            if take("global()") { return .global }
            if take("has(") {
                let key = try labelKey()
                guard take(")") else { throw error("expected ) after has(\(key)") }
                return .has(key)
            }
            let key = try labelKey()
            if take("==") { return .equals(key, try quoted()) }
            if take("!=") { return .notEquals(key, try quoted()) }
            if take("not") {
                guard take("in") else { throw error("expected \"in\" after \"not\"") }
                return .notIn(key, try set())
            }
            if take("in") { return .in(key, try set()) }
            if take("contains") { return .contains(key, try quoted()) }
            if take("starts") {
                guard take("with") else { throw error("expected \"with\" after \"starts\"") }
                return .startsWith(key, try quoted())
            }
            if take("ends") {
                guard take("with") else { throw error("expected \"with\" after \"ends\"") }
                return .endsWith(key, try quoted())
            }
            throw error(atEnd ? "expected an operator after \(key)" : "expected ==, !=, in, not in, contains, starts with or ends with after \(key)")
        }

        static func isKeyCharacter(_ c: Character) -> Bool {
            c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." || c == "/")
        }

        mutating func labelKey() throws(ParseError) -> String {
            skipSpace()
            let start = position
            while !atEnd, Self.isKeyCharacter(scalars[position]) { position += 1 }
            guard position > start else {
                throw error(atEnd ? "expected a label name, all(), has() or ( but the selector ends" : "expected a label name, found \"\(rest)\"")
            }
            return String(scalars[start..<position])
        }

        mutating func quoted() throws(ParseError) -> String {
            skipSpace()
            guard !atEnd, scalars[position] == "'" || scalars[position] == "\"" else { throw error("expected a quoted value") }
            let quote = scalars[position]
            position += 1
            let start = position
            while !atEnd, scalars[position] != quote { position += 1 }
            guard !atEnd else { throw error("unterminated quoted value") }
            let value = String(scalars[start..<position])
            position += 1
            return value
        }

        mutating func set() throws(ParseError) -> Set<String> {
            guard take("{") else { throw error("expected { to open the set of values") }
            var values: Set<String> = []
            if take("}") { return values }
            repeat { values.insert(try quoted()) } while take(",")
            guard take("}") else { throw error("expected , or } in the set of values") }
            return values
        }
    }
}
