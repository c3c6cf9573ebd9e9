import Testing
import YAML

/// The desired state's trees are kept for a whole plan, and between the controller's passes
/// (issue 18): marks are stored in one word, and `compact()` drops arrays' spare room. Neither
/// may change what a tree says.
struct NodeStorageTests {
    @Test func marksRoundTripThroughTheirOneWordForm() {
        for mark in [Mark(line: 1, column: 1), Mark(line: 0, column: 0), Mark(line: 70_000, column: 12),
                     Mark(line: Int(UInt32.max), column: Int(UInt32.max) - 1), Mark(line: -5, column: Int.max)] {
            var node = Node(.string("x"), mark: mark)
            #expect(node.mark == mark)
            node.mark = nil
            #expect(node.mark == nil)
            var entry = Node.Entry(key: "k", keyMark: mark, value: node)
            #expect(entry.keyMark == mark && entry.value.mark == nil)
            entry.keyMark = nil
            #expect(entry.keyMark == nil)
        }
        #expect(Node(.null).mark == nil)
    }

    @Test func compactKeepsValuesMarksAndOrder() throws {
        let text = "b: 1\na:\n  - {x: [1, 2, 3], y: null}\n  - plain\nc: {}\nd: []\n"
        let parsed = try YAMLParser.parse(text, file: "t.yaml")[0].root
        var grown = parsed
        var appended = Node(.mapping([]))
        for index in 0..<20 { appended["k\(index)"] = .string("v\(index)") }
        grown["a2"] = appended
        var compacted = grown
        compacted.compact()
        #expect(compacted == grown)
        #expect(compacted.entries?.map(\.key) == ["b", "a", "c", "d", "a2"])
        #expect(compacted["a"]?.sequence?[0]["x"]?.mark == grown["a"]?.sequence?[0]["x"]?.mark)
        #expect(compacted.mark(ofKey: "c") == Mark(line: 5, column: 1))
        #expect(compacted["a2"]?.entries?.map(\.key) == (0..<20).map { "k\($0)" })
        // Every array is exactly its size (up to what the allocator rounds to).
        func spare(_ node: Node) -> Int {
            switch node.value {
            case .mapping(let entries): return entries.reduce(entries.capacity - entries.count) { $0 + spare($1.value) }
            case .sequence(let items): return items.reduce(items.capacity - items.count) { $0 + spare($1) }
            default: return 0
            }
        }
        #expect(spare(grown) > 0, "appending left spare room to drop")
        #expect(spare(compacted) < spare(grown))
        #expect(compacted["a2"]?.entries.map { $0.capacity - $0.count }.map { $0 <= 1 } == true)
    }
}
