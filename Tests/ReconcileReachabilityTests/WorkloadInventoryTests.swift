import ReconcileReachability
import Testing
import YAML

/// Workloads from live objects: pods grouped by their controller, namespace labels, service
/// account, sidecar, and ports from the pod spec and from Services.
@Suite("Workload inventory")
struct WorkloadInventoryTests {
    static let objects = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, labels: {istio-injection: enabled}}
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata:
          name: web-5d9f
          namespace: shop
          ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true, uid: u1}]
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-5d9f-aaaaa
          namespace: shop
          labels: {app: web, pod-template-hash: 5d9f}
          annotations: {sidecar.istio.io/status: '{"revision":"default"}'}
          ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9f, controller: true, uid: u2}]
        spec:
          serviceAccountName: web
          containers: [{name: web, ports: [{containerPort: 8080, name: http}]}]
        status: {podIPs: [{ip: 10.1.0.5}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-5d9f-bbbbb
          namespace: shop
          labels: {app: web, pod-template-hash: 5d9f}
          annotations: {sidecar.istio.io/status: '{"revision":"default"}'}
          ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9f, controller: true, uid: u2}]
        spec:
          serviceAccountName: web
          containers: [{name: web, ports: [{containerPort: 8080, name: http}]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: api-77c8-ccccc
          namespace: shop
          labels: {app: api, pod-template-hash: 77c8}
          ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-77c8, controller: true, uid: u3}]
        spec:
          containers: [{name: api}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: shop}
        spec:
          selector: {app: api}
          ports: [{port: 80, targetPort: 9000}, {port: 53, targetPort: 5353, protocol: UDP}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: report-2901
          namespace: shop
          ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: report, controller: true, uid: u4}]
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: report-2901-x
          namespace: shop
          labels: {job: report}
          ownerReferences: [{apiVersion: batch/v1, kind: Job, name: report-2901, controller: true, uid: u5}]
        spec: {containers: [{name: report}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: debug, namespace: other, labels: {run: debug}}
        spec: {containers: [{name: debug}]}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: shop}
        spec:
          template:
            metadata: {labels: {app: db}}
            spec: {containers: [{name: db, ports: [{containerPort: 5432, name: tcp-postgres}]}]}
        """

    @Test("pods are grouped by their controller; unowned pods and pod-less templates are workloads too")
    func grouping() throws {
        let nodes = try YAMLParser.parse(Self.objects, file: "snapshot.yaml").map(\.root)
        let namespaces = Dictionary(uniqueKeysWithValues: nodes.filter { $0["kind"]?.string == "Namespace" }
            .map { ($0[path: ["metadata", "name"]]!.string!, $0) })
        let workloads = WorkloadInventory.build(namespaces: namespaces, objects: nodes)
        #expect(workloads.map(\.id.qualified) == [
            "Pod other/debug", "Deployment shop/api", "StatefulSet shop/db", "CronJob shop/report", "Deployment shop/web",
        ])
        let web = try #require(workloads.first { $0.id.name == "web" })
        #expect(web.injected && web.serviceAccount == "web")
        #expect(web.ports == [WorkloadPort(number: 8080, name: "http")])
        #expect(web.podIPs.map(\.description) == ["10.1.0.5"])
        #expect(web.namespaceLabels == ["istio-injection": "enabled", "kubernetes.io/metadata.name": "shop"])
        let api = try #require(workloads.first { $0.id.name == "api" })
        #expect(!api.injected && api.serviceAccount == "default", "Deployment found from the pod-template-hash without its ReplicaSet")
        #expect(api.ports == [WorkloadPort(number: 5353, proto: "UDP"), WorkloadPort(number: 9000)], "target ports of the Service")
        #expect(api.services == ["api"])
        let db = try #require(workloads.first { $0.id.name == "db" })
        #expect(db.injected, "no pod: the template in an injected namespace would get a sidecar")
        #expect(workloads.first { $0.id.name == "debug" }?.namespaceLabels == ["kubernetes.io/metadata.name": "other"])
    }

    @Test("IP addresses and CIDR blocks")
    func addresses() throws {
        let block = try #require(CIDR("10.0.0.0/8"))
        #expect(block.contains(IPAddress("10.255.1.2")!))
        #expect(!block.contains(IPAddress("11.0.0.1")!))
        #expect(CIDR("0.0.0.0/0")!.contains(IPAddress("192.168.1.1")!))
        #expect(CIDR("fd00::/8")!.contains(IPAddress("fd12:3456::1")!))
        #expect(!CIDR("fd00::/8")!.contains(IPAddress("10.0.0.1")!))
        #expect(CIDR("10.0.0.0/33") == nil && CIDR("10.0.0") == nil && IPAddress("1.2.3.256") == nil && IPAddress("1::2::3") == nil)
    }
}
