import Foundation
import ReconcileTestSupport
import Testing

/// A command line that must be refused before anything is planned: bad flags, a bad snapshot,
/// a ref or remote that does not exist.
struct FlagErrorCase: Sendable, CustomTestStringConvertible {
    var label: String
    /// Arguments after `reconcile`; `{repo}` is a valid config repository, `{live}` a valid
    /// snapshot and `{shared}` the corpus's `_live` directory.
    var arguments: [String]
    var message: String
    var also: [String] = []

    var testDescription: String { label }
}

let flagErrorCases: [FlagErrorCase] = [
    FlagErrorCase(label: "--base with --live-snapshot", arguments: ["plan", "--repo", "{repo}", "--base", "HEAD", "--live-snapshot", "{live}"],
                  message: "--base and --live-snapshot cannot be used together", also: ["Usage: reconcile plan"]),
    FlagErrorCase(label: "--max-prune that is no number", arguments: ["plan", "--repo", "{repo}", "--live-snapshot", "{live}", "--max-prune", "lots"],
                  message: "--max-prune must be a percentage such as 25% or a count such as 10, got lots"),
    FlagErrorCase(label: "--max-prune above 100%", arguments: ["plan", "--repo", "{repo}", "--live-snapshot", "{live}", "--max-prune", "150%"],
                  message: "--max-prune must be a percentage such as 25% or a count such as 10, got 150%"),
    FlagErrorCase(label: "--max-prune negative", arguments: ["plan", "--repo", "{repo}", "--live-snapshot", "{live}", "--max-prune=-3"],
                  message: "--max-prune must be a percentage such as 25% or a count such as 10, got -3"),
    FlagErrorCase(label: "-l with a space in the key", arguments: ["plan", "--repo", "{repo}", "--live-snapshot", "{live}", "-l", "a b=c"],
                  message: "invalid label selector \"a b=c\": \"a b\" is not a label key"),
    FlagErrorCase(label: "-l with an empty key", arguments: ["validate", "--repo", "{repo}", "-l", "=mesh"],
                  message: "invalid label selector \"=mesh\": \"\" is not a label key"),
    FlagErrorCase(label: "-l with an unclosed set", arguments: ["plan", "--repo", "{repo}", "--live-snapshot", "{live}", "--selector", "tier in (mesh"],
                  message: "invalid label selector \"tier in (mesh\""),
    FlagErrorCase(label: "--format that does not exist", arguments: ["plan", "--repo", "{repo}", "--live-snapshot", "{live}", "--format", "xml"],
                  message: "The value 'xml' is invalid for '--format <format>'"),
    FlagErrorCase(label: "missing snapshot file", arguments: ["plan", "--repo", "{repo}", "--live-snapshot", "{shared}/does-not-exist.yaml"],
                  message: "cannot read {shared}/does-not-exist.yaml: no such file or not readable"),
    FlagErrorCase(label: "malformed snapshot YAML", arguments: ["plan", "--repo", "{repo}", "--live-snapshot", "{shared}/malformed-snapshot.yaml"],
                  message: "{shared}/malformed-snapshot.yaml:9:15: did not find expected ',' or '}' while parsing a flow mapping",
                  also: ["that started at line 8", " 9 |   - apiVersion: v1\n   |               ^"]),
    FlagErrorCase(label: "snapshot whose items are not objects", arguments: ["plan", "--repo", "{repo}", "--live-snapshot", "{shared}/not-objects-snapshot.yaml"],
                  message: "{shared}/not-objects-snapshot.yaml:4:5: expected a Kubernetes object or List, got a string"),
    FlagErrorCase(label: "--repo that does not exist", arguments: ["validate", "--repo", "{shared}/no-such-repo"],
                  message: "config repository {shared}/no-such-repo does not exist or is not a directory"),
    FlagErrorCase(label: "--ref on a directory that is not a git repository", arguments: ["validate", "--repo", "{repo}", "--ref", "main"],
                  message: "is not a git repository, so --ref/--base main cannot be resolved"),
    FlagErrorCase(label: "live plan with a kubeconfig that does not exist",
                  arguments: ["plan", "--repo", "{repo}", "--kubeconfig", "{shared}/no-such-kubeconfig"],
                  message: "kubeconfig {shared}/no-such-kubeconfig: cannot read"),
    FlagErrorCase(label: "unknown subcommand", arguments: ["frobnicate"], message: "Unexpected argument 'frobnicate'"),
    FlagErrorCase(label: "unknown flag", arguments: ["validate", "--repo", "{repo}", "--no-such-flag"], message: "Unknown option '--no-such-flag'"),
]

