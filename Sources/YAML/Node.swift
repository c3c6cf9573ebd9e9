/// A position in a source document, 1-based as editors show it, so errors can point at a line.
public struct Mark: Hashable, Sendable, CustomStringConvertible {
    // Stored in 32 bits each: every node and mapping key carries a mark, and two words instead
    // of four make a 10,000-object plan's trees about a quarter smaller (docs/benchmarks.md).
    private var storedLine: UInt32
    private var storedColumn: UInt32

    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = UInt32(clamping: newValue) }
    }

    public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = UInt32(clamping: newValue) }
    }

    public init(line: Int, column: Int) {
        storedLine = UInt32(clamping: line)
        storedColumn = UInt32(clamping: column)
    }

    public var description: String { "\(line):\(column)" }
}

/// One YAML (or JSON) value as Kubernetes reads it: the JSON data model plus the source position
/// of every node. Marks travel with values through rendering so that a bad field found late can
/// still be reported at its file:line. Equality ignores marks and mapping key order.
public struct Node: Sendable {
    public enum Value: Sendable {
        case null
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)
        case sequence([Node])
        case mapping([Entry])
    }

    /// A mapping entry. Keys are strings, as in JSON (sigs.k8s.io/yaml stringifies other keys).
    public struct Entry: Sendable {
        public var key: String
        public var keyMark: Mark?
        public var value: Node

        public init(key: String, keyMark: Mark? = nil, value: Node) {
            self.key = key
            self.keyMark = keyMark
            self.value = value
        }
    }

    public var value: Value
    public var mark: Mark?

    public init(_ value: Value, mark: Mark? = nil) {
        self.value = value
        self.mark = mark
    }
}

// MARK: - Literals

extension Node: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public typealias Key = String
    public init(stringLiteral value: String) { self.init(.string(value)) }
    public init(integerLiteral value: Int) { self.init(.int(value)) }
    public init(booleanLiteral value: Bool) { self.init(.bool(value)) }
    public init(floatLiteral value: Double) { self.init(.float(value)) }
    public init(nilLiteral: ()) { self.init(.null) }
    public init(arrayLiteral elements: Node...) { self.init(.sequence(elements)) }
    /// Dictionary values are `Node.Value` because `Node.Value` names the protocol's `Value`
    /// associated type; `Node.Value` accepts the same literals, so `["a": 1, "b": ["c": true]]` works.
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init(.mapping(elements.map { Entry(key: $0.0, value: Node($0.1)) }))
    }

    public static func string(_ s: String) -> Node { Node(.string(s)) }
    public static func mapping(_ entries: [Entry]) -> Node { Node(.mapping(entries)) }
    public static func sequence(_ items: [Node]) -> Node { Node(.sequence(items)) }
}

/// Literals for `Node.Value`, so nested dictionary literals type-check (see `init(dictionaryLiteral:)`).
extension Node.Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: Node...) { self = .sequence(elements) }
    public init(dictionaryLiteral elements: (String, Node)...) {
        self = .mapping(elements.map { Node.Entry(key: $0.0, value: $0.1) })
    }
}

// MARK: - Access

