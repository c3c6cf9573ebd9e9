import FuzzSupport
@testable import Kube

/// Kubeconfig files: parse, merge with itself, resolve every context (and the current one) into a
/// connection; the same bytes as an exec plugin's ExecCredential answer (JSON) to the exec
/// config of the resolved context, or to a fixed v1 one. Relative file paths resolve under a folder that does not exist; inputs naming /dev,
/// /proc or /sys are not resolved (reading /dev/zero as a CA file is a hang by request, not a bug).
@main enum FuzzKubeConfig {
    static func main() { FuzzMain.run(test) }

    static func test(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? ExecCredential.parse(bytes, config: fixedExec)
        guard let config = try? KubeConfig.parse(text, file: "/nonexistent-fuzz/.kube/config") else { return }
        let merged = KubeConfig.merge([config, config])
        guard !["/dev", "/proc", "/sys"].contains(where: { text.contains($0) }) else { return }
        for context in [nil] + merged.contextNames.prefix(8).map(Optional.some) {
            guard let connection = try? merged.connection(context: context) else { continue }
            if case .exec(let exec) = connection.credentials {
                _ = try? ExecCredential.parse(bytes, config: exec)
            }
        }
    }

    static let fixedExec: ExecConfig = {
        let config = try! KubeConfig.parse("""
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
        users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token, interactiveMode: Never}}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        current-context: x
        """, file: "/nonexistent-fuzz/.kube/config")
        guard case .exec(let exec) = try! config.connection().credentials else { fatalError("the fixed kubeconfig has an exec user") }
        return exec
    }()
}
