/// A line-based unified diff (the `diff -u` / `kubectl diff` format) built on the standard
/// library's `CollectionDifference`.
public struct UnifiedDiff: Sendable, Equatable {
    public enum Line: Sendable, Equatable {
        case context(String)
        case added(String)
        case removed(String)
    }

    public struct Hunk: Sendable, Equatable {
        public var oldStart: Int
        public var oldCount: Int
        public var newStart: Int
        public var newCount: Int
        public var lines: [Line]

        public var header: String { "@@ -\(oldStart),\(oldCount) +\(newStart),\(newCount) @@" }
    }

    public var hunks: [Hunk]
    public var added: Int { hunks.reduce(0) { $0 + $1.lines.filter { if case .added = $0 { true } else { false } }.count } }
    public var removed: Int { hunks.reduce(0) { $0 + $1.lines.filter { if case .removed = $0 { true } else { false } }.count } }
    public var isEmpty: Bool { hunks.isEmpty }

    /// Diffs two texts line by line, keeping `context` unchanged lines around each change.
    public init(old: String, new: String, context: Int = 3) {
        let a = UnifiedDiff.lines(old)
        let b = UnifiedDiff.lines(new)
        // A create or a delete has one diff, every line added or removed: no edit-graph search
        // (it was a quarter of `apply`'s CPU for 2,000 new objects, docs/benchmarks.md "Apply").
        if a.isEmpty || b.isEmpty {
            let lines = a.isEmpty ? b.map(Line.added) : a.map(Line.removed)
            self.hunks = lines.isEmpty ? [] : [Hunk(oldStart: a.isEmpty ? 0 : 1, oldCount: a.count,
                                                    newStart: b.isEmpty ? 0 : 1, newCount: b.count, lines: lines)]
            return
        }
        let difference = b.difference(from: a)
        var removedOffsets = Set<Int>()
        var insertedOffsets = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removedOffsets.insert(offset)
            case .insert(let offset, _, _): insertedOffsets.insert(offset)
            }
        }
        // Walk both sides in step, producing a full edit script.
        var script: [(Line, Int, Int)] = []  // line, old index, new index
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, removedOffsets.contains(i) {
                script.append((.removed(a[i]), i, j)); i += 1
            } else if j < b.count, insertedOffsets.contains(j) {
                script.append((.added(b[j]), i, j)); j += 1
            } else {
                script.append((.context(a[i]), i, j)); i += 1; j += 1
            }
        }
        // Group changes whose gap is at most 2×context lines into one hunk.
        let changeIndices = script.indices.filter { if case .context = script[$0].0 { false } else { true } }
        var groups: [(Int, Int)] = []
        for index in changeIndices {
            if let last = groups.last, index - last.1 <= 2 * context + 1 {
                groups[groups.count - 1].1 = index
            } else {
                groups.append((index, index))
            }
        }
        var hunks: [Hunk] = []
        for (first, last) in groups {
            let slice = script[max(0, first - context)..<min(script.count, last + context + 1)]
            let lines = slice.map(\.0)
            let oldCount = lines.filter { if case .added = $0 { false } else { true } }.count
            let newCount = lines.filter { if case .removed = $0 { false } else { true } }.count
            let head = slice.first!
            hunks.append(Hunk(oldStart: oldCount == 0 ? head.1 : head.1 + 1, oldCount: oldCount,
                              newStart: newCount == 0 ? head.2 : head.2 + 1, newCount: newCount, lines: lines))
        }
        self.hunks = hunks
    }

    /// The diff as text, with `--- old` / `+++ new` headers.
    public func render(oldName: String, newName: String) -> String {
        guard !hunks.isEmpty else { return "" }
        var out = "--- \(oldName)\n+++ \(newName)\n"
        for hunk in hunks {
            out += hunk.header + "\n"
            for line in hunk.lines {
                switch line {
                case .context(let s): out += " \(s)\n"
                case .added(let s): out += "+\(s)\n"
                case .removed(let s): out += "-\(s)\n"
                }
            }
        }
        return out
    }

    static func lines(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
