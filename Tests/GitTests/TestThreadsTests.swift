import Foundation
import ReconcileTestSupport
import Testing

/// `.onTestThreads` (ReconcileTestSupport), which the blocking suites of every test target rely on
/// to keep the cooperative pool free for the controller tests.
@Suite(.onTestThreads)
struct TestThreadsTests {
    static func threadName() -> String? { TestThreads.isCurrentThread ? TestThreads.threadName : Thread.current.name }

    @Test func testsOfAMarkedSuiteRunOnTheTestThreads() async {
        #expect(Self.threadName() == TestThreads.threadName)
        await Task.yield()
        #expect(Self.threadName() == TestThreads.threadName, "after a suspension too")
        async let child = Self.threadName()
        #expect(await child == TestThreads.threadName, "and child tasks")
    }

    @Test func synchronousTestsToo() {
        #expect(Self.threadName() == TestThreads.threadName)
    }
}

struct UnmarkedSuiteTests {
    @Test func testsOfAnUnmarkedSuiteRunOnThePool() {
        #expect(TestThreadsTests.threadName() != TestThreads.threadName)
    }
}

struct TestThreadsRunTests {
    @Test func runMovesTheBodyOver() async throws {
        let name = try await TestThreads.run { TestThreadsTests.threadName() }
        #expect(name == TestThreads.threadName)
    }
}