extension Node {
    public var isNull: Bool { if case .null = value { return true } else { return false } }
    public var string: String? { if case .string(let s) = value { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = value { return b } else { return nil } }
    public var int: Int? { if case .int(let i) = value { return i } else { return nil } }
    public var double: Double? {
        switch value {
        case .float(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    public var sequence: [Node]? { if case .sequence(let s) = value { return s } else { return nil } }
    public var entries: [Entry]? { if case .mapping(let m) = value { return m } else { return nil } }
    public var isMapping: Bool { entries != nil }

    /// The scalar as text (strings as they are, numbers and booleans as JSON writes them).
    public var scalarText: String? {
        switch value {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let d): return Node.formatFloat(d)
        case .null: return "null"
        default: return nil
        }
    }

    /// A short name of the node's type for error messages ("string", "mapping", ...).
    public var typeName: String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .float: return "number"
        case .string: return "string"
        case .sequence: return "list"
        case .mapping: return "mapping"
        }
    }

    public subscript(key: String) -> Node? {
        get {
            guard case .mapping(let entries) = value else { return nil }
            // By index: `first(where:)` copies (retains) every entry it looks at.
            for index in entries.indices where entries[index].key == key { return entries[index].value }
            return nil
        }
        set {
            editEntries { entries in
                if let index = entries.firstIndex(where: { $0.key == key }) {
                    if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
                } else if let newValue {
                    entries.append(Entry(key: key, value: newValue))
                }
            }
        }
    }

    /// Edits this mapping's entries in place (anything else becomes an empty mapping first; the
    /// mark stays). The entries are taken out of the node while `edit` runs, so they are not
    /// copied even though the node still held them: every in-place edit of a mapping goes here.
    public mutating func editEntries<Result>(_ edit: (inout [Entry]) throws -> Result) rethrows -> Result {
        var entries = self.entries ?? []
        value = .null  // drop this node's reference so the edit happens in place, not on a copy
        defer { value = .mapping(entries) }
        return try edit(&entries)
    }

    /// The mark of a key in this mapping, falling back to the value's mark.
    public func mark(ofKey key: String) -> Mark? {
        guard case .mapping(let entries) = value, let entry = entries.first(where: { $0.key == key }) else { return nil }
        return entry.keyMark ?? entry.value.mark
    }

    /// Follows a path of keys through nested mappings.
    public subscript(path path: [String]) -> Node? {
        var node: Node? = self
        for key in path { node = node?[key] }
        return node
    }

    /// The same value with every mark removed (for values built to compare or emit).
    public var withoutMarks: Node {
        switch value {
        case .sequence(let items): return Node(.sequence(items.map(\.withoutMarks)))
        case .mapping(let entries):
            return Node(.mapping(entries.map { Entry(key: $0.key, value: $0.value.withoutMarks) }))
        default: return Node(value)
        }
    }

    /// Mapping entries sorted by key, recursively: the canonical form used for emitting and hashing.
    public var sortedKeys: Node {
        switch value {
        case .sequence(let items): return Node(.sequence(items.map(\.sortedKeys)), mark: mark)
        case .mapping(let entries):
            let sorted = entries.sorted { $0.key < $1.key }.map {
                Entry(key: $0.key, keyMark: $0.keyMark, value: $0.value.sortedKeys)
            }
            return Node(.mapping(sorted), mark: mark)
        default: return self
        }
    }

    package static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return String(d)
    }
}

// MARK: - Equality

extension Node: Equatable {
    /// JSON equality: marks and key order do not matter; 1 and 1.0 are the same number.
    public static func == (lhs: Node, rhs: Node) -> Bool {
        switch (lhs.value, rhs.value) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b
        case (.int(let a), .float(let b)), (.float(let b), .int(let a)): return Double(a) == b
        case (.string(let a), .string(let b)): return a == b
        case (.sequence(let a), .sequence(let b)): return a == b
        case (.mapping(let a), .mapping(let b)):
            guard a.count == b.count else { return false }
            if a.count <= 8 {
                for entry in a {
                    guard let other = b.first(where: { $0.key == entry.key }), other.value == entry.value else {
                        return false
                    }
                }
                return true
            }
            var index: [String: Node] = [:]
            index.reserveCapacity(b.count)
            for entry in b { index[entry.key] = entry.value }
            for entry in a {
                guard let other = index[entry.key], other == entry.value else { return false }
            }
            return true
        default: return false
        }
    }
}

extension Node {
    /// A mapping from `Node` values, keeping their order: `Node.object(["a": node, "b": other])`.
    public static func object(_ fields: KeyValuePairs<String, Node>) -> Node {
        Node(.mapping(fields.map { Entry(key: $0.key, value: $0.value) }))
    }
}
