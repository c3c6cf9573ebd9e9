public import JSON
public import YAML

/// The JMESPath subset policies use inside `{{ }}`: dotted paths from `request.object` or
/// `element` (`"quoted.keys"` for keys with dots or slashes), `[]` projections that flatten lists,
/// `[n]` indexes, the functions `length()` and `values()`, and `a || b` (the first value that is
/// not null, false or empty). Literals: `'text'` and JSON in backticks. A missing field is null.
public indirect enum PolicyExpression: Sendable, Equatable {
    case path(root: String, steps: [Step])
    case function(String, PolicyExpression, steps: [Step])
    case literal(Node)
    case or(PolicyExpression, PolicyExpression)

    public enum Step: Sendable, Equatable {
        case field(String)
        case flatten
        case index(Int)
    }

    public struct ParseError: Error, Sendable {
        public var message: String
    }

    package static let functions: Set<String> = ["length", "values"]

    // MARK: - Parsing

    /// Parses one expression. It may nest at most `maxDepth` levels (function arguments and `||`
    /// operands each add one): evaluating and comparing expressions recurse, so a deeper one from
    /// a repository must be an error, not a stack overflow.
    public static func parse(_ text: String, maxDepth: Int = InputLimits.default.maxExpressionDepth) throws -> PolicyExpression {
        var parser = Parser(chars: Array(text), position: 0, maxDepth: max(maxDepth, 1))
        let (expression, _) = try parser.orExpression()
        parser.skipSpace()
        guard parser.position == parser.chars.count else {
            throw ParseError(message: "unexpected \"\(String(parser.chars[parser.position...]))\" in expression \"\(text)\"")
        }
        return expression
    }

    /// Checks every `{{ }}` in a condition's key or value (recursively through lists and maps).
    package static func validateTemplates(in node: Node, maxDepth: Int = InputLimits.default.maxExpressionDepth) throws {
        switch node.value {
        case .string(let s): for part in try templateParts(s) { if case .expression(let e) = part { _ = try parse(e, maxDepth: maxDepth) } }
        case .sequence(let items): for item in items { try validateTemplates(in: item, maxDepth: maxDepth) }
        case .mapping(let entries): for entry in entries { try validateTemplates(in: entry.value, maxDepth: maxDepth) }
        default: break
        }
    }

    package enum TemplatePart { case text(String), expression(String) }

    package static func templateParts(_ s: String) throws -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var rest = Substring(s)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else { throw ParseError(message: "unclosed {{ in \"\(s)\"") }
            parts.append(.expression(String(rest[open.upperBound..<close.lowerBound]).trimmingWhitespace()))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return parts
    }

    private struct Parser {
        package var chars: [Character]
        package var position: Int
        package let maxDepth: Int
        /// Function arguments open around the current position (the parser's own recursion).
        package var open = 0

        package mutating func skipSpace() { while position < chars.count, chars[position] == " " { position += 1 } }
        package func peek(_ text: String) -> Bool {
            let t = Array(text)
            return position + t.count <= chars.count && Array(chars[position..<position + t.count]) == t
        }

        /// An expression and its height (1 for a path or literal; each `||` and function call
        /// adds one above its deepest operand).
        package mutating func orExpression() throws -> (PolicyExpression, height: Int) {
            var (left, height) = try primary()
            skipSpace()
            while peek("||") {
                position += 2
                let (right, rightHeight) = try primary()
                left = .or(left, right)
                height = max(height, rightHeight) + 1
                try checkDepth(height)
                skipSpace()
            }
            return (left, height)
        }

        private func checkDepth(_ height: Int) throws {
            guard height <= maxDepth else {
                throw ParseError(message: "expression nests too deeply (more than \(maxDepth) levels of function calls and || operands)")
            }
        }

        package mutating func primary() throws -> (PolicyExpression, height: Int) {
            skipSpace()
            guard position < chars.count else { throw ParseError(message: "expression ends early") }
            let c = chars[position]
            if c == "'" {
                position += 1
                var text = ""
                while position < chars.count, chars[position] != "'" { text.append(chars[position]); position += 1 }
                guard position < chars.count else { throw ParseError(message: "unclosed ' in expression") }
                position += 1
                return (.literal(.string(text)), 1)
            }
            if c == "`" {
                position += 1
                var text = ""
                while position < chars.count, chars[position] != "`" { text.append(chars[position]); position += 1 }
                guard position < chars.count else { throw ParseError(message: "unclosed ` in expression") }
                position += 1
                guard let node = try? Node(json: Array(text.utf8)) else { throw ParseError(message: "`\(text)` is not a JSON literal") }
                return (.literal(node.withoutMarks), 1)
            }
            let name = try identifier()
            skipSpace()
            if position < chars.count, chars[position] == "(" {
                guard PolicyExpression.functions.contains(name) else {
                    throw ParseError(message: "unknown function \(name)() (supported: \(PolicyExpression.functions.sorted().joined(separator: ", ")))")
                }
                position += 1
                open += 1
                try checkDepth(open + 1)  // before recursing: the argument is at least one level more
                let (argument, argumentHeight) = try orExpression()
                open -= 1
                skipSpace()
                guard position < chars.count, chars[position] == ")" else { throw ParseError(message: "missing ) after \(name)(") }
                position += 1
                let steps = try steps()
                try checkDepth(argumentHeight + 1)
                return (.function(name, argument, steps: steps), argumentHeight + 1)
            }
            return (.path(root: name, steps: try steps()), 1)
        }

        package mutating func identifier() throws -> String {
            if position < chars.count, chars[position] == "\"" {
                position += 1
                var text = ""
                while position < chars.count, chars[position] != "\"" { text.append(chars[position]); position += 1 }
                guard position < chars.count else { throw ParseError(message: "unclosed \" in expression") }
                position += 1
                return text
            }
            var text = ""
            while position < chars.count, chars[position].isLetter || chars[position].isNumber || chars[position] == "_" || chars[position] == "-" {
                text.append(chars[position]); position += 1
            }
            guard !text.isEmpty else { throw ParseError(message: "expected a name at \"\(String(chars[position...]))\"") }
            return text
        }

        package mutating func steps() throws -> [Step] {
            var steps: [Step] = []
            while position < chars.count {
                if chars[position] == "." {
                    position += 1
                    steps.append(.field(try identifier()))
                } else if peek("[]") {
                    position += 2
                    steps.append(.flatten)
                } else if chars[position] == "[" {
                    position += 1
                    var digits = ""
                    while position < chars.count, chars[position].isNumber || chars[position] == "-" { digits.append(chars[position]); position += 1 }
                    guard position < chars.count, chars[position] == "]", let index = Int(digits) else {
                        throw ParseError(message: "expected [n] or [] in expression")
                    }
                    position += 1
                    steps.append(.index(index))
                } else {
                    break
                }
            }
            return steps
        }
    }

    // MARK: - Evaluation

    /// Evaluates against named roots (`request`, `element`); nil is JSON null.
    package func evaluate(_ roots: [String: Node]) -> Node? {
        switch self {
        case .literal(let node): return node
        case .path(let root, let steps): return PolicyExpression.apply(steps, to: roots[root])
        case .function(let name, let argument, let steps):
            let value = argument.evaluate(roots)
            var result: Node?
            switch name {
            case "length":
                switch value?.value {
                case .string(let s)?: result = Node(.int(s.count))
                case .sequence(let items)?: result = Node(.int(items.count))
                case .mapping(let entries)?: result = Node(.int(entries.count))
                default: result = nil
                }
            default:
                result = value?.entries.map { .sequence($0.map(\.value)) }
            }
            return PolicyExpression.apply(steps, to: result)
        case .or(let left, let right):
            let value = left.evaluate(roots)
            return PolicyExpression.isFalsy(value) ? right.evaluate(roots) : value
        }
    }

    package static func isFalsy(_ node: Node?) -> Bool {
        guard let node else { return true }
        switch node.value {
        case .null: return true
        case .bool(let b): return !b
        case .string(let s): return s.isEmpty
        case .sequence(let items): return items.isEmpty
        case .mapping(let entries): return entries.isEmpty
        default: return false
        }
    }

    /// JMESPath projections: after `[]` the remaining steps apply to each element, nulls dropped.
    package static func apply(_ steps: [Step], to start: Node?) -> Node? {
        var current = start
        var projecting = false
        for step in steps {
            if projecting {
                guard let items = current?.sequence else { return nil }
                switch step {
                case .flatten:
                    current = .sequence(items.flatMap { $0.sequence ?? [$0] })
                default:
                    current = .sequence(items.compactMap { apply([step], to: $0) }.filter { !$0.isNull })
                }
                continue
            }
            switch step {
            case .field(let name): current = current?[name]
            case .index(let index):
                guard let items = current?.sequence else { return nil }
                let i = index < 0 ? items.count + index : index
                current = items.indices.contains(i) ? items[i] : nil
            case .flatten:
                guard let items = current?.sequence else { return nil }
                current = .sequence(items.flatMap { $0.sequence ?? [$0] })
                projecting = true
            }
        }
        return current
    }

    /// A condition operand (key or value) with its `{{ }}` expressions parsed once, when the policy
    /// is loaded, instead of for every object the policy sees. Evaluating substitutes them: a
    /// string that is exactly one expression becomes that value (of any type); expressions inside
    /// longer text are replaced by their text.
    package indirect enum Template: Sendable {
        case constant(Node)
        case expression(PolicyExpression?)
        case interpolated([(text: String?, expression: PolicyExpression?)])
        case sequence([Template])
        case mapping([(key: String, value: Template)])

        package init(_ node: Node) {
            switch node.value {
            case .string(let s):
                guard let parts = try? PolicyExpression.templateParts(s),
                      parts.contains(where: { if case .expression = $0 { return true } else { return false } }) else { self = .constant(node); return }
                if parts.count == 1, case .expression(let e) = parts[0] { self = .expression(try? PolicyExpression.parse(e)); return }
                self = .interpolated(parts.map { part in
                    switch part {
                    case .text(let t): return (t, nil)
                    case .expression(let e): return (nil, try? PolicyExpression.parse(e))
                    }
                })
            case .sequence(let items): self = .sequence(items.map(Template.init))
            case .mapping(let entries): self = .mapping(entries.map { ($0.key, Template($0.value)) })
            default: self = .constant(node)
            }
        }

        package func evaluate(_ roots: [String: Node]) -> Node? {
            switch self {
            case .constant(let node): return node
            case .expression(let expression): return expression?.evaluate(roots)
            case .interpolated(let parts):
                var text = ""
                for part in parts {
                    if let literal = part.text { text += literal } else { text += part.expression?.evaluate(roots).flatMap(\.scalarText) ?? "" }
                }
                return .string(text)
            case .sequence(let items): return .sequence(items.map { $0.evaluate(roots) ?? Node(.null) })
            case .mapping(let entries): return .mapping(entries.map { Node.Entry(key: $0.key, value: $0.value.evaluate(roots) ?? Node(.null)) })
            }
        }
    }
}

/// Entry points for tests and tools: evaluate an expression, an operator or a pattern.
public enum PolicyExpressionProbe {
    public static func evaluate(_ expression: String, _ roots: [String: Node]) throws -> Node? {
        try PolicyExpression.parse(expression).evaluate(roots)
    }

    public static func holds(_ op: String, _ key: Node?, _ value: Node?) -> Bool {
        PolicyOperators.holds(op, key: key, value: value)
    }

    public static func matches(_ pattern: Node, _ resource: Node) -> Bool {
        PolicyPattern.check(pattern, resource) == nil
    }
}
