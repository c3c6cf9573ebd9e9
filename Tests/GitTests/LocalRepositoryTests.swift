import Foundation
import ReconcileTestSupport
import Testing
@testable import Git

/// Reading refs, commits and files from repositories on disk.
@Suite(.onTestThreads, .timeLimit(.minutes(1)))
struct LocalRepositoryTests {
    /// A repo with two commits on main, a feature branch, a lightweight and an annotated tag.
    struct Fixture {
        let root: String
        let work: String
        let first: String
        let second: String
        let feature: String

        init() throws {
            root = try TestGit.temporaryDirectory()
            work = root + "/work"
            first = try TestGit.initRepo(at: work, files: [
                "deploy/app.yaml": "replicas: 1\n", "README.md": "hello\n", "deploy/notes.txt": "skip me\n",
            ], message: "first commit\n\nwith a body")
            try TestGit.run(["tag", "v1"], in: work)
            second = try TestGit.commit(in: work, files: ["deploy/app.yaml": "replicas: 2\n"], message: "scale up")
            try TestGit.run(["tag", "-a", "v2", "-m", "release two"], in: work)
            try TestGit.run(["checkout", "-q", "-b", "feature"], in: work)
            feature = try TestGit.commit(in: work, files: ["deploy/extra.yaml": "x: 1\n"], message: "feature work")
            try TestGit.run(["checkout", "-q", "main"], in: work)
        }
    }

