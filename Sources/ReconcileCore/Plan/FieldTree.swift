public import JSON
public import YAML

/// A live object as the owned-field compare reads it: a decoded `Node`, or a LIST item read in
/// place from its page (`JSONView`). The compare is written once over this, so an object read in
/// place is judged exactly as its decoded tree would be, and only the objects that differ from git
/// are ever decoded.
public protocol FieldTree: Sendable {
    /// The value of a mapping's field (nil for anything else, or when absent).
    subscript(key: String) -> Self? { get }
    var isMapping: Bool { get }
    /// A sequence's items (nil for anything else).
    var fieldItems: [Self]? { get }
    /// Calls `body` with the children of a `fieldsV1` set in order, each with its path element
    /// (nil for a key that does not parse); the set's own `.` marker is left out.
    func forEachOwnedChild(_ body: (FieldPath.Element?, Self) -> Void)
    var string: String? { get }
    /// The scalar as `Node.scalarText` writes it; nil for mappings and sequences.
    var scalarText: String? { get }
    /// Whether this and `desired` are scalars and equal, as `Node`'s `==` compares them.
    func scalarEquals(_ desired: Node) -> Bool
}

extension FieldTree {
    /// The value one path element below this one, or nil.
    func child(at element: FieldPath.Element) -> Self? {
        switch element {
        case .field(let name): return self[name]
        case .index(let i):
            guard let items = fieldItems, i < items.count else { return nil }
            return items[i]
        case .key(let fields):
            return fieldItems?.first { item in fields.allSatisfy { item[$0.key]?.scalarText == $0.value } }
        case .value(let v):
            return fieldItems?.first { $0.scalarText == v }
        }
    }
}

extension Node: FieldTree {
    public var fieldItems: [Node]? { sequence }
    public func forEachOwnedChild(_ body: (FieldPath.Element?, Node) -> Void) {
        for entry in entries ?? [] where entry.key != "." { body(FieldSet.element(for: entry.key), entry.value) }
    }

    public func scalarEquals(_ desired: Node) -> Bool {
        switch value {
        case .mapping, .sequence: return false
        default: return desired.entries == nil && desired.sequence == nil && self == desired
        }
    }
}

extension JSONCursor: FieldTree {
    public var isMapping: Bool { isObject }
    public var fieldItems: [JSONCursor]? { isArray ? Array(elements) : nil }
    public func forEachOwnedChild(_ body: (FieldPath.Element?, JSONCursor) -> Void) {
        for (key, value) in members where !key.isPlainString(".") {
            // Nearly every key is `f:<name>`: read the name straight from the page.
            if let name = key.plainString(droppingPrefix: "f:") {
                body(.field(name), value)
            } else {
                body(FieldSet.element(for: key.string ?? ""), value)
            }
        }
    }
}
