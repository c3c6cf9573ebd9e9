import Executors
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

    /// The threads' name as the system keeps it (Linux truncates thread names to 15 bytes).
    public static let threadName = "reconcile.tests"
    private static let marker = "reconcile.TestThreads"

    /// Whether the calling code runs on one of these threads.
    public static var isCurrentThread: Bool { Thread.current.threadDictionary[marker] != nil }

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(count: Int) {
        for _ in 0..<max(1, count) {
            let thread = Thread { [self] in work() }
            thread.name = Self.threadName
            thread.stackSize = 8 << 20  // as much as the main thread has: deep manifests recurse
            thread.start()
        }
    }

    /// Runs `body` (and the child tasks it starts) on these threads, as a child task (it inherits
    /// the caller's task-local values, the current test among them, and its cancellation). A child
    /// task, not `withTaskExecutorPreference`: under that, the work up to the first suspension
    /// (all of a synchronous test) stays on the caller's thread.
    public static func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        // The closure does not escape: the group returns only after its one child has.
        try await withoutActuallyEscaping(body) { body in
            try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask(executorPreference: shared) { try await body() }
                return try await group.next()!
            }
        }
    }

    public func enqueue(_ job: UnownedJob) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        Thread.current.threadDictionary[Self.marker] = true
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// `@Suite(.onTestThreads)`: each test of the suite runs on `TestThreads`, and only a few such
/// suites run at a time.
///
/// The admission is per suite and outside the tests' time limits (swift-testing starts a test's
/// limit before its scope, but a suite's scope before its tests): were every marked test of the
/// parallel run let in at once, each would wait its turn on these threads with its limit running,
/// and the tests at the back of the queue would time out without being slow.
public struct OnTestThreadsTrait: TestTrait, SuiteTrait, TestScoping {
    /// Suites that may run their tests at once.
    static let admission = AsyncSemaphore(limit: 2 * ProcessInfo.processInfo.activeProcessorCount)
    /// Set inside an admitted suite: a nested suite is admitted with it.
    @TaskLocal static var admitted = false

    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase != nil || test.isSuite ? self : nil
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        if testCase != nil {
            try await TestThreads.run { try await function() }
        } else if Self.admitted {
            try await function()
        } else {
            try await Self.admission.withPermit { try await Self.$admitted.withValue(true) { try await function() } }
        }
    }
}

extension Trait where Self == OnTestThreadsTrait {
    /// Runs the suite's tests on `TestThreads`, off the cooperative pool.
    public static var onTestThreads: Self { Self() }
}
