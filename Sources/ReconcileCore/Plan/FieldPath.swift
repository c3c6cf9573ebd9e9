public import JSON
public import YAML

/// A path into an object, in server-side apply's terms: mapping fields, list items selected by
/// their key fields (`k:{"name":"v1"}`), set values (`v:"x"`) and indices.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    public enum Element: Hashable, Sendable {
        case field(String)
        case key([String: String])
        case value(String)
        case index(Int)
    }

    public var elements: [Element]

    public init(_ elements: [Element]) { self.elements = elements }

    /// `spec.http[0].route`, `spec.subsets[name=v1]`, `metadata.labels.istio.io/rev`.
    public var description: String {
        var text = ""
        for element in elements {
            switch element {
            case .field(let name): text += text.isEmpty ? name : ".\(name)"
            case .key(let fields): text += "[" + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "]"
            case .value(let v): text += "[\(v)]"
            case .index(let i): text += "[\(i)]"
            }
        }
        return text
    }

    public func appending(_ element: Element) -> FieldPath { FieldPath(elements + [element]) }
}

/// The fields one manager owns, parsed from a `managedFields[].fieldsV1` entry.
public struct FieldSet: Sendable {
    /// Leaf paths (and paths whose `.` marks the node itself as owned).
    public var paths: [FieldPath]

    public init(paths: [FieldPath]) { self.paths = paths }

    public init(fieldsV1 node: Node) {
        var paths: [FieldPath] = []
        FieldSet.walk(node, prefix: FieldPath([]), into: &paths)
        self.paths = paths
    }

    private static func walk(_ node: Node, prefix: FieldPath, into paths: inout [FieldPath]) {
        let children = (node.entries ?? []).filter { $0.key != "." }
        if children.isEmpty {
            if !prefix.elements.isEmpty { paths.append(prefix) }
            return
        }
        for child in children {
            guard let element = element(for: child.key) else { continue }
            walk(child.value, prefix: prefix.appending(element), into: &paths)
        }
    }

    static func element(for key: String) -> FieldPath.Element? {
        // Byte-wise: the compare asks this of every key of every live object's fieldsV1, and
        // `count`/`prefix` would walk grapheme clusters.
        let utf8 = key.utf8
        guard utf8.count >= 2, let tag = utf8.first, utf8[utf8.index(after: utf8.startIndex)] == UInt8(ascii: ":") else { return nil }
        let body = String(key[utf8.index(utf8.startIndex, offsetBy: 2)...])
        switch tag {
        case UInt8(ascii: "f"): return .field(body)
        case UInt8(ascii: "i"): return Int(body).map(FieldPath.Element.index)
        case UInt8(ascii: "v"): return .value((try? Node(json: Array(body.utf8)))?.scalarText ?? body)
        case UInt8(ascii: "k"):
            guard let object = try? Node(json: Array(body.utf8)), let entries = object.entries else { return nil }
            var fields: [String: String] = [:]
            for entry in entries { fields[entry.key] = entry.value.scalarText ?? "" }
            return .key(fields)
        default: return nil
        }
    }

    /// The fields each manager owns, from a live object's `metadata.managedFields`.
    public static func managers(of object: Node) -> [(manager: String, operation: String, fields: FieldSet)] {
        (object[path: ["metadata", "managedFields"]]?.sequence ?? []).compactMap { entry in
            guard let manager = entry["manager"]?.string, let fields = entry["fieldsV1"] else { return nil }
            return (manager, entry["operation"]?.string ?? "", FieldSet(fieldsV1: fields))
        }
    }

    /// The raw `fieldsV1` of `manager`'s Apply entries: only these are read by the compare, which
    /// asks this of every live object.
    static func appliedFieldsV1<Tree: FieldTree>(by manager: String, in object: Tree) -> [Tree] {
        (object["metadata"]?["managedFields"]?.fieldItems ?? []).compactMap { entry in
            guard entry["manager"]?.string == manager, entry["operation"]?.string == "Apply" else { return nil }
            return entry["fieldsV1"]
        }
    }

    /// Whether `manager` has an Apply entry with fields in `object`.
    static func hasAppliedFields<Tree: FieldTree>(by manager: String, in object: Tree) -> Bool {
        !appliedFieldsV1(by: manager, in: object).isEmpty
    }

    /// Whether this set owns `path` or a path below or above it.
    public func touches(_ path: FieldPath) -> Bool {
        paths.contains { owned in
            let n = min(owned.elements.count, path.elements.count)
            return Array(owned.elements.prefix(n)) == Array(path.elements.prefix(n))
        }
    }
}

extension Node {
    /// The value at a field path, or nil when the path does not exist.
    public func value(at path: FieldPath) -> Node? {
        var node: Node? = self
        for element in path.elements {
            guard let current = node else { return nil }
            node = current.child(at: element)
        }
        return node
    }

    /// Removes the value at a field path (list items by key or value, fields by name).
    public mutating func removeValue(at path: FieldPath) {
        guard let first = path.elements.first else { return }
        let rest = FieldPath(Array(path.elements.dropFirst()))
        switch first {
        case .field(let name):
            if rest.elements.isEmpty { self[name] = nil; return }
            guard var child = self[name] else { return }
            child.removeValue(at: rest)
            self[name] = child
        case .index, .key, .value:
            guard var items = sequence else { return }
            let match: (Node) -> Bool
            switch first {
            case .key(let fields): match = { item in fields.allSatisfy { item[$0.key]?.scalarText == $0.value } }
            case .value(let v): match = { $0.scalarText == v }
            case .index(let i):
                guard i < items.count else { return }
                if rest.elements.isEmpty { items.remove(at: i) } else { items[i].removeValue(at: rest) }
                value = .sequence(items)
                return
            default: return
            }
            guard let index = items.firstIndex(where: match) else { return }
            if rest.elements.isEmpty { items.remove(at: index) } else { items[index].removeValue(at: rest) }
            value = .sequence(items)
        }
    }
}
