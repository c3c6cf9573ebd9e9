/// The `needs:` graph between bundles: an apply order, and the cycle when there is one.
struct BundleGraph {
    var bundles: [RepoConfig.Bundle]

    /// A cycle as bundle names, first name repeated at the end; nil when the graph is acyclic.
    func cycle() -> [String]? {
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        let needs = Dictionary(bundles.map { ($0.name, $0.needs) }, uniquingKeysWith: { a, _ in a })
        func visit(_ name: String) -> [String]? {
            if state[name] == 2 { return nil }
            if state[name] == 1 {
                let start = stack.firstIndex(of: name) ?? 0
                return Array(stack[start...]) + [name]
            }
            state[name] = 1
            stack.append(name)
            for need in needs[name] ?? [] {
                if let cycle = visit(need) { return cycle }
            }
            stack.removeLast()
            state[name] = 2
            return nil
        }
        for bundle in bundles {
            if let cycle = visit(bundle.name) { return cycle }
        }
        return nil
    }

    /// Bundle names in apply order: every bundle after the bundles it needs; ties keep file order.
    func order() -> [String] {
        var placed: [String] = []
        var done = Set<String>()
        let needs = Dictionary(bundles.map { ($0.name, $0.needs) }, uniquingKeysWith: { a, _ in a })
        func place(_ name: String) {
            guard !done.contains(name) else { return }
            done.insert(name)
            for need in needs[name] ?? [] { place(need) }
            placed.append(name)
        }
        for bundle in bundles { place(bundle.name) }
        return placed
    }
}
