import Foundation

/// A value behind a lock: the little mutable state shared across threads (the controller's
/// leadership and readiness, the Kubernetes client's caches read from libcurl callbacks, byte
/// counts of a parallel walk) where an actor hop would be too heavy or impossible (callbacks
/// run synchronously on a C library's thread). The one lock box of the package.
///
/// An `NSLock`, not `Synchronization.Mutex`: ThreadSanitizer cannot see inside this toolchain's
/// `Mutex` and reported the state it guards as racing (see docs/sanitizers.md).
/// `@unchecked Sendable`: `value` is touched only with `lock` held.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    @discardableResult
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    public var current: Value { withLock { $0 } }
}
