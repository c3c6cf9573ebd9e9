import Foundation
import HTTP

/// The benchmark floors' bare clients: `concurrency` threads, each with its own libcurl client,
/// take item indices in order until every item is done or one fails (then no new item starts).
/// Threads, not tasks: the floor measures blocking libcurl calls and nothing else.
enum ThreadPool {
    /// `lock` guards `next` and `failure`.
    private final class Cursor: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var failure: (any Error)?
    }

    /// Runs `body(client, index)` for every index in `0..<count`; rethrows the first failure.
    static func run(count: Int, concurrency: Int, configuration: HTTPClient.Configuration,
                    _ body: @escaping @Sendable (HTTPClient, Int) throws -> Void) throws {
        let cursor = Cursor()
        let group = DispatchGroup()
        for _ in 0..<max(1, min(concurrency, count)) {
            group.enter()
            Thread.detachNewThread { [configuration] in
                defer { group.leave() }
                let client = HTTPClient(configuration: configuration)
                while true {
                    let index: Int? = cursor.lock.withLock {
                        guard cursor.next < count, cursor.failure == nil else { return nil }
                        cursor.next += 1
                        return cursor.next - 1
                    }
                    guard let index else { return }
                    do { try body(client, index) } catch {
                        cursor.lock.withLock { if cursor.failure == nil { cursor.failure = error } }
                        return
                    }
                }
            }
        }
        group.wait()
        if let failure = cursor.lock.withLock({ cursor.failure }) { throw failure }
    }
}
