import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import YAML

/// An in-process Kubernetes API server for tests: HTTPS on 127.0.0.1 with its own CA, the
/// Istio and Calico CRDs, and the answers of a real kube-apiserver v1.36 (see
/// /work/shared/k8s-transcripts). Not a cluster: no controllers, no scheduler.
public final class TestAPIServer: @unchecked Sendable {
    public struct Options: Sendable {
        public var loadBundledCRDs = true
        public var extraCRDs: [[UInt8]] = []
        public var tokens: [String: String] = ["test-token": "admin"]
        public var bookmarkInterval: Double = 1.0
        /// RBAC for the users it names (others stay unrestricted); nil, the default: no authorization.
        public var authorizer: RBACAuthorizer?
        public init() {}
    }

    public enum KubeconfigUser: Sendable {
        case token(String)
        case clientCertificateInline
        case clientCertificateFiles(certPath: String, keyPath: String)
        case exec(command: String, args: [String], apiVersion: String)
        case tokenFile(String)
    }

    let options: Options
    let core: APIServerCore
    let authority: CertificateAuthority
    public let caPEM: String
    private let serverIdentity: (String, String)
    private let lock = NSLock()
    private var faults: [Fault] = []
    private var log: [RecordedRequest] = []
    private var group: MultiThreadedEventLoopGroup?
    private var channel: (any Channel)?
    private var boundPort = 0

    /// The built-in types and the bundled Istio and Calico CRDs, read once per process: the
    /// schemas are immutable, and parsing those manifests took a second of CPU per server.
    private static let bundledRegistry = Result { () throws -> ResourceRegistry in
        var manifests: [[UInt8]] = []
        for file in ["istio-crd-all.gen.yaml", "calico-v3_projectcalico_org.yaml"] {
            let bundled = Bundle.module.url(forResource: "crds/" + file, withExtension: nil)
                ?? Bundle.module.resourceURL?.appendingPathComponent("crds/" + file)
            guard let url = bundled else { continue }
            manifests.append(Array(try Data(contentsOf: url)))
        }
        return try ResourceRegistry(crdManifests: manifests)
    }

    public init(options: Options = Options()) throws {
        self.options = options
        var registry = options.loadBundledCRDs ? try Self.bundledRegistry.get() : try ResourceRegistry(crdManifests: [])
        try registry.add(crdManifests: options.extraCRDs)
        core = APIServerCore(registry: registry, authorizer: options.authorizer)
        authority = try CertificateAuthority()
        caPEM = authority.pem
        serverIdentity = try authority.issue(commonName: "kube-apiserver", organizations: [], server: true)
        for name in ["default", "kube-system", "kube-public"] {
            _ = try seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
        }
    }

    deinit { stop() }

    public func start() throws {
        let certificate = try NIOSSLCertificate(bytes: Array(serverIdentity.0.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(serverIdentity.1.utf8), format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(caPEM.utf8), format: .pem)])
        tls.certificateVerification = .optionalVerification
        tls.applicationProtocols = ["http/1.1"]
        let context = try NIOSSLContext(configuration: tls)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(server: self))
                }
            }
        let channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.group = group
        self.channel = channel
        boundPort = channel.localAddress?.port ?? 0
        core.serverAddress = "127.0.0.1:\(boundPort)"
    }

    public func stop() {
        try? channel?.close().wait()
        channel = nil
        try? group?.syncShutdownGracefully()
        group = nil
    }

    public var port: Int { boundPort }
    public var url: String { "https://127.0.0.1:\(boundPort)" }

    public func issueClientCertificate(user: String, groups: [String] = ["system:masters"]) throws -> (certificatePEM: String, keyPEM: String) {
        let (certificate, key) = try authority.issue(commonName: user, organizations: groups, server: false)
        return (certificate, key)
    }

    public var requests: [RecordedRequest] { lock.withLock { log } }
    public func clearRequests() { lock.withLock { log.removeAll() } }
    public func inject(_ fault: Fault) { lock.withLock { faults.append(fault) } }
    /// Drops every fault not yet taken (requests already delayed by one still finish late).
    public func clearFaults() { lock.withLock { faults.removeAll() } }

    func takeFault(method: String, path: String) -> Fault? {
        lock.withLock {
            guard let index = faults.firstIndex(where: { $0.times > 0 && $0.matches(method: method, path: path) }) else { return nil }
            let fault = faults[index]
            faults[index].times -= 1
            if faults[index].times <= 0 { faults.remove(at: index) }
            return fault
        }
    }

    func record(_ request: APIRequest, status: Int) {
        let entry = RecordedRequest(method: request.method, path: request.path, query: request.query, user: request.user,
                                    status: status, contentType: request.contentType, body: request.body)
        lock.withLock { log.append(entry) }
    }

    /// Stores an object as is (plus uid, creationTimestamp, resourceVersion, generation).
    public func seed(_ object: Node) throws -> Node {
        guard let apiVersion = object["apiVersion"]?.string, let kind = object["kind"]?.string,
              let (type, version) = core.registry.lookup(apiVersion: apiVersion, kind: kind) else {
            throw APIError.badRequest("no resource for \(object["apiVersion"]?.string ?? "?")/\(object["kind"]?.string ?? "?")")
        }
        var stored = object.withoutMarks
        var metadata = stored["metadata"] ?? [:]
        if metadata["uid"] == nil { metadata["uid"] = .string(UUID().uuidString.lowercased()) }
        if metadata["creationTimestamp"] == nil { metadata["creationTimestamp"] = .string(APIServerCore.timestamp()) }
        if type.isCustom || ["apps", "networking.k8s.io"].contains(type.group), metadata["generation"] == nil { metadata["generation"] = 1 }
        if !type.namespaced { metadata["namespace"] = nil }
        stored["metadata"] = metadata
        if type.key == "/namespaces" { Admission.defaults(&stored, type: type, old: nil) }
        let key = APIServerCore.storageKey(type)
        let name = metadata["name"]?.string ?? ""
        let exists = core.store.get(key, namespace: metadata["namespace"]?.string, name: name) != nil
        let result = core.store.put(key, stored, created: !exists)
        return core.render(result, type: type, version: version)
    }

    public func object(apiVersion: String, kind: String, namespace: String?, name: String) -> Node? {
        guard let (type, version) = core.registry.lookup(apiVersion: apiVersion, kind: kind),
              let object = core.store.get(APIServerCore.storageKey(type), namespace: type.namespaced ? namespace : nil, name: name) else { return nil }
        return core.render(object, type: type, version: version)
    }

    public func compactHistory() { core.store.compact() }
}
