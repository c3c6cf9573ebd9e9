import ArgumentParser
import Foundation
import Git
import YAML
import ReconcileCore
import ReconcileSource

/// The `reconcile` command line.
public struct ReconcileCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "GitOps for the service-mesh and network-policy layer of Kubernetes.",
        discussion: "Keeps Istio configuration, Calico and Kubernetes network policies and namespaces' sidecar injection equal to a git repository.",
        version: VersionCommand.version,
        subcommands: [PlanCommand.self, ApplyCommand.self, RunCommand.self, ValidateCommand.self, CommentCommand.self, VersionCommand.self])

    public init() {}

    /// Runs the command line and returns the process exit code; errors are printed, never thrown.
    /// Every error line passes through `CredentialRedaction`: a `--repo` URL may carry a token,
    /// and errors from any layer may quote it.
    public static func run(arguments: [String]) async -> Int32 {
        let console = RedactingConsole(Console.current)
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as ExitCode {
            return error.rawValue
        } catch let error as RenderError {
            console.err(error.diagnostics.map { "error: \($0)" }.joined(separator: "\n") + "\n")
            return 1
        } catch let error as Diagnostic {
            console.err("error: \(error)\n")
            return 1
        } catch let error as UserError {
            console.err("error: \(error)\n")
            return 1
        } catch let error as SourceError {
            console.err("error: \(error)\n")
            return 1
        } catch let error as GitError {
            console.err("error: \(error)\n")
            return 1
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                console.out(fullMessage(for: error) + "\n")
                return 0
            }
            // ArgumentParser writes "Error: ..."; every reconcile error starts with "error:".
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst("Error: ".count) }
            console.err((message.isEmpty ? "error: \(error)" : message) + "\n")
            return code == .validationFailure ? 1 : code.rawValue
        }
    }
}

/// The console for error reports, with URL credentials redacted (see `run(arguments:)`).
private struct RedactingConsole {
    let base: Console
    init(_ base: Console) { self.base = base }
    func out(_ text: String) { base.out(CredentialRedaction.redactingURLCredentials(in: text)) }
    func err(_ text: String) { base.err(CredentialRedaction.redactingURLCredentials(in: text)) }
}
