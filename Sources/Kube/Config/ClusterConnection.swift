import HTTP

/// Everything a client needs to talk to one cluster, resolved from a kubeconfig context or the
/// in-cluster service account. Certificates are PEM bytes in `tls` (never written to disk).
public struct ClusterConnection: Sendable {
    /// `https://host:port` (possibly with a path prefix, as behind Rancher).
    public var server: String
    public var tls: TLSConfiguration
    /// kubeconfig `proxy-url`.
    public var proxy: String?
    /// The context's namespace (default `default`), used when an object names none.
    public var namespace: String
    public var credentials: Credentials
    public var contextName: String?

    public init(server: String, tls: TLSConfiguration = TLSConfiguration(), proxy: String? = nil, namespace: String = "default",
                credentials: Credentials = .none, contextName: String? = nil) {
        self.server = server
        self.tls = tls
        self.proxy = proxy
        self.namespace = namespace
        self.credentials = credentials
        self.contextName = contextName
    }
}

/// How requests authenticate. Client certificates live in `ClusterConnection.tls`;
/// `.clientCertificate` only records that they are the credential.
public enum Credentials: Sendable {
    case none
    case token(String)
    /// A bearer token file, re-read on every request because it rotates (projected service
    /// account tokens are refreshed by the kubelet).
    case tokenFile(String)
    case clientCertificate
    case exec(ExecConfig)
}
