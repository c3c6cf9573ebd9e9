import YAML

/// Merging of JSON objects: the apply merge of structured-merge-diff (maps merged, atomic lists
/// replaced, map-lists merged by key, sets unioned), JSON merge patch (RFC 7386) and JSON patch
/// (RFC 6902).
enum ObjectMerge {
    /// Server-side apply merge of `applied` onto `live`.
    static func apply(_ live: Node?, _ applied: Node, schema: StructuralSchema) -> Node {
        guard let live else { return applied }
        switch (live.value, applied.value) {
        case (.mapping(var entries), .mapping(let patch)) where schema.mapType != "atomic":
            for entry in patch {
                let child = schema.child(entry.key) ?? .anything
                if let index = entries.firstIndex(where: { $0.key == entry.key }) {
                    entries[index].value = apply(entries[index].value, entry.value, schema: child)
                } else {
                    entries.append(entry)
                }
            }
            return Node(.mapping(entries))
        case (.sequence(var items), .sequence(let patch)) where schema.listType == "map":
            let keys = schema.listMapKeys
            let itemSchema = schema.items ?? .anything
            for item in patch {
                let key = FieldPaths.keyJSON(item, keys: keys)
                if let index = items.firstIndex(where: { FieldPaths.keyJSON($0, keys: keys) == key }) {
                    items[index] = apply(items[index], item, schema: itemSchema)
                } else {
                    items.append(item)
                }
            }
            return Node(.sequence(items))
        case (.sequence(var items), .sequence(let patch)) where schema.listType == "set":
            for item in patch where !items.contains(item) { items.append(item) }
            return Node(.sequence(items))
        default:
            return applied
        }
    }

    /// RFC 7386: `null` deletes, objects merge, everything else replaces.
    static func mergePatch(_ target: Node?, _ patch: Node) -> Node {
        guard case .mapping(let patchEntries) = patch.value else { return patch }
        var entries = target?.entries ?? []
        for entry in patchEntries {
            if entry.value.isNull {
                entries.removeAll { $0.key == entry.key }
            } else if let index = entries.firstIndex(where: { $0.key == entry.key }) {
                entries[index].value = mergePatch(entries[index].value, entry.value)
            } else {
                entries.append(Node.Entry(key: entry.key, value: mergePatch(nil, entry.value)))
            }
        }
        return Node(.mapping(entries))
    }

    struct PatchError: Error { var message: String }

    /// RFC 6902 operations add, remove, replace, move, copy and test.
    static func jsonPatch(_ target: Node, _ operations: Node) throws -> Node {
        guard let ops = operations.sequence else { throw PatchError(message: "json: cannot unmarshal object into Go value of type jsonpatch.Patch") }
        var document = target
        for op in ops {
            guard let name = op["op"]?.string, let path = op["path"]?.string else {
                throw PatchError(message: "Unexpected kind: missing op or path")
            }
            let pointer = try parsePointer(path)
            switch name {
            case "add": try set(&document, pointer, op["value"] ?? nil, insert: true)
            case "replace":
                guard get(document, pointer) != nil else { throw PatchError(message: "replace operation does not apply: doc is missing key: \(path)") }
                try set(&document, pointer, op["value"] ?? nil, insert: false)
            case "remove":
                guard get(document, pointer) != nil else { throw PatchError(message: "remove operation does not apply: doc is missing path: \(path)") }
                try remove(&document, pointer)
            case "test":
                guard get(document, pointer) == (op["value"] ?? nil) else { throw PatchError(message: "testing value \(path) failed: test failed") }
            case "move", "copy":
                guard let from = op["from"]?.string, let value = get(document, try parsePointer(from)) else {
                    throw PatchError(message: "\(name) operation does not apply: doc is missing from path")
                }
                if name == "move" { try remove(&document, try parsePointer(from)) }
                try set(&document, pointer, value, insert: true)
            default: throw PatchError(message: "Unexpected kind: \(name)")
            }
        }
        return document
    }

    private static func parsePointer(_ path: String) throws -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw PatchError(message: "invalid JSON pointer \(path)") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func get(_ node: Node, _ pointer: [String]) -> Node? {
        var current: Node? = node
        for token in pointer {
            guard let value = current else { return nil }
            if let items = value.sequence {
                guard let index = Int(token), items.indices.contains(index) else { return nil }
                current = items[index]
            } else {
                current = value[token]
            }
        }
        return current
    }

    private static func set(_ node: inout Node, _ pointer: [String], _ value: Node, insert: Bool) throws {
        guard let token = pointer.first else { node = value; return }
        let rest = Array(pointer.dropFirst())
        if var items = node.sequence {
            if rest.isEmpty {
                if token == "-" { items.append(value) }
                else if let index = Int(token), index >= 0, index <= items.count {
                    if insert { items.insert(value, at: index) } else if index < items.count { items[index] = value }
                } else { throw PatchError(message: "add operation does not apply: index out of bounds: \(token)") }
            } else {
                guard let index = Int(token), items.indices.contains(index) else { throw PatchError(message: "index out of bounds: \(token)") }
                try set(&items[index], rest, value, insert: insert)
            }
            node.value = .sequence(items)
        } else if node.isMapping {
            if rest.isEmpty { node[token] = value; return }
            guard var child = node[token] else { throw PatchError(message: "add operation does not apply: doc is missing path: /\(pointer.joined(separator: "/"))") }
            try set(&child, rest, value, insert: insert)
            node[token] = child
        } else {
            throw PatchError(message: "add operation does not apply: doc is missing path")
        }
    }

    private static func remove(_ node: inout Node, _ pointer: [String]) throws {
        guard let token = pointer.first else { return }
        let rest = Array(pointer.dropFirst())
        if var items = node.sequence, let index = Int(token), items.indices.contains(index) {
            if rest.isEmpty { items.remove(at: index) } else { try remove(&items[index], rest) }
            node.value = .sequence(items)
        } else if var child = node[token] {
            if rest.isEmpty { node[token] = nil } else { try remove(&child, rest); node[token] = child }
        }
    }
}
