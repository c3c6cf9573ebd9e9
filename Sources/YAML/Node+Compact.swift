extension Node {
    /// Gives every mapping's and sequence's storage exactly its size, all the way down. Trees
    /// are built by appending (the composer, the renderer's stamps), and an array grows by
    /// doubling: a quarter to a third of a rendered desired state's entry storage was spare room,
    /// kept for as long as the state is (issue 18; the controller keeps one between passes).
    /// Only arrays with spare room are copied. Values, marks and order are unchanged.
    public mutating func compact() {
        switch value {
        case .mapping(var entries):
            value = .null  // drop this node's reference so the entries are changed in place
            for index in entries.indices { entries[index].value.compact() }
            if entries.capacity > entries.count { entries = entries.withUnsafeBufferPointer { Array($0) } }
            value = .mapping(entries)
        case .sequence(var items):
            value = .null
            for index in items.indices { items[index].compact() }
            if items.capacity > items.count { items = items.withUnsafeBufferPointer { Array($0) } }
            value = .sequence(items)
        default:
            return
        }
    }
}
