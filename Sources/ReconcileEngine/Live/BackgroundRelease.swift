/// Drops the last reference to a large value (a desired or live state of thousands of object
/// trees) on a background task: freeing 10,000 trees takes about a tenth of a second, which a
/// plan should not wait for, and a command that exits first need not pay at all.
public func releaseInBackground<Value: Sendable>(_ value: consuming Value) {
    Task.detached(priority: .background) { [value] in withExtendedLifetime(value) {} }
}
