import Foundation
import YAML

extension TestAPIServer {
    /// A kubeconfig that points at this server (CA inline) with one user entry.
    public func kubeconfig(user: KubeconfigUser, context: String = "test", namespace: String? = nil) throws -> String {
        func base64(_ text: String) -> Node { .string(Data(text.utf8).base64EncodedString()) }
        var userEntry: Node = [:]
        switch user {
        case .token(let token): userEntry["token"] = .string(token)
        case .tokenFile(let path): userEntry["tokenFile"] = .string(path)
        case .clientCertificateInline:
            let (certificate, key) = try issueClientCertificate(user: "kubernetes-admin")
            userEntry["client-certificate-data"] = base64(certificate)
            userEntry["client-key-data"] = base64(key)
        case .clientCertificateFiles(let certPath, let keyPath):
            userEntry["client-certificate"] = .string(certPath)
            userEntry["client-key"] = .string(keyPath)
        case .exec(let command, let args, let apiVersion):
            userEntry["exec"] = Node.object(["apiVersion": .string(apiVersion), "command": .string(command),
                                             "args": .sequence(args.map { .string($0) }), "interactiveMode": "Never"])
        }
        var contextEntry = Node.object(["cluster": .string(context), "user": .string(context)])
        if let namespace { contextEntry["namespace"] = .string(namespace) }
        let config = Node.object([
            "apiVersion": "v1", "kind": "Config", "current-context": .string(context),
            "clusters": [Node.object(["name": .string(context), "cluster": Node.object(["server": .string(url), "certificate-authority-data": base64(caPEM)])])],
            "users": [Node.object(["name": .string(context), "user": userEntry])],
            "contexts": [Node.object(["name": .string(context), "context": contextEntry])],
        ])
        return YAMLEmitter.emit(config, sortKeys: false)
    }
}
