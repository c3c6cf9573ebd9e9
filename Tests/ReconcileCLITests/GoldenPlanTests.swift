import Foundation
import ReconcileTestSupport
import Testing

/// Golden files for the plan of every runnable example, in each output format: the exact output of
///
///     reconcile plan --repo examples/<x> --live-snapshot examples/<x>/live-snapshot.yaml --format F
///
/// is compared with `Tests/ReconcileCLITests/Golden/<x>.<md|txt|json>`. (Planned from the working
/// tree, so the header says "working tree" where a commit id would be.) They are the guard that a
/// refactor leaves the CLI's output byte-identical.
///
/// After an intended change to the markdown renderer or to an example, regenerate the files and
/// review the diff:
///
///     RECONCILE_UPDATE_GOLDEN=1 swift test --filter GoldenPlanTests
///
/// In update mode the tests write the files and still pass; `git diff Tests/ReconcileCLITests/Golden`
/// shows what changed.
@Suite("Golden plans of the examples", .onTestThreads, .timeLimit(.minutes(3)))
struct GoldenPlanTests {
    static let goldenDirectory = RepoPaths.root + "/Tests/ReconcileCLITests/Golden"
    static var updating: Bool { ProcessInfo.processInfo.environment["RECONCILE_UPDATE_GOLDEN"] == "1" }

    /// Every example with a live snapshot.
    static let examples: [String] = {
        let root = RepoPaths.root + "/examples"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: root + "/" + $0 + "/live-snapshot.yaml") }.sorted()
    }()

    @Test("the examples are found")
    func examplesAreFound() {
        #expect(Self.examples.count >= 5, "\(Self.examples)")
        #expect(Self.examples.contains("aks-pets"))
    }


    @Test("markdown plan matches its golden file", arguments: GoldenPlanTests.examples)
    func markdownMatchesGolden(example: String) async throws {
        try await checkGolden(example: example, format: "markdown", fileExtension: "md") { output in
            #expect(output.hasPrefix("<!-- reconcile-plan instance="))
        }
    }

    @Test("text plan matches its golden file", arguments: GoldenPlanTests.examples)
    func textMatchesGolden(example: String) async throws {
        try await checkGolden(example: example, format: "text", fileExtension: "txt") { output in
            #expect(output.contains("Plan: "))
        }
    }

    @Test("JSON plan matches its golden file", arguments: GoldenPlanTests.examples)
    func jsonMatchesGolden(example: String) async throws {
        try await checkGolden(example: example, format: "json", fileExtension: "json") { output in
            #expect(output.hasPrefix("{"))
        }
    }

    /// Plans `example` in `format` and compares stdout with its golden file (or writes it in update mode).
    func checkGolden(
        example: String, format: String, fileExtension: String, shape: (String) -> Void
    ) async throws {
        let result = await reconcile([
            "plan", "--repo", RepoPaths.example(example), "--live-snapshot", RepoPaths.exampleSnapshot(example), "--format", format,
        ])
        #expect(result.code == 0 || result.code == 1, "\(result)")
        #expect(!result.stdout.isEmpty, "\(result)")
        shape(result.stdout)
        let path = Self.goldenDirectory + "/\(example).\(fileExtension)"
        if Self.updating {
            try FileManager.default.createDirectory(atPath: Self.goldenDirectory, withIntermediateDirectories: true)
            try Data(result.stdout.utf8).write(to: URL(fileURLWithPath: path))
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            Issue.record("no golden file \(path): run RECONCILE_UPDATE_GOLDEN=1 swift test --filter GoldenPlanTests")
            return
        }
        let golden = String(decoding: data, as: UTF8.self)
        if result.stdout != golden {
            Issue.record("the \(format) plan of \(example) differs from \(path) (regenerate with RECONCILE_UPDATE_GOLDEN=1 if intended):\n\(Self.firstDifference(golden, result.stdout))")
        }
    }

    @Test("no golden file is left over from a removed example")
    func noStaleGoldenFiles() throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Self.goldenDirectory)) ?? []
        let stale = files.filter { file in
            let stem = file.split(separator: ".").first.map(String.init) ?? file
            return !Self.examples.contains(stem)
        }
        #expect(stale.isEmpty, "golden files without an example: \(stale)")
    }

    /// The first differing line, with its number, for a readable failure.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(a.count, b.count) {
            let left = index < a.count ? String(a[index]) : "<end of file>"
            let right = index < b.count ? String(b[index]) : "<end of output>"
            if left != right { return "line \(index + 1):\n  golden: \(left)\n  actual: \(right)" }
        }
        return "(same lines, different line endings)"
    }
}
