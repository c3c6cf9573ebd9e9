import JSON
import YAML

/// A set of owned fields, as structured-merge-diff keeps it: each path is a list of elements
/// (`f:spec`, `k:{"name":"web"}`, `v:"x"`). Paths that are prefixes of other paths in the set
/// become `".": {}` entries when encoded as FieldsV1, which is how Update operations record
/// ownership of a map itself.
struct FieldSet: Equatable, Sendable {
    typealias Path = [String]
    var paths: Set<Path> = []

    var isEmpty: Bool { paths.isEmpty }

    func union(_ other: FieldSet) -> FieldSet { FieldSet(paths: paths.union(other.paths)) }
    func subtracting(_ other: FieldSet) -> FieldSet { FieldSet(paths: paths.subtracting(other.paths)) }
    func intersection(_ other: FieldSet) -> FieldSet { FieldSet(paths: paths.intersection(other.paths)) }
    func contains(_ path: Path) -> Bool { paths.contains(path) }

    /// Paths that no other path of the set extends (the fields themselves, not their parents).
    var leaves: [Path] {
        let prefixes = Set(paths.flatMap { path in (0..<path.count).map { Array(path[..<$0]) } })
        return paths.filter { !prefixes.contains($0) }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    // MARK: - FieldsV1

    init(paths: Set<Path> = []) { self.paths = paths }

    init(fieldsV1 node: Node) {
        var result: Set<Path> = []
        func walk(_ node: Node, _ prefix: Path) {
            for entry in node.entries ?? [] {
                if entry.key == "." { result.insert(prefix); continue }
                let path = prefix + [entry.key]
                if (entry.value.entries ?? []).isEmpty { result.insert(path) } else { walk(entry.value, path) }
            }
        }
        walk(node, [])
        paths = result
    }

    /// The FieldsV1 JSON tree, keys sorted as the apiserver writes them.
    var fieldsV1: Node {
        final class Tree { var children: [String: Tree] = [:]; var owned = false }
        let root = Tree()
        for path in paths {
            var node = root
            for element in path {
                if let next = node.children[element] { node = next } else {
                    let next = Tree()
                    node.children[element] = next
                    node = next
                }
            }
            node.owned = true
        }
        func encode(_ tree: Tree) -> Node {
            var entries: [Node.Entry] = []
            if tree.owned && !tree.children.isEmpty { entries.append(.init(key: ".", value: [:])) }
            for key in tree.children.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                entries.append(.init(key: key, value: encode(tree.children[key]!)))
            }
            return .mapping(entries)
        }
        return encode(root)
    }

    /// `.spec.http`, `.spec.containers[name="web"].image` as conflict messages print paths.
    static func describe(_ path: Path) -> String {
        path.map { element -> String in
            if element.hasPrefix("f:") { return "." + element.dropFirst(2) }
            if element.hasPrefix("k:"), let node = try? Node(json: Array(element.dropFirst(2).utf8)) {
                let parts = (node.entries ?? []).map { "\($0.key)=\($0.value.jsonString())" }
                return "[" + parts.joined(separator: ",") + "]"
            }
            if element.hasPrefix("v:") { return "[=" + element.dropFirst(2) + "]" }
            return element
        }.joined()
    }
}
