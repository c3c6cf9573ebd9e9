import Foundation
import HTTP
import Testing
@testable import Kube

@Suite struct KubeConfigTests {
    @Test func inlineCertificatesAndCADataAreHeldInMemory() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("config", """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: c1
          cluster:
            server: https://10.0.0.1:6443
            certificate-authority-data: \(FakePEM.base64(FakePEM.ca))
            tls-server-name: kubernetes.default
            proxy-url: http://proxy.local:3128
        users:
        - name: u1
          user:
            client-certificate-data: \(FakePEM.base64(FakePEM.cert))
            client-key-data: \(FakePEM.base64(FakePEM.key))
        contexts:
        - name: dev
          context: {cluster: c1, user: u1, namespace: shop}
        """)
        let connection = try KubeConfig.load(path: file, environment: [:]).connection()
        #expect(connection.server == "https://10.0.0.1:6443")
        #expect(connection.tls.caPEM == Array(FakePEM.ca.utf8))
        #expect(connection.tls.clientCertificatePEM == Array(FakePEM.cert.utf8))
        #expect(connection.tls.clientKeyPEM == Array(FakePEM.key.utf8))
        #expect(connection.tls.serverName == "kubernetes.default")
        #expect(connection.tls.insecureSkipVerify == false)
        #expect(connection.proxy == "http://proxy.local:3128")
        #expect(connection.namespace == "shop")
        #expect(connection.contextName == "dev")
        guard case .clientCertificate = connection.credentials else { Issue.record("expected client certificate credentials"); return }
    }

    @Test func filePathsResolveAgainstTheKubeconfigFolder() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("kube/pki/ca.crt", FakePEM.ca)
        try dir.write("kube/pki/client.crt", FakePEM.cert)
        try dir.write("kube/pki/client.key", FakePEM.key)
        let file = try dir.write("kube/config", """
        clusters:
        - name: c
          cluster: {server: "https://k:443", certificate-authority: pki/ca.crt}
        users:
        - name: u
          user: {client-certificate: pki/client.crt, client-key: pki/client.key}
        contexts:
        - name: x
          context: {cluster: c, user: u}
        current-context: x
        """)
        let connection = try KubeConfig.load(path: file, environment: [:]).connection()
        #expect(connection.tls.caPEM == Array(FakePEM.ca.utf8))
        #expect(connection.tls.clientCertificatePEM == Array(FakePEM.cert.utf8))
        #expect(connection.tls.clientKeyPEM == Array(FakePEM.key.utf8))
        #expect(connection.namespace == "default")
    }

    @Test func tokenAndTokenFileCredentials() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("secret/token", "abc\n")
        let file = try dir.write("config", """
        clusters:
        - {name: c, cluster: {server: "https://k"}}
        users:
        - {name: static, user: {token: s3cret}}
        - {name: rotating, user: {tokenFile: secret/token}}
        contexts:
        - {name: a, context: {cluster: c, user: static}}
        - {name: b, context: {cluster: c, user: rotating}}
        """)
        let config = try KubeConfig.load(path: file, environment: [:])
        #expect(config.contextNames == ["a", "b"])
        #expect(config.currentContext == nil)
        guard case .token(let token) = try config.connection(context: "a").credentials else { Issue.record("token"); return }
        #expect(token == "s3cret")
        guard case .tokenFile(let path) = try config.connection(context: "b").credentials else { Issue.record("tokenFile"); return }
        #expect(path == dir.file("secret/token"))
    }

    @Test func execPluginIsParsedWithArgsEnvAndClusterInfo() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("config", """
        clusters:
        - name: aks
          cluster: {server: "https://aks.example:443", certificate-authority-data: \(FakePEM.base64(FakePEM.ca))}
        users:
        - name: azure
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: bin/kubelogin
              args: [get-token, --server-id, "6dae42f8"]
              env:
              - {name: AAD_LOGIN_METHOD, value: azurecli}
              provideClusterInfo: true
        contexts:
        - {name: aks, context: {cluster: aks, user: azure}}
        current-context: aks
        """)
        let connection = try KubeConfig.load(path: file, environment: [:]).connection()
        guard case .exec(let exec) = connection.credentials else { Issue.record("expected exec"); return }
        #expect(exec.command == dir.file("bin/kubelogin"))
        #expect(exec.args == ["get-token", "--server-id", "6dae42f8"])
        #expect(exec.env.map(\.name) == ["AAD_LOGIN_METHOD"])
        #expect(exec.env.map(\.value) == ["azurecli"])
        #expect(exec.interactiveMode == .ifAvailable)
        #expect(exec.provideClusterInfo)
        #expect(exec.cluster?.server == "https://aks.example:443")
        #expect(exec.cluster?.certificateAuthorityData == FakePEM.base64(FakePEM.ca))
    }

    @Test func kubeconfigEnvironmentMergesFirstWins() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let first = try dir.write("one", """
        clusters:
        - {name: shared, cluster: {server: "https://first"}}
        users:
        - {name: u, user: {token: first-token}}
        contexts:
        - {name: one, context: {cluster: shared, user: u, namespace: first-ns}}
        """)
        let second = try dir.write("two", """
        current-context: two
        clusters:
        - {name: shared, cluster: {server: "https://second"}}
        - {name: only-second, cluster: {server: "https://only-second"}}
        users:
        - {name: u, user: {token: second-token}}
        contexts:
        - {name: one, context: {cluster: only-second, user: u}}
        - {name: two, context: {cluster: only-second, user: u}}
        """)
        let third = try dir.write("three", "current-context: three\n")
        let config = try KubeConfig.load(environment: ["KUBECONFIG": "\(first):\(dir.file("missing")):\(second):\(third)", "HOME": dir.path])
        #expect(config.currentContext == "two")
        #expect(config.contextNames == ["one", "two"])
        let one = try config.connection(context: "one")
        #expect(one.server == "https://first")
        #expect(one.namespace == "first-ns")
        guard case .token(let token) = one.credentials else { Issue.record("token"); return }
        #expect(token == "first-token")
        #expect(try config.connection().server == "https://only-second")
    }

    @Test func explicitPathWinsOverEnvironmentAndHomeIsTheFallback() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let explicit = try dir.write("explicit", "clusters: [{name: c, cluster: {server: 'https://explicit'}}]\ncontexts: [{name: e, context: {cluster: c}}]\ncurrent-context: e\n")
        let env = try dir.write("env", "clusters: [{name: c, cluster: {server: 'https://env'}}]\ncontexts: [{name: e, context: {cluster: c}}]\ncurrent-context: e\n")
        try dir.write("home/.kube/config", "clusters: [{name: c, cluster: {server: 'https://home'}}]\ncontexts: [{name: e, context: {cluster: c}}]\ncurrent-context: e\n")
        #expect(try KubeConfig.load(path: explicit, environment: ["KUBECONFIG": env]).connection().server == "https://explicit")
        #expect(try KubeConfig.load(environment: ["KUBECONFIG": env, "HOME": dir.file("home")]).connection().server == "https://env")
        #expect(try KubeConfig.load(environment: ["HOME": dir.file("home")]).connection().server == "https://home")
        #expect(throws: KubeConfigError.self) { try KubeConfig.load(environment: ["HOME": dir.file("nowhere")]) }
    }

    @Test(arguments: [
        ("contexts: [{name: a, context: {cluster: nope}}]\ncurrent-context: a\n", "context \"a\"", "cluster \"nope\""),
        ("clusters: [{name: c, cluster: {server: 'https://k'}}]\ncontexts: [{name: a, context: {cluster: c, user: ghost}}]\ncurrent-context: a\n",
         "context \"a\"", "user \"ghost\""),
        ("clusters: [{name: c, cluster: {}}]\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: a\n", "cluster \"c\"", "no server"),
        ("clusters: [{name: c, cluster: {server: 'https://k', certificate-authority-data: '!!notbase64'}}]\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: a\n",
         "cluster \"c\"", "not valid base64"),
        ("clusters: [{name: c, cluster: {server: 'https://k', certificate-authority: missing/ca.crt}}]\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: a\n",
         "cluster \"c\"", "missing/ca.crt cannot be read"),
        ("clusters: [{name: c, cluster: {server: 'https://k'}}]\nusers: [{name: u, user: {client-certificate-data: Q0VSVAo=}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n",
         "user \"u\"", "no client key"),
        ("clusters: [{name: c, cluster: {server: 'https://k'}}]\nusers: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n",
         "user \"u\"", "interactiveMode must be set"),
        ("clusters: [{name: c, cluster: {server: 'https://k'}}]\nusers: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n",
         "user \"u\"", "v1alpha1\" is not supported"),
        ("contexts: [{name: a, context: {cluster: c}}]\n", "", "no current-context"),
        ("clusters: [{name: c, cluster: {server: 'https://k'}}]\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: b\n", "context \"b\"", "not found (contexts: a)"),
    ])
    func badKubeconfigsNameFileAndEntry(yaml: String, entry: String, message: String) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("bad-config", yaml)
        do {
            _ = try KubeConfig.load(path: file, environment: [:]).connection()
            Issue.record("expected an error for \(yaml)")
        } catch let error as KubeConfigError {
            let text = error.description
            #expect(text.contains(file), "\(text)")
            #expect(entry.isEmpty || text.contains(entry), "\(text)")
            #expect(text.contains(message), "\(text)")
        }
    }

    @Test func malformedYAMLAndWrongShapesNameTheFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let broken = try dir.write("broken", "clusters: [unclosed\n")
        #expect(throws: KubeConfigError.self) { try KubeConfig.load(path: broken, environment: [:]) }
        let wrongShape = try dir.write("shape", "clusters: {name: c}\n")
        do {
            _ = try KubeConfig.load(path: wrongShape, environment: [:])
            Issue.record("expected an error")
        } catch let error as KubeConfigError {
            #expect(error.file == wrongShape)
            #expect(error.message.contains("clusters must be a list"))
        }
        #expect(throws: KubeConfigError.self) { try KubeConfig.load(path: dir.file("absent"), environment: [:]) }
    }

    @Test func insecureSkipVerifyOnlyWhenTrueAndNotWithCA() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("config", """
        clusters:
        - {name: insecure, cluster: {server: "https://k", insecure-skip-tls-verify: true}}
        - {name: secure, cluster: {server: "https://k", insecure-skip-tls-verify: false}}
        - {name: both, cluster: {server: "https://k", insecure-skip-tls-verify: true, certificate-authority-data: \(FakePEM.base64(FakePEM.ca))}}
        contexts:
        - {name: i, context: {cluster: insecure}}
        - {name: s, context: {cluster: secure}}
        - {name: b, context: {cluster: both}}
        """)
        let config = try KubeConfig.load(path: file, environment: [:])
        #expect(try config.connection(context: "i").tls.insecureSkipVerify)
        #expect(try !config.connection(context: "s").tls.insecureSkipVerify)
        #expect(throws: KubeConfigError.self) { try config.connection(context: "b") }
    }

    @Test func inClusterReadsServiceAccountFolder() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("sa/token", "tok-1")
        try dir.write("sa/ca.crt", FakePEM.ca)
        try dir.write("sa/namespace", "reconcile-system\n")
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let connection = try KubeConfig.inCluster(environment: env, serviceAccountDirectory: dir.file("sa"))
        #expect(connection.server == "https://10.96.0.1:443")
        #expect(connection.namespace == "reconcile-system")
        #expect(connection.tls.caPEM == Array(FakePEM.ca.utf8))
        guard case .tokenFile(let path) = connection.credentials else { Issue.record("tokenFile"); return }
        #expect(path == dir.file("sa/token"))
        let v6 = try KubeConfig.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"],
                                          serviceAccountDirectory: dir.file("sa"))
        #expect(v6.server == "https://[fd00::1]:443")
        #expect(throws: KubeConfigError.self) { try KubeConfig.inCluster(environment: [:], serviceAccountDirectory: dir.file("sa")) }
        #expect(throws: KubeConfigError.self) { try KubeConfig.inCluster(environment: env, serviceAccountDirectory: dir.file("none")) }
    }

    @Test func tokenFileIsReReadOnEveryRequest() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try dir.write("token", "first\n")
        let client = KubeClient(connection: ClusterConnection(server: "https://127.0.0.1:1", credentials: .tokenFile(path)))
        let (_, headers1) = try await client.authentication()
        #expect(headers1.first { $0.name == "Authorization" }?.value == "Bearer first")
        try dir.write("token", "rotated")
        let (_, headers2) = try await client.authentication()
        #expect(headers2.first { $0.name == "Authorization" }?.value == "Bearer rotated")
    }
}
