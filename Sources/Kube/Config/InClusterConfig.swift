import Foundation
import HTTP

extension KubeConfig {
    /// In-cluster: KUBERNETES_SERVICE_HOST/PORT, and the service account's token, ca.crt and
    /// namespace files (the folder is a parameter for tests). The token is a file credential,
    /// re-read on every request, because the kubelet rotates projected tokens.
    public static func inCluster(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount") throws -> ClusterConnection {
        let source = "in-cluster (\(serviceAccountDirectory))"
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw KubeConfigError(file: source, message: "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
        }
        let tokenPath = (serviceAccountDirectory as NSString).appendingPathComponent("token")
        guard let token = FileManager.default.contents(atPath: tokenPath), !token.isEmpty else {
            throw KubeConfigError(file: tokenPath, message: "service account token cannot be read (is automountServiceAccountToken off?)")
        }
        let caPath = (serviceAccountDirectory as NSString).appendingPathComponent("ca.crt")
        guard let ca = FileManager.default.contents(atPath: caPath), !ca.isEmpty else {
            throw KubeConfigError(file: caPath, message: "cluster CA certificate cannot be read")
        }
        let namespacePath = (serviceAccountDirectory as NSString).appendingPathComponent("namespace")
        let namespace = FileManager.default.contents(atPath: namespacePath)
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
            .flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return ClusterConnection(server: "https://\(hostPart):\(port)", tls: TLSConfiguration(caPEM: [UInt8](ca)),
                                 namespace: namespace, credentials: .tokenFile(tokenPath), contextName: nil)
    }
}
