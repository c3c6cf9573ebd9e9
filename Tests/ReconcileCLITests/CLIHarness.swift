import Foundation
import ReconcileCLI
import ReconcileTestSupport
import Testing

/// What one in-process run of the command line produced.
struct CLIResult: CustomStringConvertible {
    var code: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(code)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Runs `reconcile <arguments>` in-process with its output captured (no subprocess, no terminal:
/// colour is off because the captured console is not a TTY). The suites that call it run
/// `.onTestThreads`: a debug-build run is seconds of synchronous CPU work.
func reconcile(_ arguments: [String]) async -> CLIResult {
    let output = CapturedOutput()
    let code = await Console.$current.withValue(output.console) {
        await ReconcileCommand.run(arguments: arguments)
    }
    return CLIResult(code: code, stdout: output.stdout, stderr: output.stderr)
}

/// Paths of the checked-out repository, found from this file's location.
enum RepoPaths {
    /// `/…/main` (this file is `Tests/ReconcileCLITests/CLIHarness.swift`).
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func example(_ name: String) -> String { root + "/examples/" + name }
    static func exampleSnapshot(_ name: String) -> String { example(name) + "/live-snapshot.yaml" }

    /// The `reconcile` executable SwiftPM built next to the test bundle, when it exists.
    static var executable: String? {
        let bundleDirectory = Bundle.module.bundleURL.deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("reconcile").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

/// The bad-input corpus shipped as the test target's `BadInput` resource.
enum Corpus {
    static let directory: String = {
        guard let url = Bundle.module.url(forResource: "BadInput", withExtension: nil) else {
            fatalError("the BadInput resource is missing from the test bundle")
        }
        return url.path
    }()

    /// The operator flags each case needs (`_arguments.txt`: `<case> <flags...>` per line).
    static let arguments = BadInputCorpus.arguments(in: directory)

    /// Case directories (names starting with `_` hold shared files such as live snapshots).
    static var caseNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix("_") && !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    static func shared(_ name: String) -> String { directory + "/_live/" + name }
    static var validSnapshot: String { shared("snapshot.yaml") }
}

/// A fresh copy of a config repository in a temporary directory outside any git work tree.
/// (The test bundle lives under the git-ignored build directory, and a local `--repo` inside a
/// work tree is read through git, which skips ignored paths.)
final class ScratchCopy {
    let root: String
    let path: String

    init(of source: String, name: String? = nil) throws {
        root = try TestGit.temporaryDirectory()
        path = root + "/" + (name ?? URL(fileURLWithPath: source).lastPathComponent)
        try TestGit.copyDirectory(source, to: path)
    }

    deinit { TestGit.cleanup(root) }
}

/// Checks the compiler-style diagnostic for `location` (`file:line:col`) in `stderr`: the
/// `error: <location>: ` line, then ` <line> | <source line>`, then the caret under the column.
func expectSourceLineAndCaret(in stderr: String, location: String, sourceFile: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    let parts = location.split(separator: ":")
    guard parts.count >= 3, let line = Int(parts[parts.count - 2]), let column = Int(parts[parts.count - 1]) else {
        Issue.record("location \(location) has no line and column", sourceLocation: sourceLocation)
        return
    }
    let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let index = lines.firstIndex(where: { $0.hasPrefix("error: \(location): ") }) else {
        Issue.record("no \"error: \(location): \" line in:\n\(stderr)", sourceLocation: sourceLocation)
        return
    }
    let bytes = FileManager.default.contents(atPath: sourceFile).map { [UInt8]($0) } ?? []
    let fileLines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    let expectedSource = line <= fileLines.count ? String(fileLines[line - 1]).replacingOccurrences(of: "\t", with: " ") : ""
    guard index + 2 < lines.count else {
        Issue.record("diagnostic for \(location) has no source line and caret:\n\(stderr)", sourceLocation: sourceLocation)
        return
    }
    let gutter = " \(line) | "
    #expect(lines[index + 1] == gutter + expectedSource, "source line under \(location)", sourceLocation: sourceLocation)
    let caretLine = lines[index + 2]
    let pad = " " + String(repeating: " ", count: String(line).count) + " | "
    #expect(caretLine == pad + String(repeating: " ", count: column - 1) + "^", "caret under column \(column) of \(location):\n\(stderr)",
            sourceLocation: sourceLocation)
}
