import Foundation
import YAML

/// The generated config repository: N objects spread round-robin over five kinds and M
/// namespaces, one manifest per file under a directory per kind (a bundle per kind), with
/// specs shaped like real ones (routes with retries and timeouts, subsets with connection
/// pools and outlier detection, port-level mTLS, ALLOW rules, ingress NetworkPolicies).
struct Workload {
    struct Kind {
        var kind: String
        var apiVersion: String
        /// The kind's bundle directory, named after its resource (`virtualservices`).
        var directory: String
    }

    static let kinds: [Kind] = [
        Kind(kind: "DestinationRule", apiVersion: "networking.istio.io/v1", directory: "destinationrules"),
        Kind(kind: "VirtualService", apiVersion: "networking.istio.io/v1", directory: "virtualservices"),
        Kind(kind: "PeerAuthentication", apiVersion: "security.istio.io/v1", directory: "peerauthentications"),
        Kind(kind: "AuthorizationPolicy", apiVersion: "security.istio.io/v1", directory: "authorizationpolicies"),
        Kind(kind: "NetworkPolicy", apiVersion: "networking.k8s.io/v1", directory: "networkpolicies"),
    ]

    struct Object {
        var kind: Kind
        var namespace: String
        var name: String
        var service: String
        var index: Int
        /// The file in the repository, relative to its root.
        var path: String { "\(kind.directory)/\(namespace)/\(name).yaml" }
    }

    let objectCount: Int
    let namespaceCount: Int
    let objects: [Object]

    init(objects count: Int, namespaces: Int) {
        objectCount = count
        namespaceCount = namespaces
        var objects: [Object] = []
        objects.reserveCapacity(count)
        for i in 0..<count {
            let kind = Workload.kinds[i % Workload.kinds.count]
            let slot = i / Workload.kinds.count
            let namespace = Workload.namespaceName(slot % namespaces)
            let serviceIndex = slot / namespaces
            let service = "svc-\(serviceIndex)"
            objects.append(Object(kind: kind, namespace: namespace, name: service, service: service, index: i))
        }
        self.objects = objects
    }

    static func namespaceName(_ i: Int) -> String { "team-\(String(format: "%04d", i))" }

    var namespaces: [String] { (0..<namespaceCount).map(Workload.namespaceName) }

    /// The Services the routes point at: one per (namespace, service name) used.
    var services: [(namespace: String, name: String)] {
        var seen = Set<String>()
        var result: [(String, String)] = []
        for object in objects where seen.insert("\(object.namespace)/\(object.service)").inserted {
            result.append((object.namespace, object.service))
        }
        return result
    }

    /// Indices of the objects edited for the "changed" plan: spread evenly over the set.
    func editedIndices(_ count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let stride = max(1, objectCount / count)
        return (0..<count).map { ($0 * stride) % objectCount }
    }

    // MARK: - Manifests