    @Test func opensFromSubdirectoryAndReportsPaths() throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let repo = try GitRepository.open(path: fixture.work + "/deploy")
        #expect(repo.workingDirectory == fixture.work)
        #expect(repo.path == fixture.work + "/.git")
    }

    @Test func openingANonRepositoryIsTyped() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let error = #expect(throws: GitError.self) { try GitRepository.open(path: root) }
        #expect(error?.kind == .notARepository)
        #expect(error?.description.contains(root) == true)
    }

    @Test func resolvesRefsOfEveryKind() throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let repo = try GitRepository.open(path: fixture.work)
        #expect(try repo.resolveCommit("HEAD").hex == fixture.second)
        #expect(try repo.resolveCommit("main").hex == fixture.second)
        #expect(try repo.resolveCommit("feature").hex == fixture.feature)
        #expect(try repo.resolveCommit("v1").hex == fixture.first)
        #expect(try repo.resolveCommit("v2").hex == fixture.second)  // annotated: peeled to the commit
        #expect(try repo.resolveCommit("refs/tags/v2").hex == fixture.second)
        #expect(try repo.resolveCommit(fixture.first).hex == fixture.first)
        #expect(try repo.resolveCommit(String(fixture.first.prefix(8))).hex == fixture.first)
        #expect(try repo.resolveCommit(fixture.first.uppercased()).hex == fixture.first)
        #expect(try repo.resolveCommit("main~1").hex == fixture.first)
        #expect(try repo.resolveCommit("HEAD").short == String(fixture.second.prefix(12)))
    }

    @Test func missingRefIsReferenceNotFound() throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let repo = try GitRepository.open(path: fixture.work)
        for ref in ["v9", "", "no/such/branch", "deadbeefdeadbeef", "bad..spec"] {
            let error = #expect(throws: GitError.self) { try repo.resolveCommit(ref) }
            #expect(error?.kind == .referenceNotFound, "\(ref)")
        }
        let error = #expect(throws: GitError.self) { try repo.resolveCommit("v9") }
        #expect(error?.description == "ref \"v9\" not found in \(repo.path)")
    }

    @Test func commitInfoCopiesSummaryAuthorAndTime() throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let repo = try GitRepository.open(path: fixture.work)
        let info = try repo.commitInfo(try #require(ObjectID(hex: fixture.first)))
        #expect(info.id.hex == fixture.first)
        #expect(info.summary == "first commit")
        #expect(info.author == "Test User <test@example.com>")
        #expect(info.time == ISO8601DateFormatter().date(from: "2024-05-01T12:00:00Z"))
    }

    @Test func unknownCommitIdFailsWithFunctionName() throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let repo = try GitRepository.open(path: fixture.work)
        let missing = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        let error = #expect(throws: GitError.self) { try repo.commitInfo(missing) }
        #expect(error?.function == "git_commit_lookup")
        #expect(error?.description.contains("abababababab") == true)
    }

    @Test func filesAtTwoCommitsDifferAndAreFiltered() throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        let repo = try GitRepository.open(path: fixture.work)
        let yaml: (String) -> Bool = { $0.hasSuffix(".yaml") }
        let old = try repo.files(at: repo.resolveCommit("v1"), include: yaml)
        let new = try repo.files(at: repo.resolveCommit("feature"), include: yaml)
        #expect(old.map(\.path) == ["deploy/app.yaml"])
        #expect(old.first?.bytes.text == "replicas: 1\n")
        #expect(new.map(\.path) == ["deploy/app.yaml", "deploy/extra.yaml"])
        #expect(new.first?.bytes.text == "replicas: 2\n")
        let all = try repo.files(at: repo.resolveCommit("main"), include: { _ in true })
        #expect(all.map(\.path) == ["README.md", "deploy/app.yaml", "deploy/notes.txt"])
        #expect(try repo.files(at: repo.resolveCommit("main"), include: { _ in false }).isEmpty)
    }

    @Test func workingTreeHasEditsAndUntrackedButNotIgnored() throws {
        let fixture = try Fixture()
        defer { TestGit.cleanup(fixture.root) }
        try TestGit.commit(in: fixture.work, files: [".gitignore": "*.log\nbuild/\n"], message: "ignore")
        try TestGit.write("replicas: 5\n", to: fixture.work + "/deploy/app.yaml")
        try TestGit.write("new: true\n", to: fixture.work + "/deploy/untracked.yaml")
        try TestGit.write("noise\n", to: fixture.work + "/deploy/debug.log")
        try TestGit.write("out: 1\n", to: fixture.work + "/build/generated.yaml")
        let repo = try GitRepository.open(path: fixture.work)
        let files = try repo.workingTreeFiles(include: { !$0.hasSuffix(".md") })
        #expect(files.map(\.path) == [".gitignore", "deploy/app.yaml", "deploy/notes.txt", "deploy/untracked.yaml"])
        #expect(files.first { $0.path == "deploy/app.yaml" }?.bytes.text == "replicas: 5\n")
        #expect(!files.contains { $0.path.hasPrefix(".git/") })
    }

    @Test func bareRepositoryHasNoWorkingTree() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        try TestGit.run(["init", "-q", "--bare", "remote.git"], in: root)
        let repo = try GitRepository.open(path: root + "/remote.git")
        #expect(repo.workingDirectory == nil)
        #expect(repo.path == root + "/remote.git")
        #expect(throws: GitError.self) { try repo.workingTreeFiles(include: { _ in true }) }
        let error = #expect(throws: GitError.self) { try repo.resolveCommit("HEAD") }
        #expect(error?.kind == .referenceNotFound)
    }

    @Test func directoryReaderReadsPlainDirectories() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        try TestGit.write("a: 1\n", to: root + "/a.yaml")
        try TestGit.write("b: 1\n", to: root + "/nested/deeper/b.yaml")
        try TestGit.write("skip\n", to: root + "/nested/c.txt")
        try FileManager.default.createSymbolicLink(atPath: root + "/link.yaml", withDestinationPath: root + "/a.yaml")
        let files = try DirectoryReader.files(at: root, include: { $0.hasSuffix(".yaml") })
        #expect(files.map(\.path) == ["a.yaml", "nested/deeper/b.yaml"])
        #expect(files.last?.bytes.text == "b: 1\n")
        #expect(throws: GitError.self) { try DirectoryReader.files(at: root + "/missing", include: { _ in true }) }
    }

    @Test func directoryReaderWalksWideTreesAndSkipsNestedRepositories() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        // Wide and deep enough that levels are listed and directories read on several threads.
        var expected: [String] = []
        for kind in ["b-kind", "a", "b"] {
            for namespace in 0..<40 {
                for name in ["z", "m", "a"] {
                    let path = "\(kind)/ns-\(namespace)/\(name).yaml"
                    try TestGit.write("name: \(name)\n", to: root + "/" + path)
                    expected.append(path)
                }
            }
        }
        try TestGit.write("kept: 1\n", to: root + "/deep/one/two/three/four.yaml")
        expected.append("deep/one/two/three/four.yaml")
        // A nested repository (a directory or a worktree's `.git` file) is not read, nor is `.git`.
        try TestGit.write("inner: 1\n", to: root + "/vendored/inner.yaml")
        try TestGit.write("[core]\n", to: root + "/vendored/.git/config")
        try TestGit.write("gitdir: /elsewhere\n", to: root + "/worktree/.git")
        try TestGit.write("inner: 1\n", to: root + "/worktree/app.yaml")
        try TestGit.write("x: 1\n", to: root + "/.git/config.yaml")
        let files = try DirectoryReader.files(at: root, include: { $0.hasSuffix(".yaml") })
        #expect(files.map(\.path) == expected.sorted())
        #expect(files.first { $0.path == "a/ns-7/m.yaml" }?.bytes.text == "name: m\n")
        #expect(files.allSatisfy { $0.bytes.text == "name: \($0.path.split(separator: "/").last!.dropLast(5))\n" || $0.path.hasPrefix("deep/") })
    }

    @Test func objectIDValidatesHex() {
        #expect(ObjectID(hex: "abc") == nil)
        #expect(ObjectID(hex: String(repeating: "g", count: 40)) == nil)
        #expect(ObjectID(hex: String(repeating: "A", count: 40))?.hex == String(repeating: "a", count: 40))
        #expect(ObjectID(hex: String(repeating: "1", count: 40))?.short.count == 12)
    }
}
