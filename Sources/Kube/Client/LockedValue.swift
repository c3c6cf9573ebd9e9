import Foundation

/// A value behind a lock, for the little mutable state shared across threads (counters, caches
/// read from libcurl callbacks) where an actor hop would be too heavy or impossible (callbacks
/// run synchronously on a libcurl thread).
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}
