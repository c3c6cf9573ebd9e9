import ArgumentParser
import Git
import HTTP
import YAML

/// `reconcile version`: this build's version and the C libraries it runs on.
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    static let version = "0.1.0"

    func run() async throws {
        Console.current.out("""
        reconcile \(VersionCommand.version)
        libgit2 \(GitRepository.libraryVersion)
        libyaml \(YAMLParser.libraryVersion)
        libcurl \(HTTPClient.libraryVersion)

        """)
    }
}
