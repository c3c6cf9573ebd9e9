import JSON
import YAML

/// Walks objects along schema-typed field paths: computing the fields an object sets, reading
/// and deleting the value at a path. List items are addressed the way structured-merge-diff does:
/// by key for `x-kubernetes-list-type: map`, by value for `set`; atomic lists are one field.
enum FieldPaths {
    /// Fields of `object` that ownership tracks. `withParents` adds every map (Update operations
    /// own maps themselves and encode that as `"."`).
    static func fields(of object: Node, schema: StructuralSchema, withParents: Bool, statusExcluded: Bool) -> FieldSet {
        var result: Set<FieldSet.Path> = []
        for entry in object.entries ?? [] {
            switch entry.key {
            case "apiVersion", "kind": continue
            case "status" where statusExcluded: continue
            case "metadata":
                for meta in entry.value.entries ?? [] {
                    let path = ["f:metadata", "f:" + meta.key]
                    switch meta.key {
                    case "labels", "annotations":
                        if withParents { result.insert(path) }
                        for item in meta.value.entries ?? [] { result.insert(path + ["f:" + item.key]) }
                    case "finalizers":
                        if withParents { result.insert(path) }
                        for item in meta.value.sequence ?? [] { result.insert(path + ["v:" + item.jsonString()]) }
                    case "ownerReferences":
                        if withParents { result.insert(path) }
                        for item in meta.value.sequence ?? [] {
                            let item = ["k:" + keyJSON(item, keys: ["uid"])]
                            result.insert(path + item)
                        }
                    default: continue
                    }
                }
            default:
                collect(entry.value, schema.child(entry.key) ?? .anything, path: ["f:" + entry.key], withParents: withParents, into: &result)
            }
        }
        return FieldSet(paths: result)
    }

    private static func collect(_ value: Node, _ schema: StructuralSchema, path: FieldSet.Path, withParents: Bool, into result: inout Set<FieldSet.Path>) {
        switch value.value {
        case .mapping(let entries) where !entries.isEmpty && schema.mapType != "atomic" && !schema.intOrString:
            if withParents { result.insert(path) }
            for entry in entries {
                collect(entry.value, schema.child(entry.key) ?? .anything, path: path + ["f:" + entry.key], withParents: withParents, into: &result)
            }
        case .sequence(let items) where schema.listType == "map":
            if withParents { result.insert(path) }
            let itemSchema = schema.items ?? .anything
            for item in items {
                let itemPath = path + ["k:" + keyJSON(item, keys: schema.listMapKeys)]
                result.insert(itemPath)
                for entry in item.entries ?? [] {
                    collect(entry.value, itemSchema.child(entry.key) ?? .anything, path: itemPath + ["f:" + entry.key], withParents: withParents, into: &result)
                }
            }
        case .sequence(let items) where schema.listType == "set":
            if withParents { result.insert(path) }
            for item in items { result.insert(path + ["v:" + item.jsonString()]) }
        default:
            result.insert(path)
        }
    }

    /// `{"name":"web"}`: the key fields of a list-map item, sorted by field name.
    static func keyJSON(_ item: Node, keys: [String]) -> String {
        let entries = keys.sorted().compactMap { key in item[key].map { Node.Entry(key: key, value: $0) } }
        return Node.mapping(entries).withoutMarks.jsonString()
    }

    /// The value at a path, or nil when absent.
    static func value(at path: FieldSet.Path, in object: Node) -> Node? {
        var node: Node? = object
        for element in path {
            guard let current = node else { return nil }
            node = step(current, element)
        }
        return node
    }

    private static func step(_ node: Node, _ element: String) -> Node? {
        if element.hasPrefix("f:") { return node[String(element.dropFirst(2))] }
        guard let items = node.sequence else { return nil }
        if element.hasPrefix("k:"), let key = try? Node(json: Array(element.dropFirst(2).utf8)) {
            return items.first { item in (key.entries ?? []).allSatisfy { item[$0.key] == $0.value } }
        }
        if element.hasPrefix("v:"), let wanted = try? Node(json: Array(element.dropFirst(2).utf8)) {
            return items.first { $0 == wanted }
        }
        return nil
    }

    /// Removes the field at a path; maps emptied by the removal are removed too when nobody owns
    /// them (`keep` says whether a path is still owned).
    static func remove(_ path: FieldSet.Path, from object: inout Node, keep: (FieldSet.Path) -> Bool) {
        guard !path.isEmpty else { return }
        removeStep(&object, path: path[...], prefix: [], keep: keep)
    }

    private static func removeStep(_ node: inout Node, path: ArraySlice<String>, prefix: FieldSet.Path, keep: (FieldSet.Path) -> Bool) {
        guard let element = path.first else { return }
        let rest = path.dropFirst()
        if element.hasPrefix("f:") {
            let key = String(element.dropFirst(2))
            guard var child = node[key] else { return }
            if rest.isEmpty {
                node[key] = nil
            } else {
                removeStep(&child, path: rest, prefix: prefix + [element], keep: keep)
                let emptied = (child.entries?.isEmpty ?? false) || (child.sequence?.isEmpty ?? false)
                if emptied && !keep(prefix + [element]) { node[key] = nil } else { node[key] = child }
            }
            return
        }
        guard var items = node.sequence else { return }
        guard let index = items.firstIndex(where: { matches($0, element) }) else { return }
        if rest.isEmpty {
            items.remove(at: index)
        } else {
            removeStep(&items[index], path: rest, prefix: prefix + [element], keep: keep)
        }
        node.value = .sequence(items)
    }

    private static func matches(_ item: Node, _ element: String) -> Bool {
        step(Node.sequence([item]), element) != nil
    }
}
