/// Builds `Node` trees from libyaml events. This is where YAML's graph features become plain
/// JSON-shaped data: aliases are expanded (after checking the expansion stays small — a
/// "billion laughs" file must fail fast, not exhaust memory), merge keys `<<` are applied, and
/// duplicate keys are rejected (kubectl rejects them too; silently taking one would hide bugs).
/// It keeps an explicit stack instead of recursing so deep nesting cannot overflow a thread stack.
///
/// Limits (`InputLimits`): a document may expand to at most `maxExpandedNodes` nodes, and its
/// nesting is measured after expansion — an alias used at depth d of an anchored tree h levels
/// deep nests d + h levels — so chained anchors cannot build a tree deeper than the recursive
/// walks over `Node` (equality, diff, emitters) are allowed to see.
struct Composer {
    /// A finished node, how many nodes it stands for once every alias inside is expanded, and how
    /// many collection levels it nests (0 for a scalar, 1 for a list of scalars).
    private struct Built {
        var node: Node
        var size: Int
        var height = 0
        var isMergeKey = false
    }

    /// An open sequence or mapping. Mutated in place on the stack so appends never copy.
    private struct Frame {
        let isMapping: Bool
        let mark: Mark
        let anchor: String?
        var size = 1
        /// The greatest `height` of the nodes attached so far.
        var childHeight = 0
        var items: [Node] = []
        /// The entries written in a mapping, in order; the mapping's value as it is unless it merges.
        var entries: [Node.Entry] = []
        /// `<<` merges: the mappings merged in, and how many entries were written before them.
        var merges: [(position: Int, sources: [[Node.Entry]])] = []
        var keys = DuplicateKeys()
        var pendingKey: Built?

        /// Notes a written key; returns the line of an earlier identical key.
        mutating func recordKey(_ key: String, line: Int) -> Int? {
            keys.record(key, line: line, earlier: entries)
        }
    }

    private let reader: EventReader
    private let source: SourceText
    private let limits: InputLimits
    private let maxDepth: Int

    // Per-document state.
    private var anchors: [String: Built] = [:]
    private var stack: [Frame] = []
    private var ownNodes = 0
    private var aliasNodes = 0
    private var root: Built?
    private var rootIsEmpty = false

    init(source: SourceText, limits: InputLimits = .default) throws {
        self.source = source
        self.limits = limits
        maxDepth = limits.nestingDepth
        reader = try EventReader(source: source)
    }

    /// Every non-empty document of the stream.
    mutating func composeStream() throws -> [YAMLDocument] {
        var documents: [YAMLDocument] = []
        var index = 0
        var documentMark = Mark(line: 1, column: 1)
        while true {
            let (event, mark) = try reader.next()
            switch event {
            case .streamStart:
                continue
            case .streamEnd:
                return documents
            case .documentStart:
                anchors = [:]
                stack = []
                ownNodes = 0
                aliasNodes = 0
                root = nil
                rootIsEmpty = false
                documentMark = mark
            case .documentEnd:
                if let root, !rootIsEmpty {
                    documents.append(YAMLDocument(root: root.node, index: index, mark: documentMark))
                }
                index += 1
            case .alias(let name):
                guard let target = anchors[name] else {
                    throw source.diagnostic("unknown alias \"\(name)\"", at: mark)
                }
                ownNodes += 1
                aliasNodes += target.size
                if ownNodes + aliasNodes > limits.maxExpandedNodes
                    || (aliasNodes > limits.aliasRatioThreshold && aliasNodes > limits.maxAliasRatio * ownNodes)
                {
                    throw source.diagnostic(
                        "document expands too many aliases (possible alias bomb): more than \(limits.maxExpandedNodes) nodes, "
                            + "or aliases adding more than \(limits.maxAliasRatio) times the nodes written", at: mark)
                }
                guard stack.count + target.height <= maxDepth else {
                    throw source.diagnostic(
                        "nesting is too deep (more than \(maxDepth) levels) once alias \"\(name)\" is expanded: "
                            + "it is used \(stack.count) levels deep and its anchor nests \(target.height) more", at: mark)
                }
                var node = target.node
                node.mark = mark
                try attach(Built(node: node, size: target.size, height: target.height))
            case .scalar(let scalar):
                ownNodes += 1
                let value: Node.Value
                do {
                    value = try ScalarResolver.resolve(scalar.value, tag: scalar.tag, plain: scalar.style == .plain)
                } catch {
                    throw source.diagnostic(error.message, at: mark)
                }
                let isMerge =
                    (scalar.style == .plain && scalar.tag == nil && scalar.value == "<<")
                    || scalar.tag == ScalarResolver.mergeTag
                let built = Built(node: Node(value, mark: mark), size: 1, isMergeKey: isMerge)
                if let anchor = scalar.anchor { anchors[anchor] = built }
                if stack.isEmpty {
                    rootIsEmpty = scalar.value.isEmpty && scalar.style == .plain && scalar.tag == nil
                        && scalar.anchor == nil
                }
                try attach(built)
            case .sequenceStart(let anchor):
                try push(Frame(isMapping: false, mark: mark, anchor: anchor))
            case .mappingStart(let anchor):
                try push(Frame(isMapping: true, mark: mark, anchor: anchor))
            case .sequenceEnd, .mappingEnd:
                let frame = stack.removeLast()
                let built = Built(node: Node(finish(frame), mark: frame.mark), size: frame.size, height: frame.childHeight + 1)
                if let anchor = frame.anchor { anchors[anchor] = built }
                try attach(built)
            }
        }
    }

