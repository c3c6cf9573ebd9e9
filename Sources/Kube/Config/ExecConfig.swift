import Foundation

/// A `users[].user.exec` credential plugin (client.authentication.k8s.io v1 / v1beta1), as
/// cloud CLIs (`kubelogin`, `aws eks get-token`, `gke-gcloud-auth-plugin`) are configured.
public struct ExecConfig: Sendable, Hashable {
    public enum InteractiveMode: String, Sendable, Hashable {
        case never = "Never"
        case ifAvailable = "IfAvailable"
        case always = "Always"
    }

    /// What `provideClusterInfo: true` hands the plugin in `KUBERNETES_EXEC_INFO.spec.cluster`.
    public struct ClusterInfo: Sendable, Hashable {
        public var server: String
        public var certificateAuthorityData: String?
        public var tlsServerName: String?
        public var insecureSkipTLSVerify: Bool
        public var proxyURL: String?

        public init(server: String, certificateAuthorityData: String? = nil, tlsServerName: String? = nil,
                    insecureSkipTLSVerify: Bool = false, proxyURL: String? = nil) {
            self.server = server
            self.certificateAuthorityData = certificateAuthorityData
            self.tlsServerName = tlsServerName
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.proxyURL = proxyURL
        }
    }

    /// `client.authentication.k8s.io/v1` or `.../v1beta1`.
    public var apiVersion: String
    /// The command; a relative path containing a `/` was resolved against the kubeconfig's folder.
    public var command: String
    public var args: [String]
    public var env: [(name: String, value: String)]
    public var interactiveMode: InteractiveMode
    public var provideClusterInfo: Bool
    public var cluster: ClusterInfo?
    /// Shown when the command is missing (kubeconfig `installHint`).
    public var installHint: String?
    /// Seconds the plugin may run before it is killed. kubectl waits forever; a controller must
    /// not, since a plugin stuck on a prompt or a dead network would stall every request.
    public var timeout: TimeInterval

    public static let defaultTimeout: TimeInterval = 30

    public init(apiVersion: String = "client.authentication.k8s.io/v1", command: String, args: [String] = [],
                env: [(name: String, value: String)] = [], interactiveMode: InteractiveMode = .ifAvailable,
                provideClusterInfo: Bool = false, cluster: ClusterInfo? = nil, installHint: String? = nil,
                timeout: TimeInterval = ExecConfig.defaultTimeout) {
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.interactiveMode = interactiveMode
        self.provideClusterInfo = provideClusterInfo
        self.cluster = cluster
        self.installHint = installHint
        self.timeout = timeout
    }

    public static func == (lhs: ExecConfig, rhs: ExecConfig) -> Bool {
        lhs.apiVersion == rhs.apiVersion && lhs.command == rhs.command && lhs.args == rhs.args
            && lhs.env.map(\.name) == rhs.env.map(\.name) && lhs.env.map(\.value) == rhs.env.map(\.value)
            && lhs.interactiveMode == rhs.interactiveMode && lhs.provideClusterInfo == rhs.provideClusterInfo
            && lhs.cluster == rhs.cluster && lhs.installHint == rhs.installHint && lhs.timeout == rhs.timeout
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(apiVersion)
        hasher.combine(command)
        hasher.combine(args)
    }
}
