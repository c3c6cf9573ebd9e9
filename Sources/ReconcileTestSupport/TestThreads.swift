import Foundation
import Testing

/// Threads of their own, as a task executor, for the tests that do long synchronous work: run git,
/// gpg or python and wait, parse big files, run the command line in-process (argument parsing
/// with ArgumentParser's debug-build checks alone is a third of a second of CPU per run).
///
/// swift-testing runs every test on Swift's cooperative pool, two threads on the CI machine. Tests
/// that block there queue ahead of everything else, and a controller test's lease renewal or HTTP
/// answer waited behind them past its deadline (CI of stop 26). Suites marked `.onTestThreads`
/// run here instead: they queue behind each other, not in front of the pool's work, and the
/// operating system shares the cores between these threads and the pool's. The number of
/// threads is bounded (twice the cores) so that a hundred such tests do not all run at once.
///
/// `@unchecked Sendable`: `jobs` is touched only with `condition` locked.
public final class TestThreads: TaskExecutor, @unchecked Sendable {
    public static let shared = TestThreads(count: 2 * ProcessInfo.processInfo.activeProcessorCount)

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(count: Int) {
        for _ in 0..<max(1, count) {
            let thread = Thread { [self] in work() }
            thread.name = "reconcile.test-threads"
            thread.stackSize = 8 << 20  // as much as the main thread has: deep manifests recurse
            thread.start()
        }
    }

    /// Runs `body` (and the child tasks it starts) on these threads.
    public static func run<T, Failure: Error>(_ body: () async throws(Failure) -> T) async throws(Failure) -> T {
        try await withTaskExecutorPreference(shared) { () async throws(Failure) -> T in try await body() }
    }

    public func enqueue(_ job: UnownedJob) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// `@Suite(.onTestThreads)` / `@Test(.onTestThreads)`: each test runs on `TestThreads`.
public struct OnTestThreadsTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await TestThreads.run { try await function() }
    }
}

extension Trait where Self == OnTestThreadsTrait {
    /// Runs each test on `TestThreads`, off the cooperative pool.
    public static var onTestThreads: Self { Self() }
}