    /// The manifest of one object as it sits in git; `edited` changes one spec value per kind.
    static func manifest(_ object: Object, edited: Bool = false) -> String {
        let host = object.service
        let ns = object.namespace
        let head = """
        apiVersion: \(object.kind.apiVersion)
        kind: \(object.kind.kind)
        metadata:
          name: \(object.name)
          namespace: \(ns)
          labels:
            app: \(host)
            team: \(ns)
        spec:

        """
        switch object.kind.kind {
        case "VirtualService":
            return head + """
              hosts:
                - \(host)
              http:
                - name: canary
                  match:
                    - headers:
                        x-canary:
                          exact: "true"
                    - uri:
                        prefix: /v2/
                  route:
                    - destination:
                        host: \(host)
                        subset: v2
                        port:
                          number: 8080
                  timeout: \(edited ? "7s" : "5s")
                  retries:
                    attempts: 3
                    perTryTimeout: 2s
                    retryOn: gateway-error,connect-failure,refused-stream
                - name: primary
                  route:
                    - destination:
                        host: \(host)
                        subset: v1
                        port:
                          number: 8080
                      weight: 90
                    - destination:
                        host: \(host)
                        subset: v2
                        port:
                          number: 8080
                      weight: 10
                  timeout: 10s
                  retries:
                    attempts: 2
                    perTryTimeout: 4s
                    retryOn: 5xx

            """
        case "DestinationRule":
            return head + """
              host: \(host)
              trafficPolicy:
                tls:
                  mode: ISTIO_MUTUAL
                connectionPool:
                  tcp:
                    maxConnections: 100
                    connectTimeout: 30ms
                  http:
                    http1MaxPendingRequests: 64
                    http2MaxRequests: 1000
                    maxRequestsPerConnection: 10
                outlierDetection:
                  consecutive5xxErrors: \(edited ? 7 : 5)
                  interval: 30s
                  baseEjectionTime: 30s
                  maxEjectionPercent: 50
                loadBalancer:
                  simple: LEAST_REQUEST
              subsets:
                - name: v1
                  labels:
                    version: v1
                - name: v2
                  labels:
                    version: v2
                  trafficPolicy:
                    loadBalancer:
                      simple: ROUND_ROBIN

            """
        case "PeerAuthentication":
            return head + """
              selector:
                matchLabels:
                  app: \(host)
              mtls:
                mode: STRICT
              portLevelMtls:
                "9090":
                  mode: \(edited ? "DISABLE" : "PERMISSIVE")

            """
        case "AuthorizationPolicy":
            return head + """
              selector:
                matchLabels:
                  app: \(host)
              action: ALLOW
              rules:
                - from:
                    - source:
                        principals:
                          - cluster.local/ns/\(ns)/sa/frontend
                          - cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account
                  to:
                    - operation:
                        methods: [\(edited ? "GET, HEAD" : "GET")]
                        paths: ["/api/*", "/healthz"]
                - from:
                    - source:
                        namespaces: [monitoring]
                  to:
                    - operation:
                        methods: [GET]
                        ports: ["15020"]

            """
        default:  // NetworkPolicy
            return head + """
              podSelector:
                matchLabels:
                  app: \(host)
              policyTypes:
                - Ingress
              ingress:
                - from:
                    - namespaceSelector:
                        matchLabels:
                          istio-injection: enabled
                    - podSelector:
                        matchLabels:
                          app: frontend
                  ports:
                    - protocol: TCP
                      port: \(edited ? 8081 : 8080)
                    - protocol: TCP
                      port: 15090

            """
        }
    }

    static func service(namespace: String, name: String) throws -> Node {
        let text = """
        apiVersion: v1
        kind: Service
        metadata:
          name: \(name)
          namespace: \(namespace)
          labels:
            app: \(name)
        spec:
          selector:
            app: \(name)
          ports:
            - name: http
              port: 8080
              protocol: TCP
              targetPort: 8080
          type: ClusterIP

        """
        return try YAMLParser.parse(text, file: "service.yaml")[0].root.withoutMarks
    }

    static let reconcileYAML = """
    # Generated by reconcile-bench: one bundle per kind; every manifest names its namespace.
    name: bench

    bundles:
      - name: destinationrules
        path: destinationrules
        labels: { tier: mesh }
      - name: virtualservices
        path: virtualservices
        labels: { tier: mesh }
        needs: [destinationrules]
      - name: peerauthentications
        path: peerauthentications
        labels: { tier: security }
      - name: authorizationpolicies
        path: authorizationpolicies
        labels: { tier: security }
      - name: networkpolicies
        path: networkpolicies
        labels: { tier: network }

    prune: true
    drift: correct

    """

    /// Writes the repository: reconcile.yaml and one file per object.
    func write(to root: String) throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: root)
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Workload.reconcileYAML.write(toFile: root + "/reconcile.yaml", atomically: false, encoding: .utf8)
        var made = Set<String>()
        for object in objects {
            let directory = root + "/" + object.kind.directory + "/" + object.namespace
            if made.insert(directory).inserted { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            try Workload.write(Workload.manifest(object), to: root + "/" + object.path)
        }
    }

    /// Edits `count` manifests in the repository (a spec value per kind); returns their paths.
    func edit(_ count: Int, in root: String, edited: Bool = true) throws -> [String] {
        try editedIndices(count).map { index in
            let object = objects[index]
            try Workload.write(Workload.manifest(object, edited: edited), to: root + "/" + object.path)
            return object.path
        }
    }

    static func write(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw BenchError("cannot write \(path)")
        }
    }
}
