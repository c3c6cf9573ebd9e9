import FuzzSupport
import JSON
import YAML

/// API-shaped bodies: `Node(json:)` and `JSONTape` on the same bytes, then every value of the
/// tape read through `JSONView` and `JSONCursor` (members, elements, lookups by each key found,
/// strings, numbers, scalar comparisons, decoding into a tree).
///
/// JSONTape documents that it accepts exactly what `Node(json:)` accepts and decodes to the same
/// tree; a difference stops the run (a precondition failure is a finding like a crash).
@main enum FuzzJSON {
    static func main() { FuzzMain.run(test) }

    static func test(_ bytes: [UInt8]) {
        let tree = try? Node(json: bytes, file: "fuzz.json", marks: false)
        if let tree { _ = Node.from(tree.jsonBytes()) }
        let tape: JSONTape
        do {
            tape = try JSONTape(json: bytes, file: "fuzz.json")
        } catch {
            precondition(tree == nil, "JSONTape rejects what Node(json:) accepts: \(error)")
            return
        }
        guard let tree else { preconditionFailure("JSONTape accepts what Node(json:) rejects") }
        let root = tape.root
        precondition(root.node == tree, "JSONTape decodes to a different tree than Node(json:)")
        var budget = 20_000  // values visited per input, so that a wide document stays fast
        walk(root, tree, &budget)
        root.withCursor { cursor in walk(cursor, &budget) }
    }

    /// Reads `view` every way JSONView offers and compares with the tree `Node(json:)` built.
    static func walk(_ view: JSONView, _ node: Node, _ budget: inout Int) {
        budget -= 1
        guard budget > 0 else { return }
        _ = view.isObject
        _ = view.count
        precondition(view.string == node.string, "string differs")
        precondition(view.scalarText == (node.isMapping || node.sequence != nil ? nil : node.scalarText), "scalarText differs")
        precondition(node.isMapping || node.sequence != nil || view.scalarEquals(node), "scalarEquals is false for its own value")
        if let entries = node.entries {
            let members = view.members
            precondition(members.count == entries.count && view.count == entries.count, "member count differs")
            for (member, entry) in zip(members, entries) {
                precondition(member.key.string == entry.key, "key differs")
                precondition(view[entry.key]?.node == entry.value, "lookup by key differs")
                walk(member.value, entry.value, &budget)
            }
            _ = view[path: entries.prefix(3).map(\.key)]
            _ = view["metadata"]?["name"]?.string
        } else if let items = node.sequence {
            let elements = view.elements
            precondition(elements.count == items.count && view.count == items.count, "element count differs")
            for (element, item) in zip(elements, items) { walk(element, item, &budget) }
        }
    }

    /// The same through a cursor (the plan's compare loop reads pages this way).
    static func walk(_ cursor: JSONCursor, _ budget: inout Int) {
        budget -= 1
        guard budget > 0 else { return }
        _ = cursor.string
        _ = cursor.scalarText
        _ = cursor.isPlainString("metadata")
        _ = cursor.plainString(droppingPrefix: "f:")
        _ = cursor[path: ["metadata", "managedFields"]]
        for (key, value) in cursor.members {
            if let name = key.string { precondition(cursor[name] != nil, "a member's own key is not found") }
            walk(value, &budget)
        }
        for element in cursor.elements { walk(element, &budget) }
    }
}

extension Node {
    /// Reads JSON this module wrote; it must parse.
    static func from(_ json: [UInt8]) -> Node? {
        do { return try Node(json: json, file: "written.json") } catch { preconditionFailure("Node.jsonBytes wrote JSON that does not parse: \(error)") }
    }
}