@Suite("Flag, snapshot and source errors", .onTestThreads, .timeLimit(.minutes(3)))
struct FlagErrorTests {
    @Test(arguments: flagErrorCases)
    func refused(_ testCase: FlagErrorCase) async throws {
        let repo = try ScratchCopy(of: Corpus.directory + "/ok-empty-bundle-path", name: "valid")
        let shared = Corpus.directory + "/_live"
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "{repo}", with: repo.path).replacingOccurrences(of: "{live}", with: Corpus.validSnapshot)
                .replacingOccurrences(of: "{shared}", with: shared)
        }
        let result = await reconcile(testCase.arguments.map(fill))
        #expect(result.code == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix("error: "), "\(result)")
        #expect(result.stderr.contains(fill(testCase.message)), "\(result)")
        for text in testCase.also {
            #expect(result.stderr.contains(fill(text)), "missing \"\(text)\":\n\(result)")
        }
    }

    @Test("a ref that does not exist in a git repository is named in the error")
    func unknownRef() async throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let work = root + "/config"
        try TestGit.initRepo(at: work, files: [
            "reconcile.yaml": "bundles:\n  - name: mesh\n    path: mesh\n    namespace: demo\n",
            "mesh/vs.yaml": "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: reviews\nspec:\n  hosts: [reviews]\n",
        ])
        for arguments in [["validate", "--ref", "nope"], ["plan", "--ref", "nope", "--live-snapshot", Corpus.validSnapshot],
                          ["plan", "--base", "nope"], ["plan", "--base", "main", "--ref", "nope"]] {
            let result = await reconcile(arguments + ["--repo", work])
            #expect(result.code == 1, "\(arguments): \(result)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result)")
            #expect(result.stderr.hasPrefix("error: "), "\(arguments): \(result)")
            #expect(result.stderr.contains("\"nope\""), "\(arguments): \(result)")
            #expect(result.stderr.contains("not found"), "\(arguments): \(result)")
        }
        // The same repository at an existing ref is fine.
        let ok = await reconcile(["validate", "--repo", work, "--ref", "main"])
        #expect(ok.code == 0, "\(ok)")
        #expect(ok.stdout.contains("1 object in 1 bundle"), "\(ok)")
    }

    @Test("an unreachable remote fails fast with a clear error")
    func unreachableRemote() async throws {
        let cache = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(cache) }
        let clock = ContinuousClock()
        var result: CLIResult?
        let elapsed = await clock.measure {
            result = await reconcile(["plan", "--repo", "git://127.0.0.1:1/x.git", "--cache-dir", cache, "--live-snapshot", Corpus.validSnapshot])
        }
        let outcome = try #require(result)
        #expect(outcome.code == 1, "\(outcome)")
        #expect(outcome.stdout.isEmpty, "\(outcome)")
        #expect(outcome.stderr.hasPrefix("error: "), "\(outcome)")
        #expect(outcome.stderr.contains("git://127.0.0.1:1/x.git"), "the error names the remote: \(outcome)")
        #expect(outcome.stderr.contains("127.0.0.1"), "\(outcome)")
        #expect(elapsed < .seconds(20), "took \(elapsed)")
    }
}
