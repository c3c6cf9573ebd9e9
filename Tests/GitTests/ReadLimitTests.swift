import Foundation
import ReconcileTestSupport
import Testing
@testable import Git

/// Files over `ReadLimits` are refused with an error naming the file, from commits, working
/// trees and plain directories alike.
@Suite(.onTestThreads, .timeLimit(.minutes(1)))
struct ReadLimitTests {
    let files = ["a/one.yaml": String(repeating: "a", count: 100), "b/two.yaml": String(repeating: "b", count: 300), "c.yaml": "c\n"]
    let include: (String) -> Bool = { $0.hasSuffix(".yaml") }

    func expectTooLarge(_ body: () throws -> [GitFile], path: String, mentions text: String) {
        do {
            let read = try body()
            Issue.record("expected a limit error, read \(read.map(\.path))")
        } catch let error as GitError {
            #expect(error.kind == .tooLarge)
            #expect(error.context == path, "\(error)")
            #expect(error.description.hasPrefix("\(path): "), "\(error)")
            #expect(error.message.contains(text), "\(error)")
        } catch {
            Issue.record("expected a GitError, got \(error)")
        }
    }

    /// A commit's tree, the working tree and a plain directory all refuse b/two.yaml.
    func expectEveryReaderRefuses(repo: GitRepository, commit: String, root: String, limits: ReadLimits, mentions message: String) {
        expectTooLarge({ try repo.files(at: ObjectID(hex: commit)!, include: include, limits: limits) }, path: "b/two.yaml", mentions: message)
        expectTooLarge({ try repo.workingTreeFiles(include: include, limits: limits) }, path: "b/two.yaml", mentions: message)
        expectTooLarge({ try DirectoryReader.files(at: root, include: include, limits: limits) }, path: "b/two.yaml", mentions: message)
    }

    @Test func perFileLimit() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let commit = try TestGit.initRepo(at: root, files: files)
        let repo = try GitRepository.open(path: root)
        let limits = ReadLimits(maxFileBytes: 200, maxTotalBytes: 10_000)
        let message = "file is too large: 300 bytes, more than the limit of 200 bytes per file"
        expectEveryReaderRefuses(repo: repo, commit: commit, root: root, limits: limits, mentions: message)
        // At the limit is fine; unlimited by default.
        let exact = ReadLimits(maxFileBytes: 300, maxTotalBytes: 402)
        #expect(try repo.files(at: ObjectID(hex: commit)!, include: include, limits: exact).count == 3)
        #expect(try DirectoryReader.files(at: root, include: include, limits: exact).count == 3)
        #expect(try repo.workingTreeFiles(include: include).count == 3)
    }

    @Test func totalLimitNamesTheFileThatCrossesIt() throws {
        let root = try TestGit.temporaryDirectory()
        defer { TestGit.cleanup(root) }
        let commit = try TestGit.initRepo(at: root, files: files)
        let repo = try GitRepository.open(path: root)
        // a/one.yaml (100) and c.yaml (2) fit in 350 bytes; b/two.yaml (300) does not.
        let limits = ReadLimits(maxFileBytes: 1_000, maxTotalBytes: 350)
        let message = "more than the limit of 350 bytes for all files together"
        expectEveryReaderRefuses(repo: repo, commit: commit, root: root, limits: limits, mentions: message)
    }
}
