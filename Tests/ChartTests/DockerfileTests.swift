import Foundation
import Testing

/// The container image (built by CI elsewhere; no Docker engine here): read the Dockerfile's
/// instructions and check the runtime stage.
struct DockerfileTests {
    struct Instruction {
        var keyword: String
        var arguments: String
    }

    /// Instructions per stage, comments dropped and `\` continuations joined.
    static func stages() throws -> [[Instruction]] {
        let text = try ChartFiles.text("Dockerfile", in: ChartFiles.repositoryRoot)
        var stages: [[Instruction]] = []
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty, line.hasPrefix("#") || line.isEmpty { continue }
            if line.hasSuffix("\\") { pending += line.dropLast() + " "; continue }
            let full = pending + line
            pending = ""
            let parts = full.split(separator: " ", maxSplits: 1)
            let instruction = Instruction(keyword: parts[0].uppercased(), arguments: parts.count > 1 ? String(parts[1]) : "")
            if instruction.keyword == "FROM" { stages.append([]) }
            if !stages.isEmpty { stages[stages.count - 1].append(instruction) }
        }
        return stages
    }

    @Test func multiStageBuild() throws {
        let stages = try Self.stages()
        #expect(stages.count >= 2)
        let build = try #require(stages.first)
        let buildCommands = build.filter { $0.keyword == "RUN" }.map(\.arguments).joined(separator: "\n")
        for package in ["libgit2-dev", "libyaml-dev", "libcurl4-openssl-dev", "pkg-config"] {
            #expect(buildCommands.contains(package), "build stage installs \(package)")
        }
        #expect(buildCommands.contains("swift build -c release --product reconcile --static-swift-stdlib"))
    }

    @Test func runtimeStageRunsAsNonRoot() throws {
        let runtime = try #require(try Self.stages().last)
        let runCommands = runtime.filter { $0.keyword == "RUN" }.map(\.arguments).joined(separator: "\n")
        for package in ["libgit2-1.5", "libyaml-0-2", "libcurl4", "ca-certificates"] {
            #expect(runCommands.contains(package), "runtime installs \(package)")
        }
        #expect(!runCommands.contains("-dev"), "no development packages in the runtime image")
        let user = try #require(runtime.last { $0.keyword == "USER" }, "the runtime stage sets USER")
        let uid = user.arguments.split(separator: ":").first.map(String.init) ?? ""
        #expect(uid == "65532", "USER \(user.arguments)")
        #expect(Int(uid).map { $0 != 0 } == true)
        // Nothing after USER switches back to root.
        let afterUser = runtime.drop { $0.keyword != "USER" }
        #expect(!afterUser.contains { $0.keyword == "RUN" })
        #expect(runtime.last { $0.keyword == "ENTRYPOINT" }?.arguments == "[\"/usr/local/bin/reconcile\"]")
        #expect(runtime.last { $0.keyword == "CMD" }?.arguments == "[\"run\"]")
    }

    @Test func buildContextExcludesBuildOutputAndGit() throws {
        let ignore = try ChartFiles.text(".dockerignore", in: ChartFiles.repositoryRoot)
        let patterns = Set(ignore.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        #expect(patterns.contains(".git"))
        #expect(patterns.contains(".build*"))
    }
}
