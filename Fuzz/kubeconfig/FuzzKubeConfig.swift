import FuzzSupport
@testable import Kube

/// Kubeconfig files: parse, merge with itself, resolve every context (and the current one) into a
/// connection; when a user has an exec plugin, the same bytes as that plugin's ExecCredential
/// answer. Relative file paths resolve under a folder that does not exist; inputs naming /dev,
/// /proc or /sys are not resolved (reading /dev/zero as a CA file is a hang by request, not a bug).
@main enum FuzzKubeConfig {
    static func main() { FuzzMain.run(test) }

    static func test(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
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
}
