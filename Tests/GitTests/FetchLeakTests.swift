import Executors
import Foundation
import ReconcileTestSupport
import Testing

/// Debian's libgit2 1.5.1 leaks pcre2 match data every time a remote is looked up (its
/// `url.*.insteadOf` scan), so a controller that reopened the cache clone on every pass grew by
/// that much a pass. The controller now keeps one repository and its `origin` open. Checked with
/// valgrind's leak checker on `reconcile-bench fetch-loop` (the same fetch path): the bytes
/// definitely lost must not grow with the number of fetches, while reopening still does (so the
/// check can tell). valgrind cannot read Swift's DWARF 5, so it runs a copy without debug info.
@Suite(.onTestThreads, .serialized) struct FetchLeakTests {
    static let valgrind = BuiltProducts.tool(named: "valgrind")
    static let objcopy = BuiltProducts.tool(named: "objcopy")
    static let bench = BuiltProducts.executable(named: "reconcile-bench")
    /// Under AddressSanitizer or ThreadSanitizer the binary cannot run under valgrind.
    static let sanitized = ProcessInfo.processInfo.environment.keys.contains { $0 == "ASAN_OPTIONS" || $0 == "TSAN_OPTIONS" }
    static var skipReason: String? {
        if valgrind == nil { return "valgrind is not installed (apt-get install valgrind)" }
        if objcopy == nil { return "objcopy is not installed (apt-get install binutils)" }
        if bench == nil { return "reconcile-bench is not built next to the tests" }
        if sanitized { return "the build is sanitized; valgrind runs on the plain build only" }
        return nil
    }

    /// valgrind's "definitely lost" bytes for `count` fetches.
    func definitelyLost(fetches count: Int, reopen: Bool, binary: String, url: String, scratch: String) throws -> Int {
        let cache = scratch + "/cache-\(count)-\(reopen)"
        var arguments = ["--leak-check=full", binary, "fetch-loop", url, cache, "\(count)"]
        if reopen { arguments.append("--reopen") }
        let output = try Self.run(Self.valgrind!, arguments)
        #expect(output.contains("fetched \(count) times"), "\(output.suffix(2_000))")
        guard let line = output.split(separator: "\n").first(where: { $0.contains("definitely lost:") }) else { return 0 }
        let number = line.split(separator: ":").last?.split(separator: " ").first ?? "0"
        return Int(number.replacingOccurrences(of: ",", with: "")) ?? -1
    }

    @Test(.enabled(if: skipReason == nil, "\(skipReason ?? "")"))
    func fetchingAgainThroughOneOpenRepositoryLeaksNothingMore() async throws {
        // Four valgrind runs (tens of seconds): off the cooperative pool the rest of the suite needs.
        try await BlockingExecutor.shared.run { try Self().measureLeaks() }
    }

    func measureLeaks() throws {
        let scratch = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(scratch) }
        let remote = scratch + "/remote"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        _ = try TestGit.initRepo(at: remote, files: ["mesh/vs.yaml": "kind: VirtualService\n"])
        let binary = scratch + "/reconcile-bench"
        _ = try Self.run(Self.objcopy!, ["--strip-debug", Self.bench!, binary])
        let url = "file://" + remote

        let few = try definitelyLost(fetches: 3, reopen: false, binary: binary, url: url, scratch: scratch)
        let many = try definitelyLost(fetches: 15, reopen: false, binary: binary, url: url, scratch: scratch)
        #expect(few >= 0 && many >= 0)
        #expect(many <= few + 512, "definitely lost after 3 fetches: \(few) B, after 15: \(many) B")

        let reopenFew = try definitelyLost(fetches: 3, reopen: true, binary: binary, url: url, scratch: scratch)
        let reopenMany = try definitelyLost(fetches: 15, reopen: true, binary: binary, url: url, scratch: scratch)
        #expect(reopenMany > reopenFew + 10 * 1_000, "the leak this guards against shows when reopening: \(reopenFew) B → \(reopenMany) B")
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
