import ArgumentParser
import Foundation
import Kube

/// kubectl's connection flags.
struct KubeOptions: ParsableArguments {
    @Option(help: "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use (default: its current-context).")
    var context: String?

    /// A client for the chosen context; in a pod without a kubeconfig, the service account. An
    /// http:// server on a non-loopback host is refused (before any request) unless
    /// `allowInsecureTransport` (`--allow-insecure-transport`, a flag of `RepoOptions`).
    func client(allowInsecureTransport: Bool) throws -> KubeClient {
        let environment = ProcessInfo.processInfo.environment
        let hasKubeconfig = kubeconfig != nil || environment["KUBECONFIG"].map { !$0.isEmpty } == true
            || FileManager.default.fileExists(atPath: (environment["HOME"] ?? "") + "/.kube/config")
        if !hasKubeconfig, environment["KUBERNETES_SERVICE_HOST"] != nil {
            return KubeClient(connection: try KubeConfig.inCluster())
        }
        let config = try KubeConfig.load(path: kubeconfig)
        let connection = try config.connection(context: context)
        if let refusal = InsecureTransport.refusal(kubeServer: connection.server, context: connection.contextName,
                                                   allowed: allowInsecureTransport) {
            throw refusal
        }
        return KubeClient(connection: connection)
    }
}
