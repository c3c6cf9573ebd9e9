import Foundation
import ReconcileTestSupport
import Testing

/// `validate`, `version` and `--help`.
@Suite("validate, version and help", .onTestThreads, .timeLimit(.minutes(3)))
struct CommandTests {
    @Test("validate accepts every example and counts its objects",
          arguments: [
              ("aks-pets", "3 objects in 1 bundle, 1 namespace with injection settings"),
              ("bookinfo", "11 objects in 1 bundle, 1 namespace with injection settings"),
              ("client-strict", "1 object in 1 bundle, 1 namespace with injection settings"),
              ("dgraph", "3 objects in 2 bundles, 1 namespace with injection settings"),
              ("revision-upgrade", "2 objects in 1 bundle, 2 namespaces with injection settings"),
          ])
    func validateExample(example: String, counts: String) async {
        let path = RepoPaths.example(example)
        let result = await reconcile(["validate", "--repo", path])
        #expect(result.code == 0, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        // Warnings (shipped guardrail policies) may come first; the last line is the verdict.
        #expect(result.stdout.hasSuffix("\(path) (working tree): \(counts): valid.\n"), "\(result)")
        #expect(!result.stdout.contains("error "), "no error findings on the examples:\n\(result)")
    }

    @Test("every example directory is covered by the validate table")
    func examplesAreCovered() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: RepoPaths.root + "/examples").filter { name in
            FileManager.default.fileExists(atPath: RepoPaths.example(name) + "/reconcile.yaml")
        }
        #expect(Set(names) == ["aks-pets", "bookinfo", "client-strict", "dgraph", "revision-upgrade"])
    }

    @Test("version prints the C libraries' versions")
    func version() async throws {
        let result = await reconcile(["version"])
        #expect(result.code == 0, "\(result)")
        #expect(result.stderr.isEmpty)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("reconcile ") == true, "\(result)")
        for library in ["libgit2", "libyaml", "libcurl"] {
            let line = try #require(lines.first { $0.hasPrefix(library + " ") }, "\(library) missing:\n\(result)")
            let version = line.dropFirst(library.count + 1)
            let parts = version.split(separator: ".")
            #expect(parts.count >= 2 && parts.allSatisfy { Int($0) != nil }, "\(library) version \"\(version)\" is not dotted numbers")
        }
        let flag = await reconcile(["--version"])
        #expect(flag.code == 0, "\(flag)")
        #expect(flag.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == lines.first?.replacingOccurrences(of: "reconcile ", with: ""))
    }

    @Test("--help exits 0 and lists the commands", arguments: [["--help"], ["-h"], ["help"], ["plan", "--help"], ["validate", "--help"], ["help", "plan"]])
    func help(arguments: [String]) async {
        let result = await reconcile(arguments)
        #expect(result.code == 0, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        #expect(result.stdout.contains("USAGE:"), "\(result)")
        if arguments.contains("plan") {
            for flag in ["--base", "--live-snapshot", "--detailed-exitcode", "--format", "--selector", "--environment", "--max-prune"] {
                #expect(result.stdout.contains(flag), "\(flag) missing from plan help")
            }
        } else if !arguments.contains("validate") {
            for command in ["plan", "validate", "version"] {
                #expect(result.stdout.contains(command), "\(command) missing from help")
            }
        }
    }
}