    private mutating func push(_ frame: Frame) throws {
        guard stack.count < maxDepth else {
            throw source.diagnostic("nesting is too deep (more than \(maxDepth) levels)", at: frame.mark)
        }
        ownNodes += 1
        stack.append(frame)
    }

    /// Adds a finished node to the collection being built, or makes it the document's root.
    private mutating func attach(_ built: Built) throws {
        guard !stack.isEmpty else {
            root = built
            return
        }
        let top = stack.count - 1
        stack[top].size += built.size
        stack[top].childHeight = max(stack[top].childHeight, built.height)
        guard stack[top].isMapping else {
            stack[top].items.append(built.node)
            return
        }
        guard let key = stack[top].pendingKey else {
            if case .sequence = built.node.value {
                throw source.diagnostic("mapping keys must be scalars, not a list", at: built.node.mark)
            }
            if case .mapping = built.node.value {
                throw source.diagnostic("mapping keys must be scalars, not a mapping", at: built.node.mark)
            }
            stack[top].pendingKey = built
            return
        }
        stack[top].pendingKey = nil
        if key.isMergeKey {
            stack[top].merges.append((stack[top].entries.count, try mergeSources(built.node)))
            return
        }
        let text = key.node.scalarText ?? ""
        if let first = stack[top].recordKey(text, line: key.node.mark?.line ?? 0) {
            throw source.diagnostic("duplicate key \"\(text)\" (first defined at line \(first))", at: key.node.mark)
        }
        stack[top].entries.append(Node.Entry(key: text, keyMark: key.node.mark, value: built.node))
    }

    /// The mappings a `<<` value merges in: one mapping, or a list of mappings (earlier win).
    private func mergeSources(_ value: Node) throws -> [[Node.Entry]] {
        switch value.value {
        case .mapping(let entries):
            return [entries]
        case .sequence(let items):
            return try items.map { item in
                guard case .mapping(let entries) = item.value else {
                    throw source.diagnostic(
                        "merge key \"<<\" needs mappings, but the list holds a \(item.typeName)", at: item.mark)
                }
                return entries
            }
        default:
            throw source.diagnostic(
                "merge key \"<<\" needs a mapping or a list of mappings, not a \(value.typeName)", at: value.mark)
        }
    }

    /// The value of a completed collection; merged keys never override keys written explicitly.
    private func finish(_ frame: Frame) -> Node.Value {
        guard frame.isMapping else { return .sequence(frame.items) }
        guard !frame.merges.isEmpty else { return .mapping(frame.entries) }
        var entries: [Node.Entry] = []
        entries.reserveCapacity(frame.entries.count)
        var seen = Set(frame.entries.map(\.key))
        func merge(_ sources: [[Node.Entry]]) {
            for mapping in sources {
                for entry in mapping where seen.insert(entry.key).inserted { entries.append(entry) }
            }
        }
        var merges = frame.merges[...]
        for (index, entry) in frame.entries.enumerated() {
            while let next = merges.first, next.position == index {
                merge(next.sources)
                merges.removeFirst()
            }
            entries.append(entry)
        }
        for remaining in merges { merge(remaining.sources) }
        return .mapping(entries)
    }
}
